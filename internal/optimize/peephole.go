package optimize

import (
	"regexp"
	"strings"
)

// Change is one rewrite of the peephole pass.
type Change struct {
	Rule string // the rule's name (see Rules)
	Line int    // the source line it rewrote, 1-based, in the text Peephole was given
	Old  string // the instruction as written
	New  string // what it became; "" when it was taken out
}

// Rule is one peephole rewrite: its name, what it does and why that
// keeps behaviour.
type Rule struct {
	Name, Doc string
	apply     ruleFunc
}

// Rules are the peephole rules, in the order Peephole tries them at a
// line. The flags an instruction leaves are "unread" when, on the path
// that falls through from it, an instruction writes them again before any
// instruction reads them; that path ends, as a read, at anything the pass
// does not follow (a jump, call, return or interrupt, data, an instruction
// it does not know, the end of the source), so the rules that change flags
// are conservative. Flags an instruction leaves undefined (AF after and,
// or, xor, test) count as not written. Intel SDM vol. 1, appendix A
// (EFLAGS cross-reference) and vol. 2 for each instruction.
var Rules = []Rule{
	{"mov-zero", "mov R, 0 -> xor R, R (R a 16- or 32-bit register: 3 bytes -> 2); xor changes every arithmetic flag, mov none, so only where all of them are unread", movZero},
	{"cmp-zero", "cmp R, 0 -> test R, R (R a register other than AL, whose cmp is as short); both leave CF=0, OF=0 and SF, ZF, PF of R; only AF may differ (0 after cmp, undefined after test), so only where AF is unread", cmpZero},
	{"add-one", "add R, 1 -> inc R and sub R, 1 -> dec R (R a register other than AL); inc and dec set OF, SF, ZF, AF and PF as add and sub do but keep CF, so only where CF is unread", addOne},
	{"tail-call", "call X followed by ret -> jmp X: X's own ret returns to our caller, with the flags and registers X left; a ret with a label stays, for the jumps to it", tailCall},
	{"jmp-next", "jmp L where L labels the next instruction: taken out, execution falls through to L", jmpNext},
}

// Peephole rewrites the 16-bit assembly src with Rules, deterministically:
// from the top, the first rule that applies at a line rewrites it, until
// none applies anywhere. Each rewrite makes the code smaller or runs fewer
// instructions, so it ends. It returns the new source and the changes, in
// the order made; src itself when there are none.
func Peephole(src []byte) ([]byte, []Change) {
	p := parseProgram(string(src))
	var changes []Change
	for {
		c, ok := p.step()
		if !ok {
			break
		}
		changes = append(changes, c)
	}
	if len(changes) == 0 {
		return src, nil
	}
	return []byte(p.text()), changes
}

// A line of assembly taken apart.
type asmLine struct {
	orig    int      // 1-based line in the original source
	head    string   // what comes before the instruction: indent, labels, spaces
	labels  []string // the labels it defines ("name:"), in order
	op      string   // the mnemonic, lower case, with a prefix before it ("rep movsb"); "" for none
	args    []string // the operands, trimmed
	gap     string   // the blanks between the instruction and the comment
	comment string   // from ';' on, "" for none
	text    string   // the line as it is now
}

var (
	labelRE = regexp.MustCompile(`^([A-Za-z_.?$][A-Za-z0-9_.?$@~#]*):`)
	wordRE  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*`)
)

// prefixes are the instruction prefixes written as words before a mnemonic.
var prefixes = map[string]bool{"rep": true, "repe": true, "repz": true, "repne": true, "repnz": true, "lock": true}

func parseLine(orig int, text string) asmLine {
	l := asmLine{orig: orig, text: text}
	code := text
	if i := commentAt(text); i >= 0 {
		code, l.comment = text[:i], text[i:]
	}
	rest := strings.TrimLeft(code, " \t")
	for {
		m := labelRE.FindStringSubmatch(rest)
		if m == nil {
			break
		}
		l.labels = append(l.labels, m[1])
		rest = strings.TrimLeft(rest[len(m[0]):], " \t")
	}
	l.head = code[:len(code)-len(rest)]
	ins := strings.TrimRight(rest, " \t")
	l.gap = rest[len(ins):]
	op := strings.ToLower(wordRE.FindString(ins))
	if op == "" {
		return l
	}
	ins = strings.TrimSpace(ins[len(op):])
	if prefixes[op] {
		if next := strings.ToLower(wordRE.FindString(ins)); next != "" {
			op += " " + next
			ins = strings.TrimSpace(ins[len(next):])
		}
	}
	l.op = op
	if ins != "" {
		l.args = splitArgs(ins)
	}
	return l
}

// unquoted returns the offsets of s's bytes that are outside quoted
// strings (NASM's "...", '...' and `...`), the quotes themselves left out.
func unquoted(s string) []int {
	var out []int
	var q byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'' || c == '`':
			q = c
		default:
			out = append(out, i)
		}
	}
	return out
}

// commentAt returns where the comment of an assembly line starts (its ';'
// outside quotes), or -1.
func commentAt(s string) int {
	for _, i := range unquoted(s) {
		if s[i] == ';' {
			return i
		}
	}
	return -1
}

// splitArgs splits operands at the commas outside quotes and brackets.
func splitArgs(s string) []string {
	var out []string
	depth, start := 0, 0
	for _, i := range unquoted(s) {
		switch s[i] {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// program is the source being rewritten, line by line.
type program struct {
	lines []asmLine
	final bool // the source ended with a newline
}

func parseProgram(src string) *program {
	p := &program{final: strings.HasSuffix(src, "\n")}
	for i, t := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		p.lines = append(p.lines, parseLine(i+1, t))
	}
	return p
}

func (p *program) text() string {
	var b strings.Builder
	for i, l := range p.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l.text)
	}
	if p.final {
		b.WriteByte('\n')
	}
	return b.String()
}

// instr returns a line's instruction as written: mnemonic and operands.
func (l asmLine) instr() string {
	if len(l.args) == 0 {
		return l.op
	}
	return l.op + " " + strings.Join(l.args, ", ")
}

// rewrite makes line i's instruction ins, keeping its labels and comment;
// "" takes the instruction out (and the line, when it has no label).
func (p *program) rewrite(i int, ins string) {
	l := p.lines[i]
	if ins == "" && len(l.labels) == 0 {
		p.lines = append(p.lines[:i], p.lines[i+1:]...)
		return
	}
	text := l.head + ins
	switch {
	case l.comment != "" && ins == "":
		text = strings.TrimRight(l.head, " \t") + " " + l.comment
	case l.comment != "":
		text += l.gap + l.comment
	case ins == "":
		text = strings.TrimRight(l.head, " \t")
	}
	p.lines[i] = parseLine(l.orig, text)
}

// next returns the index of the first line after i with an instruction
// or data on it, and the labels of the lines in between and of that line
// (all at its address), or -1.
func (p *program) next(i int) (int, []string) {
	var labels []string
	for j := i + 1; j < len(p.lines); j++ {
		labels = append(labels, p.lines[j].labels...)
		if p.lines[j].op != "" {
			return j, labels
		}
	}
	return -1, labels
}

// scope returns the global label that local labels at line i belong to.
func (p *program) scope(i int) string {
	for j := i; j >= 0; j-- {
		ls := p.lines[j].labels
		for k := len(ls) - 1; k >= 0; k-- {
			if !strings.HasPrefix(ls[k], ".") {
				return ls[k]
			}
		}
	}
	return ""
}

// step applies the first rule that applies at the first line it can.
func (p *program) step() (Change, bool) {
	for i := range p.lines {
		l := p.lines[i]
		if l.op == "" {
			continue
		}
		for _, r := range Rules {
			if ins, drop, ok := r.apply(p, i); ok {
				c := Change{Rule: r.Name, Line: l.orig, Old: l.instr(), New: ins}
				if drop >= 0 {
					c.Old += "; " + p.lines[drop].instr()
					p.rewrite(drop, "")
				}
				if ins != l.instr() {
					p.rewrite(i, ins)
				}
				return c, true
			}
		}
	}
	return Change{}, false
}

// A rule looks at the instruction on line i and returns what it becomes
// ("" to take it out) and another line to take out (-1 for none).
type ruleFunc func(p *program, i int) (ins string, drop int, ok bool)

func movZero(p *program, i int) (string, int, bool) {
	l := p.lines[i]
	if l.op != "mov" || len(l.args) != 2 || regSize(l.args[0]) < 16 || !isNum(l.args[1], 0) || !p.unread(i, allFlags) {
		return "", -1, false
	}
	r := l.args[0]
	return "xor " + r + ", " + r, -1, true
}

func cmpZero(p *program, i int) (string, int, bool) {
	l := p.lines[i]
	if l.op != "cmp" || len(l.args) != 2 || !shortensImm(l.args[0]) || !isNum(l.args[1], 0) || !p.unread(i, flagA) {
		return "", -1, false
	}
	r := l.args[0]
	return "test " + r + ", " + r, -1, true
}

func addOne(p *program, i int) (string, int, bool) {
	l := p.lines[i]
	to := map[string]string{"add": "inc", "sub": "dec"}[l.op]
	if to == "" || len(l.args) != 2 || !shortensImm(l.args[0]) || !isNum(l.args[1], 1) || !p.unread(i, flagC) {
		return "", -1, false
	}
	return to + " " + l.args[0], -1, true
}

func tailCall(p *program, i int) (string, int, bool) {
	l := p.lines[i]
	if l.op != "call" || len(l.args) != 1 || strings.Contains(strings.ToLower(l.args[0]), "far") || strings.Contains(l.args[0], ":") {
		return "", -1, false
	}
	j, labels := p.next(i)
	if j < 0 || p.lines[j].op != "ret" || len(p.lines[j].args) != 0 {
		return "", -1, false
	}
	drop := j
	if len(labels) > 0 {
		drop = -1 // a jump to the ret still needs it
	}
	return "jmp " + l.args[0], drop, true
}

func jmpNext(p *program, i int) (string, int, bool) {
	l := p.lines[i]
	if l.op != "jmp" {
		return "", -1, false
	}
	to, ok := p.target(i, l, p.labelLines())
	if !ok {
		return "", -1, false
	}
	j, _ := p.next(i)
	// The target's line lies between this one and the next instruction
	// (both included): the labels there are all at the next address.
	return "", -1, j >= 0 && to > i && to <= j
}

var regSizes = map[string]int{
	"al": 8, "bl": 8, "cl": 8, "dl": 8, "ah": 8, "bh": 8, "ch": 8, "dh": 8,
	"ax": 16, "bx": 16, "cx": 16, "dx": 16, "si": 16, "di": 16, "bp": 16, "sp": 16,
	"eax": 32, "ebx": 32, "ecx": 32, "edx": 32, "esi": 32, "edi": 32, "ebp": 32, "esp": 32,
}

// regSize is the width of a general register, 0 for anything else.
func regSize(s string) int { return regSizes[strings.ToLower(strings.TrimSpace(s))] }

// shortensImm reports whether an instruction with an immediate on
// register r is longer than its register-only twin: any general register
// but AL, whose cmp, add and sub have a 2-byte form (3C, 04, 2C ib) as
// long as test al, al and inc al.
func shortensImm(r string) bool {
	return regSize(r) > 0 && !strings.EqualFold(strings.TrimSpace(r), "al")
}

// isNum reports whether s is the number v written plainly: decimal, 0x or
// h hex, 0b binary.
func isNum(s string, v uint64) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	base := 10
	switch {
	case strings.HasPrefix(s, "0x"):
		s, base = s[2:], 16
	case strings.HasSuffix(s, "h"):
		s, base = strings.TrimSuffix(s, "h"), 16
	case strings.HasPrefix(s, "0b"):
		s, base = s[2:], 2
	}
	if s == "" {
		return false
	}
	var n uint64
	for _, c := range s {
		d := strings.IndexRune("0123456789abcdef", c)
		if d < 0 || d >= base {
			return false
		}
		n = n*uint64(base) + uint64(d)
		if n > v {
			return false
		}
	}
	return n == v
}
