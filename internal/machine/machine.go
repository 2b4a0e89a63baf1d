// Package machine defines what a PC that runs pxOS looks like to the rest of
// pxos: the built-in emulator (package pc) and the QEMU driver (package qemu)
// both implement Machine, so the same scenarios run on either.
//
// It owns the text screen snapshot and the key vocabulary; it knows nothing of
// how a machine is implemented.
package machine

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Rows and Cols are the size of the VGA text screen (mode 3).
const (
	Rows = 25
	Cols = 80
)

// Cell is one character cell of VGA text memory: the code page 437 character
// and its attribute byte (low nibble foreground, high nibble background).
type Cell struct {
	Ch   byte
	Attr byte
}

// Screen is a snapshot of the 80x25 text screen and the cursor.
type Screen struct {
	Cells     [Rows][Cols]Cell
	CursorRow int
	CursorCol int
	// Width is the columns of the text mode the guest set: 80 (0 means 80)
	// or 40 (int 10h AH=00h AL=00h/01h, BIOS data area word 0x44A); a
	// 40-column screen uses Cells[r][0:40].
	Width int
}

// DefaultClock is the wall clock both machines start with unless told
// otherwise (a scenario's clock step): the same on the emulator and on
// QEMU (-rtc base=...,clock=vm), so a program that reads the time (int 1Ah,
// the CMOS RTC, the BIOS tick count) sees the same value on both.
var DefaultClock = time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)

// ScreenFromText builds a Screen of width columns (40 or 80; anything else
// counts as 80) from text memory (character, attribute pairs, width cells
// per row: 2,000 bytes for 40 columns, 4,000 for 80) and a cursor position.
func ScreenFromText(mem []byte, width, row, col int) Screen {
	if width != 40 {
		return ScreenFromVGA(mem, row, col)
	}
	s := Screen{CursorRow: row, CursorCol: col, Width: width}
	for i := 0; i < Rows*width && 2*i+1 < len(mem); i++ {
		s.Cells[i/width][i%width] = Cell{Ch: mem[2*i], Attr: mem[2*i+1]}
	}
	return s
}

// ScreenFromVGA builds a Screen from 4000 bytes of text memory at 0xB8000
// (character, attribute pairs) and a cursor position.
func ScreenFromVGA(mem []byte, row, col int) Screen {
	var s Screen
	for i := 0; i < Rows*Cols && 2*i+1 < len(mem); i++ {
		s.Cells[i/Cols][i%Cols] = Cell{Ch: mem[2*i], Attr: mem[2*i+1]}
	}
	s.CursorRow, s.CursorCol = row, col
	return s
}

// Row returns row r as text, trailing blanks removed. NUL shows as a space.
func (s *Screen) Row(r int) string {
	return strings.TrimRight(s.FullRow(r), " ")
}

// FullRow returns all 80 columns of row r. NUL shows as a space.
func (s *Screen) FullRow(r int) string {
	var b [Cols]byte
	for c := 0; c < Cols; c++ {
		ch := s.Cells[r][c].Ch
		if ch == 0 {
			ch = ' '
		}
		b[c] = ch
	}
	return string(b[:])
}

// Text returns the whole screen as 25 lines joined by newlines, trailing
// blanks removed from each line.
func (s *Screen) Text() string {
	lines := make([]string, Rows)
	for r := range lines {
		lines[r] = s.Row(r)
	}
	return strings.Join(lines, "\n")
}

// Contains reports whether text appears on a single row of the screen,
// trailing blanks included (so "pxOS> " matches a prompt at a row's end).
func (s *Screen) Contains(text string) bool {
	for r := 0; r < Rows; r++ {
		if strings.Contains(s.FullRow(r), text) {
			return true
		}
	}
	return false
}

// Key is one key press. Exactly one of Rune (a printable ASCII character,
// typed with shift when it needs it) or Name (a named key) is set.
type Key struct {
	Rune rune
	Name string
}

func (k Key) String() string {
	if k.Name != "" {
		return k.Name
	}
	return fmt.Sprintf("%q", k.Rune)
}

// KeyNames are the named keys every Machine understands.
var KeyNames = []string{
	"enter", "backspace", "tab", "esc", "up", "down", "left", "right",
	"home", "end", "pgup", "pgdn", "insert", "delete",
	"f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
}

// IsKeyName reports whether name is one of KeyNames.
func IsKeyName(name string) bool {
	for _, n := range KeyNames {
		if n == name {
			return true
		}
	}
	return false
}

// Machine is a running PC booted from a pxOS floppy image.
//
// Implementations are not safe for concurrent use. Every method honours ctx;
// a machine that crashed returns a *Crash from the call that saw it.
type Machine interface {
	// Settle runs the machine until it is idle (emu: the guest waits for a
	// key with none queued; qemu: the screen stopped changing) or ctx ends.
	Settle(ctx context.Context) error
	// WaitText runs the machine until text is on the screen. The emulator
	// fails as soon as the guest is idle without the text; QEMU polls until
	// ctx ends.
	WaitText(ctx context.Context, text string) error
	// Press sends keys in order, letting the guest consume each one.
	Press(ctx context.Context, keys ...Key) error
	// Screen returns the current text screen and cursor.
	Screen(ctx context.Context) (Screen, error)
	// Close stops the machine and releases everything it holds (for QEMU:
	// the process and its socket). It is safe to call more than once.
	Close() error
}

// IdleDetector is a Machine that knows when the guest is idle (waiting
// for a key with none queued), so a WaitText that ran out of time means
// the guest never stopped running. The emulator is one; QEMU, which can
// only watch the screen, is not.
type IdleDetector interface {
	DetectsIdle() bool
}

// MemoryReader is a Machine that can read guest physical memory. Both
// machines implement it; assert it with m.(machine.MemoryReader).
//
// ReadMemory returns a copy of the n bytes at physical address addr (in
// real mode the linear address segment*16+offset), addr through addr+n-1,
// all within the first MiB (MemoryEnd): the interrupt vector table, the
// BIOS data area, pxOS at 0x7C00, VGA text memory at 0xB8000. n is at most
// MaxRead; CheckRead gives the error for a request outside these bounds.
// The bytes are what the guest holds when the call is made: a read of a
// running QEMU guest is not synchronised with the guest's instructions.
// A crashed (stopped) guest can still be read, so a caller can inspect what
// it left; a closed machine cannot, and returns an error.
type MemoryReader interface {
	ReadMemory(ctx context.Context, addr uint32, n int) ([]byte, error)
}

// MemoryEnd is one past the last address ReadMemory reads: 1 MiB, the
// real-mode address space (addresses past it wrap or need A20).
const MemoryEnd = 1 << 20

// MaxRead is the most bytes one ReadMemory call returns: 64 KiB, one
// real-mode segment. It bounds what a QEMU read copies through a file.
const MaxRead = 64 << 10

// CheckRead returns an error when a ReadMemory of n bytes at addr is out of
// bounds: n not in 1..MaxRead, or addr+n past MemoryEnd.
func CheckRead(addr uint32, n int) error {
	switch {
	case n <= 0:
		return fmt.Errorf("read memory at 0x%05X: length %d, want at least 1", addr, n)
	case n > MaxRead:
		return fmt.Errorf("read memory at 0x%05X: length %d is more than %d bytes", addr, n, MaxRead)
	case uint64(addr)+uint64(n) > MemoryEnd:
		return fmt.Errorf("read memory: %d bytes at 0x%05X run past the first MiB (0x%05X)", n, addr, MemoryEnd)
	}
	return nil
}

// Crash reports a guest that stopped working: an invalid opcode, an
// unhandled divide error, a runaway past an explicit instruction budget, a
// triple fault. A guest that halted at its end (cli; hlt, cli; jmp $) or
// idles (jmp $ with interrupts on) is no crash: its screen is final, and
// Settle returns (issue 17).
type Crash struct {
	Reason string // short description: "invalid opcode", "instruction budget exhausted", ...
	CS, IP uint16 // where it happened, when known
	Bytes  []byte // the bytes at CS:IP, when known
	Regs   string // a register dump, when known
}

func (c *Crash) Error() string {
	s := fmt.Sprintf("guest crashed: %s at %04X:%04X", c.Reason, c.CS, c.IP)
	if len(c.Bytes) > 0 {
		s += fmt.Sprintf(" (bytes % X)", c.Bytes)
	}
	if c.Regs != "" {
		s += "\n" + c.Regs
	}
	return s
}
