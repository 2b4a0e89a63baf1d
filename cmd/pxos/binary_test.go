package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var pxosBin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// buildPxos builds the pxos binary once per test process, for the tests and
// benchmarks that run it as a separate process (signals, shell scripts,
// whole-process timings).
func buildPxos(tb testing.TB) string {
	tb.Helper()
	pxosBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "pxos-bin-")
		if err != nil {
			pxosBin.err = err
			return
		}
		pxosBin.path = filepath.Join(dir, "pxos")
		pxosBin.out, pxosBin.err = exec.Command("go", "build", "-o", pxosBin.path, ".").CombinedOutput()
	})
	if pxosBin.err != nil {
		tb.Fatalf("go build: %v\n%s", pxosBin.err, pxosBin.out)
	}
	return pxosBin.path
}
