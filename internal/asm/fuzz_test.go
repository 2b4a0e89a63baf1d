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

// FuzzAssemble: no panic on any source; a success is self-consistent (each
// line's bytes are where its address says in the output) and a failure is a
// positioned diag.ErrorList.
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
		r, err := Assemble("f.asm", src, Options{Org: 0x7E00, Symbols: map[string]int64{"hook_key": 0x7C10}})
		if err != nil {
			var l diag.ErrorList
			if !errors.As(err, &l) || len(l) == 0 {
				t.Fatalf("error %v is not a diag.ErrorList", err)
			}
			lines := bytes.Count(src, []byte("\n")) + 1
			for _, e := range l {
				if e.Pos.File != "f.asm" || e.Pos.Line > lines {
					t.Fatalf("error at %v outside the source (%d lines)", e.Pos, lines)
				}
			}
			return
		}
		for _, l := range r.Lines {
			off := int64(l.Addr) - int64(r.Org)
			if off < 0 || off+int64(len(l.Bytes)) > int64(len(r.Bytes)) || !bytes.Equal(r.Bytes[off:off+int64(len(l.Bytes))], l.Bytes) {
				t.Fatalf("%v: %q: bytes % x are not at %#x in the output", l.Pos, l.Text, l.Bytes, l.Addr)
			}
		}
	})
}
