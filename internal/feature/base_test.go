package feature

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/build"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

var update = flag.Bool("update", false, "regenerate pxos-v1.0/pxos_commands.txt from pxos.asm")

// repoV1 is pxos-v1.0 in the source tree, where -update writes.
const repoV1 = "../../pxos-v1.0"

func readV1(t testing.TB, name string) []byte {
	t.Helper()
	b, err := pxosv1.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBaseCommands checks that pxos_commands.txt is what the built-in
// assembler makes of pxos.asm: same bytes at the same addresses, same labels.
func TestBaseCommands(t *testing.T) {
	src := readV1(t, pxosv1.SourceFile)
	res, err := asm.Assemble(pxosv1.SourceFile, src, asm.Options{Org: build.LoadBase})
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		var out bytes.Buffer
		if err := res.Primitives(&out); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(repoV1, pxosv1.CommandsFile), out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("wrote", pxosv1.CommandsFile, "(rebuild the test binary to embed it)")
		return
	}
	cmds := readV1(t, pxosv1.CommandsFile)
	im, err := build.FromSource(pxosv1.CommandsFile, cmds, build.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	const regen = "pxos_commands.txt is stale: regenerate it with `pxos asm pxos.asm --org 0x7C00 -o pxos_commands.txt` in pxos-v1.0 or `go test ./internal/feature -run TestBaseCommands -update`"
	got := im.Floppy[:len(res.Bytes)]
	if !bytes.Equal(got, res.Bytes) {
		i := 0
		for i < len(got) && got[i] == res.Bytes[i] {
			i++
		}
		t.Fatalf("first difference at 0x%04X: commands 0x%02X, pxos.asm 0x%02X\n%s", build.LoadBase+i, got[i], res.Bytes[i], regen)
	}
	if end := build.LoadBase + uint32(len(res.Bytes)); im.Summary.End != end {
		t.Fatalf("commands end at 0x%04X, pxos.asm at 0x%04X\n%s", im.Summary.End, end, regen)
	}
	for _, l := range res.Labels {
		s, ok := im.Program.Symbols[l.Name]
		if !ok || s.Value != l.Addr {
			t.Fatalf("label %s: pxos.asm 0x%04X, commands %v\n%s", l.Name, l.Addr, s, regen)
		}
	}
	if len(im.Program.Symbols) != len(res.Labels) {
		t.Fatalf("commands define %d labels, pxos.asm %d\n%s", len(im.Program.Symbols), len(res.Labels), regen)
	}
}

// TestBaseLayout checks the promises of the API page against the build: the
// slots are where it says, hold the defaults, and the boot sector loads the
// whole feature area.
func TestBaseLayout(t *testing.T) {
	b := v1Base(t)
	sym := func(n string) uint32 {
		s, ok := b.Image.Program.Symbols[n]
		if !ok {
			t.Fatalf("no symbol %s", n)
		}
		return s.Value
	}
	for _, c := range []struct {
		name string
		addr uint32
	}{{"hook_key", 0x7E00}, {"hook_line", 0x7E02}, {"cmd_head", 0x7E04}} {
		if got := sym(c.name); got != c.addr {
			t.Errorf("%s at 0x%04X, want 0x%04X", c.name, got, c.addr)
		}
	}
	if w := b.Image.Word(sym("hook_key")); uint32(w) != sym("no_handler") {
		t.Errorf("hook_key holds 0x%04X, want no_handler 0x%04X", w, sym("no_handler"))
	}
	if w := b.Image.Word(sym("hook_line")); uint32(w) != sym("no_handler") {
		t.Errorf("hook_line holds 0x%04X, want no_handler", w)
	}
	if w := b.Image.Word(sym("cmd_head")); w != 0 {
		t.Errorf("cmd_head holds 0x%04X, want 0", w)
	}
	// no_handler is clc; ret.
	nh := sym("no_handler") - build.LoadBase
	if got := b.Image.Floppy[nh : nh+2]; !bytes.Equal(got, []byte{0xF8, 0xC3}) {
		t.Errorf("no_handler is % X, want F8 C3 (clc; ret)", got)
	}
	free := b.Image.Summary.Free
	if len(free) != 1 || free[0].Start != sym("base_end") || free[0].End != build.LoadEnd {
		t.Errorf("free ranges %v, want [base_end 0x%04X, 0x10000)", free, sym("base_end"))
	}
	res, err := asm.Assemble(pxosv1.SourceFile, readV1(t, pxosv1.SourceFile), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Symbols["LOAD_SECTORS"]; 0x7E00+n*512 != build.LoadEnd {
		t.Errorf("the boot sector loads %d sectors: 0x7E00-0x%04X, want through 0xFFFF", n, 0x7E00+n*512-1)
	}
}

var apiRow = regexp.MustCompile("(?m)^\\|\\s*`([a-z_]+)`\\s*\\|\\s*0x([0-9A-Fa-f]{4})\\s*\\|")

// TestAPIPage checks every address the API page (README.md) gives against
// the build, so the page the model reads stays exact.
func TestAPIPage(t *testing.T) {
	b := v1Base(t)
	page := readV1(t, pxosv1.APIFile)
	rows := apiRow.FindAllSubmatch(page, -1)
	if len(rows) < 15 {
		t.Fatalf("found %d address rows in the API page, want at least 15", len(rows))
	}
	for _, r := range rows {
		name := string(r[1])
		want, _ := strconv.ParseUint(string(r[2]), 16, 32)
		s, ok := b.Image.Program.Symbols[name]
		if !ok {
			t.Errorf("API page lists %s, which the build does not define", name)
			continue
		}
		if uint64(s.Value) != want {
			t.Errorf("API page: %s at 0x%04X, the build has 0x%04X", name, want, s.Value)
		}
	}
	// The memory map's first free byte and base code range.
	end := b.Image.Program.Symbols["base_end"].Value
	for _, want := range []string{
		fmt.Sprintf("0x7e10-0x%04x", end-1),
		fmt.Sprintf("0x%04x-0xffff", end),
	} {
		if !bytes.Contains(bytes.ToLower(page), []byte(want)) {
			t.Errorf("API page memory map lacks %q", want)
		}
	}
}

func v1Base(t testing.TB) *Base {
	t.Helper()
	b, err := NewBase(pxosv1.CommandsFile, readV1(t, pxosv1.CommandsFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
