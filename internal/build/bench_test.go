package build

import (
	"io"
	"testing"
)

func BenchmarkBuild32K(b *testing.B) {
	src := BenchSource()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := FromSource("bench.txt", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListing32K(b *testing.B) {
	im, err := FromSource("bench.txt", BenchSource(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := im.WriteListing(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
