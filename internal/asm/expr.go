package asm

import (
	"fmt"
	"strings"
)

// exprKind is the kind of an expression node.
type exprKind uint8

const (
	eNum    exprKind = iota // constant
	eSym                    // symbol reference
	eReg                    // register (only valid inside [ ] or as a whole operand)
	eHere                   // $
	eBase                   // $$
	eUnary                  // op x
	eBinary                 // x op y
	eCond                   // x ? y : z
)

// expr is a parsed expression. Symbols are resolved lazily to *symbol.
type expr struct {
	k    exprKind
	op   string
	n    int64
	name string
	sym  *symbol
	reg  *regInfo
	x, y *expr
	z    *expr // eCond's else branch
}

// value is the result of evaluating an expression. rel counts the
// section-relative terms (labels, $, $$): a value with rel 0 is a plain
// number, which NASM calls "simple" and only then applies its short-form
// optimisations. unknown marks a forward reference not yet defined in this
// pass.
type value struct {
	n       int64
	rel     int
	unknown bool
}

func (v value) simple() bool { return v.rel == 0 && !v.unknown }

// parser reads an expression from a token slice.
type exprParser struct {
	toks []token
	i    int
	err  error
	// local is the current global label, prefixed to .local names.
	local string
	exprs *slab[expr] // nil: allocate one by one
	depth int         // nesting of parentheses, unary operators and ?: now
}

// maxExprDepth bounds how deeply an expression may nest (parentheses,
// unary operators, ?:). Real code nests a handful of levels; without a
// bound, an answer of 130,000 parentheses overflowed the parser's stack.
const maxExprDepth = 256

// enter counts one more level of nesting and reports whether it is
// allowed; leave undoes it.
func (p *exprParser) enter() bool {
	p.depth++
	if p.depth > maxExprDepth {
		p.fail("expression nested deeper than %d levels", maxExprDepth)
		return false
	}
	return true
}

func (p *exprParser) leave() { p.depth-- }

// slab hands out expressions in blocks: a program has thousands of them
// and they live as long as the assembly.
type slab[T any] struct{ free []T }

func (s *slab[T]) new(v T) *T {
	if len(s.free) == 0 {
		s.free = make([]T, 256)
	}
	x := &s.free[0]
	*x = v
	s.free = s.free[1:]
	return x
}

func (p *exprParser) newExpr(e expr) *expr {
	if p.exprs == nil {
		return &e
	}
	return p.exprs.new(e)
}

func (p *exprParser) peek() token { return p.toks[p.i] }
func (p *exprParser) next() token {
	t := p.toks[p.i]
	if t.k != tEOL {
		p.i++
	}
	return t
}

func (p *exprParser) isOp(s string) bool {
	t := p.toks[p.i]
	return t.k == tOp && t.s == s
}

func (p *exprParser) fail(format string, args ...any) *expr {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
	return p.newExpr(expr{k: eNum})
}

// precedence lists the binary operators from loosest to tightest, as in
// NASM's eval.c (rexp0..rexp3, expr0..expr5).
var precedence = [][]string{
	{"||"}, {"^^"}, {"&&"}, {"=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>"},
	{"|"}, {"^"}, {"&"}, {"<<", ">>", "<<<", ">>>"}, {"+", "-"}, {"*", "/", "%", "//", "%%"},
}

// expr parses an expression, with NASM's c ? a : b at the top.
func (p *exprParser) expr() *expr {
	if !p.enter() {
		return p.newExpr(expr{k: eNum})
	}
	defer p.leave()
	c := p.binary(0)
	if t := p.peek(); p.err == nil && t.k == tIdent && t.s == "?" {
		p.next()
		x := p.expr()
		if !p.isOp(":") {
			return p.fail("'?' without matching ':'")
		}
		p.next()
		y := p.expr()
		return p.newExpr(expr{k: eCond, x: c, y: x, z: y})
	}
	return c
}

func (p *exprParser) binary(level int) *expr {
	if level == len(precedence) {
		return p.unary()
	}
	x := p.binary(level + 1)
	for p.err == nil {
		t := p.peek()
		if t.k != tOp || !contains(precedence[level], t.s) {
			return x
		}
		p.next()
		y := p.binary(level + 1)
		x = p.newExpr(expr{k: eBinary, op: t.s, x: x, y: y})
	}
	return x
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func (p *exprParser) unary() *expr {
	t := p.peek()
	if t.k == tOp && (t.s == "-" || t.s == "+" || t.s == "~" || t.s == "!") {
		p.next()
		if !p.enter() {
			return p.newExpr(expr{k: eNum})
		}
		x := p.unary()
		p.leave()
		if t.s == "+" {
			return x
		}
		return p.newExpr(expr{k: eUnary, op: t.s, x: x})
	}
	return p.primary()
}

func (p *exprParser) primary() *expr {
	t := p.next()
	switch t.k {
	case tNum:
		return p.newExpr(expr{k: eNum, n: t.n})
	case tStr:
		if len(t.s) > 8 {
			return p.fail("character constant too long")
		}
		var v int64
		for i := len(t.s) - 1; i >= 0; i-- {
			v = v<<8 | int64(t.s[i])
		}
		return p.newExpr(expr{k: eNum, n: v})
	case tIdent:
		switch t.s {
		case "$":
			return p.newExpr(expr{k: eHere})
		case "$$":
			return p.newExpr(expr{k: eBase})
		}
		if r := regs[lower(t.s)]; r != nil {
			return p.newExpr(expr{k: eReg, reg: r})
		}
		if isKeyword(t.s) {
			return p.fail("unexpected %s in expression", t)
		}
		if nt := p.peek(); nt.k == tIdent && strings.EqualFold(t.s, "offset") {
			return p.fail("'offset %s' is MASM syntax: in NASM the label %s is its address", nt.s, nt.s)
		}
		return p.newExpr(expr{k: eSym, name: p.symName(t.s)})
	case tOp:
		if t.s == "(" {
			x := p.expr()
			if !p.isOp(")") {
				return p.fail("expected ')', found %s", p.peek())
			}
			p.next()
			return x
		}
	}
	return p.fail("expected expression, found %s", t)
}

// symName returns the full name of an identifier: $name loses its $, and a
// .local name gets the current global label in front.
func (p *exprParser) symName(s string) string {
	s = strings.TrimPrefix(s, "$")
	if strings.HasPrefix(s, ".") && !strings.HasPrefix(s, "..") {
		return p.local + s
	}
	return s
}

// hasReg reports whether e mentions a register.
func (e *expr) hasReg() bool {
	if e == nil {
		return false
	}
	switch e.k {
	case eReg:
		return true
	case eUnary:
		return e.x.hasReg()
	case eBinary:
		return e.x.hasReg() || e.y.hasReg()
	case eCond:
		return e.x.hasReg() || e.y.hasReg() || e.z.hasReg()
	}
	return false
}

// hasSymbol reports whether e mentions a symbol, $ or $$.
func (e *expr) hasSymbol() bool {
	switch e.k {
	case eSym, eHere, eBase:
		return true
	case eUnary:
		return e.x.hasSymbol()
	case eBinary:
		return e.x.hasSymbol() || e.y.hasSymbol()
	case eCond:
		return e.x.hasSymbol() || e.y.hasSymbol() || e.z.hasSymbol()
	}
	return false
}

// evalCtx is what evaluation needs from the assembler.
type evalCtx interface {
	lookup(e *expr) value
	here() value
	base() value
}

// eval computes e. Errors (division by zero, registers) are returned.
func (e *expr) eval(c evalCtx) (value, error) {
	switch e.k {
	case eNum:
		return value{n: e.n}, nil
	case eSym:
		return c.lookup(e), nil
	case eHere:
		return c.here(), nil
	case eBase:
		return c.base(), nil
	case eReg:
		return value{}, fmt.Errorf("register %s not allowed here", e.reg.name)
	case eUnary:
		x, err := e.x.eval(c)
		if err != nil {
			return x, err
		}
		switch e.op {
		case "-":
			return value{n: -x.n, rel: -x.rel, unknown: x.unknown}, nil
		case "~":
			return value{n: ^x.n, rel: nonSimple(x.rel), unknown: x.unknown}, nil
		case "!":
			v := int64(0)
			if x.n == 0 {
				v = 1
			}
			return value{n: v, rel: nonSimple(x.rel), unknown: x.unknown}, nil
		}
	case eBinary:
		x, err := e.x.eval(c)
		if err != nil {
			return x, err
		}
		y, err := e.y.eval(c)
		if err != nil {
			return y, err
		}
		r := value{unknown: x.unknown || y.unknown}
		if n, ok := compare(e.op, x.n, y.n); ok {
			r.n = n
			return r, nil
		}
		switch e.op {
		case "+":
			r.n, r.rel = x.n+y.n, x.rel+y.rel
			return r, nil
		case "-":
			r.n, r.rel = x.n-y.n, x.rel-y.rel
			return r, nil
		}
		r.rel = nonSimple(x.rel | y.rel)
		switch e.op {
		case "*":
			r.n = x.n * y.n
		case "/", "%", "//", "%%":
			if y.n == 0 {
				if r.unknown {
					return r, nil
				}
				return r, fmt.Errorf("division by zero")
			}
			switch e.op {
			case "/":
				r.n = int64(uint64(x.n) / uint64(y.n))
			case "%":
				r.n = int64(uint64(x.n) % uint64(y.n))
			case "//":
				r.n = x.n / y.n
			case "%%":
				r.n = x.n % y.n
			}
		// NASM shifts by the count modulo 64, as the x86 shift
		// instructions do: 1<<64 is 1, 256>>64 is 256.
		case "<<", "<<<":
			r.n = x.n << uint64(y.n&63)
		case ">>":
			r.n = int64(uint64(x.n) >> uint64(y.n&63))
		case ">>>":
			r.n = x.n >> uint64(y.n&63)
		case "&":
			r.n = x.n & y.n
		case "|":
			r.n = x.n | y.n
		case "^":
			r.n = x.n ^ y.n
		}
		return r, nil
	case eCond:
		cond, err := e.x.eval(c)
		if err != nil || cond.unknown {
			return cond, err
		}
		if cond.n != 0 {
			return e.y.eval(c)
		}
		return e.z.eval(c)
	}
	return value{}, fmt.Errorf("bad expression")
}

// compare evaluates NASM's comparison and logical operators (1 or 0).
func compare(op string, x, y int64) (int64, bool) {
	b := func(v bool) int64 {
		if v {
			return 1
		}
		return 0
	}
	switch op {
	case "=", "==":
		return b(x == y), true
	case "!=", "<>":
		return b(x != y), true
	case "<":
		return b(x < y), true
	case "<=":
		return b(x <= y), true
	case ">":
		return b(x > y), true
	case ">=":
		return b(x >= y), true
	case "<=>":
		// NASM's eval.c uses -1 as its "unknown" marker, so x <=> y with
		// x < y comes out as 0, not -1; do the same.
		return b(x > y), true
	case "&&":
		return b(x != 0 && y != 0), true
	case "||":
		return b(x != 0 || y != 0), true
	case "^^":
		return b((x != 0) != (y != 0)), true
	}
	return 0, false
}

// nonSimple maps any relocatable count to one that stays non-zero, so values
// built from labels by other operators are never treated as plain numbers.
func nonSimple(rel int) int {
	if rel != 0 {
		return 1 << 20
	}
	return 0
}
