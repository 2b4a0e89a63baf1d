package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/screen"
)

// Status is the outcome of one step.
type Status string

// Step outcomes.
const (
	Pass   Status = "pass"
	Fail   Status = "fail"
	NotRun Status = "not-run" // after an earlier step failed
)

// StepResult is the outcome of one step.
type StepResult struct {
	Pos    diag.Pos `json:"-"`
	Line   int      `json:"line"`
	Step   string   `json:"step"`
	Status Status   `json:"status"`
	Msg    string   `json:"message,omitempty"`
}

// Result is the outcome of running a scenario on one machine.
type Result struct {
	Scenario string         `json:"scenario"`
	File     string         `json:"file"`
	Machine  string         `json:"machine,omitempty"` // which backend; set by the caller
	Passed   bool           `json:"passed"`
	Steps    []StepResult   `json:"steps"`
	Failed   int            `json:"failed_step"`     // index into Steps of the failing step, -1 when it passed
	Error    string         `json:"error,omitempty"` // why it failed, without position
	Crash    *machine.Crash `json:"-"`               // set when the guest crashed
	Timeout  bool           `json:"timeout,omitempty"`
	Screen   machine.Screen `json:"-"` // the screen after the last step that ran
	HasScr   bool           `json:"-"` // Screen could be read
	Duration time.Duration  `json:"-"`
}

// Err returns nil when the scenario passed, else the failure as a
// positioned error (file:line: message).
func (r *Result) Err() error {
	if r.Passed {
		return nil
	}
	e := &diag.Error{Msg: r.Error}
	if r.Failed >= 0 && r.Failed < len(r.Steps) {
		e.Pos = r.Steps[r.Failed].Pos
		e.Src = r.Steps[r.Failed].Step
	} else {
		e.Pos = diag.Pos{File: r.File}
	}
	return e
}

// Run boots nothing itself: m must be a freshly started machine. Run
// executes the steps in order and stops at the first failure; a crash, a
// timeout or a machine error fails the step that saw it. The final screen is
// read in every case so reports can show it.
func (sc *Scenario) Run(ctx context.Context, m machine.Machine) *Result {
	start := time.Now()
	res := &Result{Scenario: sc.Name, File: sc.File, Failed: -1, Passed: true}
	for _, st := range sc.Steps {
		res.Steps = append(res.Steps, StepResult{Pos: st.Pos, Line: st.Pos.Line, Step: st.Src, Status: NotRun})
	}
	r := runner{m: m, timeout: DefaultTimeout, dirty: true}
	for i := range sc.Steps {
		if err := ctx.Err(); err != nil {
			res.fail(i, err)
			break
		}
		err := r.step(ctx, &sc.Steps[i])
		if err != nil {
			res.fail(i, err)
			break
		}
		res.Steps[i].Status = Pass
	}
	// Read the final screen even when ctx has ended, so a timeout report
	// still shows what the guest did. Let the guest finish first (a wait
	// returns as soon as its text shows, maybe mid-line), briefly, so that
	// machines can be compared on the screen they come to rest on.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if r.dirty && res.Crash == nil {
		qctx, qcancel := context.WithTimeout(sctx, finalSettle)
		r.m.Settle(qctx) // a crash or a restless screen shows in the report anyway
		qcancel()
	}
	if s, err := m.Screen(sctx); err == nil {
		res.Screen, res.HasScr = s, true
	}
	res.Duration = time.Since(start)
	return res
}

func (res *Result) fail(i int, err error) {
	res.Passed = false
	res.Failed = i
	res.Steps[i].Status = Fail
	var c *machine.Crash
	switch {
	case errors.As(err, &c):
		res.Crash = c
		res.Error = c.Error()
	case errors.Is(err, context.DeadlineExceeded):
		res.Timeout = true
		res.Error = "timeout: " + err.Error()
	default:
		res.Error = err.Error()
	}
	res.Steps[i].Msg = res.Error
}

// finalSettle bounds the settle before the final screen is read.
const finalSettle = time.Second

// runner holds the state between steps.
type runner struct {
	m       machine.Machine
	timeout time.Duration
	dirty   bool // keys were sent (or the machine booted) since the last settle
}

func (r *runner) step(ctx context.Context, st *Step) error {
	switch st.Op {
	case OpTimeout:
		r.timeout = st.Timeout
		return nil
	case OpClock:
		return nil // the machine started at the clock (Scenario.Clock)
	case OpType, OpKey:
		sctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		r.dirty = true
		return r.m.Press(sctx, st.Keys...)
	case OpSettle:
		return r.settle(ctx)
	case OpWait:
		sctx, cancel := context.WithTimeout(ctx, r.timeout)
		defer cancel()
		// Machines match within a row with trailing blanks removed; the
		// trimmed text finds the spot, the check below confirms the blanks.
		want := strings.TrimRight(st.Text, " ")
		if want == "" {
			want = st.Text
		}
		err := r.m.WaitText(sctx, want)
		if err != nil {
			if d, ok := r.m.(machine.IdleDetector); ok && d.DetectsIdle() && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
				// On a machine that knows idleness, a guest waiting for a
				// key without the text makes WaitText fail at once: this
				// one never stopped running.
				return fmt.Errorf("%q did not appear within %s, and the guest never stopped to wait for a key (it kept running: printing or looping): %w", st.Text, r.timeout, err)
			}
			return err
		}
		r.dirty = true
		s, err := r.m.Screen(sctx)
		if err != nil {
			return err
		}
		if Contains(&s, st.Text) {
			return nil
		}
		// The text matched without its trailing blanks; let the guest
		// finish and look again.
		if s, err = r.screen(ctx); err != nil {
			return err
		}
		if !Contains(&s, st.Text) {
			return notOnScreen(&s, st.Text)
		}
		return nil
	}
	s, err := r.screen(ctx)
	if err != nil {
		return err
	}
	switch st.Op {
	case OpExpect:
		if !Contains(&s, st.Text) {
			return notOnScreen(&s, st.Text)
		}
	case OpExpectNot:
		if row := Find(&s, st.Text); row >= 0 {
			return fmt.Errorf("text %s is on the screen (row %d)", Quote(st.Text), row)
		}
	case OpExpectRow:
		got := strings.TrimRight(screen.Decode(RowText(&s, st.Row)), " ")
		if st.Text == "" {
			if got != "" {
				return fmt.Errorf("row %d is not blank: %q", st.Row, got)
			}
		} else if !visibleAt(&s, st.Row, st.Text) {
			if strings.Contains(got, st.Text) {
				return fmt.Errorf("row %d holds %s, but invisible (drawn in its background colour)", st.Row, Quote(st.Text))
			}
			return fmt.Errorf("row %d does not contain %s: it is %q", st.Row, Quote(st.Text), got)
		}
	case OpExpectAttr:
		cell := s.Cells[st.Row][st.Col]
		if cell.Attr != st.Attr {
			return fmt.Errorf("cell %d %d (%q) has attribute 0x%02X (%s), want 0x%02X (%s)", st.Row, st.Col,
				screen.Unicode(cell.Ch), cell.Attr, AttrName(cell.Attr), st.Attr, AttrName(st.Attr))
		}
	case OpCursor:
		if s.CursorRow != st.Row || s.CursorCol != st.Col {
			return fmt.Errorf("cursor is at %d %d, want %d %d", s.CursorRow, s.CursorCol, st.Row, st.Col)
		}
	default:
		return fmt.Errorf("unknown step %q", st.Op)
	}
	return nil
}

// settle lets the machine run until idle, within the step timeout.
func (r *runner) settle(ctx context.Context) error {
	sctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := r.m.Settle(sctx); err != nil {
		return err
	}
	r.dirty = false
	return nil
}

// screen settles the machine if keys went in since the last look, then
// reads the screen.
func (r *runner) screen(ctx context.Context) (machine.Screen, error) {
	if r.dirty {
		if err := r.settle(ctx); err != nil {
			return machine.Screen{}, err
		}
	}
	sctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return r.m.Screen(sctx)
}

// RowText returns row r as 80 code page 437 bytes, NUL shown as a blank;
// screen.Decode turns it into the Unicode text a person sees.
func RowText(s *machine.Screen, r int) string {
	var b [machine.Cols]byte
	for c := range b {
		b[c] = s.Cells[r][c].Ch
		if b[c] == 0 {
			b[c] = ' '
		}
	}
	return string(b[:])
}

// Find returns the first row where text is visible, trailing blanks of the
// row included, or -1. Text is visible when each of its non-blank
// characters is drawn in a foreground colour that differs from its
// background (attribute bits 0-3 against 4-6, as VGA text mode draws them):
// black on black is not on the screen for a person, and not for a scenario.
func Find(s *machine.Screen, text string) int {
	for r := 0; r < machine.Rows; r++ {
		if visibleAt(s, r, text) {
			return r
		}
	}
	return -1
}

// FindHidden returns the first row that holds text only where it is not
// visible (see Find), or -1: for saying why a check failed.
func FindHidden(s *machine.Screen, text string) int {
	enc, _, ok := screen.Encode(text)
	if !ok {
		return -1
	}
	for r := 0; r < machine.Rows; r++ {
		if strings.Contains(RowText(s, r), enc) && !visibleAt(s, r, text) {
			return r
		}
	}
	return -1
}

// visibleAt reports whether row r holds a visible occurrence of text
// (Unicode, compared as code page 437 bytes).
func visibleAt(s *machine.Screen, r int, text string) bool {
	text, _, ok := screen.Encode(text)
	if !ok {
		return false
	}
	row := RowText(s, r)
	for from := 0; from <= len(row)-len(text); {
		i := strings.Index(row[from:], text)
		if i < 0 {
			return false
		}
		at := from + i
		if visible(s, r, at, len(text)) {
			return true
		}
		from = at + 1
	}
	return false
}

// visible reports whether the n cells from column c of row r that hold
// characters other than blanks are drawn visibly.
func visible(s *machine.Screen, r, c, n int) bool {
	for i := c; i < c+n && i < machine.Cols; i++ {
		cell := s.Cells[r][i]
		if cell.Ch == 0 || cell.Ch == ' ' {
			continue
		}
		if cell.Attr&0x0F == (cell.Attr>>4)&0x07 {
			return false
		}
	}
	return true
}

// Contains reports whether text is visible on one row of s (see Find).
func Contains(s *machine.Screen, text string) bool { return Find(s, text) >= 0 }

// notOnScreen says that text is not on the screen, and whether it is there
// but invisible.
func notOnScreen(s *machine.Screen, text string) error {
	if row := FindHidden(s, text); row >= 0 {
		return fmt.Errorf("text %s is on row %d but invisible (drawn in its background colour)", Quote(text), row)
	}
	return fmt.Errorf("text %s not on the screen", Quote(text))
}

// colourNames are the 16 VGA text colours in attribute order.
var colourNames = [16]string{
	"black", "blue", "green", "cyan", "red", "magenta", "brown", "light grey",
	"dark grey", "light blue", "light green", "light cyan", "light red", "light magenta", "yellow", "white",
}

// AttrName describes a VGA text attribute byte for a person: "white on
// blue", with ", blinking" when bit 7 is set (the VGA default takes bit 7
// as blink, so backgrounds are colours 0-7).
func AttrName(a byte) string {
	s := colourNames[a&0x0F] + " on " + colourNames[(a>>4)&0x07]
	if a&0x80 != 0 {
		s += ", blinking"
	}
	return s
}
