package listing_test

import (
	"io"
	"testing"

	"github.com/pxos-dev/pxos/internal/listing"
)

// BenchmarkListing4 lists pxOS grown with its four default features, as
// pxos disasm lists the image file (raw) and as pxos build --listing lists
// the build (source).
func BenchmarkListing4(b *testing.B) {
	_, full := v1Builds(b)
	b.Run("raw", func(b *testing.B) {
		in := rawInput(full.Image.Floppy)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := listing.Write(io.Discard, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("source", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := full.Image.WriteListing(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
