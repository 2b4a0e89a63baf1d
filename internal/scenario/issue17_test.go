package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

// screenMachine is a Machine that shows a fixed screen; halt makes every
// running call report the emulator's cli;hlt crash.
type screenMachine struct {
	s    machine.Screen
	halt bool
}

func (m *screenMachine) err() error {
	if m.halt {
		return &machine.Crash{Reason: "hlt with interrupts disabled", CS: 0, IP: 0x7C10}
	}
	return nil
}
func (m *screenMachine) Settle(context.Context) error           { return m.err() }
func (m *screenMachine) WaitText(context.Context, string) error { return m.err() }
func (m *screenMachine) Press(context.Context, ...machine.Key) error {
	return m.err()
}
func (m *screenMachine) Screen(context.Context) (machine.Screen, error) { return m.s, nil }
func (m *screenMachine) Close() error                                   { return nil }

func boxScreen() machine.Screen {
	var s machine.Screen
	for r := range s.Cells {
		for c := range s.Cells[r] {
			s.Cells[r][c] = machine.Cell{Ch: ' ', Attr: 0x07}
		}
	}
	for i, b := range []byte{0xC9, 0xCD, 0xBB, ' ', 'h', 'i'} {
		s.Cells[0][i] = machine.Cell{Ch: b, Attr: 0x1F}
	}
	return s
}

func run(t *testing.T, src string, m machine.Machine) *Result {
	t.Helper()
	sc, err := Parse("t.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return sc.Run(context.Background(), m)
}

// TestCP437Texts is issue 17 item 12: box drawing in expectations, reports
// and JSON.
func TestCP437Texts(t *testing.T) {
	m := &screenMachine{s: boxScreen()}
	if res := run(t, "expect \"╔═╗ hi\"\nexpect-row 0 \"═╗\"\nexpect-not \"╚\"\n", m); !res.Passed {
		t.Fatalf("box texts failed: %s", res.Error)
	}
	res := run(t, "expect-row 0 \"x\"\n", m)
	if res.Passed || !strings.Contains(res.Error, `"╔═╗ hi"`) {
		t.Errorf("error = %q, want the row in Unicode", res.Error)
	}
	var b strings.Builder
	res.WriteReport(&b, false)
	if !strings.Contains(b.String(), "|╔═╗ hi ") {
		t.Errorf("report screen lacks the box row:\n%s", b.String())
	}
	js, err := res.MarshalJSON()
	if err != nil || !strings.Contains(string(js), `"╔═╗ hi"`) || strings.Contains(string(js), "\uFFFD") {
		t.Errorf("JSON = %s, %v; want the row as \"╔═╗ hi\"", js, err)
	}
}

// TestExpectAttr is item 9's scenario step.
func TestExpectAttr(t *testing.T) {
	m := &screenMachine{s: boxScreen()}
	if res := run(t, "expect-attr 0 4 0x1F\nexpect-attr 5 5 07h\n", m); !res.Passed {
		t.Fatalf("expect-attr failed: %s", res.Error)
	}
	res := run(t, "expect-attr 0 4 0x4E\n", m)
	want := `cell 0 4 ('h') has attribute 0x1F (white on blue), want 0x4E (yellow on red)`
	if res.Passed || res.Error != want {
		t.Errorf("error = %q, want %q", res.Error, want)
	}
}

// TestColoursDisagree is item 9: with two machines, colours count where a
// person sees them.
func TestColoursDisagree(t *testing.T) {
	a := &Result{Machine: "emu", Passed: true, HasScr: true, Screen: boxScreen()}
	b := &Result{Machine: "qemu", Passed: true, HasScr: true, Screen: boxScreen()}
	b.Screen.Cells[9][9].Attr = 0x0F // a blank's foreground: nobody sees it
	if d := disagree(a, b); d != "" {
		t.Errorf("invisible foreground difference reported: %s", d)
	}
	b.Screen.Cells[0][4].Attr = 0x2F // 'h' white on green, not on blue
	d := disagree(a, b)
	if !strings.Contains(d, "final colours differ") || !strings.Contains(d, "row  0 col  4 'h': emu 0x1F (white on blue), qemu 0x2F (white on green)") {
		t.Errorf("disagree = %q", d)
	}
	b.Screen = boxScreen()
	b.Screen.Cells[9][9].Attr = 0x17 // a blank's background shows
	if d := disagree(a, b); !strings.Contains(d, "row  9 col  9") {
		t.Errorf("background difference not reported: %q", d)
	}
}

// TestHaltedIsNotCrash is item 7: a guest that ends with cli;hlt is
// finished, not crashed; its screen is still checked.
func TestHaltedIsNotCrash(t *testing.T) {
	m := &screenMachine{s: boxScreen(), halt: true}
	res := run(t, "wait \"hi\"\nsettle\nexpect \"hi\"\n", m)
	if !res.Passed || res.Crash != nil {
		t.Fatalf("halted guest: passed %v, error %q", res.Passed, res.Error)
	}
	res = run(t, "wait \"bye\"\n", m)
	if res.Passed || res.Crash != nil || !strings.Contains(res.Error, "halted") {
		t.Errorf("wait on halted guest: passed %v, crash %v, error %q", res.Passed, res.Crash, res.Error)
	}
	res = run(t, "type \"a\"\n", m)
	if res.Passed || res.Crash != nil {
		t.Errorf("type on halted guest: passed %v, crash %v", res.Passed, res.Crash)
	}
}

// TestClockReachesMachine is item 2: a scenario's clock reaches the
// backend's Start; a backend without Start refuses a clock.
func TestClockReachesMachine(t *testing.T) {
	sc, err := Parse("c.txt", []byte("clock 23:59:50 2025-12-31\nsettle\n"))
	if err != nil {
		t.Fatal(err)
	}
	var got time.Time
	start := Backend{Name: "fake", Start: func(_ context.Context, o StartOptions) (machine.Machine, error) {
		got = o.Clock
		return &screenMachine{s: boxScreen()}, nil
	}}
	if sr := RunSuite(context.Background(), []*Scenario{sc}, []Backend{start}, SuiteOptions{}); !sr.Passed {
		t.Fatalf("suite failed: %+v", sr.Results[0])
	}
	if want := time.Date(2025, 12, 31, 23, 59, 50, 0, time.UTC); !got.Equal(want) {
		t.Errorf("clock = %v, want %v", got, want)
	}
	open := Backend{Name: "old", Open: func(context.Context) (machine.Machine, error) { return &screenMachine{}, nil }}
	if sr := RunSuite(context.Background(), []*Scenario{sc}, []Backend{open}, SuiteOptions{}); sr.Passed {
		t.Error("a backend that cannot set the clock passed a scenario with a clock")
	}
	if _, err := Parse("c.txt", []byte("settle\nclock 10:00:00\n")); err == nil || !strings.Contains(err.Error(), "before the first step") {
		t.Errorf("clock after settle: %v", err)
	}
}

// TestRepros runs the real-world repro programs of issue 17
// (/work/shared/repros/realworld, when present) with --backend both
// semantics: each scenario passes on both machines and they agree.
func TestRepros(t *testing.T) {
	dir := os.Getenv("PXOS_REPROS")
	if dir == "" {
		dir = "/work/shared/repros/realworld"
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skip("no repro directory " + dir)
	}
	tooltest.Need(t, "qemu-system-i386")
	cases := []struct {
		name string
		src  string // scenario, "" for the repro's own .scn
	}{
		{"r_banner", ""},
		{"r_settle", ""},
		{"r_long", ""},
		{"r_poll", ""},
		{"r_echo", "type \"abc\"\nexpect-row 0 \"abc\"\n"},
		{"r_box", "settle\nexpect-row 0 \"╔═╗ ░▒▓ ☺\"\nexpect-attr 0 0 07h\n"},
		{"r_clihlt", "settle\nexpect \"hi\"\n"},
		{"r_jmpself", "timeout 2s\nsettle\nexpect \"hi\"\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, tc.name+".asm"))
			if err != nil {
				t.Skip(err)
			}
			img := assembleRepro(t, tc.name, src)
			var sc *Scenario
			if tc.src == "" {
				sc, err = ParseFile(filepath.Join(dir, tc.name+".scn"))
			} else {
				sc, err = Parse(tc.name+".txt", []byte(tc.src))
			}
			if err != nil {
				t.Fatal(err)
			}
			var backs []Backend
			for _, n := range []string{"emu", "qemu"} {
				backs = append(backs, Backend{Name: n, Start: func(ctx context.Context, o StartOptions) (machine.Machine, error) {
					return backend.Open(ctx, n, img, backend.Options{Clock: o.Clock})
				}})
			}
			sr := RunSuite(context.Background(), []*Scenario{sc}, backs, SuiteOptions{Timeout: 60 * time.Second})
			if !sr.Passed {
				var b strings.Builder
				sr.WriteReport(&b, false)
				t.Errorf("%s", b.String())
			}
		})
	}
}

func assembleRepro(t *testing.T, name string, src []byte) []byte {
	t.Helper()
	img, err := assembleSource(name+".asm", src)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// assembleSource assembles a boot sector with the built-in assembler.
func assembleSource(name string, src []byte) ([]byte, error) {
	res, err := asm.Assemble(name, src, asm.Options{Org: 0x7C00})
	if err != nil {
		return nil, err
	}
	return res.Bytes, nil
}
