package asm

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind classifies a token of one source line.
type tokKind uint8

const (
	tEOL   tokKind = iota
	tIdent         // identifier, register, mnemonic, directive, $ or $$
	tNum           // number (n holds the value)
	tStr           // quoted string (s holds the decoded bytes)
	tOp            // punctuation or operator (s holds it)
)

type token struct {
	k tokKind
	s string
	n int64
}

func (t token) String() string {
	switch t.k {
	case tEOL:
		return "end of line"
	case tStr:
		return fmt.Sprintf("%q", t.s)
	}
	return "'" + t.s + "'"
}

// stripComment returns line without its ; comment, honouring quotes.
func stripComment(line string) string {
	var q byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q != 0:
			if c == '\\' && q == '`' {
				i++
			} else if c == q {
				q = 0
			}
		case c == '\'' || c == '"' || c == '`':
			q = c
		case c == ';':
			return line[:i]
		}
	}
	return line
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '?' || c == '@'
}

func isIdentChar(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' || c == '#' || c == '~'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// lexLine splits one comment-free line into tokens, ending with a tEOL token.
func lexLine(s string, toks []token) ([]token, error) {
	toks = toks[:0]
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case isDigit(c):
			j := i
			for j < len(s) && (isIdentChar(s[j]) && s[j] != '$') {
				j++
			}
			n, err := parseNumber(s[i:j])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{k: tNum, s: s[i:j], n: n})
			i = j
		case c == '$':
			if i+1 < len(s) && isDigit(s[i+1]) { // $0FF is hex
				j := i + 1
				for j < len(s) && isIdentChar(s[j]) {
					j++
				}
				n, err := parseNumber("0x" + s[i+1:j])
				if err != nil {
					return nil, fmt.Errorf("invalid number %q", s[i:j])
				}
				toks = append(toks, token{k: tNum, s: s[i:j], n: n})
				i = j
				break
			}
			if i+1 < len(s) && s[i+1] == '$' {
				toks = append(toks, token{k: tIdent, s: "$$"})
				i += 2
				break
			}
			if i+1 < len(s) && isIdentStart(s[i+1]) { // $name escapes a keyword
				j := i + 1
				for j < len(s) && isIdentChar(s[j]) {
					j++
				}
				toks = append(toks, token{k: tIdent, s: s[i:j]})
				i = j
				break
			}
			toks = append(toks, token{k: tIdent, s: "$"})
			i++
		case isIdentStart(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			toks = append(toks, token{k: tIdent, s: s[i:j]})
			i = j
		case c == '\'' || c == '"' || c == '`':
			str, n, err := lexString(s[i:])
			if err != nil {
				return nil, err
			}
			toks = append(toks, token{k: tStr, s: str})
			i += n
		default:
			op := s[i : i+1]
			for _, m := range []string{"<<<", ">>>", "<=>", "<<", ">>", "//", "%%", "==", "!=", "<>", "<=", ">=", "&&", "||", "^^"} {
				if strings.HasPrefix(s[i:], m) {
					op = m
					break
				}
			}
			if len(op) == 1 && !strings.Contains("+-*/%&|^~!()[],:=<>", op) {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			toks = append(toks, token{k: tOp, s: op})
			i += len(op)
		}
	}
	return append(toks, token{k: tEOL}), nil
}

// lexString decodes a quoted string at the start of s and returns it and the
// number of bytes consumed. Backquoted strings take C-style escapes (NASM
// manual 3.4.2), \u and \U giving UTF-8; single and double quoted strings
// take none.
func lexString(s string) (string, int, error) {
	q := s[0]
	var b []byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		if c == q {
			return string(b), i + 1, nil
		}
		if c != '\\' || q != '`' {
			b = append(b, c)
			continue
		}
		i++
		if i >= len(s) {
			break
		}
		switch e := s[i]; e {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'a':
			b = append(b, 7)
		case 'b':
			b = append(b, 8)
		case 'e':
			b = append(b, 27)
		case 'f':
			b = append(b, 12)
		case 'v':
			b = append(b, 11)
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(s) && hexVal(s[i+1]) >= 0 {
				v = v*16 + hexVal(s[i+1])
				i++
				n++
			}
			b = append(b, byte(v))
		case 'u', 'U':
			n := 4
			if e == 'U' {
				n = 8
			}
			v := 0
			for k := 0; k < n && i+1 < len(s) && hexVal(s[i+1]) >= 0; k++ {
				v = v*16 + hexVal(s[i+1])
				i++
			}
			b = utf8.AppendRune(b, rune(v))
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
				v = v*8 + int(s[i]-'0')
				i++
				n++
			}
			i--
			b = append(b, byte(v))
		default:
			b = append(b, e)
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func radixLetter(c byte) int {
	switch c | 0x20 {
	case 'b', 'y':
		return 2
	case 'q', 'o':
		return 8
	case 'd', 't':
		return 10
	case 'h', 'x':
		return 16
	}
	return 0
}

// parseNumber reads a NASM integer constant: a 0x/0h/0d/0t/0o/0q/0b/0y prefix
// or an h/x/d/t/o/q/b/y suffix, underscores allowed. When a number has both
// (0bh), the larger radix wins, as in NASM's readnum.
func parseNumber(s string) (int64, error) {
	orig := s
	s = strings.ReplaceAll(s, "_", "")
	radix := 10
	pr, sr := 0, 0
	if len(s) > 2 && s[0] == '0' {
		pr = radixLetter(s[1])
	}
	if len(s) > 1 {
		sr = radixLetter(s[len(s)-1])
		if sr == 16 && (s[len(s)-1]|0x20) == 'x' {
			sr = 0
		}
	}
	switch {
	case pr != 0 && pr >= sr:
		radix, s = pr, s[2:]
	case sr != 0:
		radix, s = sr, s[:len(s)-1]
	}
	if s == "" {
		return 0, fmt.Errorf("invalid number %q", orig)
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := hexVal(s[i])
		if d < 0 || d >= radix {
			return 0, fmt.Errorf("invalid number %q", orig)
		}
		v = v*uint64(radix) + uint64(d)
	}
	return int64(v), nil
}

// lower is strings.ToLower without an allocation for the common case of a
// word that is already lower case.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}
