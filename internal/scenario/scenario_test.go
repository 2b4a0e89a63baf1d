package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/machine"
)

// TestParseTable parses the left sides of testdata/parse.txt as one file and
// checks each line's step or its positioned error.
func TestParseTable(t *testing.T) {
	data, err := os.ReadFile("testdata/parse.txt")
	if err != nil {
		t.Fatal(err)
	}
	type tcase struct {
		line       int
		input      string
		want       string
		bad, empty bool
	}
	var cases []tcase
	var src strings.Builder
	for i, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			src.WriteString("\n") // keep line numbers; a comment in the scenario too
			continue
		}
		in, want, ok := cut(l, " => ")
		if !ok {
			t.Fatalf("parse.txt:%d: no \" => \"", i+1)
		}
		src.WriteString(in + "\n")
		tc := tcase{line: i + 1, input: in, want: want}
		tc.bad = strings.HasPrefix(want, "ERROR ")
		tc.want = strings.TrimPrefix(want, "ERROR ")
		tc.empty = want == "-"
		cases = append(cases, tc)
	}
	// Good lines only, to get their steps.
	var good strings.Builder
	var goodLines []int
	for _, tc := range cases {
		if !tc.bad && strings.HasPrefix(tc.input, "clock") {
			// A scenario has one clock line, before the steps that run
			// the machine: each on its own.
			sc, err := Parse("clock.txt", []byte(tc.input))
			if err != nil || len(sc.Steps) != 1 || sc.Steps[0].String() != tc.want || sc.Clock != sc.Steps[0].Clock {
				t.Errorf("parse.txt:%d: %q: %v, want %s", tc.line, tc.input, err, tc.want)
			}
			continue
		}
		if !tc.bad {
			good.WriteString(tc.input + "\n")
			goodLines = append(goodLines, tc.line)
		}
	}
	sc, err := Parse("good.txt", []byte(good.String()))
	if err != nil {
		t.Fatalf("good lines: %v", err)
	}
	if sc.Name != "a name" {
		t.Errorf("name = %q, want %q", sc.Name, "a name")
	}
	steps := map[int]*Step{}
	for i := range sc.Steps {
		steps[goodLines[sc.Steps[i].Pos.Line-1]] = &sc.Steps[i]
	}
	for _, tc := range cases {
		if tc.bad || strings.HasPrefix(tc.input, "clock") {
			continue
		}
		st := steps[tc.line]
		switch {
		case tc.empty && st != nil:
			t.Errorf("parse.txt:%d: %q made step %q, want none", tc.line, tc.input, st)
		case !tc.empty && st == nil:
			t.Errorf("parse.txt:%d: %q made no step", tc.line, tc.input)
		case !tc.empty && st.String() != tc.want:
			t.Errorf("parse.txt:%d: %q = %q, want %q", tc.line, tc.input, st.String(), tc.want)
		case !tc.empty:
			// The canonical form parses back to the same step.
			back, err := Parse("back.txt", []byte(st.String()))
			if err != nil || len(back.Steps) != 1 || back.Steps[0].String() != st.String() {
				t.Errorf("parse.txt:%d: %q does not round-trip: %v", tc.line, st.String(), err)
			}
		}
	}

	// The whole file: every bad line reported at its own line.
	_, err = Parse("parse.txt", []byte(src.String()))
	var list diag.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("whole file: err = %v, want a diag.ErrorList", err)
	}
	got := map[int]*diag.Error{}
	for _, e := range list {
		if e.Pos.File != "parse.txt" {
			t.Errorf("error file = %q", e.Pos.File)
		}
		if got[e.Pos.Line] != nil {
			t.Errorf("parse.txt:%d: two errors", e.Pos.Line)
		}
		got[e.Pos.Line] = e
	}
	for _, tc := range cases {
		e := got[tc.line]
		switch {
		case tc.bad && e == nil:
			t.Errorf("parse.txt:%d: %q: no error, want %q", tc.line, tc.input, tc.want)
		case tc.bad && !strings.Contains(e.Msg, tc.want):
			t.Errorf("parse.txt:%d: %q: error %q, want %q", tc.line, tc.input, e.Msg, tc.want)
		case !tc.bad && e != nil && !strings.Contains(e.Msg, "second name") && !strings.Contains(e.Msg, "clock"):
			t.Errorf("parse.txt:%d: %q: unexpected error %v", tc.line, tc.input, e)
		}
	}
}

func cut(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func TestParseErrorFormat(t *testing.T) {
	_, err := Parse("x/demo.txt", []byte("wait \"a\"\n\n  bogus 1 2\n"))
	want := "x/demo.txt:3: unknown step \"bogus\" (want wait, type, key, expect, expect-not, expect-row, expect-attr, cursor, settle, timeout, clock, name or default)\n\tbogus 1 2"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}

func TestParseFile(t *testing.T) {
	sc, err := ParseFile("testdata/run/help.txt")
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "help command" || sc.File != "testdata/run/help.txt" || len(sc.Steps) != 14 {
		t.Errorf("got name %q file %q %d steps", sc.Name, sc.File, len(sc.Steps))
	}
	if _, err := ParseFile("testdata/run/missing.txt"); err == nil || !strings.HasPrefix(err.Error(), "") {
		t.Errorf("missing file: err = %v", err)
	}
}

// expectation is what a testdata/run file's header says about its outcome.
type expectation struct {
	image  string
	pass   bool
	line   int
	msg    string
	screen string
}

// readExpectation reads "# image: NAME", "# want: pass", "# want: fail LINE
// MESSAGE", "# want-BACKEND: ..." (overrides want for that backend) and
// "# screen: TEXT" (the final screen contains TEXT).
func readExpectation(t *testing.T, path, backend string) expectation {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	x := expectation{image: "testos"}
	var want, wantBackend string
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "# image: "); ok {
			x.image = v
		}
		if v, ok := strings.CutPrefix(l, "# want: "); ok {
			want = v
		}
		if v, ok := strings.CutPrefix(l, "# want-"+backend+": "); ok {
			wantBackend = v
		}
		if v, ok := strings.CutPrefix(l, "# screen: "); ok {
			x.screen = v
		}
	}
	if wantBackend != "" {
		want = wantBackend
	}
	switch {
	case want == "pass":
		x.pass = true
	case strings.HasPrefix(want, "fail "):
		f := strings.SplitN(want, " ", 3)
		n, err := strconv.Atoi(f[1])
		if err != nil || len(f) < 3 {
			t.Fatalf("%s: bad want line %q", path, want)
		}
		x.line, x.msg = n, f[2]
	default:
		t.Fatalf("%s: no want line for %s", path, backend)
	}
	return x
}

// checkResult compares a result with the file's expectation.
func checkResult(t *testing.T, x expectation, res *Result) {
	t.Helper()
	var report bytes.Buffer
	res.WriteReport(&report, true)
	if x.pass != res.Passed {
		t.Fatalf("passed = %v, want %v\n%s", res.Passed, x.pass, report.String())
	}
	if !x.pass {
		if res.Failed < 0 || res.Steps[res.Failed].Line != x.line {
			t.Errorf("failed at step %d, want line %d\n%s", res.Failed, x.line, report.String())
		}
		if !strings.Contains(res.Error, x.msg) {
			t.Errorf("error %q, want %q", res.Error, x.msg)
		}
		// A failure report shows the screen and the positioned error.
		if !strings.Contains(report.String(), "screen (cursor") {
			t.Errorf("failure report has no screen:\n%s", report.String())
		}
		if err := res.Err(); err == nil || !strings.HasPrefix(err.Error(), res.File+":"+strconv.Itoa(x.line)+": ") {
			t.Errorf("Err() = %v, want %s:%d: ...", err, res.File, x.line)
		}
		for _, s := range res.Steps[res.Failed+1:] {
			if s.Status != NotRun {
				t.Errorf("step at line %d after the failure has status %s", s.Line, s.Status)
			}
		}
	} else if res.Err() != nil {
		t.Errorf("Err() = %v for a passing scenario", res.Err())
	}
	if x.screen != "" && (!res.HasScr || !Contains(&res.Screen, x.screen)) {
		t.Errorf("final screen lacks %q:\n%s", x.screen, report.String())
	}
}

// TestRunFake runs every testdata/run scenario on the fake test OS.
func TestRunFake(t *testing.T) {
	files, _ := filepath.Glob("testdata/run/*.txt")
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/run")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			x := readExpectation(t, f, "emu")
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := newFake(x.image)
			res := sc.Run(context.Background(), m)
			checkResult(t, x, res)
		})
	}
}

func TestReportAndJSON(t *testing.T) {
	sc, err := ParseFile("testdata/run/wrong.txt")
	if err != nil {
		t.Fatal(err)
	}
	res := sc.Run(context.Background(), newFake("testos"))
	res.Machine = "fake"
	var b bytes.Buffer
	res.WriteReport(&b, false)
	out := b.String()
	for _, want := range []string{
		"FAIL wrong [fake] (testdata/run/wrong.txt, 5 steps",
		"  ✓ 3: wait \"> \"",
		"  ✗ 6: expect \"HELP\"",
		"      text \"HELP\" not on the screen",
		"  … 1 more steps not run",
		"screen (cursor row 3, col 2):",
		" 2|commands: help",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Scenario string `json:"scenario"`
		Passed   bool   `json:"passed"`
		Failed   int    `json:"failed_step"`
		Error    string `json:"error"`
		Steps    []struct {
			Line   int    `json:"line"`
			Status string `json:"status"`
		} `json:"steps"`
		Screen struct {
			Rows   []string `json:"rows"`
			Cursor [2]int   `json:"cursor"`
		} `json:"screen"`
	}
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Scenario != "wrong" || back.Passed || back.Failed != 3 || back.Steps[3].Line != 6 ||
		back.Steps[3].Status != "fail" || back.Steps[4].Status != "not-run" ||
		len(back.Screen.Rows) != machine.Rows || back.Screen.Rows[2] != "commands: help" || back.Screen.Cursor != [2]int{3, 2} {
		t.Errorf("JSON round trip lost data:\n%s", js)
	}

	// A passing scenario prints one line unless verbose.
	sc, _ = ParseFile("testdata/run/help.txt")
	res = sc.Run(context.Background(), newFake("testos"))
	b.Reset()
	res.WriteReport(&b, false)
	if n := strings.Count(b.String(), "\n"); n != 1 || !strings.HasPrefix(b.String(), "PASS help command") {
		t.Errorf("passing report:\n%s", b.String())
	}
}

func TestCrashInJSON(t *testing.T) {
	sc, _ := ParseFile("testdata/run/crash.txt")
	res := sc.Run(context.Background(), newFake("crash"))
	if res.Crash == nil {
		t.Fatal("no crash recorded")
	}
	js, _ := json.Marshal(res)
	if !strings.Contains(string(js), `"crash":{"reason":"invalid opcode","cs_ip":"0000:7C1A","bytes":"0F 0B"}`) {
		t.Errorf("crash JSON: %s", js)
	}
}

// TestCancelled checks that a cancelled context fails the scenario at the
// first step and the screen is still reported.
func TestCancelled(t *testing.T) {
	sc, _ := ParseFile("testdata/run/help.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res := sc.Run(ctx, newFake("testos"))
	if res.Passed || res.Failed != 0 || !res.HasScr {
		t.Errorf("passed=%v failed=%d hasScreen=%v", res.Passed, res.Failed, res.HasScr)
	}
}

// TestSuiteDisagreement runs scenarios on two fake machines that differ only
// in their banner: help.txt checks it (the verdicts differ), unknown.txt
// does not (both pass, the final screens differ); both are disagreements.
func TestSuiteDisagreement(t *testing.T) {
	help, _ := ParseFile("testdata/run/help.txt")
	unknown, _ := ParseFile("testdata/run/unknown.txt")
	fake := func(variant bool) Backend {
		name := "a"
		if variant {
			name = "b"
		}
		return Backend{Name: name, Open: func(ctx context.Context) (machine.Machine, error) {
			f := newFake("testos")
			if variant {
				return &variantOS{fakeOS: f}, nil
			}
			return f, nil
		}}
	}
	var shots []string
	sr := RunSuite(context.Background(), []*Scenario{help, unknown}, []Backend{fake(false), fake(true)}, SuiteOptions{
		After: func(ctx context.Context, res *Result, m machine.Machine) error {
			shots = append(shots, res.Scenario+"/"+res.Machine)
			return nil
		},
	})
	if sr.Passed {
		t.Fatal("suite with a disagreement passed")
	}
	if len(sr.Results) != 4 || strings.Join(shots, " ") != "help command/a help command/b unknown/a unknown/b" {
		t.Errorf("runs: %d results, After saw %v", len(sr.Results), shots)
	}
	if len(sr.Disagreements) != 2 || sr.Disagreements[0].Scenario != "help command" ||
		sr.Disagreements[0].Reason != "a passed but b failed" ||
		!strings.Contains(sr.Disagreements[1].Reason, "final screens differ:\n  row  0 a:    \"pxOS test system 1.0\"\n  row  0 b:    \"pxOS test System 1.0\"") {
		t.Fatalf("disagreements: %+v", sr.Disagreements)
	}
	var b bytes.Buffer
	sr.WriteReport(&b, false)
	if !strings.Contains(b.String(), "DISAGREE unknown (testdata/run/unknown.txt): final screens differ") || !strings.Contains(b.String(), "FAIL: 1 of 4 runs failed, 2 disagreements") {
		t.Errorf("report:\n%s", b.String())
	}
	// Same machine twice: agreement.
	sr = RunSuite(context.Background(), []*Scenario{help}, []Backend{fake(false), fake(false)}, SuiteOptions{})
	if !sr.Passed || len(sr.Disagreements) != 0 {
		t.Errorf("identical machines disagree: %+v", sr.Disagreements)
	}
	// Screens that differ only in digits (a clock that ran longer on one
	// machine) agree.
	digits := Backend{Name: "b", Open: func(ctx context.Context) (machine.Machine, error) {
		return &variantOS{fakeOS: newFake("testos"), digits: true}, nil
	}}
	sr = RunSuite(context.Background(), []*Scenario{unknown}, []Backend{fake(false), digits}, SuiteOptions{})
	if !sr.Passed || len(sr.Disagreements) != 0 {
		t.Errorf("machines whose screens differ in digits only disagree: %+v", sr.Disagreements)
	}
	// A machine that does not start fails the run with its error.
	sr = RunSuite(context.Background(), []*Scenario{help}, []Backend{{Name: "broken", Open: func(context.Context) (machine.Machine, error) {
		return nil, errors.New("no such machine")
	}}}, SuiteOptions{})
	b.Reset()
	sr.WriteReport(&b, false)
	if sr.Passed || !strings.Contains(b.String(), "error: no such machine") {
		t.Errorf("broken backend:\n%s", b.String())
	}
}

// variantOS shows the banner with one letter changed ("System"), or with
// digits only when digits is set ("1.1": as a clock that ran longer).
type variantOS struct {
	*fakeOS
	digits bool
}

func (v *variantOS) Screen(ctx context.Context) (machine.Screen, error) {
	s, err := v.fakeOS.Screen(ctx)
	if s.Row(0) == "pxOS test system 1.0" {
		if v.digits {
			s.Cells[0][19].Ch = '1'
		} else {
			s.Cells[0][10].Ch = 'S'
		}
	}
	return s, err
}

func TestLoadPaths(t *testing.T) {
	scs, err := LoadPaths([]string{"testdata/run", "testdata/run/help.txt"})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/run/*.txt")
	if len(scs) != len(files)+1 || scs[len(scs)-1].Name != "help command" {
		t.Errorf("loaded %d scenarios, want %d", len(scs), len(files)+1)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("wait\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.txt"), []byte("ok\n"), 0o644)
	_, err = LoadPaths([]string{dir})
	if !IsParseError(err) || !strings.Contains(err.Error(), "a.txt:1: missing quoted text") || !strings.Contains(err.Error(), "b.txt:1: unknown step") {
		t.Errorf("parse errors of two files: %v", err)
	}
	if _, err := LoadPaths([]string{filepath.Join(dir, "none.txt")}); err == nil || IsParseError(err) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadPaths([]string{t.TempDir()}); err == nil || !strings.Contains(err.Error(), "no *.txt scenarios") {
		t.Errorf("empty dir: %v", err)
	}
}

// busyOS never goes idle: a guest that keeps printing.
type busyOS struct{ *fakeOS }

func (b *busyOS) DetectsIdle() bool { return true }

func (b *busyOS) WaitText(ctx context.Context, _ string) error {
	<-ctx.Done()
	return ctx.Err()
}

// Issue 15, item 9: a wait that times out because the guest never stops
// running says so, rather than a bare timeout.
func TestWaitOnBusyGuest(t *testing.T) {
	sc, err := Parse("busy.txt", []byte("timeout 100ms\nwait \"pxOS>\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := sc.Run(context.Background(), &busyOS{newFake("testos")})
	if res.Passed || !res.Timeout || !strings.Contains(res.Error, `"pxOS>" did not appear within 100ms, and the guest never stopped to wait for a key`) {
		t.Errorf("passed %v timeout %v: %s", res.Passed, res.Timeout, res.Error)
	}
}

// Issue 15, item 5: a scenario file's control characters never reach the
// terminal: the parser refuses them, and its error shows them.
func TestReportVisible(t *testing.T) {
	_, err := Parse("esc.txt", []byte("wait \"pxOS\x1b]0;PWNED\x07\"\n"))
	if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") || !strings.Contains(err.Error(), `\x1b]0;PWNED\x07`) {
		t.Errorf("err %q", err)
	}
}
