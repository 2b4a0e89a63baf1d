package pc

import (
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/machine"
)

// namedKeys are the int 16h AH=10h codes (scan code << 8 | ASCII) of the
// named keys of a US PC keyboard. The grey cursor-block keys carry E0 as
// their ASCII byte; AH=00h/01h report it as 00 (IBM BIOS Technical
// Reference; Ralf Brown's Interrupt List, int 16h AH=00h).
var namedKeys = map[string]uint16{
	"enter": 0x1C0D, "backspace": 0x0E08, "tab": 0x0F09, "esc": 0x011B,
	"up": 0x48E0, "down": 0x50E0, "left": 0x4BE0, "right": 0x4DE0,
	"home": 0x47E0, "end": 0x4FE0, "pgup": 0x49E0, "pgdn": 0x51E0,
	"insert": 0x52E0, "delete": 0x53E0,
	"f1": 0x3B00, "f2": 0x3C00, "f3": 0x3D00, "f4": 0x3E00, "f5": 0x3F00,
	"f6": 0x4000, "f7": 0x4100, "f8": 0x4200, "f9": 0x4300, "f10": 0x4400,
	"f11": 0x8500, "f12": 0x8600,
}

// keyRows lists the printable characters of a US keyboard by scan code,
// unshifted and shifted: the character at index i of a row has scan code
// row.scan+i.
var keyRows = []struct {
	scan           byte
	plain, shifted string
}{
	{0x02, "1234567890-=", "!@#$%^&*()_+"},
	{0x10, "qwertyuiop[]", "QWERTYUIOP{}"},
	{0x1E, "asdfghjkl;'`", "ASDFGHJKL:\"~"},
	{0x2B, "\\zxcvbnm,./", "|ZXCVBNM<>?"},
	{0x39, " ", " "},
}

// asciiKeys maps each printable ASCII character to its int 16h code.
var asciiKeys = func() map[rune]uint16 {
	m := map[rune]uint16{}
	for _, r := range keyRows {
		for i := 0; i < len(r.plain); i++ {
			scan := uint16(r.scan+byte(i)) << 8
			m[rune(r.plain[i])] = scan | uint16(r.plain[i])
			m[rune(r.shifted[i])] = scan | uint16(r.shifted[i])
		}
	}
	return m
}()

// KeyCode returns the int 16h AH=10h code (scan code << 8 | ASCII) that a
// PC keyboard produces for k: printable characters as typed on a US layout
// (with shift where needed), named keys from machine.KeyNames, and the
// control characters \n \r \t \b and ESC as Enter, Tab, Backspace, Esc.
func KeyCode(k machine.Key) (uint16, error) {
	if k.Name != "" {
		if c, ok := namedKeys[k.Name]; ok {
			return c, nil
		}
		return 0, fmt.Errorf("emu: unknown key name %q", k.Name)
	}
	switch k.Rune {
	case '\n', '\r':
		return namedKeys["enter"], nil
	case '\t':
		return namedKeys["tab"], nil
	case '\b':
		return namedKeys["backspace"], nil
	case 0x1B:
		return namedKeys["esc"], nil
	}
	if c, ok := asciiKeys[k.Rune]; ok {
		return c, nil
	}
	return 0, fmt.Errorf("emu: no key types %q", k.Rune)
}

// scanCodes returns the scan codes (set 1, as the keyboard controller
// translates them) a PC keyboard sends for a key with int 16h code code:
// make and break, wrapped in left shift for shifted characters, each
// prefixed with E0h for the grey keys.
func scanCodes(k machine.Key, code uint16) []byte {
	scan := byte(code >> 8)
	switch scan { // F11 and F12 have other int 16h codes than scan codes
	case 0x85:
		scan = 0x57
	case 0x86:
		scan = 0x58
	}
	if code&0xFF == 0xE0 {
		return []byte{0xE0, scan, 0xE0, scan | 0x80}
	}
	if k.Name == "" && shifted(k.Rune) {
		return []byte{0x2A, scan, scan | 0x80, 0xAA}
	}
	return []byte{scan, scan | 0x80}
}

// shifted reports whether typing r needs shift on a US keyboard.
func shifted(r rune) bool {
	for _, row := range keyRows {
		if strings.ContainsRune(row.plain, r) {
			return false
		}
		if strings.ContainsRune(row.shifted, r) {
			return true
		}
	}
	return false
}
