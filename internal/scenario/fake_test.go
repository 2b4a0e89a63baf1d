package scenario

import (
	"context"
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/machine"
)

// fakeOS is a Machine that behaves like the test OS images in testdata
// (testos.asm, crash.asm, hang.asm) with the built-in emulator's semantics:
// it is idle whenever no key is queued, WaitText fails at once when the text
// is not there, and a spinning guest runs out of instruction budget. It lets
// the runner be tested without QEMU or the emulator.
type fakeOS struct {
	image  string // "testos", "crash" or "hang"
	s      machine.Screen
	line   []byte
	closed bool
}

func newFake(image string) *fakeOS {
	f := &fakeOS{image: image}
	for r := range f.s.Cells {
		for c := range f.s.Cells[r] {
			f.s.Cells[r][c] = machine.Cell{Ch: ' ', Attr: 7}
		}
	}
	switch image {
	case "testos":
		f.print("pxOS test system 1.0\r\n> ")
	case "crash":
		f.print("about to crash")
	case "hang":
		f.print("spinning")
	}
	return f
}

func (f *fakeOS) crash() error {
	switch f.image {
	case "crash":
		return &machine.Crash{Reason: "invalid opcode", CS: 0, IP: 0x7C1A, Bytes: []byte{0x0F, 0x0B}}
	case "hang":
		return &machine.Crash{Reason: "instruction budget exhausted", CS: 0, IP: 0x7C13}
	}
	return nil
}

// print is the BIOS teletype: CR, LF, BS, scrolling.
func (f *fakeOS) print(text string) {
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '\r':
			f.s.CursorCol = 0
		case '\n':
			f.s.CursorRow++
		case '\b':
			if f.s.CursorCol > 0 {
				f.s.CursorCol--
			}
		default:
			f.s.Cells[f.s.CursorRow][f.s.CursorCol].Ch = c
			f.s.CursorCol++
			if f.s.CursorCol == machine.Cols {
				f.s.CursorCol = 0
				f.s.CursorRow++
			}
		}
		if f.s.CursorRow == machine.Rows {
			copy(f.s.Cells[:], f.s.Cells[1:])
			for c := range f.s.Cells[machine.Rows-1] {
				f.s.Cells[machine.Rows-1][c] = machine.Cell{Ch: ' ', Attr: 7}
			}
			f.s.CursorRow--
		}
	}
}

func (f *fakeOS) key(k machine.Key) {
	switch {
	case k.Name == "enter":
		f.print("\r\n")
		switch line := string(f.line); line {
		case "":
		case "help":
			f.print("commands: help\r\n")
		default:
			f.print("unknown: " + line + "\r\n")
		}
		if len(f.line) > 0 {
			f.line = f.line[:0]
		}
		f.print("> ")
	case k.Name == "backspace":
		if len(f.line) > 0 {
			f.line = f.line[:len(f.line)-1]
			f.print("\b \b")
		}
	case k.Name == "" && k.Rune >= 0x20 && k.Rune <= 0x7E && len(f.line) < 60:
		f.line = append(f.line, byte(k.Rune))
		f.print(string(k.Rune))
	}
}

func (f *fakeOS) Settle(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return f.crash()
}

func (f *fakeOS) WaitText(ctx context.Context, text string) error {
	if err := f.Settle(ctx); err != nil {
		return err
	}
	if !f.s.Contains(text) {
		return fmt.Errorf("fake: guest idle without %q on the screen", text)
	}
	return nil
}

func (f *fakeOS) Press(ctx context.Context, keys ...machine.Key) error {
	if err := f.Settle(ctx); err != nil {
		return err
	}
	for _, k := range keys {
		f.key(k)
	}
	return nil
}

func (f *fakeOS) Screen(ctx context.Context) (machine.Screen, error) {
	if f.closed {
		return machine.Screen{}, fmt.Errorf("fake: closed")
	}
	return f.s, ctx.Err()
}

func (f *fakeOS) Close() error { f.closed = true; return nil }

// String is for debugging failed tests.
func (f *fakeOS) String() string { return strings.TrimRight(f.s.Text(), "\n") }
