// Package scenario parses and runs scenario files: plain-text scripts that
// boot pxOS, type keys and check the text screen. They are the unit of
// testing for pxOS features, the regression suite and `pxos test`.
//
// It owns the format and the runner; it knows nothing of how a machine works
// (that is machine.Machine: package pc or package qemu), so one scenario runs
// the same on either.
//
// The format is one step per line; blank lines and lines starting with # are
// ignored; keywords and key names are case-insensitive:
//
//	wait "TEXT"            until TEXT is on the screen (emu: run until idle; qemu: poll, with the timeout)
//	type "TEXT"            type characters; escapes \n Enter, \b Backspace, \t Tab, \e Escape, \\ \"
//	key NAME [xN]          a named key (machine.KeyNames), optionally N times
//	expect "TEXT"          TEXT is somewhere on the screen (on one row)
//	expect-not "TEXT"      TEXT is nowhere on the screen
//	expect-row N "TEXT"    row N (0-based) contains TEXT; "" means row N is blank
//	expect-attr ROW COL A  the cell at ROW, COL (0-based; COL as for cursor) has attribute byte A (hex: 0x1F or 1Fh)
//	cursor ROW COL         the cursor is at ROW, COL (0-based); COL may be {prompt} or {prompt}+N
//	settle                 let the machine run until it is idle
//	timeout DURATION       time limit for each following step that waits (default 5s), e.g. 2s, 500ms
//	name "TEXT"            the scenario's name in reports (default: the file name)
//	clock HH:MM:SS [DATE]  the wall clock the machine starts with (DATE as 2026-01-31); before
//	                       every step that runs the machine; default machine.DefaultClock
//	default SYMBOL...      checks a default of the base that a feature may change (label names, e.g. line_max); not a step
//
// {prompt} stands for the prompt the build shows ("pxOS> " unless a feature
// changed it), so
// a scenario still holds when a feature changes it. It may appear in the
// texts of wait, expect, expect-not and expect-row, and as the column of
// cursor and expect-attr: {prompt} is the prompt's length, {prompt}+N N columns further (a
// column past 79 fails the step). In the texts of type it is typed as
// written, braces and all; a text to look for cannot hold it literally. The
// prompt is observed, not declared: before the first step that runs the
// machine, a scenario that uses {prompt} settles the machine and takes the
// text of the cursor's row left of the cursor, trailing blanks included.
// With the cursor in column 0 there is no prompt, and every step that uses
// {prompt} fails.
//
// A default line names labels of the base (e.g. line_max, hook_prompt) whose
// defaults the scenario checks; it has no effect when the scenario runs: the
// caller sets the scenario aside on a build whose features refer to one of
// them. A scenario has at most one default line, anywhere.
//
// Texts to look for may hold any character of code page 437 as Unicode
// ("╔═╗", "░", "☺"): they are compared with the screen's bytes mapped back to
// code page 437. Texts to type are US ASCII (what a US keyboard types).
//
// Expectations look at the screen after the machine is idle: the runner
// settles the machine before the first check that follows keys. Text matches
// within one row, trailing blanks included, so "> " matches a prompt, and
// only where a person would see it: text drawn in its background colour
// (black on black) is not on the screen.
package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/screen"
)

// DefaultTimeout limits each step that waits when no timeout line says otherwise.
const DefaultTimeout = 5 * time.Second

// Op is what a step does.
type Op string

// The step operations, named as in the file.
const (
	OpWait       Op = "wait"
	OpType       Op = "type"
	OpKey        Op = "key"
	OpExpect     Op = "expect"
	OpExpectNot  Op = "expect-not"
	OpExpectRow  Op = "expect-row"
	OpCursor     Op = "cursor"
	OpSettle     Op = "settle"
	OpTimeout    Op = "timeout"
	OpExpectAttr Op = "expect-attr"
	OpClock      Op = "clock"
)

// Prompt is the placeholder for the prompt the build shows (see the package
// documentation).
const Prompt = "{prompt}"

// Expand returns text with every {prompt} replaced by prompt.
func Expand(text, prompt string) string { return strings.ReplaceAll(text, Prompt, prompt) }

// Step is one line of a scenario.
type Step struct {
	Pos     diag.Pos
	Src     string        // the line as written, trimmed
	Op      Op            // what to do
	Text    string        // wait, type, expect*: the unquoted text
	Keys    []machine.Key // type, key: the keys to press
	Row     int           // expect-row, cursor
	Col     int           // cursor: the column; with ColPrompt, N of {prompt}+N
	Timeout time.Duration // timeout: the new limit
	Attr    byte          // expect-attr: the attribute byte
	Clock   time.Time     // clock: the wall clock at start (UTC)
	// ColPrompt says a cursor column counts from the prompt's end: written
	// {prompt} (Col 0) or {prompt}+Col.
	ColPrompt bool
}

// String renders the step in canonical form (quoted with Go-like escapes as
// the format defines them), as it can be parsed back.
func (s *Step) String() string {
	switch s.Op {
	case OpWait, OpType, OpExpect, OpExpectNot:
		return fmt.Sprintf("%s %s", s.Op, Quote(s.Text))
	case OpKey:
		if len(s.Keys) > 1 {
			return fmt.Sprintf("key %s x%d", s.Keys[0].Name, len(s.Keys))
		}
		return "key " + s.Keys[0].Name
	case OpExpectRow:
		return fmt.Sprintf("expect-row %d %s", s.Row, Quote(s.Text))
	case OpCursor:
		return fmt.Sprintf("cursor %d %s", s.Row, s.column())
	case OpTimeout:
		return "timeout " + s.Timeout.String()
	case OpExpectAttr:
		return fmt.Sprintf("expect-attr %d %s 0x%02X", s.Row, s.column(), s.Attr)
	case OpClock:
		return "clock " + s.Clock.Format("15:04:05 2006-01-02")
	}
	return string(s.Op)
}

// column renders the column of a cursor or expect-attr step.
func (s *Step) column() string {
	switch {
	case !s.ColPrompt:
		return strconv.Itoa(s.Col)
	case s.Col == 0:
		return Prompt
	}
	return fmt.Sprintf("%s+%d", Prompt, s.Col)
}

// UsesPrompt reports whether the step uses {prompt}: in a text to look for
// (wait, expect, expect-not, expect-row) or as its column (cursor,
// expect-attr).
func (s *Step) UsesPrompt() bool {
	switch s.Op {
	case OpWait, OpExpect, OpExpectNot, OpExpectRow:
		return strings.Contains(s.Text, Prompt)
	case OpCursor, OpExpectAttr:
		return s.ColPrompt
	}
	return false
}

// UsesPrompt reports whether a step of sc uses {prompt}: then Run reads the
// prompt off the screen before the first step that runs the machine.
func UsesPrompt(sc *Scenario) bool {
	for i := range sc.Steps {
		if sc.Steps[i].UsesPrompt() {
			return true
		}
	}
	return false
}

// Scenario is a parsed scenario file.
type Scenario struct {
	File  string // the file name as given to Parse
	Name  string // from a name line, else the file's base name without extension
	Steps []Step
	// Clock is the wall clock the machine starts with, from a clock line;
	// zero means machine.DefaultClock.
	Clock time.Time
	// Defaults are the symbols of the default line (labels of the base
	// whose defaults the scenario checks), in order, without duplicates;
	// nil without one. They do not change how the scenario runs.
	Defaults []string
}

// ParseFile reads and parses the scenario file at path.
func ParseFile(path string) (*Scenario, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

// Parse parses a scenario. file names it in positions. Every bad line is
// reported; the error is a diag.ErrorList.
func Parse(file string, src []byte) (*Scenario, error) {
	sc := &Scenario{File: file, Name: strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))}
	var errs diag.ErrorList
	named, defaulted := false, false
	ran := false // a step that runs the machine came before
	for i, line := range strings.Split(string(src), "\n") {
		pos := diag.Pos{File: file, Line: i + 1}
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		p := &lineParser{rest: line}
		errorf := func(format string, args ...any) { errs.Add(pos, line, format, args...) }
		kw := strings.ToLower(p.word())
		st := Step{Pos: pos, Src: line, Op: Op(kw)}
		var err error
		switch st.Op {
		case OpWait, OpExpect, OpExpectNot:
			if st.Text, err = p.text(false); err == nil && st.Text == "" {
				err = fmt.Errorf("%s needs a non-empty text", kw)
			}
		case OpType:
			if st.Text, err = p.text(true); err == nil {
				if st.Text == "" {
					err = fmt.Errorf("type needs a non-empty text")
				}
				st.Keys = textKeys(st.Text)
			}
		case OpKey:
			st.Keys, err = p.key()
		case OpExpectRow:
			if st.Row, err = p.number("row", machine.Rows-1); err == nil {
				st.Text, err = p.text(false)
			}
		case OpCursor:
			if st.Row, err = p.number("row", machine.Rows-1); err == nil {
				st.Col, st.ColPrompt, err = p.cursorColumn()
			}
		case OpExpectAttr:
			if st.Row, err = p.number("row", machine.Rows-1); err == nil {
				if st.Col, st.ColPrompt, err = p.cursorColumn(); err == nil {
					st.Attr, err = p.attr()
				}
			}
		case OpClock:
			if st.Clock, err = p.clock(); err == nil {
				switch {
				case ran:
					err = fmt.Errorf("clock must come before the first step that runs the machine (the clock is set when it starts)")
				case !sc.Clock.IsZero():
					err = fmt.Errorf("second clock line")
				default:
					sc.Clock = st.Clock
				}
			}
		case OpSettle:
		case OpTimeout:
			w := p.word()
			if w == "" {
				err = fmt.Errorf("timeout needs a duration such as 2s or 500ms")
			} else if st.Timeout, err = time.ParseDuration(w); err != nil || st.Timeout <= 0 {
				err = fmt.Errorf("bad duration %q (want e.g. 2s or 500ms)", w)
			}
		case "name":
			var name string
			if name, err = p.text(false); err == nil {
				if named {
					err = fmt.Errorf("second name line")
				}
				sc.Name, named = name, true
			}
		case "default":
			var syms []string
			if syms, err = p.symbols(); err == nil {
				if defaulted {
					err = fmt.Errorf("second default line")
				}
				sc.Defaults, defaulted = syms, true
			}
		default:
			errorf("unknown step %q (want wait, type, key, expect, expect-not, expect-row, expect-attr, cursor, settle, timeout, clock, name or default)", kw)
			continue
		}
		if err == nil && p.more() {
			err = fmt.Errorf("unexpected %q after %s", strings.TrimSpace(p.rest), kw)
		}
		if err != nil {
			errorf("%v", err)
			continue
		}
		if st.Op == "name" || st.Op == "default" {
			continue // not steps
		}
		sc.Steps = append(sc.Steps, st)
		if st.Op != OpTimeout && st.Op != OpClock {
			ran = true
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return sc, nil
}

// textKeys turns the unquoted text of a type step into keys: control
// characters become their named keys.
func textKeys(text string) []machine.Key {
	keys := make([]machine.Key, 0, len(text))
	for _, r := range text {
		switch r {
		case '\n':
			keys = append(keys, machine.Key{Name: "enter"})
		case '\b':
			keys = append(keys, machine.Key{Name: "backspace"})
		case '\t':
			keys = append(keys, machine.Key{Name: "tab"})
		case 0x1b:
			keys = append(keys, machine.Key{Name: "esc"})
		default:
			keys = append(keys, machine.Key{Rune: r})
		}
	}
	return keys
}

// Quote renders text as a scenario string literal.
func Quote(text string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range text {
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\b':
			b.WriteString(`\b`)
		case '\t':
			b.WriteString(`\t`)
		case 0x1b:
			b.WriteString(`\e`)
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// lineParser takes a line apart left to right.
type lineParser struct{ rest string }

func (p *lineParser) more() bool { return strings.TrimSpace(p.rest) != "" }

// word returns the next blank-separated word.
func (p *lineParser) word() string {
	p.rest = strings.TrimLeft(p.rest, " \t")
	i := strings.IndexAny(p.rest, " \t")
	if i < 0 {
		i = len(p.rest)
	}
	w := p.rest[:i]
	p.rest = p.rest[i:]
	return w
}

// number reads a decimal number in 0..max.
func (p *lineParser) number(what string, max int) (int, error) {
	w := p.word()
	if w == "" {
		return 0, fmt.Errorf("missing %s number", what)
	}
	n, err := strconv.Atoi(w)
	if err != nil {
		return 0, fmt.Errorf("bad %s %q (want a number)", what, w)
	}
	if n < 0 || n > max {
		return 0, fmt.Errorf("%s %d out of range 0..%d", what, n, max)
	}
	return n, nil
}

// cursorColumn reads the column of a cursor step: a number, {prompt} or
// {prompt}+N (N decimal, 0..Cols-1). fromPrompt says it counts from the
// prompt's end.
func (p *lineParser) cursorColumn() (col int, fromPrompt bool, err error) {
	save := p.rest
	w := p.word()
	n, ok := strings.CutPrefix(w, Prompt)
	if !ok {
		p.rest = save
		col, err = p.number("column", machine.Cols-1)
		return col, false, err
	}
	if n == "" {
		return 0, true, nil
	}
	n, ok = strings.CutPrefix(n, "+")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return 0, false, fmt.Errorf("bad column %q (want a number, %s or %s+N)", w, Prompt, Prompt)
	}
	col, err = strconv.Atoi(n)
	if err != nil || col > machine.Cols-1 {
		return 0, false, fmt.Errorf("column %q: %s out of range 0..%d", w, n, machine.Cols-1)
	}
	return col, true, nil
}

// symbols reads the label names of a default line: at least one; duplicates
// are dropped.
func (p *lineParser) symbols() ([]string, error) {
	var syms []string
	seen := map[string]bool{}
	for w := p.word(); w != ""; w = p.word() {
		if !isSymbol(w) {
			return nil, fmt.Errorf("bad symbol %q (want a label name: a letter or _, then letters, digits or _)", w)
		}
		if !seen[w] {
			seen[w] = true
			syms = append(syms, w)
		}
	}
	if len(syms) == 0 {
		return nil, fmt.Errorf("default needs at least one symbol: a label of the base whose default a feature may change, e.g. line_max")
	}
	return syms, nil
}

// isSymbol reports whether w is a label name: [A-Za-z_][A-Za-z0-9_]*.
func isSymbol(w string) bool {
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return w != ""
}

// key reads NAME [xN].
func (p *lineParser) key() ([]machine.Key, error) {
	name := strings.ToLower(p.word())
	if name == "" {
		return nil, fmt.Errorf("key needs a name (%s)", strings.Join(machine.KeyNames, ", "))
	}
	if !machine.IsKeyName(name) {
		return nil, fmt.Errorf("unknown key %q (want one of %s)", name, strings.Join(machine.KeyNames, ", "))
	}
	n := 1
	if w := p.word(); w != "" {
		v, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(w), "x"))
		if !strings.HasPrefix(strings.ToLower(w), "x") || err != nil || v < 1 || v > 1000 {
			return nil, fmt.Errorf("bad repeat %q (want xN, N in 1..1000)", w)
		}
		n = v
	}
	keys := make([]machine.Key, n)
	for i := range keys {
		keys[i] = machine.Key{Name: name}
	}
	return keys, nil
}

// text reads a double-quoted string. A text to type (keys set) is printable
// ASCII, what a US keyboard types, and may hold the control escapes
// \n \b \t \e; a text to look for may hold any character that code page
// 437 shows (the screen's character set: box drawing, blocks, accents).
func (p *lineParser) text(keys bool) (string, error) {
	p.rest = strings.TrimLeft(p.rest, " \t")
	if !strings.HasPrefix(p.rest, `"`) {
		if p.rest == "" {
			return "", fmt.Errorf("missing quoted text")
		}
		return "", fmt.Errorf("text must be in double quotes")
	}
	var b strings.Builder
	s := p.rest[1:]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			p.rest = s[i+1:]
			return b.String(), nil
		case c == '\\':
			if i+1 == len(s) {
				return "", fmt.Errorf("unterminated string")
			}
			i++
			var r byte
			switch s[i] {
			case '\\', '"':
				b.WriteByte(s[i])
				continue
			case 'n':
				r = '\n'
			case 'b':
				r = '\b'
			case 't':
				r = '\t'
			case 'e':
				r = 0x1b
			default:
				return "", fmt.Errorf("unknown escape \\%c (want \\n \\b \\t \\e \\\\ \\\")", s[i])
			}
			if !keys {
				return "", fmt.Errorf("escape \\%c is only allowed in type (the screen has no control characters)", s[i])
			}
			b.WriteByte(r)
		case c < 0x20 || c > 0x7E:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", fmt.Errorf("invalid UTF-8 in text")
			}
			if keys {
				return "", fmt.Errorf("character %q cannot be typed (type takes printable ASCII, as on a US keyboard)", r)
			}
			if _, ok := screen.CP437(r); !ok || r < 0x20 {
				return "", fmt.Errorf("character %q is not on the screen's code page 437", r)
			}
			b.WriteString(s[i : i+size])
			i += size - 1
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string")
}

// attr reads an attribute byte: hexadecimal as 0x1F or 1Fh, or decimal.
func (p *lineParser) attr() (byte, error) {
	w := p.word()
	if w == "" {
		return 0, fmt.Errorf("missing attribute (hex, e.g. 0x1F or 1Fh)")
	}
	lw := strings.ToLower(w)
	var v uint64
	var err error
	switch {
	case strings.HasPrefix(lw, "0x"):
		v, err = strconv.ParseUint(lw[2:], 16, 8)
	case strings.HasSuffix(lw, "h"):
		v, err = strconv.ParseUint(lw[:len(lw)-1], 16, 8)
	default:
		v, err = strconv.ParseUint(lw, 10, 8)
	}
	if err != nil {
		return 0, fmt.Errorf("bad attribute %q (want a byte: 0x1F, 1Fh or 31)", w)
	}
	return byte(v), nil
}

// clock reads HH:MM:SS and an optional date YYYY-MM-DD (default: the date
// of machine.DefaultClock), as UTC.
func (p *lineParser) clock() (time.Time, error) {
	w := p.word()
	if w == "" {
		return time.Time{}, fmt.Errorf("clock needs a time HH:MM:SS (and optionally a date YYYY-MM-DD)")
	}
	t, err := time.Parse("15:04:05", w)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q (want HH:MM:SS, e.g. 23:59:50)", w)
	}
	d := machine.DefaultClock
	if dw := p.word(); dw != "" {
		if d, err = time.Parse("2006-01-02", dw); err != nil {
			return time.Time{}, fmt.Errorf("bad date %q (want YYYY-MM-DD, e.g. 2026-01-31)", dw)
		}
		if d.Year() < 1980 || d.Year() > 2099 {
			return time.Time{}, fmt.Errorf("date %s out of range 1980..2099 (the CMOS clock's century)", dw)
		}
	}
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC), nil
}
