package llm

import (
	"strings"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/diag"
)

// Printable returns model text made safe to show on a terminal: control
// characters (escape sequences included, which could retitle, clear or
// reprogram the user's terminal) and invalid UTF-8 become U+FFFD; new
// lines and tabs stay. A model's answer is untrusted text.
func Printable(s string) string {
	return diag.MapUnsafe(s, true, func(b *strings.Builder, _ rune, _ string) { b.WriteRune(utf8.RuneError) })
}
