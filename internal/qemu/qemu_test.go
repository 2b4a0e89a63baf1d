package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

// buildImage assembles one of the test OS sources in ../scenario/testdata
// with the built-in assembler.
func buildImage(t testing.TB, name string) []byte {
	t.Helper()
	path := filepath.Join("..", "scenario", "testdata", name+".asm")
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

// start boots img in QEMU and stops it when the test ends.
func start(t testing.TB, img []byte) *Machine {
	t.Helper()
	tooltest.Need(t, Binary)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := Start(ctx, img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func typeText(s string) []machine.Key {
	var keys []machine.Key
	for _, r := range s {
		if r == '\n' {
			keys = append(keys, machine.Key{Name: "enter"})
			continue
		}
		keys = append(keys, machine.Key{Rune: r})
	}
	return keys
}

func TestBootTypeExpect(t *testing.T) {
	m := start(t, buildImage(t, "testos"))
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "> "); err != nil {
		t.Fatal(err)
	}
	if err := m.Press(ctx, typeText("help\n")...); err != nil {
		t.Fatal(err)
	}
	if err := m.WaitText(ctx, "commands: help"); err != nil {
		t.Fatal(err)
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := m.Screen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pxOS test system 1.0", "> help", "commands: help", ">"}
	for i, w := range want {
		if got := s.Row(i); got != w {
			t.Errorf("row %d = %q, want %q\nscreen:\n%s", i, got, w, s.Text())
		}
	}
	if s.CursorRow != 3 || s.CursorCol != 2 {
		t.Errorf("cursor = %d,%d, want 3,2", s.CursorRow, s.CursorCol)
	}
	if a := s.Cells[0][0].Attr; a != 0x07 {
		t.Errorf("attribute of row 0 col 0 = %#02x, want 0x07", a)
	}
}

// TestShiftedAndLongInput types every printable character, with shift where
// it needs it, in one Press, and checks none is lost or changed.
func TestShiftedAndLongInput(t *testing.T) {
	m := start(t, buildImage(t, "testos"))
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "> "); err != nil {
		t.Fatal(err)
	}
	var all []rune
	for r := rune(0x21); r < 0x7F; r++ {
		all = append(all, r)
	}
	// The test OS holds 60 characters per line; type two lines.
	for _, chunk := range []string{string(all[:47]), string(all[47:])} {
		if err := m.Press(ctx, typeText(chunk+"\n")...); err != nil {
			t.Fatal(err)
		}
		if err := m.WaitText(ctx, "unknown: "+chunk); err != nil {
			s, _ := m.Screen(ctx)
			t.Fatalf("%v\nscreen:\n%s", err, s.Text())
		}
	}
}

func TestBackspaceAndCursor(t *testing.T) {
	m := start(t, buildImage(t, "testos"))
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "> "); err != nil {
		t.Fatal(err)
	}
	keys := append(typeText("hellp"), machine.Key{Name: "backspace"}, machine.Key{Rune: 'o'})
	if err := m.Press(ctx, keys...); err != nil {
		t.Fatal(err)
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := m.Screen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Row(1); got != "> hello" {
		t.Errorf("row 1 = %q, want %q", got, "> hello")
	}
	if s.CursorRow != 1 || s.CursorCol != 7 {
		t.Errorf("cursor = %d,%d, want 1,7", s.CursorRow, s.CursorCol)
	}
}

func TestScreendump(t *testing.T) {
	m := start(t, buildImage(t, "testos"))
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "> "); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "shot.png")
	if err := m.Screendump(ctx, path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screendump is not a PNG: %v", err)
	}
	// Mode 3 with 9-pixel-wide VGA characters: 720x400.
	if r := img.Bounds(); r.Dx() < 640 || r.Dy() != 400 {
		t.Errorf("screendump is %v, want 720x400 or 640x400", r)
	}
}

func TestCrashDetected(t *testing.T) {
	m := start(t, buildImage(t, "crash"))
	ctx := ctxT(t)
	err := m.WaitText(ctx, "text that never appears")
	var c *machine.Crash
	if !errors.As(err, &c) {
		t.Fatalf("WaitText = %v, want a *machine.Crash", err)
	}
	if !strings.Contains(c.Reason, "triple fault") {
		t.Errorf("crash reason = %q, want a triple fault", c.Reason)
	}
	if c.Regs == "" {
		t.Error("crash has no register dump")
	}
	t.Logf("crash: %v", c)
	if m.Crashed() == nil {
		t.Error("Crashed() = nil after a crash")
	}
	// The last screen is still readable.
	s, err := m.Screen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Contains("about to crash") {
		t.Errorf("screen after crash:\n%s\nwant %q", s.Text(), "about to crash")
	}
	// So is memory: the boot sector the guest ran.
	img := buildImage(t, "crash")
	if b, err := m.ReadMemory(ctx, 0x7C00, 16); err != nil || !bytes.Equal(b, img[:16]) {
		t.Errorf("ReadMemory(0x7C00) after crash = % X, %v; want % X", b, err, img[:16])
	}
	if err := m.Press(ctx, machine.Key{Rune: 'a'}); !errors.As(err, &c) {
		t.Errorf("Press after crash = %v, want the crash", err)
	}
}

func TestHangTimesOut(t *testing.T) {
	m := start(t, buildImage(t, "hang"))
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "spinning"); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	err := m.WaitText(short, "> ")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitText on a hung guest = %v, want a deadline error", err)
	}
	if m.Crashed() != nil {
		t.Errorf("a spinning guest reported as crashed: %v", m.Crashed())
	}
}

// TestCloseStopsProcess checks Close ends QEMU and removes its files, and
// that a second Close is harmless.
func TestCloseStopsProcess(t *testing.T) {
	m := start(t, buildImage(t, "testos"))
	pid, dir := m.Pid(), m.TempDir()
	if pid == 0 {
		t.Fatal("no pid")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if !m.Exited() {
		t.Error("process still running after Close")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still exists after Close", pid)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temp dir %s left behind (%v)", dir, err)
	}
	if err := m.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if _, err := m.Screen(context.Background()); err == nil {
		t.Error("Screen after Close succeeded")
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(context.Background(), make([]byte, 10), Options{}); err == nil || !strings.HasPrefix(err.Error(), "QEMU: ") {
		t.Errorf("tiny image: err = %v", err)
	}
	if _, err := Start(context.Background(), make([]byte, FloppySize+1), Options{}); err == nil {
		t.Error("oversized image accepted")
	}
	if _, err := Start(context.Background(), make([]byte, 512), Options{Binary: "no-such-qemu-binary"}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing binary: err = %v", err)
	}
}

func TestQCodes(t *testing.T) {
	for _, tc := range []struct {
		k    machine.Key
		want string
	}{
		{machine.Key{Rune: 'a'}, "a"},
		{machine.Key{Rune: 'Q'}, "shift q"},
		{machine.Key{Rune: '7'}, "7"},
		{machine.Key{Rune: '&'}, "shift 7"},
		{machine.Key{Rune: ' '}, "spc"},
		{machine.Key{Rune: '"'}, "shift apostrophe"},
		{machine.Key{Rune: '/'}, "slash"},
		{machine.Key{Name: "enter"}, "ret"},
		{machine.Key{Name: "pgdn"}, "pgdn"},
		{machine.Key{Name: "f12"}, "f12"},
	} {
		got, err := QCodes(tc.k)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("QCodes(%v) = %v, %v; want %s", tc.k, got, err, tc.want)
		}
	}
	for _, name := range machine.KeyNames {
		if _, err := QCodes(machine.Key{Name: name}); err != nil {
			t.Errorf("key name %q: %v", name, err)
		}
	}
	for _, k := range []machine.Key{{Name: "hyper"}, {Rune: 'é'}, {Rune: 0x01}} {
		if _, err := QCodes(k); err == nil {
			t.Errorf("QCodes(%v) succeeded", k)
		}
	}
}

func TestStartCancelled(t *testing.T) {
	tooltest.Need(t, Binary)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m, err := Start(ctx, buildImage(t, "testos"), Options{})
	if err == nil {
		m.Close()
		t.Fatal("Start with a cancelled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// Issue 15, item 6: the working directory of a QEMU machine whose pxos was
// killed is removed by the next one; a live process's stays.
func TestCleanStaleDirs(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	dead := filepath.Join(os.TempDir(), "pxos-qemu-999999999-123")
	live := filepath.Join(os.TempDir(), fmt.Sprintf("pxos-qemu-%d-456", os.Getpid()))
	for _, d := range []string{dead, live} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	got := CleanStale()
	if len(got) != 1 || got[0] != dead {
		t.Errorf("removed %v", got)
	}
	if _, err := os.Stat(live); err != nil {
		t.Error("a live process's directory was removed")
	}
}
