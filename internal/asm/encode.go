package asm

import (
	"fmt"
)

// arg is an operand evaluated in the current pass.
type arg struct {
	*operand
	v  value // immediate, displacement or far offset
	sv value // far segment
	ea *ea32 // 32-bit effective address, resolved in this pass
}

func (a *arg) isReg() bool  { return a.kind == oReg && !a.reg.seg }
func (a *arg) isSeg() bool  { return a.kind == oReg && a.reg.seg }
func (a *arg) isRM() bool   { return a.isReg() || a.kind == oMem }
func (a *arg) isAcc() bool  { return a.isReg() && a.reg.num == 0 }
func (a *arg) regNum() int  { return a.reg.num }
func (a *arg) isMem() bool  { return a.kind == oMem }
func (a *arg) isImm() bool  { return a.kind == oImm }
func (a *arg) isCL() bool   { return a.isReg() && a.reg.size == 1 && a.reg.num == 1 }
func (a *arg) isDX() bool   { return a.isReg() && a.reg.size == 2 && a.reg.num == 2 }
func (a *arg) direct() bool { return a.kind == oMem && len(a.regs) == 0 }
func (a *arg) opSize() int {
	if a.kind == oReg {
		return a.reg.size
	}
	return a.size
}

// encoder builds one instruction. Prefixes are kept apart from the code and
// emitted in NASM's order: lock/rep, segment override, 0x66, 0x67.
type encoder struct {
	addr     uint32 // address of the instruction's first byte
	final    bool   // report range errors
	long     bool   // sticky: use near jumps (stops oscillation between passes)
	choseFar bool   // a jump chose its long form in this pass
	rep      []byte
	seg      int
	o32, a32 bool
	code     []byte

	nasm  bool     // Options.NASM: truncate with a warning instead of refusing
	warns []string // what nasm mode let through
	cpu   uint8    // the cpu level in effect
	need  uint8    // the level a 32-bit operand size (or jecxz) needs
	pcRel bool     // the bytes depend on the instruction's address
}

// size32 selects a 32-bit operand size (0x66), which needs a 386. The
// o32 and a32 prefix words and 32-bit addressing do not count towards the
// cpu level, as in NASM, which checks only the instruction's template.
func (e *encoder) size32() {
	e.o32 = true
	e.need = max(e.need, cpu386)
}

// overflow reports a value that does not fit its field: an error, or with
// Options.NASM a warning, NASM's truncation (-w+number-overflow) having
// been emitted already by the caller.
func (e *encoder) overflow(n int64, size int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if e.nasm {
		e.warns = append(e.warns, fmt.Sprintf("%s: truncated to %#x, as nasm does", msg, truncate(n, size)))
		return nil
	}
	return fmt.Errorf("%s", msg)
}

// truncate is n cut to its low size bytes.
func truncate(n int64, size int) uint64 {
	if size >= 8 {
		return uint64(n)
	}
	return uint64(n) & (1<<(8*size) - 1)
}

type encodeFunc func(e *encoder, args []*arg) error

var errCombo = fmt.Errorf("invalid combination of opcode and operands")

var errSegConflict = fmt.Errorf("instruction has conflicting segment overrides")

func errSizeMismatch() error { return fmt.Errorf("mismatch in operand sizes") }
func errNoSize() error {
	return fmt.Errorf("operation size not specified (write byte, word or dword before the memory operand)")
}

func (e *encoder) prefixLen() int {
	n := len(e.rep)
	if e.seg >= 0 {
		n++
	}
	if e.o32 {
		n++
	}
	if e.a32 {
		n++
	}
	return n
}

func (e *encoder) appendTo(dst []byte) []byte {
	// NASM puts rep/repne before lock whatever the source order.
	for _, b := range e.rep {
		if b != 0xF0 {
			dst = append(dst, b)
		}
	}
	for _, b := range e.rep {
		if b == 0xF0 {
			dst = append(dst, b)
		}
	}
	if e.seg >= 0 {
		dst = append(dst, segPrefix[e.seg])
	}
	if e.o32 {
		dst = append(dst, 0x66)
	}
	if e.a32 {
		dst = append(dst, 0x67)
	}
	return append(dst, e.code...)
}

func (e *encoder) op(b ...byte) { e.code = append(e.code, b...) }

func (e *encoder) setSize(sz int) error {
	switch sz {
	case 1, 2:
	case 4:
		e.size32()
	case 0:
		return errNoSize()
	default:
		return fmt.Errorf("operand size %d not supported", sz)
	}
	return nil
}

func w(sz int) byte {
	if sz == 1 {
		return 0
	}
	return 1
}

// fits reports whether v can be stored in size bytes as a signed or
// unsigned number. NASM only warns and truncates beyond that; we refuse.
func fits(n int64, size int) bool {
	switch size {
	case 1:
		return n >= -128 && n <= 255
	case 2:
		return n >= -32768 && n <= 65535
	case 4:
		return n >= -(1<<31) && n <= 1<<32-1
	}
	return true
}

func sizeName(sz int) string {
	switch sz {
	case 1:
		return "byte"
	case 2:
		return "word"
	case 4:
		return "dword"
	}
	return "qword"
}

// imm appends v as a little-endian immediate of size bytes.
func (e *encoder) imm(v value, size int) error {
	n := uint64(v.n)
	for i := 0; i < size; i++ {
		e.code = append(e.code, byte(n>>(8*i)))
	}
	if e.final && !v.unknown && !fits(v.n, size) {
		return e.overflow(v.n, size, "value %d out of range for a %s", v.n, sizeName(size))
	}
	return nil
}

// sbyte reports whether NASM would pick the sign-extended imm8 form for an
// immediate used with an operand of sz bytes: a plain number whose value,
// truncated to sz, is within -128..127 (parser.c: (uint16_t)(n+128) <= 255),
// or a forward reference in an early pass (NASM is optimistic), never with
// `strict`. An explicit `byte` forces it.
func sbyte(a *arg, sz int) bool {
	if a.strict {
		return a.size == 1
	}
	if a.size == 1 {
		return true
	}
	if a.v.unknown {
		return true
	}
	if a.v.rel != 0 {
		return false
	}
	if sz == 4 {
		return uint32(a.v.n+128) <= 255
	}
	return uint16(a.v.n+128) <= 255
}

// sbyteImm appends an sign-extended imm8, checking its range.
func (e *encoder) sbyteImm(a *arg) error {
	e.code = append(e.code, byte(a.v.n))
	if e.final && a.size == 1 && !a.v.unknown && !(a.v.n >= -128 && a.v.n <= 255) {
		return e.overflow(a.v.n, 1, "value %d out of range for a signed byte", a.v.n)
	}
	return nil
}

// modrm appends the ModRM byte, and displacement, addressing a with the
// given reg field (Intel SDM vol 2, table 2-1, 16-bit addressing).
func (e *encoder) modrm(a *arg, reg int) error {
	if a.kind == oReg {
		e.code = append(e.code, byte(0xC0|reg<<3|a.reg.num))
		return nil
	}
	if a.kind != oMem {
		return errCombo
	}
	if a.sreg >= 0 {
		if e.seg >= 0 {
			return errSegConflict
		}
		e.seg = a.sreg
	}
	if a.eaExpr != nil {
		return e.modrm32(a, reg)
	}
	rm, _ := eaRM(a.regs)
	d := a.v
	if rm < 0 {
		e.code = append(e.code, byte(reg<<3|6))
		return e.disp16(d)
	}
	d16 := int64(int16(uint16(d.n)))
	switch {
	case a.dispSize == 1:
		e.code = append(e.code, byte(0x40|reg<<3|rm), byte(d16))
		if e.final && !d.unknown && (d16 < -128 || d16 > 127 || !fits(d.n, 2)) {
			return e.overflow(d.n, 1, "displacement %d out of range for a byte", d.n)
		}
		return nil
	case a.dispSize == 2:
	case d.simple() && d16 == 0 && rm != 6:
		e.code = append(e.code, byte(reg<<3|rm))
		return nil
	case d.simple() && d16 >= -128 && d16 <= 127:
		e.code = append(e.code, byte(0x40|reg<<3|rm), byte(d16))
		if e.final && !fits(d.n, 2) {
			return e.overflow(d.n, 2, "displacement %d out of range", d.n)
		}
		return nil
	}
	e.code = append(e.code, byte(0x80|reg<<3|rm))
	return e.disp16(d)
}

func (e *encoder) disp16(d value) error {
	e.code = append(e.code, byte(d.n), byte(d.n>>8))
	if e.final && !d.unknown && !fits(d.n, 2) {
		return e.overflow(d.n, 2, "displacement %d out of range", d.n)
	}
	return nil
}

// size2 finds the operation size from two operands: registers and sized
// memory must agree; an immediate's size is used only when nothing else
// gives one.
func size2(a, b *arg) (int, error) {
	sa, sb := 0, 0
	if a.kind == oReg || a.kind == oMem {
		sa = a.opSize()
	}
	if b.kind == oReg || b.kind == oMem {
		sb = b.opSize()
	}
	switch {
	case sa != 0 && sb != 0 && sa != sb:
		return 0, errSizeMismatch()
	case sa != 0:
		return sa, nil
	case sb != 0:
		return sb, nil
	}
	if b.kind == oImm && b.size != 0 {
		return b.size, nil
	}
	return 0, errNoSize()
}

func nargs(args []*arg, n ...int) error {
	for _, k := range n {
		if len(args) == k {
			return nil
		}
	}
	return errCombo
}

// encFixed is an instruction without operands.
func encFixed(o32 bool, b ...byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if len(args) != 0 {
			return errCombo
		}
		if o32 {
			e.size32()
		}
		e.op(b...)
		return nil
	}
}

func encPrefixOnly(e *encoder, args []*arg) error { return nil }

// encALU: add or adc sbb and sub xor cmp (opcode group 1, /n).
func encALU(n byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 2); err != nil {
			return err
		}
		d, s := args[0], args[1]
		switch {
		case d.isRM() && s.isReg():
			sz, err := size2(d, s)
			if err != nil {
				return err
			}
			e.setSize(sz)
			e.op(n*8 + w(sz))
			return e.modrm(d, s.regNum())
		case d.isReg() && s.isMem():
			sz, err := size2(d, s)
			if err != nil {
				return err
			}
			e.setSize(sz)
			e.op(n*8 + 2 + w(sz))
			return e.modrm(s, d.regNum())
		case d.isRM() && s.isImm():
			sz, err := size2(d, s)
			if err != nil {
				return err
			}
			if err := e.setSize(sz); err != nil {
				return err
			}
			if sz == 1 {
				if d.isAcc() {
					e.op(n*8 + 4)
					return e.imm(s.v, 1)
				}
				e.op(0x80)
				if err := e.modrm(d, int(n)); err != nil {
					return err
				}
				return e.imm(s.v, 1)
			}
			if sbyte(s, sz) {
				e.op(0x83)
				if err := e.modrm(d, int(n)); err != nil {
					return err
				}
				return e.sbyteImm(s)
			}
			if d.isAcc() {
				e.op(n*8 + 5)
				return e.imm(s.v, sz)
			}
			e.op(0x81)
			if err := e.modrm(d, int(n)); err != nil {
				return err
			}
			return e.imm(s.v, sz)
		}
		return errCombo
	}
}

func encMov(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	d, s := args[0], args[1]
	switch {
	case d.isSeg() && (s.isRM()):
		if d.reg.num == 1 {
			// NASM emits 8E /1; it is an invalid opcode on every CPU
			// after the 8086, so refuse it unless asked for nasm's way.
			if !e.nasm {
				return fmt.Errorf("cannot move into cs (use a far jmp to change cs)")
			}
			e.warns = append(e.warns, "mov cs emitted as nasm does; it is an invalid opcode on the 286 and later")
		}
		if s.isReg() && s.reg.size == 1 || s.isMem() && s.size != 0 && s.size != 2 {
			return errSizeMismatch()
		}
		e.op(0x8E)
		return e.modrm(s, d.regNum())
	case s.isSeg() && d.isRM():
		if d.isReg() && d.reg.size == 1 || d.isMem() && d.size != 0 && d.size != 2 {
			return errSizeMismatch()
		}
		if d.isReg() && d.reg.size == 4 {
			e.size32()
		}
		e.op(0x8C)
		return e.modrm(d, s.regNum())
	case d.isReg() && s.isMem(), d.isMem() && s.isReg():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		r, m, load := d, s, true
		if d.isMem() {
			r, m, load = s, d, false
		}
		if r.isAcc() && m.direct() {
			if m.sreg >= 0 {
				if e.seg >= 0 {
					return errSegConflict
				}
				e.seg = m.sreg
			}
			if load {
				e.op(0xA0 + w(sz))
			} else {
				e.op(0xA2 + w(sz))
			}
			return e.disp16(m.v)
		}
		if load {
			e.op(0x8A + w(sz))
		} else {
			e.op(0x88 + w(sz))
		}
		return e.modrm(m, r.regNum())
	case d.isReg() && s.isReg():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		e.op(0x88 + w(sz))
		return e.modrm(d, s.regNum())
	case d.isReg() && s.isImm():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		if sz == 1 {
			e.op(0xB0 + byte(d.regNum()))
		} else {
			e.op(0xB8 + byte(d.regNum()))
		}
		return e.imm(s.v, sz)
	case d.isMem() && s.isImm():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		if err := e.setSize(sz); err != nil {
			return err
		}
		e.op(0xC6 + w(sz))
		if err := e.modrm(d, 0); err != nil {
			return err
		}
		return e.imm(s.v, sz)
	}
	return errCombo
}

func encTest(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	d, s := args[0], args[1]
	switch {
	case d.isRM() && s.isReg(), d.isReg() && s.isMem():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		e.op(0x84 + w(sz))
		if s.isMem() {
			return e.modrm(s, d.regNum())
		}
		return e.modrm(d, s.regNum())
	case d.isRM() && s.isImm():
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		if err := e.setSize(sz); err != nil {
			return err
		}
		if d.isAcc() {
			e.op(0xA8 + w(sz))
			return e.imm(s.v, sz)
		}
		e.op(0xF6 + w(sz))
		if err := e.modrm(d, 0); err != nil {
			return err
		}
		return e.imm(s.v, sz)
	}
	return errCombo
}

func encXchg(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	d, s := args[0], args[1]
	if !(d.isRM() && s.isRM()) || d.isMem() && s.isMem() {
		return errCombo
	}
	sz, err := size2(d, s)
	if err != nil {
		return err
	}
	e.setSize(sz)
	if sz != 1 && d.isReg() && s.isReg() && (d.isAcc() || s.isAcc()) {
		r := d.regNum()
		if d.isAcc() {
			r = s.regNum()
		}
		e.op(0x90 + byte(r))
		return nil
	}
	e.op(0x86 + w(sz))
	if d.isReg() {
		return e.modrm(s, d.regNum())
	}
	return e.modrm(d, s.regNum())
}

// encIncDec: inc (0) and dec (1).
func encIncDec(n byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		d := args[0]
		if !d.isRM() {
			return errCombo
		}
		sz := d.opSize()
		if err := e.setSize(sz); err != nil {
			return err
		}
		if d.isReg() && sz != 1 {
			e.op(0x40 + n*8 + byte(d.regNum()))
			return nil
		}
		e.op(0xFE + w(sz))
		return e.modrm(d, int(n))
	}
}

// encGroup3: not neg mul imul div idiv with one r/m operand (F6/F7 /n).
func encGroup3(n int) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		d := args[0]
		if !d.isRM() {
			return errCombo
		}
		sz := d.opSize()
		if err := e.setSize(sz); err != nil {
			return err
		}
		e.op(0xF6 + w(sz))
		return e.modrm(d, n)
	}
}

func encImul(e *encoder, args []*arg) error {
	switch len(args) {
	case 1:
		return encGroup3(5)(e, args)
	case 2:
		if args[1].isImm() {
			return encImul(e, []*arg{args[0], args[0], args[1]})
		}
		d, s := args[0], args[1]
		if !d.isReg() || !s.isRM() || d.reg.size == 1 {
			return errCombo
		}
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		e.op(0x0F, 0xAF)
		return e.modrm(s, d.regNum())
	case 3:
		d, s, i := args[0], args[1], args[2]
		if !d.isReg() || !s.isRM() || !i.isImm() || d.reg.size == 1 {
			return errCombo
		}
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		e.setSize(sz)
		if sbyte(i, sz) {
			e.op(0x6B)
			if err := e.modrm(s, d.regNum()); err != nil {
				return err
			}
			return e.sbyteImm(i)
		}
		e.op(0x69)
		if err := e.modrm(s, d.regNum()); err != nil {
			return err
		}
		return e.imm(i.v, sz)
	}
	return errCombo
}

// encShift: rol ror rcl rcr shl/sal shr sar (group 2, /n).
func encShift(n int) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 2); err != nil {
			return err
		}
		d, c := args[0], args[1]
		if !d.isRM() {
			return errCombo
		}
		sz := d.opSize()
		if err := e.setSize(sz); err != nil {
			return err
		}
		switch {
		case c.isCL():
			e.op(0xD2 + w(sz))
			return e.modrm(d, n)
		case c.isImm():
			if !c.strict && (c.v.unknown || c.v.rel == 0 && c.v.n == 1) {
				e.op(0xD0 + w(sz))
				return e.modrm(d, n)
			}
			e.op(0xC0 + w(sz))
			if err := e.modrm(d, n); err != nil {
				return err
			}
			return e.imm(c.v, 1)
		}
		return errCombo
	}
}

var pushSeg = [6][]byte{{0x06}, {0x0E}, {0x16}, {0x1E}, {0x0F, 0xA0}, {0x0F, 0xA8}}
var popSeg = [6][]byte{{0x07}, nil, {0x17}, {0x1F}, {0x0F, 0xA1}, {0x0F, 0xA9}}

// stackOp holds the encodings that tell push and pop apart (Intel SDM vol 2:
// PUSH 06.../50+r/FF /6/6A/68, POP 07.../58+r/8F /0; pop has no immediate
// form, and no pop cs: 0F is the two-byte escape on a 286 or later).
type stackOp struct {
	seg    *[6][]byte
	reg    byte // 50 / 58 + register
	mem    byte // FF / 8F
	memReg int  // the ModRM reg field: 6 / 0
	imm    bool
}

var (
	pushOp = stackOp{seg: &pushSeg, reg: 0x50, mem: 0xFF, memReg: 6, imm: true}
	popOp  = stackOp{seg: &popSeg, reg: 0x58, mem: 0x8F, memReg: 0}
)

func encPush(e *encoder, args []*arg) error { return encStack(e, args, pushOp) }
func encPop(e *encoder, args []*arg) error  { return encStack(e, args, popOp) }

func encStack(e *encoder, args []*arg, s stackOp) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	a := args[0]
	switch {
	case a.isSeg():
		op := s.seg[a.regNum()]
		if op == nil {
			// NASM emits 0F with a warning: on a 286 or later that is the
			// two-byte opcode escape, not pop cs.
			if !e.nasm {
				return fmt.Errorf("cannot pop cs (use retf or a far jmp)")
			}
			e.warns = append(e.warns, "pop cs emitted as nasm does (0F); on the 286 and later that is the two-byte opcode escape")
			op = []byte{0x0F}
		}
		e.op(op...)
		return nil
	case a.isReg():
		if a.reg.size == 1 {
			return errCombo
		}
		e.setSize(a.reg.size)
		e.op(s.reg + byte(a.regNum()))
		return nil
	case a.isMem():
		if a.size == 1 {
			return errCombo
		}
		if err := e.setSize(a.size); err != nil {
			return err
		}
		e.op(s.mem)
		return e.modrm(a, s.memReg)
	case a.isImm() && s.imm:
		sz := a.size
		if sz == 0 || sz == 1 {
			sz = 2
		}
		e.setSize(sz)
		if sbyte(a, sz) {
			e.op(0x6A)
			return e.sbyteImm(a)
		}
		e.op(0x68)
		return e.imm(a.v, sz)
	}
	return errCombo
}

// encRegMem: lea, lds, les, lss, lfs, lgs, bound, bsf, bsr: reg16/32, r/m.
func encRegMem(memOnly bool, op ...byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 2); err != nil {
			return err
		}
		d, s := args[0], args[1]
		if !d.isReg() || d.reg.size == 1 || !(s.isMem() || !memOnly && s.isReg()) {
			return errCombo
		}
		if s.isReg() && s.reg.size != d.reg.size {
			return errSizeMismatch()
		}
		e.setSize(d.reg.size)
		e.op(op...)
		return e.modrm(s, d.regNum())
	}
}

// encIn and encOut: in acc, imm8|dx (E4/EC) and out imm8|dx, acc (E6/EE);
// they differ in the opcode base and in which operand is the port.
func encIn(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return encPort(e, args[0], args[1], 0xE4)
}

func encOut(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	return encPort(e, args[1], args[0], 0xE6)
}

// encPort encodes in/out with acc the accumulator, port imm8 or dx, and
// base the imm8 opcode (the dx form is base+8).
func encPort(e *encoder, acc, port *arg, base byte) error {
	if !acc.isAcc() {
		return errCombo
	}
	e.setSize(acc.reg.size)
	switch {
	case port.isImm():
		e.op(base + w(acc.reg.size))
		return e.imm(port.v, 1)
	case port.isDX():
		e.op(base + 8 + w(acc.reg.size))
		return nil
	}
	return errCombo
}

// encRet: ret/retf: C3/CB, or C2/CA iw with a stack adjustment.
func encRet(op byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 0, 1); err != nil {
			return err
		}
		if len(args) == 0 {
			e.op(op + 1)
			return nil
		}
		if !args[0].isImm() {
			return errCombo
		}
		e.op(op)
		return e.imm(args[0].v, 2)
	}
}

func encInt(e *encoder, args []*arg) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	if !args[0].isImm() {
		return errCombo
	}
	e.op(0xCD)
	return e.imm(args[0].v, 1)
}

func encEnter(e *encoder, args []*arg) error {
	if err := nargs(args, 2); err != nil {
		return err
	}
	if !args[0].isImm() || !args[1].isImm() {
		return errCombo
	}
	e.op(0xC8)
	if err := e.imm(args[0].v, 2); err != nil {
		return err
	}
	return e.imm(args[1].v, 1)
}

func encAAx(op byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 0, 1); err != nil {
			return err
		}
		e.op(op)
		if len(args) == 0 {
			e.op(10)
			return nil
		}
		if !args[0].isImm() {
			return errCombo
		}
		return e.imm(args[0].v, 1)
	}
}

// encMovx: movzx (0F B6) and movsx (0F BE).
func encMovx(op byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 2); err != nil {
			return err
		}
		d, s := args[0], args[1]
		if !d.isReg() || d.reg.size == 1 || !s.isRM() {
			return errCombo
		}
		ss := s.opSize()
		if ss == 0 {
			ss = 1
		}
		if ss >= d.reg.size {
			return errCombo
		}
		e.setSize(d.reg.size)
		e.op(0x0F, op+w(ss))
		return e.modrm(s, d.regNum())
	}
}

func encSetcc(cc byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		a := args[0]
		if !a.isRM() || a.opSize() > 1 {
			return errCombo
		}
		e.op(0x0F, 0x90+cc)
		return e.modrm(a, 0)
	}
}

// encBt: bt bts btr btc (0F A3/AB/B3/BB /r, 0F BA /4../7 ib).
func encBt(op byte, n int) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 2); err != nil {
			return err
		}
		d, s := args[0], args[1]
		if !d.isRM() {
			return errCombo
		}
		switch {
		case s.isReg():
			sz, err := size2(d, s)
			if err != nil {
				return err
			}
			if sz == 1 {
				return errCombo
			}
			e.setSize(sz)
			e.op(0x0F, op)
			return e.modrm(d, s.regNum())
		case s.isImm():
			sz := d.opSize()
			if sz == 1 {
				return errCombo
			}
			if err := e.setSize(sz); err != nil {
				return err
			}
			e.op(0x0F, 0xBA)
			if err := e.modrm(d, n); err != nil {
				return err
			}
			return e.imm(s.v, 1)
		}
		return errCombo
	}
}

// encShxd: shld (0F A4/A5) and shrd (0F AC/AD).
func encShxd(op byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 3); err != nil {
			return err
		}
		d, s, c := args[0], args[1], args[2]
		if !d.isRM() || !s.isReg() {
			return errCombo
		}
		sz, err := size2(d, s)
		if err != nil {
			return err
		}
		if sz == 1 {
			return errCombo
		}
		e.setSize(sz)
		switch {
		case c.isCL():
			e.op(0x0F, op+1)
			return e.modrm(d, s.regNum())
		case c.isImm():
			e.op(0x0F, op)
			if err := e.modrm(d, s.regNum()); err != nil {
				return err
			}
			return e.imm(c.v, 1)
		}
		return errCombo
	}
}

// rel appends a relative displacement of size bytes to target; total is the
// whole instruction's length.
func (e *encoder) rel(t value, size, total int) error {
	e.pcRel = true
	d := t.n - (int64(e.addr) + int64(total))
	if size == 1 {
		e.code = append(e.code, byte(d))
		if e.final && !t.unknown && (d < -128 || d > 127) {
			by := d - 127
			if d < 0 {
				by = -128 - d
			}
			return fmt.Errorf("short jump out of range by %d bytes", by)
		}
		return nil
	}
	if size == 4 {
		e.code = append(e.code, byte(d), byte(d>>8), byte(d>>16), byte(d>>24))
		return nil
	}
	e.code = append(e.code, byte(d), byte(d>>8))
	return nil
}

// farPtr appends a seg:off pointer; `dword` makes the offset 32 bits.
func (e *encoder) farPtr(t *arg, op byte) error {
	if t.size == 1 {
		return errCombo
	}
	osz := 2
	if t.size == 4 {
		e.size32()
		osz = 4
	}
	e.op(op)
	if err := e.imm(t.v, osz); err != nil {
		return err
	}
	return e.imm(t.sv, 2)
}

// short decides between a short and a near jump as NASM does: short when
// asked, near when asked; otherwise short for a forward reference not yet
// known (optimistic first pass) and for targets in range within the
// section, near for absolute targets.
func (e *encoder) short(t *arg, shortLen int) bool {
	switch {
	case t.jmp == jShort:
		return true
	case t.jmp == jNear || t.strict || e.long:
		return false
	case t.v.unknown:
		return true
	case t.v.rel != 1:
		return false
	}
	e.pcRel = true
	d := t.v.n - (int64(e.addr) + int64(e.prefixLen()+shortLen))
	return d >= -128 && d <= 127
}

func encJcc(cc byte) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		t := args[0]
		if !t.isImm() || t.jmp == jFar {
			return errCombo
		}
		if t.size != 0 {
			return errSizeMismatch() // as nasm: jz word x is refused
		}
		if e.short(t, 2) {
			e.op(0x70 + cc)
			return e.rel(t.v, 1, e.prefixLen()+2)
		}
		e.choseFar = true
		if e.cpu < cpu386 && t.jmp != jNear {
			// Before the 386 there is no 0F 8x: NASM's 8086 form (insns.dat
			// "71+c jlen e9 rel") jumps over a near jmp on the inverted
			// condition. An explicit near keeps 0F 8x, refused by level.
			e.op(0x70+(cc^1), 3, 0xE9)
			return e.rel(t.v, 2, e.prefixLen()+5)
		}
		e.op(0x0F, 0x80+cc)
		return e.rel(t.v, 2, e.prefixLen()+4)
	}
}

// encLoop: loop/loope/loopne/jcxz: rel8 only.
func encLoop(op byte, a32 bool) encodeFunc {
	return func(e *encoder, args []*arg) error {
		if err := nargs(args, 1); err != nil {
			return err
		}
		t := args[0]
		if !t.isImm() || t.jmp == jNear || t.jmp == jFar {
			return errCombo
		}
		e.a32 = e.a32 || a32 // keep an a32 prefix word: a32 loop is 67 E2
		if a32 {
			e.need = cpu386 // jecxz
		}
		e.op(op)
		return e.rel(t.v, 1, e.prefixLen()+2)
	}
}

// branch holds the encodings that tell jmp and call apart (Intel SDM vol 2:
// JMP EA/FF /5/FF /4/E9/EB, CALL 9A/FF /3/FF /2/E8; a call has no short form).
type branch struct {
	farPtr byte // seg:off immediate: EA / 9A
	farMem int  // FF /n through a far pointer in memory: 5 / 3
	nearRM int  // FF /n through a register or memory: 4 / 2
	rel    byte // rel16 (rel32 with 66): E9 / E8
	short  bool // has a rel8 form (EB)
}

var (
	jmpBranch  = branch{farPtr: 0xEA, farMem: 5, nearRM: 4, rel: 0xE9, short: true}
	callBranch = branch{farPtr: 0x9A, farMem: 3, nearRM: 2, rel: 0xE8}
)

func encJmp(e *encoder, args []*arg) error  { return encBranch(e, args, jmpBranch) }
func encCall(e *encoder, args []*arg) error { return encBranch(e, args, callBranch) }

func encBranch(e *encoder, args []*arg, b branch) error {
	if err := nargs(args, 1); err != nil {
		return err
	}
	t := args[0]
	switch {
	case t.kind == oFar:
		if t.jmp == jFar {
			return errSizeMismatch()
		}
		return e.farPtr(t, b.farPtr)
	case t.isRM():
		if t.jmp == jFar {
			if !t.isMem() {
				return errCombo
			}
			e.op(0xFF)
			return e.modrm(t, b.farMem)
		}
		sz := t.opSize()
		if sz == 1 || t.jmp == jShort {
			return errCombo
		}
		if sz == 4 {
			e.size32()
		}
		e.op(0xFF)
		return e.modrm(t, b.nearRM)
	case t.isImm():
		if t.jmp == jFar || t.size == 1 || (t.jmp == jShort && !b.short) {
			return errCombo
		}
		if t.size == 4 { // jmp/call dword: 66 E9/E8 rel32
			if t.jmp == jShort {
				return errCombo
			}
			e.size32()
			e.op(b.rel)
			return e.rel(t.v, 4, e.prefixLen()+5)
		}
		if b.short && t.size != 2 && e.short(t, 2) {
			e.op(0xEB)
			return e.rel(t.v, 1, e.prefixLen()+2)
		}
		if b.short {
			e.choseFar = true
		}
		e.op(b.rel)
		return e.rel(t.v, 2, e.prefixLen()+3)
	}
	return errCombo
}

// mnemonics maps each supported mnemonic to its encoder.
var mnemonics = map[string]encodeFunc{}

// condition codes (Intel SDM vol 2, appendix B.1.4.7).
var conds = map[string]byte{
	"o": 0, "no": 1, "b": 2, "c": 2, "nae": 2, "ae": 3, "nb": 3, "nc": 3,
	"e": 4, "z": 4, "ne": 5, "nz": 5, "be": 6, "na": 6, "a": 7, "nbe": 7,
	"s": 8, "ns": 9, "p": 10, "pe": 10, "np": 11, "po": 11,
	"l": 12, "nge": 12, "ge": 13, "nl": 13, "le": 14, "ng": 14, "g": 15, "nle": 15,
}

func init() {
	for i, n := range []string{"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"} {
		mnemonics[n] = encALU(byte(i))
	}
	for i, n := range []string{"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"} {
		mnemonics[n] = encShift(i)
	}
	mnemonics["sal"] = encShift(4)
	for n, cc := range conds {
		mnemonics["j"+n] = encJcc(cc)
		mnemonics["set"+n] = encSetcc(cc)
	}
	for i, n := range []string{"not", "neg", "mul", "", "div", "idiv"} {
		if n != "" {
			mnemonics[n] = encGroup3(i + 2)
		}
	}
	m := mnemonics
	m["imul"] = encImul
	m["inc"], m["dec"] = encIncDec(0), encIncDec(1)
	m["mov"], m["test"], m["xchg"] = encMov, encTest, encXchg
	m["push"], m["pop"] = encPush, encPop
	m["lea"] = encRegMem(true, 0x8D)
	m["lds"], m["les"] = encRegMem(true, 0xC5), encRegMem(true, 0xC4)
	m["lss"], m["lfs"], m["lgs"] = encRegMem(true, 0x0F, 0xB2), encRegMem(true, 0x0F, 0xB4), encRegMem(true, 0x0F, 0xB5)
	m["bound"] = encRegMem(true, 0x62)
	m["bsf"], m["bsr"] = encRegMem(false, 0x0F, 0xBC), encRegMem(false, 0x0F, 0xBD)
	m["in"], m["out"] = encIn, encOut
	m["int"] = encInt
	m["ret"], m["retn"], m["retf"] = encRet(0xC2), encRet(0xC2), encRet(0xCA)
	m["enter"] = encEnter
	m["aam"], m["aad"] = encAAx(0xD4), encAAx(0xD5)
	m["movzx"], m["movsx"] = encMovx(0xB6), encMovx(0xBE)
	m["bt"], m["bts"], m["btr"], m["btc"] = encBt(0xA3, 4), encBt(0xAB, 5), encBt(0xB3, 6), encBt(0xBB, 7)
	m["shld"], m["shrd"] = encShxd(0xA4), encShxd(0xAC)
	m["jmp"], m["call"] = encJmp, encCall
	m["jcxz"], m["jecxz"] = encLoop(0xE3, false), encLoop(0xE3, true)
	m["loop"], m["loope"], m["loopz"], m["loopne"], m["loopnz"] = encLoop(0xE2, false), encLoop(0xE1, false), encLoop(0xE1, false), encLoop(0xE0, false), encLoop(0xE0, false)
	fixed := map[string][]byte{
		"nop": {0x90}, "hlt": {0xF4}, "cmc": {0xF5}, "clc": {0xF8}, "stc": {0xF9}, "cli": {0xFA},
		"sti": {0xFB}, "cld": {0xFC}, "std": {0xFD}, "cbw": {0x98}, "cwd": {0x99}, "lahf": {0x9F},
		"sahf": {0x9E}, "pushf": {0x9C}, "popf": {0x9D}, "pusha": {0x60}, "popa": {0x61},
		"leave": {0xC9}, "iret": {0xCF}, "int3": {0xCC}, "into": {0xCE}, "int1": {0xF1}, "icebp": {0xF1},
		"xlat": {0xD7}, "xlatb": {0xD7}, "daa": {0x27}, "das": {0x2F}, "aaa": {0x37}, "aas": {0x3F},
		"wait": {0x9B}, "fwait": {0x9B}, "salc": {0xD6}, "pause": {0xF3, 0x90},
		"movsb": {0xA4}, "movsw": {0xA5}, "cmpsb": {0xA6}, "cmpsw": {0xA7}, "stosb": {0xAA},
		"stosw": {0xAB}, "lodsb": {0xAC}, "lodsw": {0xAD}, "scasb": {0xAE}, "scasw": {0xAF},
		"insb": {0x6C}, "insw": {0x6D}, "outsb": {0x6E}, "outsw": {0x6F},
		"cpuid": {0x0F, 0xA2}, "rdtsc": {0x0F, 0x31}, "ud2": {0x0F, 0x0B}, "clts": {0x0F, 0x06},
	}
	for n, b := range fixed {
		m[n] = encFixed(false, b...)
	}
	fixed32 := map[string][]byte{
		"cwde": {0x98}, "cdq": {0x99}, "pushfd": {0x9C}, "popfd": {0x9D}, "pushad": {0x60},
		"popad": {0x61}, "iretd": {0xCF}, "movsd": {0xA5}, "cmpsd": {0xA7}, "stosd": {0xAB},
		"lodsd": {0xAD}, "scasd": {0xAF}, "insd": {0x6D}, "outsd": {0x6F},
	}
	for n, b := range fixed32 {
		m[n] = encFixed(true, b...)
	}
}

// modrm32 encodes a 32-bit effective address (Intel SDM vol 2, tables 2-2
// and 2-3) behind the 0x67 address-size prefix.
func (e *encoder) modrm32(a *arg, reg int) error {
	e.a32 = true
	ea, d := a.ea, a.v
	if ea == nil {
		return fmt.Errorf("invalid effective address")
	}
	d32 := int64(int32(uint32(d.n)))
	var sib []byte
	rm := 0
	switch {
	case ea.base == nil && ea.index == nil:
		// [dword disp]: mod 00, r/m 101, disp32
		e.code = append(e.code, byte(reg<<3|5))
		return e.disp32(d)
	case ea.base == nil:
		ss := map[int]byte{1: 0, 2: 1, 4: 2, 8: 3}[ea.scale]
		e.code = append(e.code, byte(reg<<3|4), ss<<6|byte(ea.index.num)<<3|5)
		return e.disp32(d)
	case ea.index == nil && !isESP(ea.base):
		rm = ea.base.num
	default:
		rm = 4
		idx := byte(4)
		ss := byte(0)
		if ea.index != nil {
			idx = byte(ea.index.num)
			ss = map[int]byte{1: 0, 2: 1, 4: 2, 8: 3}[ea.scale]
		}
		sib = []byte{ss<<6 | idx<<3 | byte(ea.base.num)}
	}
	switch {
	case a.dispSize == 1 || a.dispSize == 0 && d.simple() && d32 >= -128 && d32 <= 127 && !(d32 == 0 && !isEBP(ea.base)):
		e.code = append(e.code, byte(0x40|reg<<3|rm))
		e.code = append(e.code, sib...)
		e.code = append(e.code, byte(d32))
		if e.final && !d.unknown && (d32 < -128 || d32 > 127 || !fits(d.n, 4)) {
			return e.overflow(d.n, 1, "displacement %d out of range for a byte", d.n)
		}
		return nil
	case a.dispSize == 0 && d.simple() && d32 == 0:
		e.code = append(e.code, byte(reg<<3|rm))
		e.code = append(e.code, sib...)
		return nil
	}
	e.code = append(e.code, byte(0x80|reg<<3|rm))
	e.code = append(e.code, sib...)
	return e.disp32(d)
}

func (e *encoder) disp32(d value) error {
	n := uint32(d.n)
	e.code = append(e.code, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	if e.final && !d.unknown && !fits(d.n, 4) {
		return e.overflow(d.n, 4, "displacement %d out of range", d.n)
	}
	return nil
}
