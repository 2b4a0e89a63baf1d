package asm

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// nasmDifferences lists the accepted differences in output from `nasm -f
// bin`, keyed by source line, with the reason. It is empty: every accepted
// line assembles byte-identically. (What nasm accepts and pxos refuses by
// default, such as `mov al, 300`, is listed in the package comment; the
// corpus marks it ERROR, or, in a "; pxos asm --nasm" file, WARNING with the
// bytes nasm makes.)
var nasmDifferences = map[string]string{}

// nasm assembles src with `nasm -f bin` and returns the bytes.
func nasm(t testing.TB, src string) ([]byte, error) {
	t.Helper()
	path := tooltest.Need(t, "nasm")
	dir := t.TempDir()
	in := filepath.Join(dir, "in.asm")
	out := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-f", "bin", "-w-all", "-o", out, in)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("nasm: %v\n%s", err, msg)
	}
	return os.ReadFile(out)
}

// compareNasm assembles src with both assemblers and reports the lines whose
// bytes differ.
func compareNasm(t *testing.T, name, src string) {
	t.Helper()
	compareNasmOpts(t, name, src, src, Options{})
}

// compareNasmOpts assembles src with opts, and nasmSrc with nasm.
func compareNasmOpts(t *testing.T, name, src, nasmSrc string, opts Options) {
	t.Helper()
	want, err := nasm(t, nasmSrc)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	r, err := Assemble(name, []byte(src), opts)
	if err != nil {
		t.Fatalf("%s: we fail where nasm succeeds:\n%v", name, err)
	}
	t.Logf("%s: %d lines, %d bytes", name, len(r.Lines), len(r.Bytes))
	if bytes.Equal(r.Bytes, want) {
		return
	}
	bad := 0
	for _, l := range r.Lines {
		off := int(l.Addr - r.Org)
		end := off + len(l.Bytes)
		var nb []byte
		if off <= len(want) {
			nb = want[off:min(end, len(want))]
		}
		if bytes.Equal(nb, l.Bytes) {
			continue
		}
		if _, ok := nasmDifferences[l.Text]; ok {
			continue
		}
		t.Errorf("%s: %q: got % x, nasm % x", l.Pos, l.Text, l.Bytes, nb)
		if bad++; bad == 20 {
			break
		}
	}
	if bad == 0 {
		t.Errorf("%s: output differs from nasm (got %d bytes, nasm %d) but no line does", name, len(r.Bytes), len(want))
	}
}

// TestNasmCorpus: every accepted line of the corpus assembles as nasm does.
func TestNasmCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.asm")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// Drop the lines expected to fail; keep the numbering.
		lines := strings.Split(string(src), "\n")
		for i, l := range lines {
			if _, ok := expectation(l); ok && strings.Contains(l, "; ERROR") {
				lines[i] = ""
			}
		}
		clean := strings.Join(lines, "\n")
		compareNasmOpts(t, f, clean, clean, corpusOptions(src))
	}
}

// TestNasmRandom: thousands of random instructions of every form, with
// forward and backward jumps of every distance, as nasm assembles them.
func TestNasmRandom(t *testing.T) {
	tooltest.Need(t, "nasm")
	for seed := int64(1); seed <= 6; seed++ {
		g := &gen{r: rand.New(rand.NewSource(seed))}
		src, _ := g.program(3000)
		compareNasm(t, fmt.Sprintf("random-%d.asm", seed), src)
	}
}

// TestNasmPredefined: symbols given in Options assemble as nasm assembles
// the same names defined with equ.
func TestNasmPredefined(t *testing.T) {
	tooltest.Need(t, "nasm")
	g := &gen{r: rand.New(rand.NewSource(99))}
	src, _ := g.program(2000)
	syms := map[string]int64{"N1": 1, "N5": 5, "NB": 0x1234, "NN": -3}
	var ours []string
	for _, l := range strings.Split(src, "\n") {
		if f := strings.Fields(l); len(f) == 3 && f[1] == "equ" && syms[f[0]] != 0 {
			l = "" // keep the line numbers
		}
		ours = append(ours, l)
	}
	compareNasmOpts(t, "predefined.asm", strings.Join(ours, "\n"), src, Options{Symbols: syms})
}
