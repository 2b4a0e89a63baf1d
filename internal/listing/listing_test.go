package listing

import (
	"bytes"
	"strings"
	"testing"
)

func TestTruncatedAndInvalid(t *testing.T) {
	// mov ax, 0x1234 complete; then B8 34 with its last byte unwritten: x86asm
	// returns Op 0 without an error for the truncated instruction, which must
	// be flagged, not printed as an instruction.
	mem := []byte{0xB8, 0x34, 0x12, 0xB8, 0x34, 0x00}
	written := []bool{true, true, true, true, true, false}
	var out bytes.Buffer
	st, err := Write(&out, Input{Base: 0x7C00, Mem: mem, Written: written})
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "7C00  B8 34 12") || !strings.Contains(got, "mov ax, 0x1234") {
		t.Errorf("complete instruction not listed:\n%s", got)
	}
	if st.Instructions != 1 || st.Invalid != 2 {
		t.Errorf("stats = %+v, want 1 instruction and 2 invalid bytes\n%s", st, got)
	}
	// Both stay bytes pxos asm assembles: db, the mark in a comment.
	if !strings.Contains(got, "7C03  B8                      db 0xB8 ; !! does not decode\n") {
		t.Errorf("truncated instruction not flagged:\n%s", got)
	}
	if !strings.Contains(got, "7C05  ...                     times 1 db 0 ; unwritten byte to 7C05\n") {
		t.Errorf("gap not shown:\n%s", got)
	}
}

func TestSymbolsSourceAndData(t *testing.T) {
	mem := []byte{0xC3, 'h', 'i', 0}
	var out bytes.Buffer
	st, err := Write(&out, Input{
		Base: 0x7E00, Mem: mem,
		Symbols: map[uint32][]string{0x7E00: {"ret_only"}, 0x7E01: {"msg"}},
		Data:    func(a uint32) bool { return a >= 0x7E01 },
		Source: func(a uint32) (string, bool) {
			switch a {
			case 0x7E00:
				return "1: ret", true
			case 0x7E01:
				return "2: db \"hi\", 0", true
			}
			return "", false
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "ret_only:\n7E00  C3                      ret                              | 1: ret\nmsg:\n7E01  68 69 00                db 0x68, 0x69, 0x00              | 2: db \"hi\", 0\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if st.DataBytes != 3 || st.Instructions != 1 {
		t.Errorf("stats = %+v", st)
	}
}

// 16-bit immediates and absolute addresses print unsigned, as written.
func TestUnsigned16(t *testing.T) {
	mem := []byte{
		0xBE, 0x02, 0x80, // mov si, 0x8002
		0xA3, 0x00, 0x80, // mov [0x8000], ax
		0xB0, 0xFF, // mov al, 0xff
		0x8B, 0x46, 0xFE, // mov ax, [bp-2]
	}
	var out bytes.Buffer
	if _, err := Write(&out, Input{Base: 0x7F00, Mem: mem}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"mov si, 0x8002", "0x8000], ax", "mov al, 0xff", "[bp-0x2]"} {
		if !strings.Contains(got, want) {
			t.Errorf("listing lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "-0x7ffe") || strings.Contains(got, "[-0x8000]") {
		t.Errorf("negative 16-bit values in:\n%s", got)
	}
}
