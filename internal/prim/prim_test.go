package prim

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The seed's example must parse unchanged.
func TestSeedExample(t *testing.T) {
	src := "DEFINE backspace_handler 0x7E00\nWRITE 0x7E00 0xB4    COMMENT mov ah, 0x0E\nWRITE 0x7E01 0x0E\nCALL backspace_handler\n"
	p, err := Parse("seed.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Symbols["backspace_handler"]; s == nil || s.Value != 0x7E00 || s.Pos.Line != 1 {
		t.Fatalf("symbol = %+v", s)
	}
	w := p.Stmts[1]
	if w.Op != OpWrite || w.Addr != 0x7E00 || w.Byte != 0xB4 || w.Comment != "mov ah, 0x0E" {
		t.Fatalf("stmt 2 = %+v", w)
	}
	if p.Stmts[3].Op != OpCall || p.Stmts[3].Label != "backspace_handler" {
		t.Fatalf("stmt 4 = %+v", p.Stmts[3])
	}
}

func TestValues(t *testing.T) {
	src := `# forward references, arithmetic, decimal, case
write later+2 10
DEFINE later base+0x10
define base 0x7E00
WRITE 31744 0xff COMMENT decimal address
WRITE 0x7C01 base-0x7DFF ; inline
`
	p, err := Parse("v.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]uint32
	p.Writes(func(s *Stmt) { got = append(got, [2]uint32{s.Addr, uint32(s.Byte)}) })
	want := [][2]uint32{{0x7E12, 10}, {0x7C00, 0xFF}, {0x7C01, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("writes = %v, want %v", got, want)
	}
	if c := p.Stmts[5].Comment; c != "inline" {
		t.Errorf("comment = %q", c)
	}
}

// FuzzParse: no panic on any input, every error is positioned inside the
// file, and parsing the same input twice gives identical results.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"../build/testdata/good", "../build/testdata/bad"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		for _, fn := range files {
			if b, err := os.ReadFile(fn); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("WRITE a 1\nDEFINE a b+1\nDEFINE b a-1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p1, err1 := Parse("f.txt", src)
		p2, err2 := Parse("f.txt", src)
		if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
			t.Fatalf("two parses disagree: %v / %v", err1, err2)
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		if l, ok := err1.(interface{ Len() int }); ok && l.Len() == 0 {
			t.Fatal("empty error list returned as an error")
		}
		if !reflect.DeepEqual(p1.Stmts, p2.Stmts) {
			t.Fatal("two parses give different statements")
		}
		for _, st := range p1.Stmts {
			if st.Pos.Line < 1 || st.Pos.Line > lines {
				t.Fatalf("statement at line %d of %d", st.Pos.Line, lines)
			}
		}
	})
}

// Issue 15, item 8: a primitives file over MaxSource is refused with its
// size, not parsed.
func TestSourceTooLarge(t *testing.T) {
	_, err := Parse("big.txt", make([]byte, MaxSource+1))
	if err == nil || !strings.Contains(err.Error(), "big.txt: the file is 67108865 bytes; a primitives file is at most 67108864 (64 MiB)") {
		t.Errorf("err = %v", err)
	}
}
