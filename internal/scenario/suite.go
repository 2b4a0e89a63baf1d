package scenario

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/screen"
)

// Backend is a named way to start a fresh machine, for RunSuite.
type Backend struct {
	Name string
	// Start boots a fresh machine as the scenario asks (its clock). When
	// it is nil, Open is used, and a scenario with a clock line fails on
	// this backend, which cannot honour it.
	Start func(ctx context.Context, opts StartOptions) (machine.Machine, error)
	// Open boots a fresh machine with the defaults.
	Open func(ctx context.Context) (machine.Machine, error)
}

// Machines returns a Backend for each name (in order), each booting a fresh
// machine with start, given the name and what the scenario asks of it.
func Machines(names []string, start func(ctx context.Context, name string, so StartOptions) (machine.Machine, error)) []Backend {
	out := make([]Backend, 0, len(names))
	for _, n := range names {
		st := func(ctx context.Context, so StartOptions) (machine.Machine, error) { return start(ctx, n, so) }
		out = append(out, Backend{Name: n, Start: st,
			Open: func(ctx context.Context) (machine.Machine, error) { return st(ctx, StartOptions{}) }})
	}
	return out
}

// StartOptions are what a scenario asks of the machine it runs on, set
// when the machine starts.
type StartOptions struct {
	// Clock is the wall clock the machine starts with; zero means
	// machine.DefaultClock.
	Clock time.Time
}

// SuiteOptions tune RunSuite.
type SuiteOptions struct {
	// Timeout bounds each scenario run, boot included; 0 means 60s.
	Timeout time.Duration
	// After, when set, is called with each result before its machine is
	// closed (for example to save a screenshot); its error fails the suite.
	After func(ctx context.Context, res *Result, m machine.Machine) error
}

// Disagreement is a scenario on which two machines did not behave alike.
type Disagreement struct {
	Scenario string `json:"scenario"`
	File     string `json:"file"`
	A        string `json:"a"` // machine names
	B        string `json:"b"`
	Reason   string `json:"reason"`
}

// SuiteResult is the outcome of RunSuite.
type SuiteResult struct {
	Passed        bool           `json:"passed"`
	Results       []*Result      `json:"results"` // scenario by scenario, backend by backend
	Disagreements []Disagreement `json:"disagreements,omitempty"`
	Errors        []string       `json:"errors,omitempty"` // a machine that would not start, an After error
}

// LoadPaths parses the scenarios named by paths: files, or directories whose
// *.txt files (sorted, not recursive) are scenarios. Every parse error in
// every file is reported (a diag.ErrorList per file, joined).
func LoadPaths(paths []string) ([]*Scenario, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		m, err := filepath.Glob(filepath.Join(p, "*.txt"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("no *.txt scenarios in %s", p)
		}
		sort.Strings(m)
		files = append(files, m...)
	}
	var scs []*Scenario
	var errs []string
	for _, f := range files {
		sc, err := ParseFile(f)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		scs = append(scs, sc)
	}
	if len(errs) > 0 {
		return nil, parseErrors(errs)
	}
	return scs, nil
}

// parseErrors is the errors of several files, one per line.
type parseErrors []string

func (p parseErrors) Error() string { return strings.Join(p, "\n") }

// IsParseError reports whether err came from parsing scenario files (as
// opposed to reading them).
func IsParseError(err error) bool {
	_, ok := err.(parseErrors)
	return ok
}

// RunSuite runs each scenario on a fresh machine of each backend. With
// more than one backend, the machines must agree on every scenario: same
// verdict, same final screen text and cursor, same colours where a person
// sees them (diffColours); a disagreement fails the suite.
func RunSuite(ctx context.Context, scs []*Scenario, backends []Backend, opts SuiteOptions) *SuiteResult {
	if opts.Timeout <= 0 {
		opts.Timeout = 60 * time.Second
	}
	sr := &SuiteResult{Passed: true}
	for _, sc := range scs {
		var row []*Result
		for _, b := range backends {
			res := sr.runOne(ctx, sc, b, opts)
			sr.Results = append(sr.Results, res)
			row = append(row, res)
			if !res.Passed {
				sr.Passed = false
			}
		}
		for i := 1; i < len(row); i++ {
			if reason := disagree(row[0], row[i]); reason != "" {
				sr.Passed = false
				sr.Disagreements = append(sr.Disagreements, Disagreement{
					Scenario: sc.Name, File: sc.File, A: row[0].Machine, B: row[i].Machine, Reason: reason,
				})
			}
		}
	}
	return sr
}

func (sr *SuiteResult) runOne(ctx context.Context, sc *Scenario, b Backend, opts SuiteOptions) *Result {
	rctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var m machine.Machine
	var err error
	switch {
	case b.Start != nil:
		m, err = b.Start(rctx, StartOptions{Clock: sc.Clock})
	case !sc.Clock.IsZero():
		err = fmt.Errorf("%s cannot start at the clock the scenario sets", b.Name)
	default:
		m, err = b.Open(rctx)
	}
	if err != nil {
		res := &Result{Scenario: sc.Name, File: sc.File, Machine: b.Name, Failed: -1, Error: err.Error()}
		for _, st := range sc.Steps {
			res.Steps = append(res.Steps, StepResult{Pos: st.Pos, Line: st.Pos.Line, Step: st.Src, Status: NotRun})
		}
		return res
	}
	defer m.Close()
	res := sc.Run(rctx, m)
	res.Machine = b.Name
	if opts.After != nil {
		if err := opts.After(context.WithoutCancel(rctx), res, m); err != nil {
			sr.Errors = append(sr.Errors, err.Error())
			sr.Passed = false
		}
	}
	return res
}

// disagree says how two results of one scenario differ, or "". Where both
// final screens show a digit the digits may differ: a clock or a tick
// counter shows the time each machine took to get there, and QEMU runs in
// real time, the emulator in instruction time (what a scenario checks of
// them, it checks on each machine).
func disagree(a, b *Result) string {
	switch {
	case a.Passed != b.Passed:
		return fmt.Sprintf("%s %s but %s %s", a.Machine, verdict(a), b.Machine, verdict(b))
	case a.HasScr && b.HasScr && digitsMasked(a.Screen.Text()) != digitsMasked(b.Screen.Text()):
		return "final screens differ:\n" + diffScreens(a, b)
	case a.HasScr && b.HasScr && (a.Screen.CursorRow != b.Screen.CursorRow || a.Screen.CursorCol != b.Screen.CursorCol):
		return fmt.Sprintf("final cursors differ: %s at %d %d, %s at %d %d",
			a.Machine, a.Screen.CursorRow, a.Screen.CursorCol, b.Machine, b.Screen.CursorRow, b.Screen.CursorCol)
	case a.HasScr && b.HasScr:
		if d := diffColours(a, b); d != "" {
			return "final colours differ:\n" + d
		}
	}
	return ""
}

// digitsMasked returns s with every ASCII digit replaced by '#'.
func digitsMasked(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, s)
}

// maxColourDiffs caps the cells a colour disagreement lists.
const maxColourDiffs = 8

// diffColours lists the cells whose colours differ as a person sees them,
// or "". Where a character shows (not a blank, 0x00 or 0xFF) its whole
// attribute counts: foreground, background and blink. A blank cell shows
// only its background, so only that counts there; its foreground and
// blink bit are invisible and may differ (BIOSes fill cleared cells
// differently without anyone seeing it).
func diffColours(a, b *Result) string {
	var out strings.Builder
	n := 0
	for r := 0; r < machine.Rows; r++ {
		for c := 0; c < machine.Cols; c++ {
			ca, cb := a.Screen.Cells[r][c], b.Screen.Cells[r][c]
			if !colourDiffers(ca, cb) {
				continue
			}
			n++
			if n <= maxColourDiffs {
				fmt.Fprintf(&out, "  row %2d col %2d %q: %s 0x%02X (%s), %s 0x%02X (%s)\n", r, c, screen.Unicode(ca.Ch),
					a.Machine, ca.Attr, AttrName(ca.Attr), b.Machine, cb.Attr, AttrName(cb.Attr))
			}
		}
	}
	if n > maxColourDiffs {
		fmt.Fprintf(&out, "  … and %d more cells\n", n-maxColourDiffs)
	}
	return strings.TrimRight(out.String(), "\n")
}

// colourDiffers reports whether two cells holding the same character look
// different (see diffColours).
func colourDiffers(a, b machine.Cell) bool {
	if blank(a.Ch) && blank(b.Ch) {
		return (a.Attr>>4)&7 != (b.Attr>>4)&7
	}
	return a.Attr != b.Attr
}

// blank reports whether code page 437 character ch draws no pixels.
func blank(ch byte) bool { return ch == 0 || ch == ' ' || ch == 0xFF }

func verdict(r *Result) string {
	if r.Passed {
		return "passed"
	}
	return "failed"
}

// diffScreens lists the rows that differ.
func diffScreens(a, b *Result) string {
	var out strings.Builder
	for r := 0; r < machine.Rows; r++ {
		ra, rb := screen.Decode(a.Screen.Row(r)), screen.Decode(b.Screen.Row(r))
		if ra != rb {
			fmt.Fprintf(&out, "  row %2d %-5s %q\n  row %2d %-5s %q\n", r, a.Machine+":", ra, r, b.Machine+":", rb)
		}
	}
	return strings.TrimRight(out.String(), "\n")
}

// WriteReport prints every result (details for failures, everything when
// verbose), the disagreements and a summary line.
func (sr *SuiteResult) WriteReport(w io.Writer, verbose bool) {
	failed := 0
	for _, r := range sr.Results {
		r.WriteReport(w, verbose)
		if !r.Passed {
			failed++
		}
	}
	for _, d := range sr.Disagreements {
		fmt.Fprintf(w, "DISAGREE %s (%s): %s\n", d.Scenario, d.File, strings.ReplaceAll(d.Reason, "\n", "\n  "))
	}
	for _, e := range sr.Errors {
		fmt.Fprintf(w, "ERROR %s\n", e)
	}
	switch {
	case sr.Passed:
		fmt.Fprintf(w, "ok: %d of %d runs passed\n", len(sr.Results), len(sr.Results))
	default:
		fmt.Fprintf(w, "FAIL: %d of %d runs failed, %d disagreements\n", failed, len(sr.Results), len(sr.Disagreements))
	}
}
