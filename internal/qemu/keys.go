package qemu

import (
	"fmt"

	"github.com/pxos-dev/pxos/internal/machine"
)

// namedQCodes maps machine.KeyNames to QEMU QKeyCode names (qapi/ui.json).
var namedQCodes = map[string]string{
	"enter": "ret", "backspace": "backspace", "tab": "tab", "esc": "esc",
	"up": "up", "down": "down", "left": "left", "right": "right",
	"home": "home", "end": "end", "pgup": "pgup", "pgdn": "pgdn",
	"insert": "insert", "delete": "delete",
	"f1": "f1", "f2": "f2", "f3": "f3", "f4": "f4", "f5": "f5", "f6": "f6",
	"f7": "f7", "f8": "f8", "f9": "f9", "f10": "f10", "f11": "f11", "f12": "f12",
}

// symbolQCodes maps the printable ASCII symbols of a US keyboard to the key
// that types them; shifted says whether shift is held.
var symbolQCodes = map[rune]struct {
	code    string
	shifted bool
}{
	' ': {"spc", false}, '-': {"minus", false}, '=': {"equal", false},
	'[': {"bracket_left", false}, ']': {"bracket_right", false}, '\\': {"backslash", false},
	';': {"semicolon", false}, '\'': {"apostrophe", false}, '`': {"grave_accent", false},
	',': {"comma", false}, '.': {"dot", false}, '/': {"slash", false},
	'!': {"1", true}, '@': {"2", true}, '#': {"3", true}, '$': {"4", true},
	'%': {"5", true}, '^': {"6", true}, '&': {"7", true}, '*': {"8", true},
	'(': {"9", true}, ')': {"0", true}, '_': {"minus", true}, '+': {"equal", true},
	'{': {"bracket_left", true}, '}': {"bracket_right", true}, '|': {"backslash", true},
	':': {"semicolon", true}, '"': {"apostrophe", true}, '~': {"grave_accent", true},
	'<': {"comma", true}, '>': {"dot", true}, '?': {"slash", true},
}

// QCodes returns the QKeyCodes pressed together to type k on a US keyboard:
// "shift" first for capitals and shifted symbols.
func QCodes(k machine.Key) ([]string, error) {
	if k.Name != "" {
		if c, ok := namedQCodes[k.Name]; ok {
			return []string{c}, nil
		}
		return nil, fmt.Errorf("QEMU: unknown key name %q", k.Name)
	}
	r := k.Rune
	switch {
	case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		return []string{string(r)}, nil
	case r >= 'A' && r <= 'Z':
		return []string{"shift", string(r - 'A' + 'a')}, nil
	case r == '\n', r == '\r':
		return []string{"ret"}, nil
	case r == '\t':
		return []string{"tab"}, nil
	case r == '\b':
		return []string{"backspace"}, nil
	case r == 0x1b:
		return []string{"esc"}, nil
	}
	if s, ok := symbolQCodes[r]; ok {
		if s.shifted {
			return []string{"shift", s.code}, nil
		}
		return []string{s.code}, nil
	}
	return nil, fmt.Errorf("QEMU: no key types %q", r)
}
