package llm

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Printable returns model text made safe to show on a terminal: control
// characters (escape sequences included, which could retitle, clear or
// reprogram the user's terminal) and invalid UTF-8 become U+FFFD; new
// lines and tabs stay. A model's answer is untrusted text.
func Printable(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if bad(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if bad(r, n) {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func bad(r rune, n int) bool {
	if r == utf8.RuneError && n <= 1 {
		return true
	}
	return r != '\n' && r != '\t' && (unicode.IsControl(r) || r == '\u2028' || r == '\u2029')
}
