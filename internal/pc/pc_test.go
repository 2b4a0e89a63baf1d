package pc

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
)

// The programs in testdata/*.asm are boot sectors (org 7C00h) assembled with
// our own assembler. Their checks live next to them, in comment lines at the
// top of the file, run in order:
//
//	; settle                 run until the guest waits for a key
//	; press KEY...           type keys: "quoted text" or key names
//	; wait "TEXT"            WaitText
//	; row N "TEXT"           row N of the screen is exactly TEXT
//	; attr ROW COL HH        the attribute byte of a cell
//	; cursor ROW COL         the cursor position
//	; mem ADDR HEX           bytes at a linear address
//	; crash "TEXT"           the last run crashed, the reason contains TEXT
//	; stopped "TEXT"         the guest stopped for good (emulator only)
//	; idle                   the guest is idle (emulator only)
//	; budget N               the instruction budget (before the first run)
//	; qemu                   also run the checks on QEMU (TestProgramsOnQEMU)
//
// Other comment lines are prose.

// assemble builds a boot image from an assembly file.
func assemble(t testing.TB, path string) []byte {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := asm.Assemble(path, src, asm.Options{Org: 0x7C00})
	if err != nil {
		t.Fatalf("assembling %s:\n%v", path, err)
	}
	return res.Bytes
}

// parseKeys turns press arguments into keys.
func parseKeys(args string) ([]machine.Key, error) {
	var keys []machine.Key
	for args = strings.TrimSpace(args); args != ""; args = strings.TrimSpace(args) {
		if args[0] == '"' {
			q, err := strconv.QuotedPrefix(args)
			if err != nil {
				return nil, err
			}
			s, _ := strconv.Unquote(q)
			for _, r := range s {
				keys = append(keys, machine.Key{Rune: r})
			}
			args = args[len(q):]
			continue
		}
		name, rest, _ := strings.Cut(args, " ")
		keys = append(keys, machine.Key{Name: name})
		args = rest
	}
	return keys, nil
}

func unquote(t *testing.T, where, s string) string {
	t.Helper()
	u, err := strconv.Unquote(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("%s: bad string %s", where, s)
	}
	return u
}

func TestPrograms(t *testing.T) {
	files, err := filepath.Glob("testdata/*.asm")
	if err != nil || len(files) == 0 {
		t.Fatal("no testdata/*.asm programs")
	}
	open := func(img []byte, opts Options) (machine.Machine, error) { return New(img, opts) }
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".asm"), func(t *testing.T) {
			runProgram(t, file, open)
		})
	}
}

// opener starts a machine for runProgram; the emulator's options are
// ignored by other machines.
type opener func(img []byte, opts Options) (machine.Machine, error)

// runProgram assembles file and runs the checks in its header on a machine
// from open, and returns the final screen. Memory checks run only on the
// emulator.
func runProgram(t *testing.T, file string, open opener) machine.Screen {
	img := assemble(t, file)
	src, _ := os.ReadFile(file)
	var m machine.Machine
	var p *PC // m when it is the emulator
	opts := Options{}
	// QEMU drives the guest in real time: bound every step.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var last error
	steps := 0
	start := func() {
		if m == nil {
			var err error
			if m, err = open(img, opts); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { m.Close() })
			p, _ = m.(*PC)
		}
	}
	for i, line := range strings.Split(string(src), "\n") {
		where := fmt.Sprintf("%s:%d", file, i+1)
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, ";") {
			if line == "" {
				continue
			}
			break // checks end at the first line of code
		}
		verb, args, _ := strings.Cut(strings.TrimSpace(line[1:]), " ")
		switch verb {
		case "budget":
			n, err := strconv.ParseUint(strings.TrimSpace(args), 0, 64)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			opts.Budget = n
			continue
		case "settle", "press", "wait", "row", "attr", "cursor", "mem", "crash", "stopped":
		case "idle":
			if args != "" {
				continue // prose
			}
		default:
			continue // prose
		}
		start()
		steps++
		if verb != "crash" && last != nil {
			t.Fatalf("%s: the previous step failed: %v", where, last)
		}
		switch verb {
		case "settle":
			last = m.Settle(ctx)
		case "press":
			keys, err := parseKeys(args)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			last = m.Press(ctx, keys...)
		case "wait":
			last = m.WaitText(ctx, unquote(t, where, args))
		case "crash":
			var cr *machine.Crash
			if !errors.As(last, &cr) {
				t.Fatalf("%s: want a crash, got %v", where, last)
			}
			if want := unquote(t, where, args); !strings.Contains(cr.Reason, want) {
				t.Fatalf("%s: crash reason %q does not contain %q\n%v", where, cr.Reason, want, cr)
			}
			last = nil
		case "row":
			n, text, _ := strings.Cut(strings.TrimSpace(args), " ")
			r, _ := strconv.Atoi(n)
			s, _ := m.Screen(ctx)
			if got, want := s.Row(r), unquote(t, where, text); got != want {
				t.Errorf("%s: row %d = %q, want %q\nscreen:\n%s", where, r, got, want, s.Text())
			}
		case "attr":
			var row, col int
			var attr uint
			if _, err := fmt.Sscanf(args, "%d %d %x", &row, &col, &attr); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			s, _ := m.Screen(ctx)
			if got := s.Cells[row][col].Attr; got != byte(attr) {
				t.Errorf("%s: attribute at %d,%d = %02X, want %02X", where, row, col, got, attr)
			}
		case "cursor":
			var row, col int
			if _, err := fmt.Sscanf(args, "%d %d", &row, &col); err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			s, _ := m.Screen(ctx)
			if s.CursorRow != row || s.CursorCol != col {
				t.Errorf("%s: cursor at %d,%d, want %d,%d", where, s.CursorRow, s.CursorCol, row, col)
			}
		case "stopped":
			if p == nil {
				continue
			}
			if want := unquote(t, where, args); p.Stopped() == "" || !strings.Contains(p.Stopped(), want) {
				t.Errorf("%s: stopped %q, want it to contain %q", where, p.Stopped(), want)
			}
		case "idle":
			if p == nil {
				continue
			}
			if !p.Idle() {
				t.Errorf("%s: the guest is not idle", where)
			}
		case "mem":
			if p == nil {
				continue
			}
			a, hx, _ := strings.Cut(strings.TrimSpace(args), " ")
			addr, err := strconv.ParseUint(a, 0, 32)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			want, err := hex.DecodeString(strings.ReplaceAll(hx, " ", ""))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			got := p.CPU().Mem[addr : int(addr)+len(want)]
			if string(got) != string(want) {
				t.Errorf("%s: memory at %05X = % X, want % X", where, addr, got, want)
			}
		}
	}
	if last != nil {
		t.Fatalf("%s: last step failed: %v", file, last)
	}
	if steps == 0 {
		t.Fatalf("%s: no checks", file)
	}
	s, err := m.Screen(ctx)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return s
}
