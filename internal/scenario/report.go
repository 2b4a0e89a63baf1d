package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/pxos-dev/pxos/internal/diag"
	"io"
	"strings"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/screen"
)

// WriteReport prints r for a person: a header with the verdict, each step
// that ran with ✓ or ✗ (all steps when verbose, else only on failure), the
// failure message and, on failure, the screen.
func (r *Result) WriteReport(w io.Writer, verbose bool) {
	verdict := "PASS"
	if !r.Passed {
		verdict = "FAIL"
	}
	mach := ""
	if r.Machine != "" {
		mach = " [" + r.Machine + "]"
	}
	fmt.Fprintf(w, "%s %s%s (%s, %d steps, %.3fs)\n", verdict, diag.Visible(r.Scenario), mach, diag.Visible(r.File), len(r.Steps), r.Duration.Seconds())
	if r.Passed && !verbose {
		return
	}
	if r.Prompt != "" {
		fmt.Fprintf(w, "  %s is %s\n", Prompt, diag.Visible(Quote(r.Prompt)))
	}
	notRun := 0
	for _, s := range r.Steps {
		switch s.Status {
		case Pass:
			fmt.Fprintf(w, "  ✓ %d: %s\n", s.Line, diag.Visible(s.Step))
		case Fail:
			fmt.Fprintf(w, "  ✗ %d: %s\n", s.Line, diag.Visible(s.Step))
			for _, l := range strings.Split(s.Msg, "\n") {
				fmt.Fprintf(w, "      %s\n", diag.Visible(l))
			}
		default:
			notRun++
		}
	}
	if notRun > 0 {
		fmt.Fprintf(w, "  … %d more steps not run\n", notRun)
	}
	if r.Failed < 0 && r.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", diag.Visible(r.Error))
	}
	if !r.Passed && r.HasScr {
		WriteScreen(w, &r.Screen, "  ")
	}
}

// WriteScreen draws s in a frame, each line prefixed with indent, with the
// cursor position in the header. Characters are shown as code page 437
// shows them (box drawing, blocks, ☺), NUL as a blank.
func WriteScreen(w io.Writer, s *machine.Screen, indent string) {
	fmt.Fprintf(w, "%sscreen (cursor row %d, col %d):\n", indent, s.CursorRow, s.CursorCol)
	bar := indent + "  +" + strings.Repeat("-", machine.Cols) + "+\n"
	io.WriteString(w, bar)
	for r := 0; r < machine.Rows; r++ {
		fmt.Fprintf(w, "%s%2d|%s|\n", indent, r, screen.Decode(RowText(s, r)))
	}
	io.WriteString(w, bar)
}

// jsonScreen is the JSON form of a screen: rows as Unicode text (code page
// 437 mapped, so box drawing stays box drawing), trailing blanks removed,
// and the cursor.
type jsonScreen struct {
	Rows   []string `json:"rows"`
	Cursor [2]int   `json:"cursor"`
}

// jsonCrash is the JSON form of a machine.Crash.
type jsonCrash struct {
	Reason string `json:"reason"`
	CSIP   string `json:"cs_ip"`
	Bytes  string `json:"bytes,omitempty"`
	Regs   string `json:"regs,omitempty"`
}

// MarshalJSON adds the screen, the crash and the duration in seconds to
// the plain fields.
func (r *Result) MarshalJSON() ([]byte, error) {
	type plain Result
	out := struct {
		*plain
		Seconds float64     `json:"seconds"`
		Crash   *jsonCrash  `json:"crash,omitempty"`
		Screen  *jsonScreen `json:"screen,omitempty"`
	}{plain: (*plain)(r), Seconds: r.Duration.Seconds()}
	if c := r.Crash; c != nil {
		out.Crash = &jsonCrash{Reason: c.Reason, CSIP: fmt.Sprintf("%04X:%04X", c.CS, c.IP), Regs: c.Regs}
		if len(c.Bytes) > 0 {
			out.Crash.Bytes = fmt.Sprintf("% X", c.Bytes)
		}
	}
	if r.HasScr {
		js := &jsonScreen{Cursor: [2]int{r.Screen.CursorRow, r.Screen.CursorCol}}
		for i := 0; i < machine.Rows; i++ {
			js.Rows = append(js.Rows, strings.TrimRight(screen.Decode(RowText(&r.Screen, i)), " "))
		}
		out.Screen = js
	}
	// Screens hold "<" and ">" (prompts): keep them readable.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
