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
//	cursor ROW COL         the cursor is at ROW, COL (0-based)
//	settle                 let the machine run until it is idle
//	timeout DURATION       time limit for each following step that waits (default 5s), e.g. 2s, 500ms
//	name "TEXT"            the scenario's name in reports (default: the file name)
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
)

// DefaultTimeout limits each step that waits when no timeout line says otherwise.
const DefaultTimeout = 5 * time.Second

// Op is what a step does.
type Op string

// The step operations, named as in the file.
const (
	OpWait      Op = "wait"
	OpType      Op = "type"
	OpKey       Op = "key"
	OpExpect    Op = "expect"
	OpExpectNot Op = "expect-not"
	OpExpectRow Op = "expect-row"
	OpCursor    Op = "cursor"
	OpSettle    Op = "settle"
	OpTimeout   Op = "timeout"
)

// Step is one line of a scenario.
type Step struct {
	Pos     diag.Pos
	Src     string        // the line as written, trimmed
	Op      Op            // what to do
	Text    string        // wait, type, expect*: the unquoted text
	Keys    []machine.Key // type, key: the keys to press
	Row     int           // expect-row, cursor
	Col     int           // cursor
	Timeout time.Duration // timeout: the new limit
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
		return fmt.Sprintf("cursor %d %d", s.Row, s.Col)
	case OpTimeout:
		return "timeout " + s.Timeout.String()
	}
	return string(s.Op)
}

// Scenario is a parsed scenario file.
type Scenario struct {
	File  string // the file name as given to Parse
	Name  string // from a name line, else the file's base name without extension
	Steps []Step
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
	named := false
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
				st.Col, err = p.number("column", machine.Cols-1)
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
		default:
			errorf("unknown step %q (want wait, type, key, expect, expect-not, expect-row, cursor, settle, timeout or name)", kw)
			continue
		}
		if err == nil && p.more() {
			err = fmt.Errorf("unexpected %q after %s", strings.TrimSpace(p.rest), kw)
		}
		if err != nil {
			errorf("%v", err)
			continue
		}
		if st.Op != "name" {
			sc.Steps = append(sc.Steps, st)
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

// text reads a double-quoted string. Printable ASCII only: the screen holds
// code page 437 bytes and the keyboard types US ASCII. Control escapes
// (\n \b \t \e) are allowed only when keys is set (a type step).
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
			r, _ := utf8.DecodeRuneInString(s[i:])
			return "", fmt.Errorf("character %q is not printable ASCII", r)
		default:
			b.WriteByte(c)
		}
	}
	return "", fmt.Errorf("unterminated string")
}
