package asm

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

// x86asmName maps our mnemonics to the name x86asm decodes them as, where
// they differ (condition-code aliases, far forms, NASM-only spellings).
func x86asmName(text string) string {
	f := strings.Fields(strings.ToLower(text))
	for len(f) > 1 && (prefixBytes[f[0]] != 0 || regs[f[0]] != nil) {
		f = f[1:]
	}
	m := f[0]
	far := strings.Contains(text, "far") || strings.Contains(text, ":") && !strings.Contains(text, "[")
	canon := map[string]string{
		"o": "o", "no": "no", "b": "b", "c": "b", "nae": "b", "ae": "ae", "nb": "ae", "nc": "ae",
		"e": "e", "z": "e", "ne": "ne", "nz": "ne", "be": "be", "na": "be", "a": "a", "nbe": "a",
		"s": "s", "ns": "ns", "p": "p", "pe": "p", "np": "np", "po": "np",
		"l": "l", "nge": "l", "ge": "ge", "nl": "ge", "le": "le", "ng": "le", "g": "g", "nle": "g",
	}
	switch {
	case strings.Join(f, " ") == "xchg ax, ax", strings.Join(f, " ") == "xchg eax, eax": // 90 is nop
		return "NOP"
	case m == "jmp" && far:
		return "LJMP"
	case m == "call" && far:
		return "LCALL"
	case m == "retf":
		return "LRET"
	case m == "sal":
		return "SHL"
	case m == "loopz":
		return "LOOPE"
	case m == "loopnz":
		return "LOOPNE"
	case m == "xlat":
		return "XLATB"
	case m == "int3":
		return "INT"
	case m == "wait":
		return "FWAIT"
	case m == "pushad":
		return "PUSHAD"
	case strings.HasPrefix(m, "set") && canon[m[3:]] != "":
		return "SET" + strings.ToUpper(canon[m[3:]])
	case strings.HasPrefix(m, "j") && canon[m[1:]] != "":
		return "J" + strings.ToUpper(canon[m[1:]])
	}
	return strings.ToUpper(m)
}

var wordRE = regexp.MustCompile(`[a-z]+`)

// TestRoundTrip decodes every generated instruction with x86asm (16-bit)
// and checks it is one whole instruction with the same mnemonic and the
// same registers.
func TestRoundTrip(t *testing.T) {
	g := &gen{r: rand.New(rand.NewSource(7))}
	src, ins := g.program(4000)
	r, err := Assemble("rt.asm", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Lines) != len(ins) {
		t.Fatalf("%d lines for %d instructions", len(r.Lines), len(ins))
	}
	bad := 0
	for i, l := range r.Lines {
		if l.Text != ins[i] {
			t.Fatalf("line %d is %q, want %q", i, l.Text, ins[i])
		}
		if f := strings.Fields(l.Text)[0]; dataWidth[f] != 0 || f == "times" {
			continue // data, or repeated instructions
		}
		inst, err := x86asm.Decode(l.Bytes, 16)
		// x86asm returns Op 0 without an error for truncated input.
		if err == nil && inst.Op == 0 {
			err = errTruncated
		}
		var why string
		switch {
		case err != nil:
			why = err.Error()
		case inst.Len != len(l.Bytes):
			why = "decodes as a shorter instruction"
		case inst.Op.String() != x86asmName(l.Text):
			why = "mnemonic " + inst.Op.String() + ", want " + x86asmName(l.Text)
		case inst.Op == x86asm.NOP:
		default:
			have := map[string]bool{}
			for _, a := range inst.Args {
				switch a := a.(type) {
				case x86asm.Reg:
					have[strings.ToLower(a.String())] = true
				case x86asm.Mem:
					for _, r := range []x86asm.Reg{a.Segment, a.Base, a.Index} {
						if r != 0 {
							have[strings.ToLower(r.String())] = true
						}
					}
				}
			}
			for _, w := range wordRE.FindAllString(strings.ToLower(l.Text), -1) {
				if r := regs[w]; r != nil && !have[w] && !strings.Contains(l.Text, w+":") && !(r.seg && strings.HasPrefix(l.Text, w+" ")) {
					why = "register " + w + " missing"
				}
			}
		}
		if why != "" {
			t.Errorf("%q: % x decodes as %q: %s", l.Text, l.Bytes, inst, why)
			if bad++; bad > 30 {
				t.FailNow()
			}
		}
	}
}

var errTruncated = errorString("truncated instruction")

type errorString string

func (e errorString) Error() string { return string(e) }
