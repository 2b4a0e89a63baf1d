package asm

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// benchSource is a generated 10,000-instruction program (seeded, so every
// run measures the same source).
func benchSource() string {
	g := &gen{r: rand.New(rand.NewSource(42))}
	src, _ := g.program(10000)
	return src
}

// BenchmarkAssemble measures the library on the 10,000-line source.
func BenchmarkAssemble(b *testing.B) {
	src := []byte(benchSource())
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Assemble("bench.asm", src, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNasm measures the whole `nasm -f bin` process on the same source,
// for comparison with BenchmarkAssemble.
func BenchmarkNasm(b *testing.B) {
	path := tooltest.Need(b, "nasm")
	src := []byte(benchSource())
	dir := b.TempDir()
	in := filepath.Join(dir, "bench.asm")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(path, "-f", "bin", "-w-all", "-o", filepath.Join(dir, "bench.bin"), in)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("nasm: %v\n%s", err, out)
		}
	}
}
