package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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
	// Prompt is the prompt read off the screen for {prompt} (trailing
	// blanks included); "" when the scenario does not use {prompt}, or
	// the screen showed none.
	Prompt string `json:"prompt,omitempty"`
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
	needPrompt := UsesPrompt(sc)
	for i := range sc.Steps {
		if err := ctx.Err(); err != nil {
			res.fail(i, err)
			break
		}
		st := &sc.Steps[i]
		if needPrompt && st.Op != OpTimeout && st.Op != OpClock {
			// Before the first step that runs the machine (timeout
			// lines before it apply): a failure fails that step.
			needPrompt = false
			if err := r.readPrompt(ctx); err != nil {
				res.fail(i, err)
				break
			}
			res.Prompt = r.prompt
		}
		err := r.step(ctx, st)
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
	// prompt is what {prompt} stands for (readPrompt); noPrompt, when set,
	// is why there is none, and fails every step that uses {prompt}.
	prompt   string
	noPrompt error
}

// readPrompt settles the machine and takes the prompt: the text of the
// cursor's row left of the cursor, as code page 437 shows it (a NUL as a
// blank), trailing blanks included.
func (r *runner) readPrompt(ctx context.Context) error {
	if err := r.settle(ctx); err != nil {
		return fmt.Errorf("settling to read the prompt for %s: %w", Prompt, err)
	}
	s, err := r.screen(ctx)
	if err != nil {
		return fmt.Errorf("reading the prompt for %s: %w", Prompt, err)
	}
	row, col := s.CursorRow, s.CursorCol
	switch {
	case row < 0 || row >= machine.Rows || col < 0 || col > machine.Cols:
		r.noPrompt = fmt.Errorf("no prompt: when the shell first waited for a key the cursor was off the screen (row %d, column %d)", row, col)
	case col == 0:
		r.noPrompt = fmt.Errorf("no prompt: when the shell first waited for a key the cursor was at row %d, column 0", row)
	default:
		r.prompt = screen.Decode(RowText(&s, row)[:col])
	}
	return nil
}

// expand returns st with {prompt} filled in: its text expanded, its cursor
// column made absolute.
func (r *runner) expand(st *Step) (*Step, error) {
	if r.noPrompt != nil {
		return nil, r.noPrompt
	}
	x := *st
	x.Text = Expand(st.Text, r.prompt)
	if st.ColPrompt {
		x.ColPrompt = false
		x.Col = utf8.RuneCountInString(r.prompt) + st.Col
		if x.Col > machine.Cols-1 {
			return nil, fmt.Errorf("column %s+%d is %d with the prompt %s (%d characters): past the last column, %d",
				Prompt, st.Col, x.Col, Quote(r.prompt), x.Col-st.Col, machine.Cols-1)
		}
	}
	x.Src = x.String()
	return &x, nil
}

func (r *runner) step(ctx context.Context, st *Step) error {
	if st.UsesPrompt() {
		x, err := r.expand(st)
		if err != nil {
			return err
		}
		// The message shows the step as run, with the prompt filled in.
		if err := r.step1(ctx, x); err != nil {
			return fmt.Errorf("%s: %w", x.Src, err)
		}
		return nil
	}
	return r.step1(ctx, st)
}

func (r *runner) step1(ctx context.Context, st *Step) error {
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
