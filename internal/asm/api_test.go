package asm

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/diag"
)

func TestResult(t *testing.T) {
	src := "COUNT equ 3\nmain:\n  mov cx, COUNT ; loop count\n.again:\n  loop .again\nmsg: db 'ok', 0\n"
	r, err := Assemble("r.asm", []byte(src), Options{Org: 0x7E00})
	if err != nil {
		t.Fatal(err)
	}
	if r.Org != 0x7E00 {
		t.Errorf("Org = %#x, want 0x7E00", r.Org)
	}
	wantSyms := map[string]int64{"COUNT": 3, "main": 0x7E00, "main.again": 0x7E03, "msg": 0x7E05}
	if !reflect.DeepEqual(r.Symbols, wantSyms) {
		t.Errorf("Symbols = %v, want %v", r.Symbols, wantSyms)
	}
	wantLabels := []Symbol{
		{"main", 0x7E00, diag.Pos{File: "r.asm", Line: 2}},
		{"main.again", 0x7E03, diag.Pos{File: "r.asm", Line: 4}},
		{"msg", 0x7E05, diag.Pos{File: "r.asm", Line: 6}},
	}
	if !reflect.DeepEqual(r.Labels, wantLabels) {
		t.Errorf("Labels = %v, want %v", r.Labels, wantLabels)
	}
	wantLines := []Line{
		{0x7E00, []byte{0xB9, 3, 0}, diag.Pos{File: "r.asm", Line: 3}, "mov cx, COUNT", false},
		{0x7E03, []byte{0xE2, 0xFE}, diag.Pos{File: "r.asm", Line: 5}, "loop .again", false},
		{0x7E05, []byte{'o', 'k', 0}, diag.Pos{File: "r.asm", Line: 6}, "msg: db 'ok', 0", true},
	}
	if !reflect.DeepEqual(r.Lines, wantLines) {
		t.Errorf("Lines = %v, want %v", r.Lines, wantLines)
	}
	if want := []byte{0xB9, 3, 0, 0xE2, 0xFE, 'o', 'k', 0}; !bytes.Equal(r.Bytes, want) {
		t.Errorf("Bytes = % x, want % x", r.Bytes, want)
	}
}

func TestPrimitives(t *testing.T) {
	src := "start:\n  mov ax, 0x1234   ; comment\nodd?name: ret\n"
	r, err := Assemble("p.asm", []byte(src), Options{Org: 0x7E00})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Primitives(&b); err != nil {
		t.Fatal(err)
	}
	want := `DEFINE start 0x7E00
# label odd?name = 0x7E03
WRITE 0x7E00 0xB8 COMMENT mov ax, 0x1234
WRITE 0x7E01 0x34
WRITE 0x7E02 0x12
WRITE 0x7E03 0xC3 COMMENT odd?name: ret
`
	if b.String() != want {
		t.Errorf("Primitives:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestPredefined: Options.Symbols act as equ constants (plain numbers, so
// calls to them are near and small ones use the imm8 forms); a source label
// of the same name shadows them; they are not part of Result.Symbols.
func TestPredefined(t *testing.T) {
	syms := map[string]int64{"print": 0x7C50, "hook_key": 0x7C10, "small": 4, "shadowed": 1}
	src := "call print\nmov bx, [hook_key]\nadd ax, small\nmov ax, shadowed\nshadowed:\n"
	r, err := Assemble("s.asm", []byte(src), Options{Org: 0x7E00, Symbols: syms})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0xE8, 0x4D, 0xFE, // call 0x7C50 from 0x7E03
		0x8B, 0x1E, 0x10, 0x7C, // mov bx, [0x7C10]
		0x83, 0xC0, 0x04, // add ax, 4 (sign-extended imm8)
		0xB8, 0x0D, 0x7E, // the source's own label
	}
	if !bytes.Equal(r.Bytes, want) {
		t.Errorf("got % x, want % x", r.Bytes, want)
	}
	if _, ok := r.Symbols["print"]; ok {
		t.Errorf("predefined symbol in Result.Symbols: %v", r.Symbols)
	}
}

// TestAllErrors: every error is reported, sorted by line, as a
// diag.ErrorList whose entries carry the source line.
func TestAllErrors(t *testing.T) {
	src := "mov ax, nope1\nnop\nfoo bar\nmov al, 999\njmp nope2\n"
	_, err := Assemble("e.asm", []byte(src), Options{})
	var l diag.ErrorList
	if !errors.As(err, &l) {
		t.Fatalf("error %T %v is not a diag.ErrorList", err, err)
	}
	var lines []int
	for _, e := range l {
		lines = append(lines, e.Pos.Line)
		if e.Src == "" || e.Pos.File != "e.asm" {
			t.Errorf("error %q lacks its position or source", e.Error())
		}
	}
	if !reflect.DeepEqual(lines, []int{1, 3, 4, 5}) {
		t.Errorf("errors at lines %v, want [1 3 4 5]:\n%v", lines, err)
	}
	if !strings.Contains(err.Error(), "e.asm:1: undefined symbol \"nope1\"\n\tmov ax, nope1") {
		t.Errorf("error text:\n%v", err)
	}
}

// TestLineEndings: CRLF sources and a UTF-8 byte order mark assemble like
// plain LF sources, and line numbers stay right.
func TestLineEndings(t *testing.T) {
	lf := "start:\n  mov ax, 1\n  jmp start\n  db 'x'\n"
	want, err := Assemble("lf.asm", []byte(lf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	crlf := "\ufeff" + strings.ReplaceAll(lf, "\n", "\r\n")
	got, err := Assemble("crlf.asm", []byte(crlf), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes, want.Bytes) {
		t.Errorf("CRLF: % x, LF: % x", got.Bytes, want.Bytes)
	}
	if l := got.Lines[2]; l.Pos.Line != 4 || l.Text != "db 'x'" {
		t.Errorf("third line = %+v, want line 4 \"db 'x'\"", l)
	}
}

// TestReserveIsWritten: resb and align in code produce zero/nop bytes that
// the primitives write, so the builder sees the buffer as used; .bss gets
// addresses only.
func TestReserveIsWritten(t *testing.T) {
	src := "nop\nbuf: resb 2\nalign 4\nsection .bss\nbig: resb 100\n"
	r, err := Assemble("r.asm", []byte(src), Options{Org: 0x8000})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := r.Primitives(&b); err != nil {
		t.Fatal(err)
	}
	want := `DEFINE buf 0x8001
DEFINE big 0x8004
WRITE 0x8000 0x90 COMMENT nop
WRITE 0x8001 0x00 COMMENT buf: resb 2
WRITE 0x8002 0x00
WRITE 0x8003 0x90 COMMENT align 4
`
	if b.String() != want {
		t.Errorf("Primitives:\n%s\nwant:\n%s", b.String(), want)
	}
}

// Issue 15, item 2: an expression nested 130,000 levels deep (a model's
// answer did it) is a positioned error, not a stack overflow.
func TestDeepExpression(t *testing.T) {
	for _, src := range []string{
		"mov ax, " + strings.Repeat("(", 130000) + "1" + strings.Repeat(")", 130000) + "\n",
		"mov ax, " + strings.Repeat("-", 130000) + "1\n",
		"dw " + strings.Repeat("1 ? ", 130000) + "1" + strings.Repeat(" : 2", 130000) + "\n",
	} {
		_, err := Assemble("deep.asm", []byte(src), Options{Org: 0x7C00})
		if err == nil || !strings.Contains(err.Error(), "nested deeper than 256 levels") || !strings.Contains(err.Error(), "deep.asm:1") {
			t.Errorf("err = %.200v", err)
		}
	}
	// Real nesting still assembles.
	if _, err := Assemble("ok.asm", []byte("mov ax, ((((1+2)*3)-4)<<1)\n"), Options{Org: 0x7C00}); err != nil {
		t.Error(err)
	}
}

// Issue 15, item 8: a source over MaxSource is refused with its size,
// before anything is allocated for it.
func TestSourceTooLarge(t *testing.T) {
	_, err := Assemble("big.asm", make([]byte, MaxSource+1), Options{Org: 0x7C00})
	if err == nil || !strings.Contains(err.Error(), "big.asm: the source is 4194305 bytes; pxos assembles at most 4194304 (4 MiB)") {
		t.Errorf("err = %v", err)
	}
}

// Issue 15, item 9: shift counts are taken modulo 64, as nasm does
// (nasm -f bin of the same lines gives 01 00 02 00 00 01 fe ff).
func TestShiftModulo64(t *testing.T) {
	res, err := Assemble("sh.asm", []byte("dw 1<<64\ndw 1<<65\ndw 256>>64\ndw -8>>>66\n"), Options{Org: 0x7C00})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("% x", res.Bytes), "01 00 02 00 00 01 fe ff"; got != want {
		t.Errorf("bytes %s, want %s", got, want)
	}
}

// Issue 17, item 17: the output is bounded by MaxOutput (16 MiB): times,
// resb and their products beyond it are one positioned error, reported
// before anything of that size is allocated, and never a hang; up to it,
// padding is a copy (a 1.44 MB floppy is in the corpus, floppy.asm).
func TestOutputLimit(t *testing.T) {
	for _, tc := range []struct{ src, err string }{
		{"times 16777216 db 0\n", ""},
		{"times 16777217 db 0\n", "times count 16777217 is larger than the output limit (16777216 bytes, 16 MiB)"},
		{"times 0x7fffffffffffffff nop\n", "is larger than the output limit"},
		{"db 1\ntimes 16777216 db 0\n", "the output would be larger than 16777216 bytes (16 MiB)"},
		{"times 9000000 dw 0\n", "the output would be larger than"},
		{"times 4000000 db 'abcdefgh'\n", "the output would be larger than"},
		{"times 100 resb 1000000\n", "the output would be larger than"},
		{"resq 0x300000\n", "the output would be larger than"},
		{"resb 0x7fffffffffff\n", "reserve count 140737488355327 out of range"},
		{"times 6000000 jmp $\n", "the output would be larger than"}, // assembled one by one: relative
		{"x: times 6000000 jmp x+2\n", "the output would be larger than"},
		{"section .bss\ntimes 16777216 resb 2\n", "the output would be larger than"},
	} {
		start := time.Now()
		r, err := Assemble("big.asm", []byte(tc.src), Options{Org: 0x7C00})
		t.Logf("%q: %v", tc.src, time.Since(start))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%q: %v", tc.src, err)
		case tc.err == "" && len(r.Bytes) != MaxOutput:
			t.Errorf("%q: %d bytes, want %d", tc.src, len(r.Bytes), MaxOutput)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), "big.asm:") || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: err = %v, want %q", tc.src, err, tc.err)
		case tc.err != "" && len(errorList(err)) != 1:
			t.Errorf("%q: %d errors, want 1:\n%v", tc.src, len(errorList(err)), err)
		}
	}
}

// Issue 17: Options.NASM lets through what nasm accepts, with warnings of
// the last pass only (one per line and kind), sorted; without it the same
// lines are refused, and a result has no warnings. An org after code
// warns each time, the same origin again included.
func TestNASMOption(t *testing.T) {
	src := "jmp short fwd\norg 0x7c00\nfwd: db fwd+0x100\nmov cs, ax\nmov al, 300\norg 0x7c00\n"
	lines := func(l diag.ErrorList) (n []int) {
		for _, e := range l {
			n = append(n, e.Pos.Line)
		}
		return n
	}
	want := []int{2, 3, 4, 5, 6}
	if _, err := Assemble("n.asm", []byte(src), Options{}); !reflect.DeepEqual(lines(errorList(err)), want) {
		t.Errorf("default: want errors at lines %v, got\n%v", want, err)
	}
	r, err := Assemble("n.asm", []byte(src), Options{NASM: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprintf("% x", r.Bytes), "eb 00 02 8e c8 b0 2c"; got != want {
		t.Errorf("bytes %s, want %s (nasm -f bin)", got, want)
	}
	if got := lines(r.Warnings); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings at lines %v, want %v:\n%v", got, want, r.Warnings)
	}
	if r, err := Assemble("n.asm", []byte("mov al, 3\n"), Options{}); err != nil || r.Warnings != nil {
		t.Errorf("default: %v, warnings %v", err, r.Warnings)
	}
}
