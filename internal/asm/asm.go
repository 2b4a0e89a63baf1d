// Package asm is pxos's built-in assembler for 16-bit x86 source in NASM
// syntax. It owns turning assembly text into bytes, byte-identical to
// `nasm -f bin` for the language it accepts, and rendering them as pxOS
// primitives (DEFINE/WRITE/COMMENT). It does not build images, disassemble or
// run code: those belong to the build, disasm and machine packages.
//
// Accepted language: bits 16, org, labels (global, and .local attached to the
// previous global label), equ, db/dw/dd/dq with numbers, characters and
// strings, resb/resw/resd/resq (emitted as zeros, as NASM does in bin
// output), times, align, $ and $$, NASM expressions and number forms, 16-bit
// memory operands with segment overrides, byte/word/dword, short/near/far and
// strict, seg:off far jumps and calls, lock/rep prefixes and segment prefix
// words, and the 8086, 80186 and common 386 real-mode instructions.
//
// Encodings follow NASM's default optimiser (-Ox): every pass re-evaluates
// all expressions with the label values of the previous pass until no label
// moves; jumps without a size are short when in range, immediates of plain
// numbers use the sign-extended imm8 forms (83 /n, 6B, 6A), and forward
// references are treated optimistically in the first pass.
//
// The cpu directive (cpu 8086, 186, 286, 386, 486, 586, 686 or any, also
// pentium, p2..p4, x64 and default) holds from its line on, as in NASM: an
// instruction form of a later processor is an error, and below the 386 a
// conditional jump out of short range becomes the inverted condition
// jumping over a near jmp (7x 03 E9 rel16, NASM's 8086 form of Jcc),
// since 0F 8x needs a 386. Without cpu every form is allowed. Directives,
// %define included, are case-insensitive, as in NASM.
//
// # Deliberate differences from NASM
//
// This list is the one place that names them. By default the assembler
// refuses three things `nasm -f bin` accepts, because in generated code
// each is almost always a bug. Options.NASM (pxos asm --nasm) accepts them
// as nasm does, each with a warning, so that real programs assemble:
//
//   - A value that does not fit its field: db 300, mov al, 300, dw 70000,
//     [byte bx+200], and the low byte of an address (db 16+tbl, cmp dl,
//     16+tbl). NASM truncates it, with a warning for numbers and silently
//     for addresses; a truncated constant or address is rarely meant.
//   - mov cs, r/m (8E /1) and pop cs (0F): NASM emits them; both are
//     invalid opcodes on the 286 and later (0F is the two-byte opcode
//     escape), and pxOS runs on a 386 or later.
//   - org after code or data. NASM's bin output has one origin, and an org
//     anywhere sets it for the whole file, the bytes before it included (a
//     second org with another value is an error in both modes). Written
//     after code it usually means MASM's org, which moves the location
//     counter instead.
//
// With or without Options.NASM, every line that assembles gives nasm's
// bytes: nasm_test.go checks the corpus and random programs against nasm,
// and its nasmDifferences (empty) would list any accepted exception.
//
// The assembler is also more permissive than NASM in a few places that
// never change bytes NASM would produce: names NASM reserves for
// instructions it knows and this assembler does not (str, rest) may be
// labels, times and equ may use forward references, and expressions may
// mix labels freely.
//
// Of the preprocessor only single-line %define without parameters is
// supported; %macro, %include, %if and the rest are errors. Sections are
// laid out as the bin format does: .text first, then the other sections in
// declaration order aligned to 4 (or align=N), then the nobits ones such as
// .bss, which get addresses but no bytes. 32-bit addressing
// ([ebx+esi*4+8], with the 0x67 prefix) picks base and index as NASM's
// evaluator does (see ea32.go). The x87 FPU, MMX/SSE and system
// instructions (mov cr0, lgdt...) are not supported.
//
// The output is at most MaxOutput bytes (16 MiB: a 1.44 MB floppy image
// fits, with room), and times, resb and align are bounded by it, so that no
// source makes the assembler allocate without limit.
//
// Symbols given in Options are predefined absolute constants; a label or
// equ in the source with the same name shadows them.
package asm

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/diag"
)

// Options configures Assemble.
type Options struct {
	// Org is the address of the first byte when the source has no org line.
	Org uint32
	// Symbols are predefined absolute symbols, usable like equ constants.
	Symbols map[string]int64
	// NASM accepts, with a warning each, what nasm -f bin accepts and this
	// assembler refuses by default: see "Deliberate differences from NASM"
	// in the package comment. Code a model wrote is assembled without it.
	NASM bool
}

// Symbol is a label and its address.
type Symbol struct {
	Name string
	Addr uint32
	Pos  diag.Pos
}

// Line is the output of one instruction or data line.
type Line struct {
	Addr  uint32
	Bytes []byte
	Pos   diag.Pos
	Text  string // the source text, trimmed, without comment
	Data  bool   // db/dw/dd/dq (not an instruction)
}

// Result is an assembled program.
type Result struct {
	Org     uint32
	Bytes   []byte
	Symbols map[string]int64 // labels and equ values defined by the source (local labels as "global.local")
	Labels  []Symbol         // labels in address order, not equ constants
	Lines   []Line           // one per instruction or data line, in source order within each section, sections in layout order
	// Warnings are the deliberate differences from NASM that Options.NASM
	// let through, sorted by line.
	Warnings diag.ErrorList

	fillers []Line // resb and align lines in code: bytes, but not Lines
}

// maxPasses bounds the optimisation passes; after stickyPass, jumps that
// once needed their long form keep it, which guarantees termination.
const (
	maxPasses  = 60
	stickyPass = 12
)

// MaxOutput is the largest output Assemble makes, in bytes: a 1.44 MB
// floppy image (times 1474560-($-$$) db 0) fits, and times, resb and align
// beyond it are errors rather than allocations of gigabytes.
const MaxOutput = 16 << 20

type assembler struct {
	file   string
	opts   Options
	stmts  []*stmt
	syms   map[string]*symbol
	errs   diag.ErrorList
	global string
	toks   []token
	// sections in order of declaration; sect is the current one.
	sections []*section
	sect     *section
	// defines are the %define macros seen so far.
	defines map[string][]token
	// cpu is the level the last cpu directive set (cpuAny without one).
	cpu uint8

	parser   exprParser
	exprs    slab[expr]
	stmtSlab slab[stmt]
	opSlab   slab[operand]
	opPtrs   slab[*operand]

	// pass state
	pass     int
	org      int64
	orgMoved bool
	secBase  int64 // $$: the start of the current section
	nobits   bool  // the current section is nobits (.bss)
	// lineStart is the address of the current statement, the value of $.
	lineStart int64
	tooBig    bool
	nextOrg   int64
	pc        int64
	unknown   bool
	changed   bool
	cur       *stmt
	perrs     diag.ErrorList
	pwarns    diag.ErrorList
	undef     map[string]bool
	args      []*arg
	argBuf    []arg
	enc       encoder
	out       []byte
	lines     []Line
	fillers   []Line
}

// MaxSource is the largest source Assemble takes, in bytes: assembling a
// long list of db values costs up to about 220 times the source in memory,
// and the largest pxOS program (a 1.44 MB floppy) is far smaller.
const MaxSource = 4 << 20

// Assemble assembles src (named file, for error positions). The error, if
// any, is a diag.ErrorList with every problem found.
func Assemble(file string, src []byte, opts Options) (*Result, error) {
	if len(src) > MaxSource {
		var errs diag.ErrorList
		errs.Add(diag.Pos{File: file}, "", "the source is %d bytes; pxos assembles at most %d (%d MiB)", len(src), MaxSource, MaxSource>>20)
		return nil, errs.Err()
	}
	a := &assembler{file: file, opts: opts, syms: map[string]*symbol{}, undef: map[string]bool{}, cpu: cpuAny}
	a.sect = &section{name: ".text", align: 1}
	a.sections = []*section{a.sect}
	line := 0
	text := strings.TrimPrefix(string(src), "\ufeff") // a UTF-8 byte order mark
	for len(text) > 0 {
		line++
		var l string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			l, text = text[:i], text[i+1:]
		} else {
			l, text = text, ""
		}
		a.parseLine(diag.Pos{File: file, Line: line}, l)
	}
	a.org = int64(opts.Org)
	for _, st := range a.stmts {
		if st.kind == sOrg {
			a.org = -1 // decided by the first pass
			break
		}
	}
	stable := false
	a.lines = make([]Line, 0, len(a.stmts))
	restarted := false
	for a.pass = 1; a.pass <= maxPasses; a.pass++ {
		a.runPass()
		if a.orgMoved && !restarted {
			// The first pass found the org line: start again from it, so
			// that no pass mixes addresses from two origins.
			restarted = true
			for _, s := range a.syms {
				s.pass, s.val = 0, value{}
			}
			a.pass = 0
			continue
		}
		if !a.changed && !a.unknown {
			stable = true
			break
		}
	}
	a.errs = append(a.errs, a.perrs...)
	if !stable {
		circular := false
		for _, st := range a.stmts {
			if st.sym != nil && st.sym.val.unknown {
				circular = true
				a.errs.Add(st.pos, st.src, "cannot resolve %q: its definition depends on itself", st.name)
			}
		}
		if !circular {
			a.errs.Add(diag.Pos{File: file}, "", "code does not settle after %d passes", maxPasses)
		}
	}
	if len(a.errs) > 0 {
		a.errs.Sort()
		return nil, a.errs
	}
	a.pwarns.Sort()
	r := &Result{Org: uint32(a.org), Bytes: a.out, Symbols: map[string]int64{}, Lines: a.lines, fillers: a.fillers, Warnings: a.pwarns}
	for _, st := range a.stmts {
		if st.sym == nil {
			continue
		}
		r.Symbols[st.name] = st.sym.val.n
		if st.sym.isLabel {
			r.Labels = append(r.Labels, Symbol{Name: st.name, Addr: uint32(st.sym.val.n), Pos: st.pos})
		}
	}
	sort.SliceStable(r.Labels, func(i, j int) bool { return r.Labels[i].Addr < r.Labels[j].Addr })
	return r, nil
}

// runPass assembles every statement once with the symbol values known so
// far, recording whether any symbol moved and whether any forward reference
// was still unknown.
func (a *assembler) runPass() {
	a.changed, a.unknown = false, false
	a.perrs = a.perrs[:0]
	a.pwarns = nil
	clear(a.undef)
	a.tooBig = false
	a.out = a.out[:0]
	a.lines = a.lines[:0]
	a.fillers = a.fillers[:0]
	if a.org < 0 {
		a.org = int64(a.opts.Org)
		a.changed = true
	}
	a.nextOrg = a.org
	orgSeen := false
	a.pc = a.org
	for _, sec := range a.layout() {
		if len(sec.stmts) > 0 || sec.index == 0 {
			a.runSection(sec, &orgSeen)
		}
	}
	a.orgMoved = a.nextOrg != a.org
	if a.orgMoved {
		a.org = a.nextOrg
		a.changed = true
	}
}

// layout orders the sections as NASM's bin output does: .text first, then
// the other progbits sections in the order they were declared, then the
// nobits ones (.bss).
func (a *assembler) layout() []*section {
	var l []*section
	for _, nobits := range []bool{false, true} {
		for _, sec := range a.sections {
			if sec.nobits == nobits {
				l = append(l, sec)
			}
		}
	}
	return l
}

// runSection assembles one section's statements, after aligning its start.
// A nobits section takes addresses but adds no bytes.
func (a *assembler) runSection(sec *section, orgSeen *bool) {
	if sec.index > 0 {
		for (a.pc-a.org)%sec.align != 0 {
			a.pc++
		}
	}
	a.secBase = a.pc
	if !sec.nobits {
		for int64(len(a.out)) < a.pc-a.org {
			a.out = append(a.out, 0)
		}
	}
	keep := a.out
	a.nobits = sec.nobits
	for _, st := range sec.stmts {
		a.cur = st
		a.lineStart = a.pc
		if sec.nobits {
			a.out = a.out[len(a.out):] // measured, then dropped
		}
		switch st.kind {
		case sLabel:
			if st.sym != nil {
				a.setSym(st.sym, value{n: a.pc, rel: 1})
			}
		case sEqu:
			v, err := st.e.eval(a)
			if err != nil {
				a.errorf("%v", err)
			}
			a.setSym(st.sym, v)
		case sOrg:
			v, err := st.e.eval(a)
			switch {
			case err != nil:
				a.errorf("%v", err)
			case *orgSeen && v.n != a.nextOrg:
				// NASM too: "program origin redefined" (the same again is
				// harmless, and allowed as in NASM).
				a.errorf("only one org is allowed")
			case v.unknown || v.rel != 0:
				a.errorf("org needs a constant")
			case v.n < 0 || v.n > 0xFFFFF:
				a.errorf("org %#x out of range", v.n)
			case a.pc != a.org && !a.opts.NASM:
				a.errorf("org must come before any code or data")
			default:
				if a.pc != a.org {
					a.warnf("org after code: the whole output starts at %#x, the bytes before this line too, as in nasm", v.n)
				}
				a.nextOrg = v.n
			}
			*orgSeen = true
		case sInst, sData, sRes, sAlign:
			if sec.nobits && st.kind != sRes && st.kind != sAlign {
				a.errorf("section %s holds no data: only resb/resw/resd and labels", sec.name)
				continue
			}
			a.emitStmt(st)
		}
	}
	if sec.nobits {
		a.out = keep
	}
}

func (a *assembler) setSym(s *symbol, v value) {
	if v.unknown {
		a.unknown = true
	}
	if s.pass == 0 || s.val != v {
		a.changed = true
	}
	s.val, s.pass = v, a.pass
}

func (a *assembler) errorf(format string, args ...any) {
	a.perrs.Add(a.cur.pos, a.cur.src, format, args...)
}

// warnf records a warning of this pass: what Options.NASM accepted.
func (a *assembler) warnf(format string, args ...any) {
	a.pwarns.Add(a.cur.pos, a.cur.src, format, args...)
}

// lookup implements evalCtx.
func (a *assembler) lookup(e *expr) value {
	if e.sym == nil {
		e.sym = a.syms[e.name]
	}
	if s := e.sym; s != nil {
		if s.pass == 0 {
			a.unknown = true
			return value{unknown: true, rel: boolInt(s.isLabel)}
		}
		if s.pass < a.pass {
			// forward reference: last pass's value
			if s.val.unknown {
				a.unknown = true
			}
		}
		return s.val
	}
	if v, ok := a.opts.Symbols[e.name]; ok {
		return value{n: v}
	}
	if !a.undef[e.name] {
		a.undef[e.name] = true
		a.errorf("undefined symbol %q", e.name)
	}
	return value{}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// here is $: the address of the statement's first byte. Under times it
// stays the address of the first repetition, as in NASM.
func (a *assembler) here() value { return value{n: a.lineStart, rel: 1} }
func (a *assembler) base() value { return value{n: a.secBase, rel: 1} }

func (a *assembler) eval(e *expr) value {
	v, err := e.eval(a)
	if err != nil {
		a.errorf("%v", err)
	}
	return v
}

// emitStmt assembles a statement that produces bytes, times included.
func (a *assembler) emitStmt(st *stmt) {
	start := len(a.out)
	addr := a.pc
	count := int64(1)
	if st.times != nil {
		v := a.eval(st.times)
		switch {
		case v.unknown:
			count = 0
		case v.n < 0:
			a.errorf("times count %d is negative", v.n)
			count = 0
		case v.n > MaxOutput:
			a.errorf("times count %d is larger than the output limit (%d bytes, %d MiB)", v.n, MaxOutput, MaxOutput>>20)
			count = 0
		default:
			count = v.n
		}
	}
	for i := int64(0); i < count; i++ {
		before := len(a.out)
		if !a.room(0) {
			break
		}
		switch st.kind {
		case sInst:
			a.emitInst(st)
		case sData:
			a.emitData(st)
		case sRes:
			v := a.eval(st.e)
			switch {
			case v.unknown:
			case v.n < 0 || v.n > MaxOutput:
				a.errorf("reserve count %d out of range", v.n)
			case a.room(v.n * int64(st.width)):
				a.out = append(a.out, make([]byte, int(v.n)*st.width)...)
			}
		case sAlign:
			v := a.eval(st.e)
			fill := byte(0x90)
			if st.fill != nil {
				fill = byte(a.eval(st.fill).n)
			}
			if !v.unknown && (v.n <= 0 || v.n&(v.n-1) != 0 || v.n > 1<<16) {
				a.errorf("align needs a power of two, not %d", v.n)
			} else if !v.unknown {
				for (a.pc-a.org)%v.n != 0 {
					a.out = append(a.out, fill)
					a.pc++
				}
				a.pc -= int64(len(a.out) - before)
			}
		}
		a.pc += int64(len(a.out) - before)
		if i == 0 && count > 1 && !(st.kind == sInst && a.enc.pcRel) {
			// The repetitions are the same bytes ($ stays the address of
			// the first one): copy them rather than assemble each, so a
			// floppy's worth of padding costs a copy, and its errors are
			// reported once. Only a relative jump differs from one
			// repetition to the next.
			a.repeat(a.out[before:], count-1)
			break
		}
	}
	a.room(0)
	switch {
	case a.nobits:
	case st.kind == sInst || st.kind == sData:
		a.lines = append(a.lines, Line{Addr: uint32(addr), Bytes: a.out[start:len(a.out):len(a.out)], Pos: st.pos, Text: st.text, Data: st.kind == sData})
	default:
		// resb and align bytes are real zeros (or nops) in the output; they
		// are not Lines, but Primitives names them in its comments.
		a.fillers = append(a.fillers, Line{Addr: uint32(addr), Bytes: a.out[start:len(a.out):len(a.out)], Pos: st.pos, Text: st.text})
	}
}

// room reports whether n more bytes keep the output within MaxOutput, and
// reports the error (once a pass) when they do not.
func (a *assembler) room(n int64) bool {
	if int64(len(a.out))+n <= MaxOutput {
		return true
	}
	if !a.tooBig {
		a.tooBig = true
		a.errorf("the output would be larger than %d bytes (%d MiB), the limit", MaxOutput, MaxOutput>>20)
	}
	return false
}

// repeat appends b to the output n more times, within MaxOutput.
func (a *assembler) repeat(b []byte, n int64) {
	total := int64(len(b)) * n // at most 2^24 * 2^24: no overflow
	if total == 0 || !a.room(total) {
		return
	}
	a.out = slices.Grow(a.out, int(total))
	for ; n > 0; n-- {
		a.out = append(a.out, b...)
	}
	a.pc += total
}

func (a *assembler) emitInst(st *stmt) {
	// The args and the encoder are reused from statement to statement: the
	// passes run over every line several times and should not allocate.
	if len(a.argBuf) < len(st.ops) {
		a.argBuf = make([]arg, len(st.ops))
	}
	args := a.args[:0]
	for i, op := range st.ops {
		g := &a.argBuf[i]
		*g = arg{operand: op}
		if op.e != nil {
			g.v = a.eval(op.e)
		}
		if op.seg != nil {
			g.sv = a.eval(op.seg)
		}
		if op.eaExpr != nil {
			g.ea = op.eaFixed
			if g.ea == nil {
				ea, err := a.nasmEA(op.eaExpr)
				if err != nil {
					a.errorf("invalid effective address: %v", err)
				} else if !op.eaExpr.hasSymbol() {
					op.eaFixed = ea // the same in every pass
				}
				g.ea = ea
			}
		}
		args = append(args, g)
	}
	a.args = args
	e := &a.enc
	*e = encoder{addr: uint32(a.pc), final: true, long: st.long, rep: st.rep, seg: st.pseg, o32: st.o32, a32: st.a32,
		code: e.code[:0], nasm: a.opts.NASM, cpu: st.cpu, warns: e.warns[:0]}
	err := st.encode(e, args)
	if need := e.level(); err == nil && need > st.cpu {
		// NASM: "no instruction for this cpu level".
		err = fmt.Errorf("this instruction needs cpu %s or later; cpu %s is in effect", cpuNames[need], cpuNames[st.cpu])
	}
	if err != nil {
		// Keep what was encoded (a range error still has its size), so
		// the addresses of the following lines stay meaningful.
		a.errorf("%v", err)
	}
	for _, w := range e.warns {
		a.warnf("%s", w)
	}
	if e.choseFar && a.pass >= stickyPass {
		st.long = true
	}
	a.out = e.appendTo(a.out)
}

func (a *assembler) emitData(st *stmt) {
	for _, it := range st.items {
		if it.isStr {
			a.out = append(a.out, it.str...)
			if pad := len(it.str) % st.width; pad != 0 {
				a.out = append(a.out, make([]byte, st.width-pad)...)
			}
			continue
		}
		v := a.eval(it.e)
		if !v.unknown && !fits(v.n, st.width) {
			if a.opts.NASM {
				a.warnf("value %d out of range for %s: truncated to %#x, as nasm does", v.n, sizeName(st.width), truncate(v.n, st.width))
			} else {
				a.errorf("value %d out of range for %s", v.n, sizeName(st.width))
			}
		}
		n := uint64(v.n)
		for i := 0; i < st.width; i++ {
			a.out = append(a.out, byte(n>>(8*i)))
		}
	}
}

// Primitives writes r in pxOS's primitive language: a DEFINE per label, then
// one WRITE per byte of the output (resb zeros and alignment padding
// included, so the builder never mistakes a reserved buffer for free space),
// with the source text of each line as a COMMENT on its first byte.
func (r *Result) Primitives(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, l := range r.Labels {
		if !primLabel(l.Name) {
			// The primitive language has no spelling for this NASM name.
			fmt.Fprintf(bw, "# label %s = 0x%04X\n", l.Name, l.Addr)
			continue
		}
		fmt.Fprintf(bw, "DEFINE %s 0x%04X\n", l.Name, l.Addr)
	}
	comment := map[uint32]string{}
	for _, ls := range [][]Line{r.fillers, r.Lines} {
		for _, l := range ls {
			if len(l.Bytes) > 0 {
				comment[l.Addr] = squeeze(l.Text)
			}
		}
	}
	for i, b := range r.Bytes {
		addr := r.Org + uint32(i)
		if text := comment[addr]; text != "" {
			fmt.Fprintf(bw, "WRITE 0x%04X 0x%02X COMMENT %s\n", addr, b, text)
		} else {
			fmt.Fprintf(bw, "WRITE 0x%04X 0x%02X\n", addr, b)
		}
	}
	return bw.Flush()
}

// squeeze puts a source line on one line for a COMMENT: runs of blanks
// become one space and the ends are trimmed, except inside quotes, whose
// text is the bytes (db "  ", 0), so that the comments of a block give back
// its source.
func squeeze(text string) string {
	var b strings.Builder
	var quote byte
	blank := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			blank = true
			continue
		}
		if blank && b.Len() > 0 {
			b.WriteByte(' ')
		}
		blank = false
		b.WriteByte(c)
	}
	return b.String()
}

// primLabel reports whether name is a valid label in the primitive
// language: a letter, '_' or '.', then letters, digits, '_' and '.'.
func primLabel(name string) bool {
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && isDigit(c)) {
			return false
		}
	}
	return name != ""
}
