// Package prim parses pxOS's primitive language, the seed's pxos_commands.txt
// format, and resolves its labels. It owns the syntax and the symbol table; it
// knows nothing of images (package build lays the bytes out).
//
// The language is line based with case-insensitive keywords:
//
//	WRITE <addr> <byte>     one byte at a real-mode linear address
//	DEFINE <label> <addr>   a symbol; labels may stand wherever a number may
//	CALL <label>            documentation only (seed behaviour); the label must exist
//	COMMENT text            a comment, as a whole line or after a command
//	# text                  a whole-line comment
//
// Numbers are hexadecimal (0x7C00) or decimal (31744). A value is a number or
// a label, optionally followed by + or - and more numbers or labels
// ("hook_key+1"): that arithmetic, and ";" as a synonym of COMMENT after a
// command, are this implementation's only extensions, and every seed file
// stays valid. Labels resolve in two passes, so forward references work.
package prim

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"github.com/pxos-dev/pxos/internal/diag"
)

// Op is the kind of a statement.
type Op uint8

// The statement kinds. Blank and comment-only lines are OpComment or OpBlank.
const (
	OpBlank Op = iota
	OpComment
	OpWrite
	OpDefine
	OpCall
)

var opNames = [...]string{"blank", "COMMENT", "WRITE", "DEFINE", "CALL"}

func (o Op) String() string { return opNames[o] }

// MaxAddr is the largest real-mode linear address (1 MiB − 1).
const MaxAddr = 0xFFFFF

// Stmt is one line of a primitives file.
type Stmt struct {
	Pos     diag.Pos
	Label   string // DEFINE: the label defined; CALL: the label named
	Comment string // the COMMENT text (whole line or after the command)
	Text    string // the whole source line, trimmed
	Addr    uint32 // WRITE: the address; DEFINE: the value (resolved)
	Byte    byte   // WRITE: the value (resolved)
	Op      Op
	Bad     bool // the line has an error; its operands are not meaningful
}

// Symbol is a label and where it was defined.
type Symbol struct {
	Name  string
	Value uint32
	Pos   diag.Pos
}

// Program is a parsed, resolved primitives file.
type Program struct {
	File    string
	Stmts   []Stmt             // every line, blank ones included, in order
	Symbols map[string]*Symbol // every DEFINE
}

// Writes calls f for each WRITE statement in file order.
func (p *Program) Writes(f func(s *Stmt)) {
	for i := range p.Stmts {
		if p.Stmts[i].Op == OpWrite {
			f(&p.Stmts[i])
		}
	}
}

// Count returns the number of statements of kind op.
func (p *Program) Count(op Op) int {
	n := 0
	for i := range p.Stmts {
		if p.Stmts[i].Op == op {
			n++
		}
	}
	return n
}

// pending is an operand whose value waits for pass two.
type pending struct {
	addr  string // WRITE address / DEFINE value expression
	byte_ string // WRITE byte expression
	stmt  int
}

// MaxSource is the largest primitives file Parse takes, in bytes: parsing
// costs about 26 times the input in memory, and a whole floppy written one
// WRITE per byte with a comment is under 64 MiB.
const MaxSource = 64 << 20

// Parse parses and resolves src, naming it file in errors. The error, when not
// nil, is a diag.ErrorList holding every problem in line order; the Program is
// returned even then, with the statements in error marked Bad, so that later
// checks (package build) can report their own problems too.
//
// Parse takes ownership of src: the Program's strings share its memory, so
// the caller must not modify src afterwards.
func Parse(file string, src []byte) (*Program, error) {
	p := &Program{File: file, Symbols: make(map[string]*Symbol)}
	if len(src) > MaxSource {
		var errs diag.ErrorList
		errs.Add(diag.Pos{File: file}, "", "the file is %d bytes; a primitives file is at most %d (%d MiB): a 1.44 MB image written one byte per line takes about 40 MB", len(src), MaxSource, MaxSource>>20)
		return p, errs.Err()
	}
	var errs diag.ErrorList
	var todo []pending
	bad := make(map[int]bool)

	// Pass one: split lines, classify, collect label definitions. Every
	// string below is a substring of src, viewed as a string without a copy:
	// a 32,768-line file costs a megabyte and a half less (see Parse's doc).
	text := unsafe.String(unsafe.SliceData(src), len(src))
	n := strings.Count(text, "\n") + 1
	p.Stmts = make([]Stmt, 0, n)
	todo = make([]pending, 0, n)
	lineNo := 0
	for len(text) > 0 {
		lineNo++
		var line string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, ""
		}
		line = strings.TrimSpace(line)
		st := Stmt{Pos: diag.Pos{File: file, Line: lineNo}, Text: line}
		if line == "" {
			p.Stmts = append(p.Stmts, st)
			continue
		}
		if line[0] == '#' {
			st.Op, st.Comment = OpComment, strings.TrimSpace(line[1:])
			p.Stmts = append(p.Stmts, st)
			continue
		}
		kw, rest := cutField(line)
		// The trailing comment, if any: "COMMENT ..." or "; ...".
		body, comment := splitComment(rest)
		st.Comment = comment
		var argv [3]string
		nargs := fields(body, &argv)
		args := argv[:min(nargs, len(argv))]
		text := line
		switch {
		case strings.EqualFold(kw, "COMMENT"):
			st.Op, st.Comment = OpComment, strings.TrimSpace(rest)
		case strings.EqualFold(kw, "WRITE"):
			st.Op = OpWrite
			if nargs != 2 {
				errs.Add(st.Pos, text, "WRITE takes an address and a byte (WRITE <addr> <byte>), got %d operand%s", nargs, plural(nargs))
				break
			}
			todo = append(todo, pending{stmt: len(p.Stmts), addr: args[0], byte_: args[1]})
		case strings.EqualFold(kw, "DEFINE"):
			st.Op = OpDefine
			if nargs != 2 {
				errs.Add(st.Pos, text, "DEFINE takes a label and an address (DEFINE <label> <addr>), got %d operand%s", nargs, plural(nargs))
				break
			}
			st.Label = args[0]
			if !isLabel(st.Label) {
				errs.Add(st.Pos, text, "invalid label %q: a label starts with a letter, '_' or '.' and holds letters, digits, '_' and '.'", st.Label)
				break
			}
			todo = append(todo, pending{stmt: len(p.Stmts), addr: args[1]})
		case strings.EqualFold(kw, "CALL"):
			st.Op = OpCall
			if nargs != 1 {
				errs.Add(st.Pos, text, "CALL takes one label (CALL <label>), got %d operand%s", nargs, plural(nargs))
				break
			}
			st.Label = args[0]
			if !isLabel(st.Label) {
				errs.Add(st.Pos, text, "invalid label %q", st.Label)
			}
		default:
			if strings.HasPrefix(kw, ";") {
				st.Op, st.Comment = OpComment, strings.TrimSpace(strings.TrimPrefix(text, ";"))
				break
			}
			errs.Add(st.Pos, text, "unknown command %q (want WRITE, DEFINE, CALL or COMMENT)", kw)
		}
		p.Stmts = append(p.Stmts, st)
	}

	// Pass two: resolve every DEFINE (following forward references), then
	// every WRITE.
	r := resolver{defs: make(map[string][]int), expr: make(map[int]string), state: make(map[string]uint8), values: make(map[string]int64)}
	for _, t := range todo {
		if st := &p.Stmts[t.stmt]; st.Op == OpDefine {
			r.defs[st.Label] = append(r.defs[st.Label], t.stmt)
			r.expr[t.stmt] = t.addr
		}
	}
	for _, t := range todo {
		st := &p.Stmts[t.stmt]
		if st.Op != OpDefine {
			continue
		}
		first := r.defs[st.Label][0]
		if first != t.stmt {
			// A later definition: fine when it gives the same address.
			v, err := r.eval(t.addr)
			if err != nil {
				errs.Add(st.Pos, st.Text, "%v", err)
			} else if fv, ferr := r.label(st.Label); ferr == nil && v != fv {
				errs.Add(st.Pos, st.Text, "label %q defined again with a different address 0x%X (first defined as 0x%X at line %d)",
					st.Label, v, fv, p.Stmts[first].Pos.Line)
			}
			continue
		}
		v, err := r.label(st.Label)
		if err != nil {
			if err != errFailed {
				errs.Add(st.Pos, st.Text, "%v", err)
			}
			continue
		}
		st.Addr = uint32(v)
		p.Symbols[st.Label] = &Symbol{Name: st.Label, Value: st.Addr, Pos: st.Pos}
	}
	for _, t := range todo {
		st := &p.Stmts[t.stmt]
		if st.Op != OpWrite {
			continue
		}
		a, err := r.eval(t.addr)
		if err != nil {
			errs.Add(st.Pos, st.Text, "address: %v", err)
		} else if a < 0 || a > MaxAddr {
			errs.Add(st.Pos, st.Text, "address %s is outside real-mode memory (0x0-0xFFFFF)", show(t.addr, a))
		} else {
			st.Addr = uint32(a)
		}
		b, err := r.eval(t.byte_)
		if err != nil {
			errs.Add(st.Pos, st.Text, "byte: %v", err)
		} else if b < 0 || b > 255 {
			errs.Add(st.Pos, st.Text, "byte value %s is out of range (0-255)", show(t.byte_, b))
		} else {
			st.Byte = byte(b)
		}
	}
	for i := range p.Stmts {
		st := &p.Stmts[i]
		if st.Op == OpCall && isLabel(st.Label) {
			if _, ok := p.Symbols[st.Label]; !ok {
				errs.Add(st.Pos, st.Text, "undefined label %q", st.Label)
			}
		}
	}
	for _, e := range errs {
		bad[e.Pos.Line] = true
	}
	for i := range p.Stmts {
		if bad[p.Stmts[i].Pos.Line] {
			p.Stmts[i].Bad = true
		}
	}
	errs.Sort()
	return p, errs.Err()
}

// resolver evaluates values, following labels through their first DEFINE
// and detecting cycles.
type resolver struct {
	defs   map[string][]int // label -> statements defining it
	expr   map[int]string   // DEFINE statement -> its value expression
	state  map[string]uint8 // 1 resolving, 2 done, 3 failed
	values map[string]int64
}

func (r *resolver) label(name string) (int64, error) {
	switch r.state[name] {
	case 1:
		return 0, fmt.Errorf("label %q is defined in terms of itself", name)
	case 2:
		return r.values[name], nil
	case 3:
		return 0, errFailed
	}
	list, ok := r.defs[name]
	if !ok {
		return 0, fmt.Errorf("undefined label %q", name)
	}
	r.state[name] = 1
	v, err := r.eval(r.expr[list[0]])
	if err == nil && (v < 0 || v > MaxAddr) {
		err = fmt.Errorf("value %d of label %q is outside real-mode memory (0x0-0xFFFFF)", v, name)
	}
	if err != nil {
		r.state[name] = 3
		return 0, err
	}
	r.state[name], r.values[name] = 2, v
	return v, nil
}

// errFailed marks a label whose own definition already reported its error.
var errFailed = fmt.Errorf("depends on a label with an error")

// eval evaluates term {(+|-) term}, where a term is a number or a label.
func (r *resolver) eval(s string) (int64, error) {
	if s != "" && isDigit(s[0]) && !hasSign(s) {
		return parseNumber(s) // the common case: a plain number
	}
	var total int64
	sign := int64(1)
	expectTerm := true
	i := 0
	for i < len(s) {
		c := s[i]
		if !expectTerm {
			switch c {
			case '+':
				sign = 1
			case '-':
				sign = -1
			default:
				return 0, fmt.Errorf("bad value %q: want a number or label, optionally + or - another", s)
			}
			i++
			expectTerm = true
			continue
		}
		j := i
		for j < len(s) && s[j] != '+' && s[j] != '-' {
			j++
		}
		term := s[i:j]
		if term == "" {
			return 0, fmt.Errorf("bad value %q: missing number or label", s)
		}
		var v int64
		if isDigit(term[0]) {
			n, err := parseNumber(term)
			if err != nil {
				return 0, err
			}
			v = n
		} else if isLabel(term) {
			n, err := r.label(term)
			if err != nil {
				return 0, err
			}
			v = n
		} else {
			return 0, fmt.Errorf("bad number or label %q", term)
		}
		total += sign * v
		i = j
		expectTerm = false
	}
	if expectTerm {
		return 0, fmt.Errorf("bad value %q: missing number or label", s)
	}
	return total, nil
}

// parseNumber reads 0x-prefixed hexadecimal or decimal.
func parseNumber(s string) (int64, error) {
	var n uint64
	var err error
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		n, err = strconv.ParseUint(s[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(s, 10, 32)
	}
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, fmt.Errorf("number %q is too large", s)
		}
		return 0, fmt.Errorf("bad number %q (want hex like 0x7C00 or decimal)", s)
	}
	return int64(n), nil
}

func hasSign(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' || s[i] == '-' {
			return true
		}
	}
	return false
}

// show prints an operand and, when it is not a plain number, its value.
func show(expr string, v int64) string {
	if n, err := parseNumber(expr); err == nil && n == v {
		return expr
	}
	return fmt.Sprintf("%s (= %d)", expr, v)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLabel(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case isDigit(c) && i > 0:
		default:
			return false
		}
	}
	return true
}

// cutField splits off the first whitespace-separated word.
func cutField(s string) (word, rest string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

// splitComment separates operands from a trailing "COMMENT text" or "; text".
func splitComment(s string) (body, comment string) {
	if i := strings.IndexByte(s, ';'); i >= 0 {
		body, comment = s[:i], strings.TrimSpace(s[i+1:])
		s = body
	}
	// Find the word COMMENT (any case) as a whole word.
	for i := 0; i+7 <= len(s); i++ {
		if c := s[i]; (c == 'C' || c == 'c') && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') && strings.EqualFold(s[i:i+7], "COMMENT") &&
			(i+7 == len(s) || s[i+7] == ' ' || s[i+7] == '\t') {
			c := strings.TrimSpace(s[i+7:])
			if comment != "" {
				c += " ; " + comment
			}
			return s[:i], c
		}
	}
	return s, comment
}

// fields splits s at blanks into at most len(out) fields and returns how
// many there are (counting past len(out), so callers can report extras).
func fields(s string, out *[3]string) int {
	n := 0
	for {
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
			s = s[1:]
		}
		if s == "" {
			return n
		}
		i := 0
		for i < len(s) && s[i] != ' ' && s[i] != '\t' {
			i++
		}
		if n < len(out) {
			out[n] = s[:i]
		}
		n++
		s = s[i:]
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
