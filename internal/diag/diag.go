// Package diag holds positioned diagnostics shared by the parsers of pxos: the
// primitive language, the assembler and the scenario format.
//
// It is modelled on go/scanner.ErrorList: a parser collects every problem with
// Add, sorts them with Sort and returns Err, which is nil when there were none.
// Each error prints as "file:line: message" followed, when known, by the
// offending source text on its own indented line. Err caps the report at Max
// errors and ends it with "too many errors".
package diag

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Max is the number of errors an ErrorList prints before "too many errors".
const Max = 20

// Pos is a position in a source file. Line is 1-based; 0 means unknown.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	switch {
	case p.File == "" && p.Line == 0:
		return "-"
	case p.Line == 0:
		return p.File
	case p.File == "":
		return fmt.Sprintf("line %d", p.Line)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Error is one positioned problem. Src, when set, is the offending text.
type Error struct {
	Pos Pos
	Msg string
	Src string
}

// Error renders "file:line: message" and, if Src is set, the source line
// indented on the next line.
//
// Both come from input files and model answers, so they are bounded and
// safe on a terminal: the message is cut after MaxMsg bytes and the source
// after MaxSrc, each with how much was left out, and control characters
// (escape sequences that could retitle or clear a terminal) are shown as
// \xNN.
func (e *Error) Error() string {
	s := e.Pos.String() + ": " + Visible(Cut(e.Msg, MaxMsg))
	if src := strings.TrimSpace(e.Src); src != "" {
		s += "\n\t" + Visible(Cut(src, MaxSrc))
	}
	return s
}

// Bounds of a printed error: its message and the source text it quotes.
const (
	MaxMsg = 400
	MaxSrc = 200
)

// Cut returns s cut to at most n bytes (not splitting a UTF-8 sequence)
// with "…[N more bytes]" when it was longer.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	k := n
	for k > 0 && !utf8.RuneStart(s[k]) {
		k--
	}
	return s[:k] + fmt.Sprintf("…[%d more bytes]", len(s)-k)
}

// Visible shows the control characters in s (but tabs) as \xNN (the line
// and paragraph separators as \u2028, \u2029), and invalid UTF-8 as \xNN
// too, so that text from files and models cannot move or reprogram a
// terminal.
func Visible(s string) string {
	return MapUnsafe(s, false, func(b *strings.Builder, r rune, raw string) {
		switch {
		case r == utf8.RuneError && len(raw) <= 1:
			fmt.Fprintf(b, "\\x%02x", raw[0])
		case r > 0xff:
			fmt.Fprintf(b, "\\u%04x", r)
		default:
			fmt.Fprintf(b, "\\x%02x", r)
		}
	})
}

// Unsafe reports whether a rune of size bytes must not reach a terminal as
// it is: a byte of invalid UTF-8, or a control character (C0, DEL, C1, the
// line and paragraph separators) but a tab, and but a new line when
// newlines is set.
func Unsafe(r rune, size int, newlines bool) bool {
	if r == utf8.RuneError && size <= 1 {
		return true
	}
	if r == '\t' || newlines && r == '\n' {
		return false
	}
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// MapUnsafe returns s with each unsafe rune (Unsafe) written by show
// instead, given the rune and its bytes; s itself when it has none.
func MapUnsafe(s string, newlines bool, show func(b *strings.Builder, r rune, raw string)) string {
	first := -1
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if Unsafe(r, n, newlines) {
			first = i
			break
		}
		i += n
	}
	if first < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:first])
	for i := first; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if Unsafe(r, n, newlines) {
			show(&b, r, s[i:i+n])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// ErrorList is a list of positioned errors. The zero value is ready to use.
type ErrorList []*Error

// Add appends an error at pos with the offending source text src.
func (l *ErrorList) Add(pos Pos, src, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...), Src: src})
}

// Len is the number of errors.
func (l ErrorList) Len() int { return len(l) }

// Sort orders the list by file then line, keeping the order of errors on the
// same line.
func (l ErrorList) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i].Pos, l[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// Error prints up to Max errors, one per line, then "too many errors" when
// the list is longer.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == Max {
			fmt.Fprintf(&b, "\ntoo many errors (%d more)", len(l)-Max)
			return b.String()
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns the list as an error, or nil when it is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
