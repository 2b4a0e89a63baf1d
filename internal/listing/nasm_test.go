package listing_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/listing"
	"github.com/pxos-dev/pxos/internal/tooltest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// roundTrip is one instruction taken through listing.NASM and back through
// package asm.
type roundTrip struct {
	code []byte
	inst x86asm.Inst
	text string
	back []byte // what asm assembled text to; nil on error
	err  error  // asm's error
}

// newRoundTrip decodes the instruction code holds at addr, prints it and
// assembles the text at addr.
func newRoundTrip(code []byte, addr uint32) (*roundTrip, error) {
	inst, err := x86asm.Decode(code, 16)
	if err == nil && (inst.Op == 0 || inst.Len != len(code)) {
		err = fmt.Errorf("decodes as %d of its %d bytes", inst.Len, len(code))
	}
	if err != nil {
		return nil, err
	}
	rt := &roundTrip{code: code, inst: inst, text: listing.NASM(inst, code, addr)}
	r, err := asm.Assemble("listing.asm", []byte(rt.text+"\n"), asm.Options{Org: addr})
	if err != nil {
		rt.err = err
	} else {
		rt.back = r.Bytes
	}
	return rt, nil
}

func (rt *roundTrip) same() bool { return rt.err == nil && bytes.Equal(rt.back, rt.code) }

// backText is how the listing prints what asm assembled, "" when that is not
// one whole instruction.
func (rt *roundTrip) backText(addr uint32) string {
	if rt.err != nil || len(rt.back) == 0 {
		return ""
	}
	inst, err := x86asm.Decode(rt.back, 16)
	if err != nil || inst.Op == 0 || inst.Len != len(rt.back) {
		return ""
	}
	return listing.NASM(inst, rt.back, addr)
}

// prefixLen is the number of prefix bytes rt.code starts with.
func (rt *roundTrip) prefixLen() int {
	i := 0
	for i < len(rt.code) && strings.IndexByte("\x26\x2e\x36\x3e\x64\x65\x66\x67\xf0\xf2\xf3", rt.code[i]) >= 0 {
		i++
	}
	return i
}

// prefixes counts the segment overrides among rt's prefixes and reports
// which prefix bytes it has.
func (rt *roundTrip) prefixes() (segs int, has func(byte) bool) {
	pre := rt.code[:rt.prefixLen()]
	for _, b := range pre {
		if strings.IndexByte("\x26\x2e\x36\x3e\x64\x65", b) >= 0 {
			segs++
		}
	}
	return segs, func(b byte) bool { return bytes.IndexByte(pre, b) >= 0 }
}

// nasmMismatches is the one place that lists why an instruction's NASM
// text may assemble to other bytes than it was decoded from. Each entry
// names the instructions it accepts; any other difference fails the tests.
// (The model: allowedMismatchObjdump in golang.org/x/arch/x86/x86asm.)
var nasmMismatches = []struct {
	name, why string
	match     func(rt *roundTrip) bool
}{
	{"other encoding", `the same instruction in another encoding, which NASM syntax cannot ask for: reg,reg with the direction bit set (8B C3 for mov ax, bx; NASM writes 89 D8), the ModRM forms of a register's inc/dec/push/pop/xchg/mov imm (FF C0 for 40), the ModRM forms of the accumulator (88 06 for A2, F6 C0 for A8, 81 C0 for 05), setcc's ignored reg field, and prefixes in another order than NASM's (rep, lock, segment, 66, 67)`,
		func(rt *roundTrip) bool { return rt.backText(0x7C00) == rt.text && samePrefixes(rt.code, rt.back) }},
	{"repeated prefix", "a prefix repeated: the CPU ignores the repeat; NASM emits each prefix once (and warns)",
		func(rt *roundTrip) bool {
			seen := map[byte]bool{}
			for _, b := range rt.code[:rt.prefixLen()] {
				if seen[b] {
					return true
				}
				seen[b] = true
			}
			return false
		}},
	{"xchg ax, ax", "87 C0 is xchg ax, ax, which NASM assembles to its one-byte form 90, nop",
		func(rt *roundTrip) bool {
			return rt.inst.Op == x86asm.XCHG && bytes.HasSuffix(rt.code, []byte{0x87, 0xC0})
		}},
	{"two segment overrides", "the CPU uses one of two segment overrides; NASM syntax has room for one",
		func(rt *roundTrip) bool { n, _ := rt.prefixes(); return n > 1 }},
	{"o32 jcc near", "jcc with a 32-bit displacement (66 0F 8x): NASM has no syntax for it in 16-bit code (its o32 jcc near emits a 16-bit one)",
		func(rt *roundTrip) bool {
			_, has := rt.prefixes()
			return has(0x66) && rt.inst.PCRel == 4 && bytes.Contains(rt.code, []byte{0x0F})
		}},
	{"a32 bare address", "a32 with an address and no register ([dword 0x...]): pxos asm takes a dword displacement only with 32-bit registers",
		func(rt *roundTrip) bool {
			_, has := rt.prefixes()
			for _, a := range rt.inst.Args {
				if m, ok := a.(x86asm.Mem); ok && m.Base == 0 && m.Index == 0 && has(0x67) {
					return true
				}
			}
			return false
		}},
	{"mov cs", "pxos asm refuses mov cs, which NASM emits with a warning and which is invalid after the 8086",
		func(rt *roundTrip) bool { return rt.inst.Op == x86asm.MOV && rt.inst.Args[0] == x86asm.CS }},
	{"not in pxos asm", "an instruction outside pxos asm's language (package asm's doc): the x87 FPU, MMX/SSE and system instructions (mov cr0, wbinvd...), which it takes for a label or a symbol, the hinting nop 0F 1F, and movzx/movsx from a word into a 16-bit register",
		func(rt *roundTrip) bool {
			if rt.err == nil {
				return len(rt.back) == 0
			}
			e := rt.err.Error()
			op := rt.inst.Op
			return strings.Contains(e, "unknown mnemonic") || strings.Contains(e, "undefined symbol") ||
				strings.Contains(e, "invalid combination") && (op == x86asm.NOP || op == x86asm.MOVZX || op == x86asm.MOVSX)
		}},
}

// mismatchReason names the entry of nasmMismatches that accepts rt, or "".
func mismatchReason(rt *roundTrip) string {
	for _, m := range nasmMismatches {
		if m.match(rt) {
			return m.name
		}
	}
	return ""
}

// samePrefixes reports whether a and b start with the same prefix bytes in
// any order: an encoding that differs in more than their order lost or
// gained a prefix, whatever its text says.
func samePrefixes(a, b []byte) bool {
	pa := []byte(string(a[:(&roundTrip{code: a}).prefixLen()]))
	pb := []byte(string(b[:(&roundTrip{code: b}).prefixLen()]))
	sort.Slice(pa, func(i, j int) bool { return pa[i] < pa[j] })
	sort.Slice(pb, func(i, j int) bool { return pb[i] < pb[j] })
	return bytes.Equal(pa, pb)
}

func (rt *roundTrip) String() string {
	if rt.err != nil {
		return fmt.Sprintf("% X => %q => %v", rt.code, rt.text, rt.err)
	}
	return fmt.Sprintf("% X => %q => % X", rt.code, rt.text, rt.back)
}

// TestNASMForms checks testdata/nasm.txt, a table of every operand form: the
// text listing.NASM prints for each instruction, and that package asm (and
// nasm -f bin, when installed) assembles it at the same address to the same
// bytes, or to the bytes the line says with a reason in nasmMismatches.
func TestNASMForms(t *testing.T) {
	data, err := os.ReadFile("testdata/nasm.txt")
	if err != nil {
		t.Fatal(err)
	}
	var exact []*roundTrip
	for i, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		pos := fmt.Sprintf("nasm.txt:%d", i+1)
		h, want, ok := strings.Cut(l, "=>")
		if !ok {
			t.Fatalf("%s: no =>", pos)
		}
		code, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		if err != nil {
			t.Fatalf("%s: %v", pos, err)
		}
		want, other, mismatch := strings.Cut(want, "!=")
		want, other = strings.TrimSpace(want), strings.TrimSpace(other)
		rt, err := newRoundTrip(code, 0x7C00)
		if err != nil {
			t.Errorf("%s: % X: %v", pos, code, err)
			continue
		}
		if rt.text != want {
			t.Errorf("%s: % X prints %q, want %q", pos, code, rt.text, want)
		}
		switch {
		case !mismatch && rt.same():
			exact = append(exact, rt)
		case !mismatch:
			t.Errorf("%s: %v: does not round-trip", pos, rt)
		case rt.same():
			t.Errorf("%s: %v: round-trips; drop the != mark", pos, rt)
		case strings.HasPrefix(other, "error "):
			if msg := strings.Trim(strings.TrimPrefix(other, "error "), `"`); rt.err == nil || !strings.Contains(rt.err.Error(), msg) {
				t.Errorf("%s: %v: want error %q", pos, rt, msg)
			}
		case fmt.Sprintf("% X", rt.back) != other || rt.err != nil:
			t.Errorf("%s: %v, want %s", pos, rt, other)
		}
		if mismatch && mismatchReason(rt) == "" {
			t.Errorf("%s: %v: no reason in nasmMismatches", pos, rt)
		}
	}
	if len(exact) < 200 {
		t.Errorf("only %d instructions round-trip", len(exact))
	}
	t.Run("nasm", func(t *testing.T) { checkNasm(t, exact) })
}

// checkNasm assembles the texts with nasm -f bin, each in a section of its
// own starting at 0x7C00, and compares the bytes.
func checkNasm(t *testing.T, rts []*roundTrip) {
	path := tooltest.Need(t, "nasm")
	dir := t.TempDir()
	var src strings.Builder
	src.WriteString("bits 16\n")
	for i, rt := range rts {
		fmt.Fprintf(&src, "section s%d align=1 vstart=0x7c00\n%s\n", i, rt.text)
	}
	in, out := filepath.Join(dir, "forms.asm"), filepath.Join(dir, "forms.bin")
	if err := os.WriteFile(in, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(path, "-f", "bin", "-o", out, in).CombinedOutput(); err != nil {
		t.Fatalf("nasm: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range rts {
		n := len(rt.code)
		if len(got) < n || !bytes.Equal(got[:n], rt.code) {
			t.Fatalf("nasm assembles %q to % X..., want % X", rt.text, got[:min(n, len(got))], rt.code)
		}
		got = got[n:]
	}
}

// v1Builds builds pxOS v1.0 and pxOS grown with its four default
// features (backspace, command_parser, help, clear), as pxos feature install
// does.
func v1Builds(tb testing.TB) (base, full *feature.Base) {
	tb.Helper()
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		tb.Fatal(err)
	}
	base, err = feature.NewBase(pxosv1.CommandsFile, src)
	if err != nil {
		tb.Fatal(err)
	}
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err == nil {
		specs, err = feature.Order(specs)
	}
	if err != nil {
		tb.Fatal(err)
	}
	full, _, err = base.InstallAll(specs)
	if err != nil {
		tb.Fatal(err)
	}
	return base, full
}

// rawInput is the listing input pxos disasm makes of an image file: the
// image loaded at 0x7C00 without its trailing zeros, the boot signature as
// data.
func rawInput(img []byte) listing.Input {
	end := len(img)
	for end > 0 && img[end-1] == 0 {
		end--
	}
	sig := func(a uint32) bool { return a == build.SigAddr || a == build.SigAddr+1 }
	return listing.Input{Base: build.LoadBase, Mem: img[:end], Data: sig}
}

// rowAddr is the address that starts a row of a listing; the disassembly
// column starts at byte 30, after the bytes column, and ends at " | ".
var (
	rowAddr   = regexp.MustCompile(`^[0-9A-F]{4}  `)
	labelLine = regexp.MustCompile(`^[^\s:]+:$`)
)

// checkColumn checks the disassembly column of lst, a listing of mem at
// base: each row's column, assembled alone with package asm at the row's
// address, gives the row's bytes (with those of its continuation rows, which
// have no text); the bytes column shows mem; the rows cover mem in order;
// and the whole column, as one file with org base, assembles to mem. It
// returns the number of rows that hold an instruction.
func checkColumn(t *testing.T, lst string, base uint32, mem []byte) (instructions int) {
	t.Helper()
	var file strings.Builder
	next := base // the address the next row must have
	end := base  // the end of the bytes of the last row with text
	for _, l := range strings.Split(strings.TrimSuffix(lst, "\n"), "\n") {
		if l == "" && lst == "" {
			break // nothing listed
		}
		if !rowAddr.MatchString(l) {
			if !labelLine.MatchString(l) {
				t.Errorf("neither a row nor a label: %q", l)
			}
			continue
		}
		var addr uint32
		fmt.Sscanf(l[:4], "%X", &addr)
		col, bytesCol := "", strings.TrimSpace(l[6:min(len(l), 29)])
		if len(l) > 30 {
			col, _, _ = strings.Cut(l[30:], " | ")
		}
		if len(l) > 29 && l[29] != ' ' {
			t.Errorf("%s: the bytes column runs into the disassembly column", l)
		}
		if addr != next {
			t.Fatalf("%s: row at %04X, want %04X", l, addr, next)
		}
		if col == "" {
			// The rest of the bytes of the instruction above.
			code, err := hex.DecodeString(strings.ReplaceAll(bytesCol, " ", ""))
			if err != nil || len(code) == 0 || addr+uint32(len(code)) > end || !bytes.Equal(code, mem[addr-base:addr-base+uint32(len(code))]) {
				t.Errorf("%s: a row without text that does not continue the row above", l)
				return
			}
			next += uint32(len(code))
			file.WriteString("\n")
			continue
		}
		if next != end {
			t.Fatalf("%s: the row above holds %d more bytes than it shows", l, end-next)
		}
		r, err := asm.Assemble("listing.asm", []byte(col+"\n"), asm.Options{Org: addr})
		if err != nil {
			t.Errorf("%s: %v", l, err)
			return
		}
		o := addr - base
		if len(r.Bytes) == 0 || int(o)+len(r.Bytes) > len(mem) || !bytes.Equal(r.Bytes, mem[o:o+uint32(len(r.Bytes))]) {
			t.Errorf("%s: assembles to % X, want % X...", l, r.Bytes, mem[o:min(int(o)+len(r.Bytes), len(mem))])
			return
		}
		end = addr + uint32(len(r.Bytes))
		shown := r.Bytes
		if bytesCol != "..." {
			code, err := hex.DecodeString(strings.ReplaceAll(bytesCol, " ", ""))
			if err != nil || !bytes.HasPrefix(r.Bytes, code) || len(code) < min(len(r.Bytes), 8) {
				t.Errorf("%s: shows bytes %q, assembles to % X", l, bytesCol, r.Bytes)
			}
			shown = code
		} else if !strings.HasPrefix(col, "times ") {
			t.Errorf("%s: no bytes shown", l)
		}
		next = addr + uint32(len(shown))
		if !strings.HasPrefix(col, "db ") && !strings.HasPrefix(col, "times ") {
			instructions++
		}
		file.WriteString(col + "\n")
	}
	if next != end || end != base+uint32(len(mem)) {
		t.Errorf("the rows end at %04X (bytes shown to %04X), the memory at %04X", end, next, base+uint32(len(mem)))
	}
	r, err := asm.Assemble("column.asm", []byte(file.String()), asm.Options{Org: base})
	switch {
	case err != nil:
		t.Errorf("the column as one file: %v", err)
	case !bytes.Equal(r.Bytes, mem):
		i := 0
		for i < len(r.Bytes) && i < len(mem) && r.Bytes[i] == mem[i] {
			i++
		}
		t.Errorf("the column as one file assembles to %d bytes, %d from %04X on, want %d", len(r.Bytes), len(r.Bytes)-i, base+uint32(i), len(mem))
	}
	return instructions
}

// listingOf lists in and checks its disassembly column.
func listingOf(t *testing.T, in listing.Input) (string, listing.Stats) {
	t.Helper()
	var lst bytes.Buffer
	st, err := listing.Write(&lst, in)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkColumn(t, lst.String(), in.Base, in.Mem); n != st.Instructions {
		t.Errorf("%d instruction rows, stats say %d", n, st.Instructions)
	}
	return lst.String(), st
}

// randomBytes are n random bytes, the same on every run.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// TestNASMImage lists pxOS v1.0, and pxOS grown with the four default
// features, as pxos build --listing (and pxos disasm FILE.txt) does and as
// pxos disasm does an image file, and 4 KiB of random bytes at 0x7E00, as
// an image and as a build with holes, data and labels: every row's
// disassembly column assembles at its address to the row's bytes, and the
// column as one file to the whole memory (checkColumn).
func TestNASMImage(t *testing.T) {
	base, full := v1Builds(t)
	for _, c := range []struct {
		name string
		b    *feature.Base
	}{{"base", base}, {"features", full}} {
		t.Run(c.name+"/source", func(t *testing.T) {
			var lst bytes.Buffer
			st, err := c.b.Image.WriteListing(&lst)
			if err != nil {
				t.Fatal(err)
			}
			if st.Invalid != 0 {
				t.Errorf("%d bytes do not decode", st.Invalid)
			}
			mem := c.b.Image.Floppy[:c.b.Image.Summary.End-build.LoadBase]
			if n := checkColumn(t, lst.String(), build.LoadBase, mem); n != st.Instructions {
				t.Errorf("%d instruction rows, stats say %d", n, st.Instructions)
			}
			t.Logf("%d instructions assemble back to their bytes, %d listed as db", st.Instructions, st.AsBytes)
		})
		t.Run(c.name+"/image", func(t *testing.T) {
			_, st := listingOf(t, rawInput(c.b.Image.Floppy))
			t.Logf("%d instructions assemble back to their bytes, %d listed as db", st.Instructions, st.AsBytes)
		})
	}
	random := randomBytes(4096, 1)
	t.Run("random/image", func(t *testing.T) {
		_, st := listingOf(t, listing.Input{Base: 0x7E00, Mem: random})
		t.Logf("%+v", st)
		if st.AsBytes == 0 || st.Instructions < 1000 {
			t.Errorf("random bytes: %+v, want instructions and some listed as db", st)
		}
	})
	t.Run("random/build", func(t *testing.T) {
		// Unwritten holes (zero, as in a build, and two that are not),
		// a data item and labels, as a primitives file gives them.
		mem := append([]byte(nil), random...)
		written := make([]bool, len(mem))
		r := rand.New(rand.NewPCG(2, 1))
		for i := range written {
			written[i] = true
		}
		for i := 0; i < len(mem); i += 30 + r.IntN(100) {
			for j := i; j < min(len(mem), i+1+r.IntN(20)); j++ {
				written[j], mem[j] = false, 0
			}
		}
		mem[100], written[100] = 0x90, false
		mem[len(mem)-1], written[len(mem)-1] = 0xC3, false
		syms := map[uint32][]string{}
		for a := uint32(0x7E00); a < 0x7E00+uint32(len(mem)); a += 61 {
			syms[a] = []string{fmt.Sprintf("l%X", a)}
		}
		_, st := listingOf(t, listing.Input{
			Base: 0x7E00, Mem: mem, Written: written, Symbols: syms,
			Data: func(a uint32) bool { return a >= 0x7F00 && a < 0x7F40 },
		})
		t.Logf("%+v", st)
	})
}

// FuzzListing lists arbitrary bytes, seeded with the encodings of
// testdata/nasm.txt: the disassembly column assembles back to them.
func FuzzListing(f *testing.F) {
	data, err := os.ReadFile("testdata/nasm.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if h, _, ok := strings.Cut(l, "=>"); ok && !strings.HasPrefix(l, "#") {
			if code, err := hex.DecodeString(strings.ReplaceAll(h, " ", "")); err == nil {
				f.Add(code)
			}
		}
	}
	f.Add([]byte{})
	f.Add(randomBytes(64, 3))
	f.Fuzz(func(t *testing.T, mem []byte) {
		if len(mem) > 1024 {
			mem = mem[:1024] // each row is assembled alone: keep runs fast
		}
		listingOf(t, listing.Input{Base: 0x7E00, Mem: mem})
	})
}

// TestNASMSweep decodes every one-byte and 0F opcode, bare and after each
// kind of prefix, with ModRM bytes of every addressing form and
// immediates/displacements after them, and takes each instruction through
// listing.NASM and package asm: it gives back its bytes, or a reason in
// nasmMismatches accepts the difference.
func TestNASMSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("sweeps 16,000 encodings")
	}
	fill := []byte{0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0, 0x11, 0x22, 0x33, 0x44}
	modrms := []byte{0x00, 0x06, 0x07, 0x0E, 0x40, 0x46, 0x5F, 0x80, 0x86, 0x97, 0xC0, 0xC8, 0xD9, 0xE3, 0xF8, 0xFF, 0x38, 0x78, 0xB8, 0x04, 0x44, 0x84, 0x05, 0x45}
	prefixes := [][]byte{nil, {0x66}, {0x67}, {0x66, 0x67}, {0x26}, {0x2E}, {0x64}, {0xF3}, {0xF2}, {0xF0}, {0x66, 0x26}}
	seen := map[string]bool{}
	exact := 0
	byReason := map[string][]string{}
	lst := newSweepListing(t)
	for _, pre := range prefixes {
		for op := 0; op < 512; op++ {
			opc := []byte{byte(op)}
			if op >= 256 {
				opc = []byte{0x0F, byte(op)}
			}
			for _, m := range modrms {
				code := append(append(append(append([]byte(nil), pre...), opc...), m), fill...)
				inst, err := x86asm.Decode(code, 16)
				if err != nil || inst.Op == 0 {
					continue
				}
				code = code[:inst.Len]
				if seen[string(code)] {
					continue
				}
				seen[string(code)] = true
				rt, err := newRoundTrip(code, 0x7C00)
				if err != nil {
					t.Fatal(err)
				}
				lst.add(rt)
				if rt.same() {
					exact++
					continue
				}
				why := mismatchReason(rt)
				if why == "" {
					t.Errorf("%v", rt)
					continue
				}
				byReason[why] = append(byReason[why], rt.String())
			}
		}
	}
	lst.flush()
	t.Logf("%d of %d encodings round-trip", exact, len(seen))
	var names []string
	for n := range byReason {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%s: %d, e.g. %s", n, len(byReason[n]), byReason[n][0])
	}
}

// sweepListing lists the encodings of TestNASMSweep one after the other, in
// blocks of 4 KiB at 0x7E00 (all written, so no zeros are collapsed), and
// checks each listing: the column assembles as one file to the block, and
// an instruction without a relative operand (whose text and bytes do not
// depend on its address) is listed as an instruction exactly when its text
// assembles alone to its bytes, as db otherwise.
type sweepListing struct {
	t     *testing.T
	mem   []byte
	rts   []*roundTrip
	asDB  int
	lists int
}

func newSweepListing(t *testing.T) *sweepListing { return &sweepListing{t: t} }

func (s *sweepListing) add(rt *roundTrip) {
	if len(s.mem)+len(rt.code) > 4096 {
		s.flush()
	}
	s.mem = append(s.mem, rt.code...)
	s.rts = append(s.rts, rt)
}

func (s *sweepListing) flush() {
	t := s.t
	if len(s.mem) == 0 {
		return
	}
	const base = 0x7E00
	written := make([]bool, len(s.mem))
	for i := range written {
		written[i] = true
	}
	var out bytes.Buffer
	st, err := listing.Write(&out, listing.Input{Base: base, Mem: s.mem, Written: written})
	if err != nil {
		t.Fatal(err)
	}
	var file strings.Builder
	asDB := map[uint32]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		col := ""
		if len(l) > 30 {
			col = l[30:]
		}
		file.WriteString(col + "\n")
		if strings.HasPrefix(col, "db ") && strings.Contains(col, " ; ") {
			var addr uint32
			fmt.Sscanf(l[:4], "%X", &addr)
			asDB[addr] = true
		}
	}
	r, err := asm.Assemble("column.asm", []byte(file.String()), asm.Options{Org: base})
	if err != nil || !bytes.Equal(r.Bytes, s.mem) {
		t.Fatalf("the column of the listing does not assemble back (%v):\n%s", err, out.String())
	}
	addr := uint32(base)
	for _, rt := range s.rts {
		branch := false
		for _, a := range rt.inst.Args {
			if _, ok := a.(x86asm.Rel); ok {
				branch = true
			}
		}
		if !branch && asDB[addr] == rt.same() {
			t.Errorf("%v: at %04X listed as db %v", rt, addr, asDB[addr])
		}
		addr += uint32(len(rt.code))
	}
	if st.Invalid != 0 || st.Instructions+st.AsBytes != len(s.rts) {
		t.Errorf("%+v for %d encodings", st, len(s.rts))
	}
	s.asDB += st.AsBytes
	s.lists++
	s.mem, s.rts = s.mem[:0], s.rts[:0]
	if s.lists == 1 {
		t.Cleanup(func() { t.Logf("listed in %d blocks: %d as db", s.lists, s.asDB) })
	}
}
