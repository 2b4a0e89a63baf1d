package optimize

import (
	"io/fs"
	"testing"

	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// BenchmarkPeephole runs the peephole pass over the command parser's
// source (the largest default feature).
func BenchmarkPeephole(b *testing.B) {
	src, err := fs.ReadFile(pxosv1.FS, "features/command_parser/feature.asm")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		Peephole(src)
	}
}
