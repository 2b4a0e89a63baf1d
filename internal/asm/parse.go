package asm

import (
	"strings"

	"github.com/pxos-dev/pxos/internal/diag"
)

// regInfo describes a register. size is 1, 2 or 4 bytes; seg registers have
// size 2 and seg set.
type regInfo struct {
	name string
	size int
	num  int
	seg  bool
}

var regs = map[string]*regInfo{}

func init() {
	for i, n := range []string{"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"} {
		regs[n] = &regInfo{name: n, size: 1, num: i}
	}
	for i, n := range []string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"} {
		regs[n] = &regInfo{name: n, size: 2, num: i}
	}
	for i, n := range []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"} {
		regs[n] = &regInfo{name: n, size: 4, num: i}
	}
	for i, n := range []string{"es", "cs", "ss", "ds", "fs", "gs"} {
		regs[n] = &regInfo{name: n, size: 2, num: i, seg: true}
	}
}

// segPrefix is the override prefix byte of each segment register number.
var segPrefix = [6]byte{0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}

var sizeWords = map[string]int{"byte": 1, "word": 2, "dword": 4, "qword": 8}

var prefixBytes = map[string]byte{
	"rep": 0xF3, "repe": 0xF3, "repz": 0xF3, "repne": 0xF2, "repnz": 0xF2, "lock": 0xF0,
}

var dataWidth = map[string]int{"db": 1, "dw": 2, "dd": 4, "dq": 8}
var resWidth = map[string]int{"resb": 1, "resw": 2, "resd": 4, "resq": 8}

var directives = map[string]bool{
	"org": true, "bits": true, "use16": true, "use32": true, "align": true, "section": true,
	"segment": true, "global": true, "extern": true, "cpu": true, "times": true, "equ": true,
	"default": true,
}

// masmWords are MASM directives models write by habit; they get a hint.
var masmWords = map[string]bool{"proc": true, "endp": true, "assume": true}

// isKeyword reports whether an identifier is reserved (so not a label).
func isKeyword(s string) bool {
	l := lower(s)
	if _, ok := sizeWords[l]; ok {
		return true
	}
	switch l {
	case "short", "near", "far", "strict", "seg", "wrt":
		return true
	}
	return false
}

// startsStatement reports whether s can follow a label: a mnemonic,
// prefix, directive or data word.
func startsStatement(s string) bool {
	l := lower(s)
	if r := regs[l]; r != nil {
		return r.seg
	}
	return !isKeyword(l) && isStatementWord(l)
}

// isStatementWord reports whether s starts a statement (so is not a label
// written without a colon).
func isStatementWord(s string) bool {
	l := lower(s)
	if _, ok := mnemonics[l]; ok {
		return true
	}
	if _, ok := prefixBytes[l]; ok {
		return true
	}
	switch l {
	case "o16", "o32", "a16", "a32":
		return true
	}
	if r := regs[l]; r != nil && r.seg {
		return true
	}
	_, d := dataWidth[l]
	_, r := resWidth[l]
	return d || r || directives[l] || isKeyword(l) || regs[l] != nil
}

type stmtKind uint8

const (
	sLabel stmtKind = iota
	sEqu
	sInst
	sData
	sRes
	sOrg
	sAlign
)

// stmt is one parsed statement. A source line may give two (label + other).
type stmt struct {
	kind  stmtKind
	pos   diag.Pos
	src   string // the whole source line, for error reports
	text  string // trimmed source without comment
	name  string // label or equ name
	sym   *symbol
	times *expr

	// instructions
	mnem   string
	rep    []byte // lock/rep prefixes in source order
	pseg   int    // segment prefix given as a word before the mnemonic, or -1
	o32    bool   // o32 prefix word: operand-size prefix 0x66
	a32    bool   // a32 prefix word: address-size prefix 0x67
	ops    []*operand
	encode encodeFunc

	// data: width and items; res/org/align/equ: e
	width int
	items []dataItem
	e     *expr
	fill  *expr // align fill value

	cpu uint8 // the level set by the last cpu directive before the line

	// pass state
	long bool // sticky "use the long jump" flag once passes oscillate
}

type dataItem struct {
	str   string
	isStr bool
	e     *expr
}

type opKind uint8

const (
	oReg opKind = iota
	oImm
	oMem
	oFar
)

const (
	jNone = iota
	jShort
	jNear
	jFar
)

// operand is a parsed instruction operand.
type operand struct {
	kind   opKind
	reg    *regInfo
	size   int
	strict bool
	jmp    int
	e      *expr // immediate, displacement or far offset (may be nil for memory)
	seg    *expr // far pointer segment
	sreg   int   // memory segment override, -1 for none
	// dispSize is 1, 2 or 4 when [byte ...], [word ...] or [dword ...]
	// forces the size of the displacement.
	dispSize int
	scales   []int // per register: 0 when written alone, else its *scale
	eaExpr   *expr // the whole [...] expression when it uses 32-bit registers
	eaFixed  *ea32 // its resolution, when it has no symbols (so never changes)
	regs     []*regInfo
}

// symbol is a name defined by the source.
type symbol struct {
	name    string
	isLabel bool
	pos     diag.Pos
	val     value
	pass    int // last pass that defined it; 0 = never
}

// parseLine parses one source line into statements appended to a.stmts.
func (a *assembler) parseLine(pos diag.Pos, line string) {
	code := stripComment(line)
	text := strings.TrimSpace(code)
	if text == "" {
		return
	}
	if strings.HasPrefix(text, "%") {
		a.preprocess(pos, line, text)
		return
	}
	toks, err := lexLine(code, a.toks)
	a.toks = toks
	if err != nil {
		a.errs.Add(pos, line, "%v", err)
		return
	}
	if len(a.defines) > 0 {
		toks = a.expand(toks[:0:0], toks, 0)
		if len(toks) > maxExpand {
			a.errs.Add(pos, line, "%%define expansion too long")
			return
		}
	}
	// [bits 16], [org 0x7c00]: NASM's primitive directive form.
	if toks[0].k == tOp && toks[0].s == "[" && len(toks) > 2 && toks[len(toks)-2].k == tOp && toks[len(toks)-2].s == "]" &&
		toks[1].k == tIdent && directives[lower(toks[1].s)] {
		toks = append(toks[1:len(toks)-2:len(toks)-2], token{k: tEOL})
	}
	p := &a.parser
	*p = exprParser{toks: toks, local: a.global, exprs: &a.exprs}
	st := a.stmtSlab.new(stmt{pos: pos, src: line, text: text, pseg: -1, cpu: a.cpu})
	// Label.
	if t := p.peek(); t.k == tIdent && t.s != "$" && t.s != "$$" {
		colon := p.toks[p.i+1].k == tOp && p.toks[p.i+1].s == ":"
		if colon || !isStatementWord(t.s) {
			p.next()
			if colon {
				p.next()
			}
			name := t.s
			if nt := p.peek(); !colon && nt.k != tEOL && !(nt.k == tIdent && startsStatement(nt.s)) {
				if w := lower(nt.s); nt.k == tIdent && masmWords[w] {
					a.errs.Add(pos, line, "'%s' is MASM syntax: in NASM a procedure is just a label (name:) ending in ret", w)
					return
				}
				a.errs.Add(pos, line, "unknown mnemonic %q", name)
				return
			}
			// name equ value (colon or not): a constant, which does not
			// start a new scope for .local labels (as in NASM).
			if p.peek().k == tIdent && strings.EqualFold(p.peek().s, "equ") {
				if !validName(p.symName(name)) {
					a.errs.Add(pos, line, "invalid symbol name %q", name)
					return
				}
				p.next()
				e := p.expr()
				if p.err == nil && p.peek().k != tEOL {
					p.fail("unexpected %s after expression", p.peek())
				}
				if p.err != nil {
					a.errs.Add(pos, line, "%v", p.err)
					return
				}
				st.kind, st.name, st.e = sEqu, p.symName(name), e
				a.define(st, false)
				return
			}
			if strings.HasPrefix(name, "..@") || !strings.HasPrefix(name, ".") {
				if !strings.HasPrefix(name, "..") {
					a.global = strings.TrimPrefix(name, "$")
				}
			}
			p.local = a.global
			full := p.symName(name)
			if !validName(full) {
				a.errs.Add(pos, line, "invalid label name %q", name)
				return
			}
			l := a.stmtSlab.new(stmt{kind: sLabel, pos: pos, src: line, text: text, name: full})
			a.define(l, true)
			if p.peek().k == tEOL {
				return
			}
		}
	}
	a.parseStatement(p, st)
	if p.err != nil {
		a.errs.Add(pos, line, "%v", p.err)
		return
	}
	a.addStmt(st)
}

func validName(s string) bool {
	if s == "" || !(isIdentStart(s[0])) {
		return false
	}
	return !isKeyword(s) && regs[lower(s)] == nil
}

// define records a label or equ statement and its symbol.
func (a *assembler) define(st *stmt, isLabel bool) {
	if old := a.syms[st.name]; old != nil {
		a.errs.Add(st.pos, st.src, "duplicate label %q (first defined at %s)", st.name, old.pos)
		return
	}
	st.sym = &symbol{name: st.name, isLabel: isLabel, pos: st.pos}
	a.syms[st.name] = st.sym
	a.addStmt(st)
}

// parseStatement parses what follows the label: times, prefixes, then a
// directive or an instruction.
func (a *assembler) parseStatement(p *exprParser, st *stmt) {
	if t := p.peek(); t.k == tIdent && strings.EqualFold(t.s, "times") {
		p.next()
		st.times = p.expr()
		if p.err != nil {
			return
		}
	}
	for {
		t := p.peek()
		if t.k != tIdent {
			break
		}
		l := lower(t.s)
		if b, ok := prefixBytes[l]; ok {
			st.rep = append(st.rep, b)
			p.next()
			continue
		}
		if r := regs[l]; r != nil && r.seg && !(p.toks[p.i+1].k == tOp && p.toks[p.i+1].s == ":") {
			st.pseg = r.num
			p.next()
			continue
		}
		switch l {
		case "o16", "a16":
			p.next()
			continue
		case "o32":
			st.o32 = true
			p.next()
			continue
		case "a32":
			st.a32 = true
			p.next()
			continue
		}
		break
	}
	t := p.next()
	if t.k == tEOL {
		if len(st.rep) > 0 || st.pseg >= 0 || st.o32 || st.a32 {
			// A prefix alone on a line: emit it as its own instruction.
			st.kind, st.mnem, st.encode = sInst, "", encPrefixOnly
			return
		}
		p.fail("expected instruction after times")
		return
	}
	if t.k != tIdent {
		p.fail("expected instruction, found %s", t)
		return
	}
	l := lower(t.s)
	if w, ok := dataWidth[l]; ok {
		st.kind, st.width = sData, w
		for {
			if nt := p.peek(); nt.k == tStr {
				after := p.toks[p.i+1]
				if after.k == tEOL || (after.k == tOp && after.s == ",") {
					p.next()
					st.items = append(st.items, dataItem{str: nt.s, isStr: true})
					goto sep
				}
			}
			st.items = append(st.items, dataItem{e: p.expr()})
		sep:
			if p.err != nil {
				return
			}
			if p.isOp(",") {
				p.next()
				continue
			}
			break
		}
		a.endOfLine(p)
		return
	}
	if w, ok := resWidth[l]; ok {
		st.kind, st.width, st.e = sRes, w, p.expr()
		a.endOfLine(p)
		return
	}
	if st.times != nil && directives[l] {
		p.fail("times cannot repeat %s", l)
		return
	}
	switch l {
	case "org":
		st.kind, st.e = sOrg, p.expr()
		a.endOfLine(p)
		return
	case "bits":
		v := p.next()
		if v.k != tNum || v.n != 16 {
			p.fail("only bits 16 is supported")
		}
		a.endOfLine(p)
		st.kind = sLabel // nothing to do; dropped below
		return
	case "section", "segment":
		a.parseSection(p)
		st.kind = sLabel
		return
	case "cpu":
		a.parseCPU(p)
		st.kind = sLabel
		return
	case "use16", "global", "extern", "default":
		st.kind = sLabel
		p.i = len(p.toks) - 1
		return
	case "use32":
		p.fail("only 16-bit code is supported")
		return
	case "align":
		st.kind, st.e = sAlign, p.expr()
		if p.isOp(",") {
			p.next()
			if nt := p.peek(); nt.k == tIdent && strings.EqualFold(nt.s, "db") {
				p.next()
				st.fill = p.expr()
			} else {
				p.fail("align supports only a db fill value")
			}
		}
		a.endOfLine(p)
		return
	case "equ":
		p.fail("equ needs a label")
		return
	}
	enc, ok := mnemonics[l]
	if !ok {
		p.fail("unknown mnemonic %q", t.s)
		return
	}
	st.kind, st.mnem, st.encode = sInst, l, enc
	if p.peek().k == tEOL {
		return
	}
	ops := a.opPtrs.free[:0:0]
	if cap(a.opPtrs.free) >= 4 {
		ops = a.opPtrs.free[:0:4] // most instructions have at most 3 operands
	}
	for {
		op := a.parseOperand(p)
		if p.err != nil {
			return
		}
		ops = append(ops, op)
		st.ops = ops
		if p.isOp(",") {
			p.next()
			continue
		}
		break
	}
	if cap(ops) == 4 && len(a.opPtrs.free) >= 4 {
		a.opPtrs.free = a.opPtrs.free[len(ops):]
	}
	if len(a.opPtrs.free) < 4 {
		a.opPtrs.free = make([]*operand, 1024)
	}
	a.endOfLine(p)
}

func (a *assembler) endOfLine(p *exprParser) {
	if p.err == nil && p.peek().k != tEOL {
		p.fail("unexpected %s", p.peek())
	}
}

// parseOperand parses one instruction operand.
func (a *assembler) parseOperand(p *exprParser) *operand {
	op := a.opSlab.new(operand{sreg: -1})
	for {
		t := p.peek()
		if t.k != tIdent {
			break
		}
		l := lower(t.s)
		if n, ok := sizeWords[l]; ok {
			op.size = n
		} else {
			switch l {
			case "short":
				op.jmp = jShort
			case "near":
				op.jmp = jNear
			case "far":
				op.jmp = jFar
			case "strict":
				op.strict = true
			default:
				goto body
			}
		}
		p.next()
	}
body:
	if t := p.peek(); t.k == tIdent && strings.EqualFold(t.s, "ptr") {
		p.fail("'ptr' is MASM syntax: NASM writes byte [x], not byte ptr [x]")
		return op
	}
	// es:[di] form
	if t := p.peek(); t.k == tIdent && p.toks[p.i+1].k == tOp && p.toks[p.i+1].s == ":" {
		if r := regs[lower(t.s)]; r != nil && r.seg && p.toks[p.i+2].k == tOp && p.toks[p.i+2].s == "[" {
			p.next()
			p.next()
			op.sreg = r.num
		}
	}
	if p.isOp("[") {
		p.next()
		op.kind = oMem
		// [byte bx+1] and [word bx+1] force the displacement size.
		for {
			t := p.peek()
			if t.k == tIdent {
				if n, ok := sizeWords[lower(t.s)]; ok && n <= 4 {
					p.next()
					op.dispSize = n
					continue
				}
			}
			break
		}
		if t := p.peek(); t.k == tIdent && p.toks[p.i+1].k == tOp && p.toks[p.i+1].s == ":" {
			if r := regs[lower(t.s)]; r != nil && r.seg {
				p.next()
				p.next()
				op.sreg = r.num
			}
		}
		e := p.expr()
		if p.err != nil {
			return op
		}
		if !p.isOp("]") {
			p.fail("expected ']', found %s", p.peek())
			return op
		}
		p.next()
		a.splitEA(p, op, e)
		return op
	}
	e := p.expr()
	if p.err != nil {
		return op
	}
	if e.k == eReg {
		op.kind, op.reg = oReg, e.reg
		return op
	}
	if e.hasReg() {
		p.fail("invalid use of a register in an expression")
		return op
	}
	if p.isOp(":") {
		p.next()
		off := p.expr()
		if off.hasReg() {
			p.fail("invalid far pointer")
		}
		op.kind, op.seg, op.e = oFar, e, off
		return op
	}
	op.kind, op.e = oImm, e
	return op
}

// splitEA separates the registers of an effective address from its
// displacement: registers may only be added, never scaled or negated.
func (a *assembler) splitEA(p *exprParser, op *operand, e *expr) {
	var disp *expr
	var walk func(e *expr, neg bool)
	walk = func(e *expr, neg bool) {
		if p.err != nil {
			return
		}
		if !e.hasReg() {
			if neg {
				e = p.newExpr(expr{k: eUnary, op: "-", x: e})
			}
			if disp == nil {
				disp = e
			} else {
				disp = p.newExpr(expr{k: eBinary, op: "+", x: disp, y: e})
			}
			return
		}
		switch {
		case e.k == eReg:
			if neg {
				p.fail("invalid effective address: register %s subtracted", e.reg.name)
				return
			}
			op.regs = append(op.regs, e.reg)
			op.scales = append(op.scales, 0)
		case e.k == eBinary && e.op == "*" && (e.x.k == eReg) != (e.y.k == eReg) && !(e.x.hasReg() && e.y.hasReg()):
			r, k := e.x, e.y
			if k.k == eReg {
				r, k = k, r
			}
			v, err := k.eval(constOnly{})
			if err != nil || neg {
				p.fail("invalid effective address: the scale of %s must be a constant", r.reg.name)
				return
			}
			op.regs = append(op.regs, r.reg)
			op.scales = append(op.scales, int(v.n))
		case e.k == eBinary && e.op == "+":
			walk(e.x, neg)
			walk(e.y, neg)
		case e.k == eBinary && e.op == "-":
			walk(e.x, neg)
			walk(e.y, !neg)
		case e.k == eUnary && e.op == "-":
			walk(e.x, !neg)
		default:
			p.fail("invalid effective address")
		}
	}
	walk(e, false)
	op.e = disp
	if p.err != nil {
		return
	}
	for _, r := range op.regs {
		if r.size == 4 && !r.seg {
			for _, r := range op.regs {
				if r.size != 4 || r.seg {
					p.fail("invalid effective address: %s mixed with 32-bit registers", r.name)
					return
				}
			}
			if op.dispSize == 2 {
				p.fail("invalid effective address: a word displacement with 32-bit registers")
				return
			}
			op.eaExpr = e
			return
		}
	}
	if op.dispSize == 4 {
		p.fail("invalid effective address: a dword displacement needs 32-bit registers")
		return
	}
	for i, r := range op.regs {
		if op.scales[i] > 1 {
			p.fail("invalid effective address: 16-bit addressing has no scale")
			return
		}
		if r.size != 2 || r.seg || !(r.num == 3 || r.num == 5 || r.num == 6 || r.num == 7) {
			p.fail("invalid effective address: %s cannot be used to address memory", r.name)
			return
		}
	}
	if _, ok := eaRM(op.regs); !ok {
		p.fail("invalid effective address")
	}
}

// eaRM returns the 16-bit ModRM r/m field for a register set (Intel SDM vol 2
// table 2-1): [bx+si]=0 [bx+di]=1 [bp+si]=2 [bp+di]=3 [si]=4 [di]=5 [bp]=6
// [bx]=7; no registers is 6 with mod 00 (disp16 only), marked by -1.
func eaRM(rs []*regInfo) (int, bool) {
	var base, index int = -1, -1
	for _, r := range rs {
		switch r.num {
		case 3, 5:
			if base >= 0 {
				return 0, false
			}
			base = r.num
		case 6, 7:
			if index >= 0 {
				return 0, false
			}
			index = r.num
		}
	}
	switch {
	case base < 0 && index < 0:
		return -1, true
	case base == 3 && index == 6:
		return 0, true
	case base == 3 && index == 7:
		return 1, true
	case base == 5 && index == 6:
		return 2, true
	case base == 5 && index == 7:
		return 3, true
	case base < 0 && index == 6:
		return 4, true
	case base < 0 && index == 7:
		return 5, true
	case base == 5:
		return 6, true
	case base == 3:
		return 7, true
	}
	return 0, false
}

// preprocess handles a % line. Only single-line %define NAME text (no
// parameters) is supported: later lines see NAME replaced by the tokens of
// text, as NASM's preprocessor would.
func (a *assembler) preprocess(pos diag.Pos, line, text string) {
	f := strings.Fields(text)
	if !strings.EqualFold(f[0], "%define") { // %DEFINE too, as in NASM
		a.errs.Add(pos, line, "preprocessor directive %s is not supported", f[0])
		return
	}
	rest := strings.TrimSpace(text[len(f[0]):])
	name := rest
	if i := strings.IndexAny(rest, " \t("); i >= 0 {
		name, rest = rest[:i], rest[i:]
	} else {
		rest = ""
	}
	if strings.HasPrefix(rest, "(") {
		a.errs.Add(pos, line, "%%define with parameters is not supported")
		return
	}
	if name == "" || !isIdentStart(name[0]) {
		a.errs.Add(pos, line, "%%define needs a name")
		return
	}
	body, err := lexLine(rest, nil)
	if err != nil {
		a.errs.Add(pos, line, "%v", err)
		return
	}
	if a.defines == nil {
		a.defines = map[string][]token{}
	}
	a.defines[name] = body[:len(body)-1]
}

// maxExpand bounds the tokens a line may expand to.
const maxExpand = 4096

// expand appends toks to dst with %define names replaced.
func (a *assembler) expand(dst, toks []token, depth int) []token {
	for _, t := range toks {
		if len(dst) > maxExpand {
			return dst
		}
		if body, ok := a.defines[t.s]; ok && t.k == tIdent && depth < 16 {
			dst = a.expand(dst, body, depth+1)
			continue
		}
		dst = append(dst, t)
	}
	return dst
}

// section is a NASM section of the bin output format.
type section struct {
	name   string
	index  int
	nobits bool  // .bss: addresses only, no bytes in the output
	align  int64 // start alignment (NASM's bin default is 4 after .text)
	stmts  []*stmt
}

// addStmt appends st to the program and to the current section.
func (a *assembler) addStmt(st *stmt) {
	a.stmts = append(a.stmts, st)
	a.sect.stmts = append(a.sect.stmts, st)
}

// parseSection switches to the named section, creating it on first use:
// `section .data`, `section .bss`, `section name align=16 nobits`.
func (a *assembler) parseSection(p *exprParser) {
	nt := p.next()
	if nt.k != tIdent {
		p.fail("section needs a name")
		return
	}
	name := nt.s
	var sec *section
	for _, s := range a.sections {
		if s.name == name {
			sec = s
		}
	}
	if sec == nil {
		sec = &section{name: name, index: len(a.sections), align: 4, nobits: name == ".bss"}
		a.sections = append(a.sections, sec)
	}
	for p.err == nil && p.peek().k != tEOL {
		t := p.next()
		switch lower(t.s) {
		case "nobits":
			sec.nobits = true
		case "progbits":
			sec.nobits = false
		case "align":
			if !p.isOp("=") {
				p.fail("expected align=N")
				return
			}
			p.next()
			v := p.next()
			if v.k != tNum || v.n <= 0 || v.n&(v.n-1) != 0 || v.n > 4096 {
				p.fail("section alignment must be a power of two")
				return
			}
			sec.align = v.n
		default:
			p.fail("section attribute %s is not supported", t.s)
			return
		}
	}
	if sec.index == 0 && sec.nobits {
		p.fail("section .text cannot be nobits")
		return
	}
	a.sect = sec
}

// constOnly evaluates expressions that may not use symbols or $.
type constOnly struct{}

func (constOnly) lookup(e *expr) value { return value{unknown: true} }
func (constOnly) here() value          { return value{unknown: true} }
func (constOnly) base() value          { return value{unknown: true} }
