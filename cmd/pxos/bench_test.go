package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/pxos-dev/pxos/internal/build"
)

// BenchmarkBuildProcess measures the whole `pxos build` process (start-up,
// parse, build, writing and syncing pxos.img and pxos.bin) on the issue's
// 32,768-line input, as a user runs it. Compare with the seed's Python
// builder (0.160 s median here).
func BenchmarkBuildProcess(b *testing.B) {
	dir := b.TempDir()
	bin := buildPxos(b)
	in := filepath.Join(dir, "cmds.txt")
	if err := os.WriteFile(in, build.BenchSource(), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		cmd := exec.Command(bin, "build", "-i", in, "-o", filepath.Join(dir, "pxos.img"), "--bin", filepath.Join(dir, "pxos.bin"))
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("pxos build: %v\n%s", err, out)
		}
	}
}
