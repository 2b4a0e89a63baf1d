package loop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/screen"
)

// Goal results.
const (
	ResultPassed      = "passed"      // generated, tested and committed
	ResultPresent     = "present"     // already installed: skipped
	ResultFailed      = "failed"      // no answer passed within the limits
	ResultNoSolution  = "no-solution" // the offline provider knows no solution
	ResultInterrupted = "interrupted"
)

// Report is the JSON build report.
type Report struct {
	Started          time.Time     `json:"started"`
	Duration         time.Duration `json:"duration_ns"`
	Provider         string        `json:"provider"`
	Model            string        `json:"model,omitempty"`
	Backend          string        `json:"backend"`
	Commands         string        `json:"commands_file"`
	Network          string        `json:"network"`
	Plan             []Step        `json:"plan"`
	PlanCalls        int           `json:"plan_model_calls,omitempty"`
	PlanTokens       int           `json:"plan_tokens,omitempty"`
	PlanError        string        `json:"plan_error,omitempty"`
	Goals            []*GoalReport `json:"goals"`
	RegressionBefore string        `json:"regression_before"`
	RegressionAfter  string        `json:"regression_after,omitempty"`
	Changed          bool          `json:"commands_changed"`
	Image            string        `json:"image,omitempty"`
	ImageSHA256      string        `json:"image_sha256,omitempty"`
	Interrupted      bool          `json:"interrupted,omitempty"`
	HTML             string        `json:"html_report,omitempty"`
}

// GoalReport is one goal's story.
type GoalReport struct {
	Goal        string          `json:"goal"`
	Description string          `json:"description,omitempty"`
	Feature     string          `json:"feature,omitempty"`
	Result      string          `json:"result"`
	Note        string          `json:"note,omitempty"`
	Range       string          `json:"range,omitempty"`
	Hooks       string          `json:"hooks,omitempty"`
	Attempts    []AttemptReport `json:"attempts"`
	ModelCalls  int             `json:"model_calls"`
	Tokens      int             `json:"tokens"`
	Duration    string          `json:"duration"`
	BeforePNG   string          `json:"before_png,omitempty"`
	AfterPNG    string          `json:"after_png,omitempty"`
	ByteMapPNG  string          `json:"byte_map_png,omitempty"`

	before, after *machine.Screen
	changed       *image.Paletted
}

// AttemptReport is one attempt: a generator verdict, then (when it
// validated) the test verdict.
type AttemptReport struct {
	N            int              `json:"n"`
	Phase        string           `json:"phase"` // generate or test
	Provider     string           `json:"provider"`
	Model        string           `json:"model,omitempty"`
	PromptHash   string           `json:"prompt_sha256,omitempty"`
	ResponseHash string           `json:"response_sha256,omitempty"`
	Tokens       int              `json:"tokens,omitempty"`
	Verdict      string           `json:"verdict"`
	Error        string           `json:"error,omitempty"`
	Duration     string           `json:"duration"`
	RecordID     uint64           `json:"record_id,omitempty"`
	Scenarios    []ScenarioReport `json:"scenarios,omitempty"`
}

// ScenarioReport is one scenario run of a test.
type ScenarioReport struct {
	Scenario string `json:"scenario"`
	Machine  string `json:"machine"`
	Passed   bool   `json:"passed"`
	Error    string `json:"error,omitempty"`
}

func attemptReport(a gen.Attempt, phase string) AttemptReport {
	return AttemptReport{N: a.N, Phase: phase, Provider: a.Provider, Model: a.Model, PromptHash: a.PromptHash, ResponseHash: a.ResponseHash,
		Tokens: a.Tokens, Verdict: a.Verdict, Error: a.Error, Duration: a.Duration.Round(time.Microsecond).String(), RecordID: a.RecordID}
}

func scenarioReports(sr *scenario.SuiteResult) []ScenarioReport {
	var out []ScenarioReport
	for _, r := range sr.Results {
		out = append(out, ScenarioReport{Scenario: r.Scenario, Machine: r.Machine, Passed: r.Passed, Error: r.Error})
	}
	return out
}

func goalLines(rep *Report) []string {
	var out []string
	for _, g := range rep.Goals {
		out = append(out, fmt.Sprintf("- %s: %s %s", g.Goal, g.Result, g.Feature))
	}
	return out
}

// WriteTable prints the final table: goal, result, attempts, model calls,
// tokens, time.
func (rep *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GOAL\tFEATURE\tRESULT\tATTEMPTS\tMODEL CALLS\tTOKENS\tTIME")
	for _, g := range rep.Goals {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", g.Goal, dash(g.Feature), g.Result, len(g.Attempts), g.ModelCalls, g.Tokens, g.Duration)
	}
	tw.Flush()
}

// Summary says in one sentence what the run did.
func (rep *Report) Summary() string {
	counts := map[string]int{}
	for _, g := range rep.Goals {
		counts[g.Result]++
	}
	var parts []string
	for _, k := range []string{ResultPassed, ResultPresent, ResultFailed, ResultNoSolution, ResultInterrupted} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	s := fmt.Sprintf("%d goal%s: %s", len(rep.Goals), plural(len(rep.Goals)), listOr(parts, "none"))
	if rep.Changed {
		s += "; " + rep.Commands + " updated"
	} else {
		s += "; " + rep.Commands + " unchanged"
	}
	if rep.Interrupted {
		s += "; interrupted"
	}
	return s + "."
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeReports writes the JSON report, the screenshots and byte maps, and
// the HTML report beside it.
func (r *runner) writeReports() error {
	if r.o.Report == "" {
		return nil
	}
	rep := r.rep
	dir := filepath.Dir(r.o.Report)
	base := strings.TrimSuffix(filepath.Base(r.o.Report), filepath.Ext(r.o.Report))
	assets := base + "_files"
	var files []atomicfile.File
	for i, g := range rep.Goals {
		add := func(field *string, name string, img image.Image) {
			if img == nil {
				return
			}
			var b bytes.Buffer
			if err := png.Encode(&b, img); err != nil {
				return
			}
			rel := filepath.ToSlash(filepath.Join(assets, fmt.Sprintf("step%d-%s.png", i+1, name)))
			*field = rel
			files = append(files, atomicfile.File{Path: filepath.Join(dir, rel), Data: b.Bytes(), NoSync: true})
		}
		if g.before != nil {
			add(&g.BeforePNG, "before", screen.Render(g.before, screen.Options{}))
		}
		if g.after != nil {
			add(&g.AfterPNG, "after", screen.Render(g.after, screen.Options{}))
		}
		if g.changed != nil {
			add(&g.ByteMapPNG, "bytemap", g.changed)
		}
	}
	htmlPath := filepath.Join(dir, base+".html")
	rep.HTML = htmlPath
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	var html bytes.Buffer
	if err := htmlReport.Execute(&html, map[string]any{"Report": rep, "Summary": rep.Summary()}); err != nil {
		return err
	}
	files = append(files,
		atomicfile.File{Path: r.o.Report, Data: append(js, '\n'), NoSync: true},
		atomicfile.File{Path: htmlPath, Data: html.Bytes(), NoSync: true})
	return atomicfile.WriteAll(0o644, files...)
}

var htmlReport = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{"add": func(a, b int) int { return a + b }}).
	ParseFS(templateFS, "templates/report.html.tmpl"))

// Byte-map colours.
var byteMapPalette = color.Palette{
	color.RGBA{0x10, 0x10, 0x10, 0xFF}, // free
	color.RGBA{0x80, 0x80, 0x80, 0xFF}, // unchanged
	color.RGBA{0x30, 0xC0, 0x40, 0xFF}, // added
	color.RGBA{0xF0, 0x90, 0x20, 0xFF}, // slot patched
}

// changedMap draws 0x7C00-0xFFFF, 256 bytes a row, each byte a 2x2 cell:
// free, unchanged, added by the step, or a hook slot it patched.
func changedMap(old, cand *feature.Base, inst *feature.Installation) *image.Paletted {
	const cols, cell = 256, 2
	n := build.LoadEnd - build.LoadBase
	// Draw up to two rows past the last written byte: the rest is free.
	used := int(cand.Image.Summary.End - build.LoadBase)
	rows := min((n+cols-1)/cols, (used+cols-1)/cols+2)
	n = min(n, rows*cols)
	img := image.NewPaletted(image.Rect(0, 0, cols*cell, rows*cell), byteMapPalette)
	slot := map[uint32]bool{}
	for _, h := range inst.Hooks {
		slot[h.SlotAddr], slot[h.SlotAddr+1] = true, true
	}
	for o := 0; o < n; o++ {
		a := uint32(build.LoadBase + o)
		var c uint8
		switch {
		case slot[a]:
			c = 3
		case cand.Image.Written[o] && !old.Image.Written[o]:
			c = 2
		case cand.Image.Written[o]:
			c = 1
		}
		x, y := (o%cols)*cell, (o/cols)*cell
		for dy := 0; dy < cell; dy++ {
			for dx := 0; dx < cell; dx++ {
				img.SetColorIndex(x+dx, y+dy, c)
			}
		}
	}
	return img
}
