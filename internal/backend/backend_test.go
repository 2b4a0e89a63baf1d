package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/qemu"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

func keyString(keys []machine.Key, quit bool) string {
	var f []string
	for _, k := range keys {
		if k.Name != "" {
			f = append(f, k.Name)
		} else {
			f = append(f, "'"+string(k.Rune)+"'")
		}
	}
	if quit {
		f = append(f, "QUIT")
	}
	if len(f) == 0 {
		return "-"
	}
	return strings.Join(f, " ")
}

func TestKeyDecoder(t *testing.T) {
	data, err := os.ReadFile("testdata/keys.txt")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		j := strings.LastIndex(l, " => ")
		if j < 0 {
			t.Fatalf("keys.txt:%d: no =>", i+1)
		}
		in, err := strconv.Unquote(`"` + l[:j] + `"`)
		if err != nil {
			t.Fatalf("keys.txt:%d: %v", i+1, err)
		}
		var d KeyDecoder
		keys, quit := d.Decode([]byte(in), true)
		if got := keyString(keys, quit); got != l[j+4:] {
			t.Errorf("keys.txt:%d: %q => %s, want %s", i+1, in, got, l[j+4:])
		}
	}
}

// TestKeyDecoderSplit feeds sequences byte by byte: a sequence split across
// reads still decodes to one key.
func TestKeyDecoderSplit(t *testing.T) {
	var d KeyDecoder
	var all []machine.Key
	in := "\x1b[24~a\x1bOPb"
	for i := 0; i < len(in); i++ {
		keys, quit := d.Decode([]byte{in[i]}, false)
		if quit {
			t.Fatal("quit")
		}
		all = append(all, keys...)
	}
	if got := keyString(all, false); got != "f12 'a' f1 'b'" {
		t.Errorf("split decode = %s", got)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open(context.Background(), "bochs", make([]byte, 512), Options{})
	if err == nil || !strings.Contains(err.Error(), `unknown backend "bochs"`) {
		t.Errorf("unknown backend: %v", err)
	}
	if !Available("emu") {
		_, err := Open(context.Background(), "emu", make([]byte, 512), Options{})
		if err == nil || !strings.Contains(err.Error(), "not available") {
			t.Errorf("emu unavailable: %v", err)
		}
	}
	if d := Default(); !Available(d) && d != "qemu" {
		t.Errorf("Default() = %q is not available", d)
	}
}

func testOS(t testing.TB) []byte {
	t.Helper()
	path := filepath.Join("..", "scenario", "testdata", "testos.asm")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := asm.Assemble(path, src, asm.Options{Org: 0x7C00})
	if err != nil {
		t.Fatal(err)
	}
	return res.Bytes
}

// TestOpenEach boots the test OS on every available backend and types into it.
func TestOpenEach(t *testing.T) {
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			if name == "qemu" {
				tooltest.Need(t, qemu.Binary)
			} else if !Available(name) {
				t.Skip(name + " is not in this build yet")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			m, err := Open(ctx, name, testOS(t), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if err := m.WaitText(ctx, ">"); err != nil {
				t.Fatal(err)
			}
			if err := m.Press(ctx, machine.Key{Rune: 'x'}, machine.Key{Name: "enter"}); err != nil {
				t.Fatal(err)
			}
			if err := m.WaitText(ctx, "unknown: x"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// echoMachine is a fake Machine that writes each key's character on row 0.
type echoMachine struct {
	s       machine.Screen
	pressed []machine.Key
	settles int
	crash   error
}

func (e *echoMachine) Settle(ctx context.Context) error { e.settles++; return e.crash }
func (e *echoMachine) WaitText(ctx context.Context, text string) error {
	return errors.New("not used")
}
func (e *echoMachine) Press(ctx context.Context, keys ...machine.Key) error {
	for _, k := range keys {
		e.pressed = append(e.pressed, k)
		if k.Rune != 0 {
			e.s.Cells[0][e.s.CursorCol] = machine.Cell{Ch: byte(k.Rune), Attr: 7}
			e.s.CursorCol++
		}
		if k.Name == "f1" && e.crash == nil {
			e.crash = &machine.Crash{Reason: "test crash"}
		}
	}
	return nil
}
func (e *echoMachine) Screen(ctx context.Context) (machine.Screen, error) { return e.s, nil }
func (e *echoMachine) Close() error                                       { return nil }

func TestConsole(t *testing.T) {
	m := &echoMachine{}
	var out bytes.Buffer
	err := Console(context.Background(), m, strings.NewReader("hi\r\x1b[A\x1dz"), &out, ConsoleOptions{Settle: true, Status: "Ctrl-] quits"})
	if err != nil {
		t.Fatal(err)
	}
	if got := keyString(m.pressed, false); got != "'h' 'i' enter up" {
		t.Errorf("pressed %s", got)
	}
	if m.settles == 0 {
		t.Error("Settle option ignored")
	}
	o := out.String()
	if !strings.Contains(o, "\x1b[0;37;40mhi\x1b") || !strings.Contains(o, "Ctrl-] quits") || !strings.Contains(o, "\x1b[1;3H") {
		t.Errorf("screen not drawn with the typed text, status and cursor:\n%q", o)
	}
}

func TestConsoleEOFAndCrash(t *testing.T) {
	// End of input ends the session.
	if err := Console(context.Background(), &echoMachine{}, strings.NewReader("ab"), io.Discard, ConsoleOptions{}); err != nil {
		t.Errorf("EOF: %v", err)
	}
	// A crash ends it with the crash.
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("\x1bOP"))
	err := Console(context.Background(), &echoMachine{}, pr, io.Discard, ConsoleOptions{Settle: true})
	var c *machine.Crash
	if !errors.As(err, &c) {
		t.Errorf("crash: err = %v", err)
	}
	// Cancelling ctx ends it.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr2, pw2 := io.Pipe()
	defer pw2.Close()
	if err := Console(ctx, &echoMachine{}, pr2, io.Discard, ConsoleOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel: err = %v", err)
	}
}

// TestFit reads testdata/fit.txt: a terminal size => the layout Console
// uses and the message pxos run shows.
func TestFit(t *testing.T) {
	data, err := os.ReadFile("testdata/fit.txt")
	if err != nil {
		t.Fatal(err)
	}
	names := map[Layout]string{LayoutFull: "full", LayoutNoStatus: "no status", LayoutTooSmall: "too small"}
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		size, want, ok := strings.Cut(l, " => ")
		var cols, rows int
		if _, err := fmt.Sscanf(size, "%dx%d", &cols, &rows); err != nil || !ok {
			t.Fatalf("fit.txt:%d: bad line %q", i+1, l)
		}
		layout, msg := Fit(cols, rows)
		got := names[layout]
		if msg != "" {
			got += ": " + msg
		}
		if got != want {
			t.Errorf("fit.txt:%d: Fit(%d, %d) = %s\nwant %s", i+1, cols, rows, got, want)
		}
	}
}

// TestConsoleResize: the console lays the screen out for the terminal's
// size, shows a notice while the terminal is too small, and redraws in
// full (without the status line at 25 rows) after each resize.
func TestConsoleResize(t *testing.T) {
	// Size is asked at the start and after each resize: 80x26, then the
	// terminal shrinks to 70x20, grows to 80x25, then to 100x30.
	sizes := [][2]int{{80, 26}, {70, 20}, {80, 25}, {100, 30}}
	var calls atomic.Int32
	resize := make(chan os.Signal)
	pr, pw := io.Pipe()
	defer pw.Close()
	m := &echoMachine{}
	m.s.Cells[0][0] = machine.Cell{Ch: 'A', Attr: 7}
	var out bytes.Buffer
	done := make(chan error)
	go func() {
		done <- Console(context.Background(), m, pr, &out, ConsoleOptions{
			Status: "STATUS", Resize: resize,
			Size: func() (int, int) { s := sizes[min(int(calls.Add(1))-1, len(sizes)-1)]; return s[0], s[1] },
		})
	}()
	for range sizes[1:] {
		resize <- syscall.SIGWINCH // received after the previous layout is drawn
	}
	pw.Write([]byte{QuitKey}) // read after the last redraw
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	o := out.String()
	notice := "pxOS needs 80x25, this is 70x20: enlarge the terminal; Ctrl-] quits"
	// The parts in order: screen with status, notice, screen without
	// status, screen with status.
	parts := strings.Split(o, "\x1b[2J")[1:]
	if len(parts) != 4 {
		t.Fatalf("%d full clears, want 4 (start and three resizes):\n%q", len(parts), o)
	}
	for i, want := range []struct {
		screen, status, notice bool
	}{{true, true, false}, {false, false, true}, {true, false, false}, {true, true, false}} {
		p := parts[i]
		if i == 3 {
			p = strings.TrimSuffix(p, "\x1b[0m\x1b[27;1H\r\n")
		}
		if got := strings.Contains(p, "mA"); got != want.screen {
			t.Errorf("part %d: screen drawn = %v:\n%q", i, got, p)
		}
		if got := strings.Contains(p, "STATUS"); got != want.status {
			t.Errorf("part %d: status drawn = %v:\n%q", i, got, p)
		}
		if got := strings.Contains(p, notice); got != want.notice {
			t.Errorf("part %d: notice shown = %v:\n%q", i, got, p)
		}
	}
}
