package asm

import (
	"fmt"
)

// 32-bit effective addresses, [ebx+esi*4+8], behind the 0x67 prefix.
//
// Which register NASM makes the base and which the index depends on how its
// expression evaluator (eval.c) builds the address: a vector of terms
// sorted by register (NASM numbers registers alphabetically), plus "hints"
// recording the first register written (MAKEBASE), whether that register
// was multiplied (NOTBASE), and whether any two terms of one kind were
// summed (SUMMED, which cancels the hint). process_ea in assemble.c then
// turns base, index and scale into ModRM/SIB. nasmEA replays exactly that,
// so that [esi+edx] (base esi) and [esi+edx+L1-L0] (base edx) both come out
// as NASM's.

// ea32 is a resolved 32-bit effective address: [base+index*scale+disp].
type ea32 struct {
	base, index *regInfo
	scale       int
}

const (
	hintNone = iota
	hintMakeBase
	hintNotBase
	hintSummed
)

// nasmRegOrder is the position of each 32-bit register in NASM's
// (alphabetical) register numbering.
var nasmRegOrder = map[string]int{"eax": 0, "ebp": 1, "ebx": 2, "ecx": 3, "edi": 4, "edx": 5, "esi": 6, "esp": 7}

type regTerm struct {
	r *regInfo
	v int64
}

// eaVec is NASM's expression vector: register terms, the plain part and the
// section-base part, each present or not.
type eaVec struct {
	regs      []regTerm
	hasSimple bool
	simple    int64
	hasSeg    bool
	seg       int64
}

type eaEval struct {
	a        *assembler
	hintType int
	hintBase *regInfo
	err      error
}

// nasmEA resolves the base, index and scale of a 32-bit address as NASM
// would (parser.c parse_mref, assemble.c process_ea).
func (a *assembler) nasmEA(e *expr) (*ea32, error) {
	ev := eaEval{a: a}
	v := ev.vec(e)
	if ev.err != nil {
		return nil, ev.err
	}
	// parse_mref: first register with coefficient 1 is the base, the next
	// one the index with its coefficient as scale.
	var b, i *regInfo
	s := 0
	for _, t := range v.regs {
		switch {
		case t.v == 0:
		case t.v == 1 && b == nil:
			b = t.r
		case i == nil:
			i, s = t.r, int(t.v)
		default:
			return nil, fmt.Errorf("too many registers")
		}
	}
	// process_ea, 32-bit part.
	bt, it := b, i
	if s == 0 {
		it = nil
	}
	hb, ht := ev.hintBase, ev.hintType
	if s == 1 && bt != it && bt != nil && it != nil &&
		(hb == b && ht == hintNotBase || hb == i && ht == hintMakeBase) {
		bt, it = it, bt
	}
	if bt == nil && s == 1 && !(hb == i && ht == hintNotBase) {
		bt, it = it, nil
	}
	if (s == 2 && !isESP(it) || s == 3 || s == 5 || s == 9) && bt == nil {
		bt, s = it, s-1
	}
	if s == 1 && isESP(it) {
		bt, it = it, bt
	}
	if isESP(it) || it != nil && s != 1 && s != 2 && s != 4 && s != 8 {
		return nil, fmt.Errorf("impossible combination of registers and scale")
	}
	if bt == nil && it == nil {
		return nil, fmt.Errorf("no registers left")
	}
	if it == nil {
		s = 1
	}
	return &ea32{base: bt, index: it, scale: s}, nil
}

func (ev *eaEval) fail(format string, args ...any) eaVec {
	if ev.err == nil {
		ev.err = fmt.Errorf(format, args...)
	}
	return eaVec{}
}

// vec evaluates e as NASM's eval.c does, updating the hints.
func (ev *eaEval) vec(e *expr) eaVec {
	switch e.k {
	case eReg:
		if ev.hintType == hintNone {
			ev.hintBase, ev.hintType = e.reg, hintMakeBase
		}
		return eaVec{regs: []regTerm{{e.reg, 1}}}
	case eNum:
		return eaVec{hasSimple: true, simple: e.n}
	case eSym, eHere, eBase:
		v, _ := e.eval(ev.a)
		return ev.fromValue(v)
	case eCond:
		if e.hasReg() {
			return ev.fail("registers inside ?: are not supported")
		}
		v, err := e.eval(ev.a)
		if err != nil {
			return ev.fail("%v", err)
		}
		return ev.fromValue(v)
	case eUnary:
		x := ev.vec(e.x)
		if e.op == "-" {
			return ev.mult(x, -1, false)
		}
		return ev.scalar(e, x)
	case eBinary:
		x := ev.vec(e.x)
		y := ev.vec(e.y)
		switch e.op {
		case "+":
			return ev.add(x, y)
		case "-":
			return ev.add(x, ev.mult(y, -1, false))
		case "*":
			switch {
			case x.isSimple():
				return ev.mult(y, x.simple, true)
			case y.isSimple():
				return ev.mult(x, y.simple, true)
			}
			return ev.fail("unable to multiply two non-scalar objects")
		}
		if !x.isSimple() || !y.isSimple() {
			return ev.fail("operator %s may only be applied to scalar values", e.op)
		}
		return ev.scalar(e, x)
	}
	return ev.fail("bad expression")
}

// scalar computes a non-linear operator over plain numbers.
func (ev *eaEval) scalar(e *expr, x eaVec) eaVec {
	if len(x.regs) > 0 {
		return ev.fail("operator %s may only be applied to scalar values", e.op)
	}
	v, err := e.eval(ev.a)
	if err != nil {
		return ev.fail("%v", err)
	}
	return ev.fromValue(v)
}

// fromValue turns a label, $ or constant into NASM's terms: the offset
// within the section and, for relocatable values, the section base.
func (ev *eaEval) fromValue(v value) eaVec {
	if v.rel == 0 {
		return eaVec{hasSimple: true, simple: v.n}
	}
	return eaVec{hasSimple: true, simple: v.n - ev.a.secBase*int64(v.rel), hasSeg: true, seg: int64(v.rel)}
}

func (v eaVec) isSimple() bool { return len(v.regs) == 0 && !v.hasSeg }

// add is add_vectors: terms of the same kind are summed; a non-zero sum
// marks the hint SUMMED, a zero sum disappears.
func (ev *eaEval) add(p, q eaVec) eaVec {
	var r eaVec
	// Both lists are sorted in NASM's register order: merge them.
	i, j := 0, 0
	for i < len(p.regs) || j < len(q.regs) {
		switch {
		case j == len(q.regs) || i < len(p.regs) && nasmRegOrder[p.regs[i].r.name] < nasmRegOrder[q.regs[j].r.name]:
			r.regs = append(r.regs, p.regs[i])
			i++
		case i == len(p.regs) || nasmRegOrder[q.regs[j].r.name] < nasmRegOrder[p.regs[i].r.name]:
			r.regs = append(r.regs, q.regs[j])
			j++
		default: // the same register in both
			if v := p.regs[i].v + q.regs[j].v; v != 0 {
				ev.summed()
				r.regs = append(r.regs, regTerm{p.regs[i].r, v})
			}
			i++
			j++
		}
	}
	r.hasSimple, r.simple = ev.sum(p.hasSimple, p.simple, q.hasSimple, q.simple)
	r.hasSeg, r.seg = ev.sum(p.hasSeg, p.seg, q.hasSeg, q.seg)
	return r
}

func (ev *eaEval) sum(hp bool, p int64, hq bool, q int64) (bool, int64) {
	switch {
	case hp && hq:
		if p+q == 0 {
			return false, 0
		}
		ev.summed()
		return true, p + q
	case hp:
		return true, p
	case hq:
		return true, q
	}
	return false, 0
}

func (ev *eaEval) summed() { ev.hintType = hintSummed }

// mult is scalar_mult: multiplying the MAKEBASE register makes it NOTBASE.
func (ev *eaEval) mult(v eaVec, k int64, affect bool) eaVec {
	r := eaVec{hasSimple: v.hasSimple, simple: v.simple * k, hasSeg: v.hasSeg, seg: v.seg * k}
	for _, t := range v.regs {
		if affect && ev.hintType == hintMakeBase && t.r == ev.hintBase {
			ev.hintType = hintNotBase
		}
		r.regs = append(r.regs, regTerm{t.r, t.v * k})
	}
	return r
}

// isESP and isEBP identify the two registers with special 32-bit
// addressing rules (esp needs a SIB byte, ebp a displacement).
func isESP(r *regInfo) bool { return r != nil && r.size == 4 && !r.seg && r.num == 4 }
func isEBP(r *regInfo) bool { return r != nil && r.size == 4 && !r.seg && r.num == 5 }
