package listing

import (
	"fmt"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// NASM returns inst, decoded from code (its bytes, starting with its
// prefixes) at addr, in the NASM syntax that package asm and `nasm -f bin`
// accept: "jmp 0x0:0x7c05", "mov byte [0x7c9a], 0x0", "mov ax, [es:di]",
// "rep movsb", lowercase, hexadecimal numbers (unsigned at the operand's
// width), branch targets as absolute addresses.
//
// Where the bytes are not what NASM picks for the plain text, the text says
// so, so that assembling it at addr gives code again: "short" on a short
// jump (a number is never short to NASM), "strict word" on a 16-bit
// immediate that fits a sign-extended byte, "strict byte 0x1" on a C1 shift
// by one, "[byte bx+0x0]" and "[word bx+0x5]" on a displacement longer than
// needed, o32/a32 where no operand shows the prefix. Encodings NASM syntax
// cannot ask for (reg,reg with the direction bit set, the ModRM forms of the
// accumulator and of inc/dec/push/pop on a register, prefixes in another
// order) assemble to other bytes of the same instruction, so Write lists
// them as db; nasmMismatches in nasm_test.go lists every accepted
// difference with its reason.
func NASM(inst x86asm.Inst, code []byte, addr uint32) string {
	f := nasmFormatter{inst: inst, code: code, addr: addr}
	return f.format()
}

type nasmFormatter struct {
	inst x86asm.Inst
	code []byte
	addr uint32
}

// stringOps have implicit operands (ES:DI, DS:SI, AL/AX): NASM writes the
// mnemonic alone, with prefix words for a segment override or a32.
var stringOps = map[x86asm.Op]bool{
	x86asm.MOVSB: true, x86asm.MOVSW: true, x86asm.MOVSD: true,
	x86asm.CMPSB: true, x86asm.CMPSW: true, x86asm.CMPSD: true,
	x86asm.STOSB: true, x86asm.STOSW: true, x86asm.STOSD: true,
	x86asm.LODSB: true, x86asm.LODSW: true, x86asm.LODSD: true,
	x86asm.SCASB: true, x86asm.SCASW: true, x86asm.SCASD: true,
	x86asm.INSB: true, x86asm.INSW: true, x86asm.INSD: true,
	x86asm.OUTSB: true, x86asm.OUTSW: true, x86asm.OUTSD: true,
	x86asm.XLATB: true,
}

// repeOps take repe/repne; the other string operations take rep.
var repeOps = map[x86asm.Op]bool{
	x86asm.CMPSB: true, x86asm.CMPSW: true, x86asm.CMPSD: true,
	x86asm.SCASB: true, x86asm.SCASW: true, x86asm.SCASD: true,
}

// shiftOps count with CL or an immediate, which gives no operand size.
var shiftOps = map[x86asm.Op]bool{
	x86asm.ROL: true, x86asm.ROR: true, x86asm.RCL: true, x86asm.RCR: true,
	x86asm.SHL: true, x86asm.SHR: true, x86asm.SAR: true,
}

// noSizeOps take a memory operand whose size NASM must not be told: an
// address (lea), a far pointer (lds...), a bounds pair.
var noSizeOps = map[x86asm.Op]bool{
	x86asm.LEA: true, x86asm.LDS: true, x86asm.LES: true, x86asm.LSS: true,
	x86asm.LFS: true, x86asm.LGS: true, x86asm.BOUND: true,
}

// nasmNames are the mnemonics NASM spells otherwise than x86asm.
var nasmNames = map[x86asm.Op]string{
	x86asm.LJMP: "jmp", x86asm.LCALL: "call", x86asm.LRET: "retf",
	x86asm.FWAIT: "wait", x86asm.ICEBP: "int1",
}

func (f *nasmFormatter) format() string {
	inst := f.inst
	name := nasmNames[inst.Op]
	if name == "" {
		name = strings.ToLower(inst.Op.String())
	}
	if inst.Op == x86asm.INT && f.opcode() == 0xCC {
		return f.prefixWords() + "int3"
	}
	var args []string
	switch {
	case stringOps[inst.Op]:
		// operands implicit
	case (inst.Op == x86asm.AAM || inst.Op == x86asm.AAD) && f.imm(0) == 10:
		// the default base
	case inst.Op == x86asm.LJMP || inst.Op == x86asm.LCALL:
		if seg, ok := inst.Args[0].(x86asm.Imm); ok {
			off := inst.Args[1].(x86asm.Imm)
			size := ""
			if inst.DataSize == 32 {
				size = "dword "
			}
			args = append(args, fmt.Sprintf("%s0x%x:0x%x", size, uint16(seg), mask(int64(off), inst.DataSize/8)))
			break
		}
		args = append(args, f.operand(0))
	default:
		for i, a := range inst.Args {
			if a == nil {
				break
			}
			args = append(args, f.operand(i))
		}
		if _, ok := inst.Args[0].(x86asm.Reg); ok && inst.Op == x86asm.XCHG && len(args) == 2 && (f.opcode() == 0x86 || f.opcode() == 0x87) {
			// Of two registers, NASM puts the first in the ModRM reg field.
			args[0], args[1] = args[1], args[0]
		}
	}
	s := f.prefixWords() + name
	if len(args) > 0 {
		s += " " + strings.Join(args, ", ")
	}
	return s
}

// opcode returns the first opcode byte, after the prefixes (0x0F for a
// two-byte opcode).
func (f *nasmFormatter) opcode() byte {
	i := f.opcodeAt()
	if i < len(f.code) {
		return f.code[i]
	}
	return 0
}

func (f *nasmFormatter) opcodeAt() int {
	i := 0
	for i < len(f.code) && isPrefixByte(f.code[i]) {
		i++
	}
	return i
}

func isPrefixByte(b byte) bool {
	switch b {
	case 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3:
		return true
	}
	return false
}

// modrm returns the ModRM byte of an instruction that has one.
func (f *nasmFormatter) modrm() (byte, bool) {
	i := f.opcodeAt()
	if i < len(f.code) && f.code[i] == 0x0F {
		i++
	}
	i++
	if i < len(f.code) {
		return f.code[i], true
	}
	return 0, false
}

// segWords are the NASM prefix words of the segment override bytes.
var segWords = map[byte]string{0x26: "es", 0x2E: "cs", 0x36: "ss", 0x3E: "ds", 0x64: "fs", 0x65: "gs"}

// prefixWords spells the prefixes the operands do not show: rep, repe or
// repne, lock, a segment override of a string instruction (or of one
// without a memory operand), and o32/a32 where no operand is 32-bit. They
// come in the order NASM emits them whatever the order of the bytes, so two
// encodings that differ only in prefix order read the same.
func (f *nasmFormatter) prefixWords() string {
	inst := f.inst
	hasMem := false
	for _, a := range inst.Args {
		if _, ok := a.(x86asm.Mem); ok {
			hasMem = true
		}
	}
	var rep, lock, seg, o32, a32 []string
	for _, p := range inst.Prefix {
		if p == 0 {
			break
		}
		b := byte(p)
		switch {
		case b == 0xF0:
			lock = append(lock, "lock")
		case b == 0xF3 && inst.Op == x86asm.PAUSE:
		case b == 0xF3 && repeOps[inst.Op]:
			rep = append(rep, "repe")
		case b == 0xF3:
			rep = append(rep, "rep")
		case b == 0xF2:
			rep = append(rep, "repne")
		case segWords[b] != "":
			if stringOps[inst.Op] || !hasMem || p&x86asm.PrefixIgnored != 0 {
				seg = append(seg, segWords[b])
			}
		case b == 0x66:
			if !f.shows32() {
				o32 = append(o32, "o32")
			}
		case b == 0x67:
			if !f.showsAddr32() {
				a32 = append(a32, "a32")
			}
		}
	}
	var words []string
	for _, w := range [][]string{rep, lock, seg, o32, a32} {
		words = append(words, w...)
	}
	if len(words) == 0 {
		return ""
	}
	return strings.Join(words, " ") + " "
}

// shows32 reports whether the operands or the mnemonic already make the
// operand size 32 bits, so NASM emits the 0x66 prefix by itself.
func (f *nasmFormatter) shows32() bool {
	inst := f.inst
	if inst.DataSize != 32 {
		return false
	}
	switch inst.Op {
	case x86asm.CWDE, x86asm.CDQ, x86asm.PUSHFD, x86asm.POPFD, x86asm.PUSHAD, x86asm.POPAD, x86asm.IRETD,
		x86asm.MOVSD, x86asm.CMPSD, x86asm.STOSD, x86asm.LODSD, x86asm.SCASD, x86asm.INSD, x86asm.OUTSD:
		return true
	case x86asm.PUSH, x86asm.POP, x86asm.CALL, x86asm.JMP, x86asm.LCALL, x86asm.LJMP:
		// push dword 0x1, call dword 0x7c00, jmp dword 0x0:0x7c00, pop
		// dword [bx]: the operand says it; not jmp short or call far [bx]
		for _, a := range inst.Args {
			switch a.(type) {
			case x86asm.Imm:
				return true
			case x86asm.Rel:
				return inst.PCRel == 4
			case x86asm.Mem:
				return inst.Op != x86asm.LCALL && inst.Op != x86asm.LJMP
			}
		}
	}
	if inst.Op == x86asm.MOV && (isSeg(argReg(inst.Args[0])) || isSeg(argReg(inst.Args[1]))) {
		return false // mov es, eax is 8E C0: NASM needs o32 for the 66
	}
	for i, a := range inst.Args {
		switch a := a.(type) {
		case x86asm.Reg:
			if is32(a) {
				return true
			}
		case x86asm.Mem:
			if f.memSize(i) == "dword " {
				return true
			}
		}
	}
	return false
}

// showsAddr32 reports whether a memory operand names 32-bit registers, or
// the mnemonic is jecxz, so NASM emits the 0x67 prefix by itself.
func (f *nasmFormatter) showsAddr32() bool {
	if f.inst.Op == x86asm.JECXZ {
		return true
	}
	for _, a := range f.inst.Args {
		if m, ok := a.(x86asm.Mem); ok && !stringOps[f.inst.Op] && (is32(m.Base) || is32(m.Index)) {
			return true
		}
	}
	return false
}

// argReg returns a as a register, or 0.
func argReg(a x86asm.Arg) x86asm.Reg {
	r, _ := a.(x86asm.Reg)
	return r
}

func isSeg(r x86asm.Reg) bool { return r >= x86asm.ES && r <= x86asm.GS }

func is32(r x86asm.Reg) bool { return r >= x86asm.EAX && r <= x86asm.EDI }

// imm returns argument i as an immediate, or -1.
func (f *nasmFormatter) imm(i int) int64 {
	if v, ok := f.inst.Args[i].(x86asm.Imm); ok {
		return int64(v)
	}
	return -1
}

// argSize is the size in bytes of a register or memory argument, 0 for
// others.
func (f *nasmFormatter) argSize(i int) int {
	switch a := f.inst.Args[i].(type) {
	case x86asm.Reg:
		return regSize(a)
	case x86asm.Mem:
		return f.inst.MemBytes
	}
	return 0
}

func regSize(r x86asm.Reg) int {
	switch {
	case r >= x86asm.AL && r <= x86asm.R15B:
		return 1
	case r >= x86asm.AX && r <= x86asm.R15W, r >= x86asm.ES && r <= x86asm.GS:
		return 2
	case r >= x86asm.EAX && r <= x86asm.R15L:
		return 4
	}
	return 0
}

func mask(v int64, size int) uint64 {
	switch size {
	case 1:
		return uint64(uint8(v))
	case 2:
		return uint64(uint16(v))
	case 4:
		return uint64(uint32(v))
	}
	return uint64(v)
}

func (f *nasmFormatter) operand(i int) string {
	inst := f.inst
	switch a := inst.Args[i].(type) {
	case x86asm.Reg:
		return strings.ToLower(a.String())
	case x86asm.Mem:
		return f.memSize(i) + f.mem(a)
	case x86asm.Imm:
		return f.immediate(i, int64(a))
	case x86asm.Rel:
		return f.branch(int64(a))
	}
	return strings.ToLower(inst.Args[i].String())
}

// immediate prints argument i, an immediate, as the unsigned number of its
// width (x86asm sign-extends: "mov si, 0x8002", not "-0x7ffe"), with
// "strict" when its encoding is longer than NASM's choice.
func (f *nasmFormatter) immediate(i int, v int64) string {
	inst := f.inst
	size := 1
	switch {
	case shiftOps[inst.Op], inst.Op == x86asm.INT, inst.Op == x86asm.IN, inst.Op == x86asm.OUT,
		inst.Op == x86asm.AAM, inst.Op == x86asm.AAD,
		inst.Op == x86asm.BT, inst.Op == x86asm.BTS, inst.Op == x86asm.BTR, inst.Op == x86asm.BTC,
		inst.Op == x86asm.SHLD, inst.Op == x86asm.SHRD:
		size = 1
	case inst.Op == x86asm.ENTER:
		size = 2 - i // enter imm16, imm8
	case inst.Op == x86asm.RET || inst.Op == x86asm.LRET:
		size = 2
	case inst.Op == x86asm.PUSH:
		size = inst.DataSize / 8
	case i > 0:
		size = f.argSize(0)
	}
	if size == 0 {
		size = inst.DataSize / 8
	}
	kw := ""
	if inst.Op == x86asm.PUSH && inst.DataSize == 32 {
		kw = "dword "
	}
	if (f.opcode() == 0xC0 || f.opcode() == 0xC1) && v == 1 {
		kw = "strict byte " // else NASM picks D0/D1, the shift by one
	}
	if f.longImm() && (size == 2 && int16(v) == int16(int8(v)) || size == 4 && int32(v) == int32(int8(v))) {
		kw = "strict " + strings.TrimSpace(sizeWords[size]) + " "
	}
	return fmt.Sprintf("%s0x%x", kw, mask(v, size))
}

// sizeWords are NASM's size keywords by operand size in bytes.
var sizeWords = map[int]string{1: "byte ", 2: "word ", 4: "dword ", 8: "qword ", 10: "tword "}

// longImm reports whether the opcode takes a full-size immediate where a
// sign-extended byte form exists (81 /n, 69, 68, and the accumulator forms
// 05, 0D ... 3D), so a small value needs "strict" to keep its length.
func (f *nasmFormatter) longImm() bool {
	switch op := f.opcode(); op {
	case 0x81, 0x69, 0x68:
		return true
	default:
		return op <= 0x3D && op&7 == 5
	}
}

// branch prints the target of a relative jump or call as an absolute
// address (16-bit code wraps within its segment), with "short" on a short
// jmp or jcc, and "dword" for a 32-bit displacement. NASM never makes a jump
// to a number short by itself: the number is not in the jump's section, so
// its optimiser cannot tell the distance (assemble.c, jmp_match).
func (f *nasmFormatter) branch(rel int64) string {
	inst := f.inst
	next := int64(f.addr) + int64(inst.Len)
	t := next + rel
	if inst.DataSize == 16 {
		t = next&^0xFFFF | t&0xFFFF
	}
	s := fmt.Sprintf("0x%x", t)
	switch op := f.opcode(); {
	case op == 0xEB, op&0xF0 == 0x70:
		return "short " + s
	case inst.PCRel == 4 && (op == 0xE8 || op == 0xE9):
		return "dword " + s
	}
	return s
}

// memSize is the size keyword argument i (a memory operand) needs: none when
// a register operand gives the size or the operand is an address.
func (f *nasmFormatter) memSize(i int) string {
	inst := f.inst
	switch {
	case noSizeOps[inst.Op]:
		return ""
	case inst.Op == x86asm.LJMP || inst.Op == x86asm.LCALL:
		return "far " // m16:32 with o32
	case inst.Op == x86asm.JMP || inst.Op == x86asm.CALL:
		if inst.DataSize == 32 {
			return "dword "
		}
		return ""
	case inst.Op == x86asm.MOVZX || inst.Op == x86asm.MOVSX:
	case shiftOps[inst.Op]:
	default:
		for j, a := range inst.Args {
			if r, ok := a.(x86asm.Reg); ok && j != i && regSize(r) > 0 {
				return ""
			}
		}
	}
	return sizeWords[inst.MemBytes]
}

// mem prints a memory operand: [seg:base+index*scale+disp], with "byte" or
// "word" (16-bit addressing) or "dword" (32-bit) inside the brackets when the
// displacement is longer than NASM would choose.
func (f *nasmFormatter) mem(m x86asm.Mem) string {
	inst := f.inst
	var b strings.Builder
	b.WriteByte('[')
	regs := m.Base != 0 || m.Index != 0
	if regs {
		b.WriteString(f.dispHint(m))
	}
	if m.Segment != 0 {
		b.WriteString(strings.ToLower(m.Segment.String()) + ":")
	}
	width := 2
	if inst.AddrSize == 32 {
		width = 4
	}
	if !regs {
		fmt.Fprintf(&b, "0x%x]", mask(m.Disp, width))
		return b.String()
	}
	sep := ""
	if m.Base != 0 {
		b.WriteString(strings.ToLower(m.Base.String()))
		sep = "+"
	}
	if m.Index != 0 {
		b.WriteString(sep + strings.ToLower(m.Index.String()))
		if m.Scale > 1 {
			fmt.Fprintf(&b, "*%d", m.Scale)
		}
	}
	d := m.Disp
	if width == 2 {
		d = int64(int16(uint16(d)))
	} else {
		d = int64(int32(uint32(d)))
	}
	switch {
	case d < 0 && d >= -0x1000:
		fmt.Fprintf(&b, "-0x%x", -d)
	case d != 0 || f.dispHint(m) != "":
		fmt.Fprintf(&b, "+0x%x", mask(d, width))
	}
	b.WriteByte(']')
	return b.String()
}

// dispHint returns "byte " or "word "/"dword " when the ModRM byte holds a
// displacement of that size where NASM would choose a shorter one (Intel
// SDM vol 2, tables 2-1 and 2-2).
func (f *nasmFormatter) dispHint(m x86asm.Mem) string {
	modrm, ok := f.modrm()
	if !ok {
		return ""
	}
	mod := modrm >> 6
	d, wide := int64(int16(uint16(m.Disp))), "word "
	// A displacement of 0 needs none, except where the form without one
	// means something else: [bp] (16-bit) and [ebp] (32-bit).
	zeroForm := !(m.Base == x86asm.BP && m.Index == 0)
	if f.inst.AddrSize == 32 {
		if m.Base == 0 {
			return "" // [index*scale+disp32] has only the one form
		}
		d, wide, zeroForm = int64(int32(uint32(m.Disp))), "dword ", m.Base != x86asm.EBP
	}
	natural := byte(2)
	switch {
	case d == 0 && zeroForm:
		natural = 0
	case d >= -128 && d <= 127:
		natural = 1
	}
	if mod == 1 && natural != 1 {
		return "byte "
	}
	if mod == 2 && natural != 2 {
		return wide
	}
	return ""
}
