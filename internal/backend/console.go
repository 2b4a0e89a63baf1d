package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/screen"
)

// QuitKey is the byte that ends a console session: Ctrl-] (0x1D), as in
// telnet and QEMU's own monitor escape, because pxOS itself may use every
// ordinary key including Ctrl-C.
const QuitKey = 0x1D

// Layout is how Console fits the guest's 80x25 text screen into a
// terminal.
type Layout int

const (
	// LayoutFull draws the screen and the status line below it: a terminal
	// of at least 80x26, or one whose size is unknown.
	LayoutFull Layout = iota
	// LayoutNoStatus draws the screen alone: a terminal of 25 rows.
	LayoutNoStatus
	// LayoutTooSmall draws a one-line notice instead of the screen: a
	// terminal narrower than 80 columns or shorter than 25 rows, where the
	// screen's rows would wrap and scroll into a garble.
	LayoutTooSmall
)

// Fit decides the layout for a terminal of cols x rows (0 for a dimension
// that is not known) and, for any but LayoutFull, says why in msg: what the
// terminal lacks, for the user to read before the session starts.
func Fit(cols, rows int) (l Layout, msg string) {
	switch {
	case cols > 0 && cols < machine.Cols, rows > 0 && rows < machine.Rows:
		return LayoutTooSmall, fmt.Sprintf("pxos run needs a terminal of at least %dx%d (%dx%d with the status line); this one is %sx%s: enlarge the window or lower the font size",
			machine.Cols, machine.Rows, machine.Cols, machine.Rows+1, dim(cols), dim(rows))
	case rows == machine.Rows:
		return LayoutNoStatus, fmt.Sprintf("pxos run: the terminal has %d rows, so the status line is hidden (it needs %d); Ctrl-] quits", rows, machine.Rows+1)
	}
	return LayoutFull, ""
}

func dim(n int) string {
	if n <= 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

// ConsoleOptions tune Console.
type ConsoleOptions struct {
	// Settle makes the console call Settle before each screen read (for an
	// idle-based machine such as emu, which only runs inside its calls).
	Settle bool
	// Refresh is the screen polling interval; default 30ms.
	Refresh time.Duration
	// Status is shown below the screen (row 26) when the terminal has room
	// (see Fit); empty for none.
	Status string
	// Size returns the terminal's columns and rows (0 when not known); nil
	// for a terminal of unknown size, drawn as LayoutFull.
	Size func() (cols, rows int)
	// Resize delivers a value (SIGWINCH) whenever the terminal's size may
	// have changed: the console asks Size again and redraws in full.
	Resize <-chan os.Signal
}

// Console runs m interactively: bytes from in (a terminal in raw mode) are
// decoded into keys and pressed, and the screen is drawn on out with ANSI
// escapes whenever it changes, laid out as Fit decides for the terminal's
// size (a terminal too small shows a one-line notice until it is resized).
// It returns nil when QuitKey is read or in ends, the machine's crash when
// the guest crashes, or ctx's error.
func Console(ctx context.Context, m machine.Machine, in io.Reader, out io.Writer, opts ConsoleOptions) error {
	if opts.Refresh <= 0 {
		opts.Refresh = 30 * time.Millisecond
	}
	type input struct {
		keys []machine.Key
		quit bool
	}
	inputs := make(chan input, 16)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		var d KeyDecoder
		buf := make([]byte, 256)
		for {
			n, err := in.Read(buf)
			keys, quit := d.Decode(buf[:n], true)
			if err != nil {
				quit = true
			}
			select {
			case inputs <- input{keys, quit}:
			case <-stop:
				return
			}
			if quit {
				return
			}
		}
	}()

	size := func() (int, int) {
		if opts.Size == nil {
			return 0, 0
		}
		return opts.Size()
	}
	cols, rows := size()
	layout, _ := Fit(cols, rows)
	fmt.Fprint(out, "\x1b[2J\x1b[H")
	defer func() {
		// Leave the cursor on a fresh line below what was drawn.
		last := machine.Rows + 2
		if rows > 0 && rows < last {
			last = rows
		}
		fmt.Fprintf(out, "\x1b[0m\x1b[%d;1H\r\n", last)
	}()
	var last machine.Screen
	drawn, quit := false, false
	tick := time.NewTicker(opts.Refresh)
	defer tick.Stop()
	for {
		if opts.Settle {
			sctx, cancel := context.WithTimeout(ctx, settleSlice)
			err := m.Settle(sctx)
			cancel()
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
		}
		s, err := m.Screen(ctx)
		if err != nil {
			return err
		}
		if !drawn || s != last {
			switch layout {
			case LayoutTooSmall:
				if !drawn {
					// One line, cut to the terminal's width, so it cannot wrap.
					fmt.Fprintf(out, "\x1b[H\x1b[0;7m%s\x1b[0m", cut(fmt.Sprintf("pxOS needs %dx%d, this is %sx%s: enlarge the terminal; Ctrl-] quits", machine.Cols, machine.Rows, dim(cols), dim(rows)), cols))
				}
			default:
				io.WriteString(out, screen.ANSI(&s))
				if opts.Status != "" && layout == LayoutFull {
					status := opts.Status
					if cols > 0 {
						status = cut(status, cols-2)
					}
					fmt.Fprintf(out, "\x1b[%d;1H\x1b[0;7m %s \x1b[0m\x1b[%d;%dH", machine.Rows+1, status, s.CursorRow+1, s.CursorCol+1)
				}
			}
			last, drawn = s, true
		}
		if quit {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-opts.Resize:
			cols, rows = size()
			layout, _ = Fit(cols, rows)
			fmt.Fprint(out, "\x1b[0m\x1b[2J\x1b[H")
			drawn = false
		case in := <-inputs:
			if len(in.keys) > 0 {
				if err := m.Press(ctx, in.keys...); err != nil {
					return err
				}
			}
			quit = in.quit
		case <-tick.C:
		}
	}
}

// cut shortens s to at most n runes (n <= 0: no limit).
func cut(s string, n int) string {
	if n <= 0 {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// KeyDecoder turns terminal input (xterm/VT100 and Linux console escape
// sequences) into keys. It keeps an incomplete escape sequence until the
// next Decode.
type KeyDecoder struct{ pending []byte }

// escKeys maps the escape sequences terminals send (after ESC) to key names.
var escKeys = map[string]string{
	"[A": "up", "[B": "down", "[C": "right", "[D": "left",
	"OA": "up", "OB": "down", "OC": "right", "OD": "left",
	"[H": "home", "[F": "end", "OH": "home", "OF": "end",
	"[1~": "home", "[7~": "home", "[4~": "end", "[8~": "end",
	"[2~": "insert", "[3~": "delete", "[5~": "pgup", "[6~": "pgdn",
	"OP": "f1", "OQ": "f2", "OR": "f3", "OS": "f4",
	"[11~": "f1", "[12~": "f2", "[13~": "f3", "[14~": "f4", "[15~": "f5",
	"[[A": "f1", "[[B": "f2", "[[C": "f3", "[[D": "f4", "[[E": "f5",
	"[17~": "f6", "[18~": "f7", "[19~": "f8", "[20~": "f9", "[21~": "f10",
	"[23~": "f11", "[24~": "f12",
}

// Decode returns the keys in b and whether QuitKey was read (keys after it
// are dropped). When final is set, a lone ESC at the end of b is the Escape
// key (a terminal sends a whole sequence in one write); otherwise it waits
// for more bytes.
func (d *KeyDecoder) Decode(b []byte, final bool) (keys []machine.Key, quit bool) {
	b = append(d.pending, b...)
	d.pending = nil
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == QuitKey:
			return keys, true
		case c == 0x1b:
			n, name := escSeq(b[i+1:])
			switch {
			case n < 0: // incomplete: wait for the rest, unless ESC is alone at the end
				if final && i+1 == len(b) {
					keys = append(keys, machine.Key{Name: "esc"})
				} else {
					d.pending = append([]byte(nil), b[i:]...)
				}
				return keys, false
			case name != "":
				keys = append(keys, machine.Key{Name: name})
			case n == 0:
				keys = append(keys, machine.Key{Name: "esc"})
			}
			i += n
		case c == '\r' || c == '\n':
			keys = append(keys, machine.Key{Name: "enter"})
		case c == 0x7F || c == 0x08:
			keys = append(keys, machine.Key{Name: "backspace"})
		case c == '\t':
			keys = append(keys, machine.Key{Name: "tab"})
		case c >= 0x20 && c < 0x7F:
			keys = append(keys, machine.Key{Rune: rune(c)})
		}
	}
	return keys, false
}

// escSeq looks at the bytes after an ESC: it returns how many belong to the
// sequence and its key name ("" for an unknown sequence, skipped), 0 when
// ESC stands alone, or -1 when the sequence is incomplete.
func escSeq(b []byte) (int, string) {
	if len(b) == 0 {
		return -1, ""
	}
	switch b[0] {
	case 'O':
		if len(b) < 2 {
			return -1, ""
		}
		return 2, escKeys[string(b[:2])]
	case '[':
		// CSI: parameters and intermediates, then a final byte 0x40-0x7E;
		// the Linux console's F1-F5 are "[[A".."[[E".
		if len(b) >= 2 && b[1] == '[' {
			if len(b) < 3 {
				return -1, ""
			}
			return 3, escKeys[string(b[:3])]
		}
		for j := 1; j < len(b); j++ {
			if b[j] >= 0x40 && b[j] <= 0x7E {
				return j + 1, escKeys[string(b[:j+1])]
			}
		}
		return -1, ""
	}
	return 0, ""
}
