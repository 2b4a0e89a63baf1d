package feature

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/tooltest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func nasmBin(t *testing.T, nasm, name string, src []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, name+".asm"), filepath.Join(dir, name+".bin")
	if err := os.WriteFile(in, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(nasm, "-f", "bin", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("nasm %s: %v\n%s", name, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNasm checks the base and every default feature against nasm -f bin:
// the source is plain NASM and means the same to both assemblers. Features
// get the build's symbols as equ lines and an org at their install address.
func TestNasm(t *testing.T) {
	nasm := tooltest.Need(t, "nasm")
	src := readV1(t, pxosv1.SourceFile)
	res, err := asm.Assemble(pxosv1.SourceFile, src, asm.Options{Org: build.LoadBase})
	if err != nil {
		t.Fatal(err)
	}
	if got := nasmBin(t, nasm, "pxos", src); !bytes.Equal(got, res.Bytes) {
		t.Errorf("pxos.asm: nasm gives %d bytes, asm %d, or they differ", len(got), len(res.Bytes))
	}
	base := v1Base(t)
	specs, err := Order(v1Specs(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range specs {
		inst, err := base.Install(f, 0)
		if err != nil {
			t.Fatal(err)
		}
		var pre bytes.Buffer
		fmt.Fprintf(&pre, "bits 16\norg 0x%X\n", inst.Addr)
		syms := base.Symbols()
		for _, h := range inst.Hooks {
			syms[PrevPrefix+h.Slot] = int64(h.Old)
		}
		names := make([]string, 0, len(syms))
		for n := range syms {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if !bytes.ContainsRune([]byte(n), '.') {
				fmt.Fprintf(&pre, "%s equ 0x%X\n", n, syms[n])
			}
		}
		got := nasmBin(t, nasm, f.Name, append(pre.Bytes(), f.Source...))
		if !bytes.Equal(got, inst.Result.Bytes) {
			t.Errorf("%s: nasm and asm differ:\nnasm % X\nasm  % X", f.Name, got, inst.Result.Bytes)
		}
		if base, err = base.Apply(inst); err != nil {
			t.Fatal(err)
		}
	}
}
