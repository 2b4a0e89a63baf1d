package asm

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/diag"
)

// FuzzAssemble: no panic on any source, with or without Options.NASM; a
// success is self-consistent (each line's bytes are where its address says
// in the output, at most MaxOutput of them, warnings only with NASM and at
// source lines) and a failure is a positioned diag.ErrorList. The corpus
// seeds it with times and resb near the output limit (floppy.asm).
func FuzzAssemble(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.asm")
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
		for _, l := range strings.Split(string(src), "\n") {
			f.Add([]byte(l))
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, nasm := range []bool{false, true} {
			fuzzOne(t, src, Options{Org: 0x7E00, Symbols: map[string]int64{"hook_key": 0x7C10}, NASM: nasm})
		}
	})
}

// fuzzOne checks one assembly of src with opts.
func fuzzOne(t *testing.T, src []byte, opts Options) {
	lines := bytes.Count(src, []byte("\n")) + 1
	r, err := Assemble("f.asm", src, opts)
	if err != nil {
		var l diag.ErrorList
		if !errors.As(err, &l) || len(l) == 0 {
			t.Fatalf("error %v is not a diag.ErrorList", err)
		}
		for _, e := range l {
			if e.Pos.File != "f.asm" || e.Pos.Line > lines {
				t.Fatalf("error at %v outside the source (%d lines)", e.Pos, lines)
			}
		}
		return
	}
	if len(r.Bytes) > MaxOutput {
		t.Fatalf("%d bytes, over MaxOutput", len(r.Bytes))
	}
	if len(r.Warnings) > 0 && !opts.NASM {
		t.Fatalf("warnings without Options.NASM: %v", r.Warnings)
	}
	for _, w := range r.Warnings {
		if w.Pos.File != "f.asm" || w.Pos.Line < 1 || w.Pos.Line > lines {
			t.Fatalf("warning at %v outside the source (%d lines)", w.Pos, lines)
		}
	}
	for _, l := range r.Lines {
		off := int64(l.Addr) - int64(r.Org)
		if off < 0 || off+int64(len(l.Bytes)) > int64(len(r.Bytes)) || !bytes.Equal(r.Bytes[off:off+int64(len(l.Bytes))], l.Bytes) {
			t.Fatalf("%v: %q: bytes % x are not at %#x in the output", l.Pos, l.Text, l.Bytes, l.Addr)
		}
	}
}
