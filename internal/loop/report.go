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
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/evidence"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/screen"
)

// Goal results (DESIGN.md, "Verdicts").
const (
	ResultPassed      = "passed"      // a new feature, fail-to-pass on its scenarios, regression suite green, committed
	ResultPresent     = "present"     // recorded by an installed block, or a scenario proven for the goal passes now
	ResultFailed      = "failed"      // no answer passed within the limits; the last error is in Note
	ResultInfeasible  = "infeasible"  // the model says it cannot be done within the pxOS API; the reason is in Note
	ResultConflicts   = "conflicts"   // every attempt broke the same existing regression scenarios (Conflicts)
	ResultNoSolution  = "no-solution" // offline, nothing proven matches the goal
	ResultInterrupted = "interrupted" // the run stopped; the commands file holds its last good state
)

// results lists the results in the order summaries count them.
var results = []string{ResultPassed, ResultPresent, ResultFailed, ResultInfeasible, ResultConflicts, ResultNoSolution, ResultInterrupted}

// Report is the JSON build report.
type Report struct {
	Started    time.Time     `json:"started"`
	Duration   time.Duration `json:"duration_ns"`
	Provider   string        `json:"provider"`
	Model      string        `json:"model,omitempty"`
	Backend    string        `json:"backend"`
	Commands   string        `json:"commands_file"`
	Network    string        `json:"network"`
	Plan       []Step        `json:"plan"`
	PlanCalls  int           `json:"plan_model_calls,omitempty"`
	PlanTokens int           `json:"plan_tokens,omitempty"`
	// PlanPromptTokens and PlanAnswerTokens are PlanTokens' two halves.
	PlanPromptTokens int `json:"plan_prompt_tokens,omitempty"`
	PlanAnswerTokens int `json:"plan_answer_tokens,omitempty"`
	// PlanTokensEstimated says PlanTokens is pxos's estimate: the server reported none.
	PlanTokensEstimated bool          `json:"plan_tokens_estimated,omitempty"`
	PlanError           string        `json:"plan_error,omitempty"`
	Goals               []*GoalReport `json:"goals"`
	RegressionBefore    string        `json:"regression_before"`
	RegressionAfter     string        `json:"regression_after,omitempty"`
	// SetAside are the regression scenarios the final build does not run:
	// each checks a default that one of its features names (see SetAside).
	SetAside []string `json:"set_aside,omitempty"`
	// Models is what each model's answers did in this run (an ensemble
	// has several), with its record in the network.
	Models      []ModelSummary `json:"models,omitempty"`
	Changed     bool           `json:"commands_changed"`
	Image       string         `json:"image,omitempty"`
	ImageSHA256 string         `json:"image_sha256,omitempty"`
	Interrupted bool           `json:"interrupted,omitempty"`
	// Error is why the run stopped, when it failed (a commands file that
	// does not build, a commit refused, a report not written).
	Error string `json:"error,omitempty"`
	// Recorded says the run's build record is in the network. A run that
	// changed nothing and tried nothing (every goal was present already)
	// records nothing and gets no report folder (see nothingDone); a run
	// whose network cannot be written (read-only) is reported, not
	// recorded.
	Recorded bool `json:"recorded"`
	// LastReport is, for a run that recorded nothing, the HTML report of
	// the newest run in the reports directory, when there is one.
	LastReport string `json:"last_report,omitempty"`
	JSON       string `json:"json_report,omitempty"`  // where this report was written
	HTML       string `json:"html_report,omitempty"`  // and its HTML report
	Index      string `json:"report_index,omitempty"` // the page listing every run (Options.Reports)
}

// GoalReport is one row of the report: a goal, a step that prepares one,
// or a prerequisite installed for a step (Role).
type GoalReport struct {
	Goal        string   `json:"goal"`
	Role        string   `json:"role"`          // RoleGoal, RolePrepares or RolePrerequisite
	For         string   `json:"for,omitempty"` // prepares: the goal; prerequisite: the feature that needs it
	Description string   `json:"description,omitempty"`
	Feature     string   `json:"feature,omitempty"`
	Result      string   `json:"result"`
	Note        string   `json:"note,omitempty"`
	Conflicts   []string `json:"conflicts,omitempty"` // conflicts: the regression scenarios every attempt broke
	// SetAside are the regression scenarios the feature's build does not
	// run because the feature names the default they check (SetAside).
	SetAside []string `json:"set_aside,omitempty"`
	NotKept  bool     `json:"not_kept,omitempty"` // a step or prerequisite that passed, for a goal that did not: not written
	Range    string   `json:"range,omitempty"`
	Hooks    string   `json:"hooks,omitempty"`
	PlanNote string   `json:"plan_note,omitempty"` // why the plan's scenario was not used
	// Reused is the network record of the proven solution that met the
	// goal without a model call (passed), when one did.
	Reused uint64 `json:"reused_solution,omitempty"`
	// Evidence is what the step's scenarios proved (passed: fail-to-pass).
	Evidence []evidence.Proof `json:"evidence,omitempty"`
	// Presence is why a present goal is present.
	Presence        *evidence.Presence `json:"presence,omitempty"`
	Attempts        []AttemptReport    `json:"attempts"`
	ModelCalls      int                `json:"model_calls"`
	Tokens          int                `json:"tokens"`
	PromptTokens    int                `json:"prompt_tokens"` // Tokens' two halves: what the models read and wrote
	AnswerTokens    int                `json:"answer_tokens"`
	TokensEstimated bool               `json:"tokens_estimated,omitempty"` // Tokens is pxos's estimate for some call
	Duration        string             `json:"duration"`
	BeforePNG       string             `json:"before_png,omitempty"`
	AfterPNG        string             `json:"after_png,omitempty"`
	ByteMapPNG      string             `json:"byte_map_png,omitempty"`

	before, after *machine.Screen
	changed       *image.Paletted
}

// AttemptReport is one attempt: a generator verdict, then (when it
// validated) the test verdict.
type AttemptReport struct {
	N            int    `json:"n"`
	Phase        string `json:"phase"` // generate, test or prove; reuse for a proven solution tried before a model
	Provider     string `json:"provider"`
	Model        string `json:"model,omitempty"`
	PromptHash   string `json:"prompt_sha256,omitempty"`
	ResponseHash string `json:"response_sha256,omitempty"`
	Tokens       int    `json:"tokens,omitempty"`
	PromptTokens int    `json:"prompt_tokens,omitempty"` // Tokens' two halves
	AnswerTokens int    `json:"answer_tokens,omitempty"`
	// TokensEstimated says Tokens is pxos's estimate: the server reported none.
	TokensEstimated bool             `json:"tokens_estimated,omitempty"`
	Explanation     string           `json:"explanation,omitempty"` // the model's own words
	Verdict         string           `json:"verdict"`               // valid, invalid, error, infeasible, repeated; then passed, failed or rejected (not evidence)
	Error           string           `json:"error,omitempty"`
	Duration        string           `json:"duration"`
	RecordID        uint64           `json:"record_id,omitempty"`
	Scenarios       []ScenarioReport `json:"scenarios,omitempty"`
	// RegressionFailed names the existing regression scenarios the attempt broke.
	RegressionFailed []string `json:"regression_failed,omitempty"`

	fingerprint string   // the answer's (gen.Candidate.Fingerprint)
	conflict    []string // the regression scenarios it broke while its own passed
}

// ScenarioReport is one scenario run of a test.
type ScenarioReport struct {
	Scenario string `json:"scenario"`
	Machine  string `json:"machine"`
	Passed   bool   `json:"passed"`
	Error    string `json:"error,omitempty"`
}

func attemptReport(a gen.Attempt, phase string) AttemptReport {
	ar := AttemptReport{N: a.N, Phase: phase, Provider: a.Provider, Model: a.Model, PromptHash: a.PromptHash, ResponseHash: a.ResponseHash,
		Tokens: a.Tokens, PromptTokens: a.PromptTokens, AnswerTokens: a.AnswerTokens, TokensEstimated: a.TokensEstimated, Explanation: a.Explanation, Verdict: a.Verdict, Error: a.Error,
		Duration: a.Duration.Round(time.Microsecond).String(), RecordID: a.RecordID}
	if a.Candidate != nil {
		ar.fingerprint = a.Candidate.Fingerprint()
	}
	return ar
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
		out = append(out, fmt.Sprintf("- %s%s: %s %s", rolePrefix(g), g.Goal, g.Result, g.Feature))
	}
	return out
}

// rolePrefix marks the rows that are not the user's goals.
func rolePrefix(g *GoalReport) string {
	switch g.Role {
	case RolePrepares:
		return "  step for it: "
	case RolePrerequisite:
		return "  prerequisite of " + g.For + ": "
	}
	return ""
}

// Evidence says in a few words what a row's verdict rests on.
func (g *GoalReport) EvidenceText() string {
	switch {
	case g.Presence != nil:
		if g.Presence.How == evidence.Recorded {
			return "recorded in block"
		}
		return "proven scenario passes"
	case g.Result == ResultPassed:
		n := 0
		for _, p := range g.Evidence {
			if p.FailToPass {
				n++
			}
		}
		return fmt.Sprintf("fail-to-pass %d/%d", n, len(g.Evidence))
	}
	return "-"
}

// TokensText is the row's token count, "~N" when pxos estimated it.
func (g *GoalReport) TokensText() string {
	if g.TokensEstimated {
		return fmt.Sprintf("~%d", g.Tokens)
	}
	return fmt.Sprint(g.Tokens)
}

// WriteTable prints the final table: goal, feature, result, evidence,
// attempts, model calls, tokens ("~" marks pxos's estimate), time, and a
// note (the reason of every result but passed and present; for a goal met
// by a proven solution from the network, which one).
func (rep *Report) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GOAL\tFEATURE\tRESULT\tEVIDENCE\tATTEMPTS\tMODEL CALLS\tTOKENS\tTIME\tNOTE")
	for _, g := range rep.Goals {
		note := "-"
		switch {
		case (g.Result != ResultPassed && g.Result != ResultPresent || g.NotKept) && g.Note != "":
			note = shorten(llm.Printable(firstLine(g.Note)), 100)
		case g.Reused != 0:
			note = fmt.Sprintf("reused solution #%d", g.Reused)
		case g.Presence != nil && g.Presence.For != "":
			note = shorten(llm.Printable(fmt.Sprintf("proven for %q (#%d)", g.Presence.For, g.Presence.Solution)), 100)
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", rolePrefix(g), llm.Printable(g.Goal), dash(g.Feature), g.Result, g.EvidenceText(),
			len(g.Attempts), g.ModelCalls, g.TokensText(), g.Duration, note)
	}
	tw.Flush()
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-1], "") + "…"
}

// Summary says in one sentence what the run did: the user's goals by
// result, and the prerequisites installed on the way.
func (rep *Report) Summary() string {
	counts := map[string]int{}
	goals, prereqs, reused := 0, 0, 0
	for _, g := range rep.Goals {
		switch g.Role {
		case RolePrerequisite:
			if g.Result == ResultPassed && !g.NotKept {
				prereqs++
			}
		case RolePrepares:
		default:
			goals++
			counts[g.Result]++
			if g.Reused != 0 && g.Result == ResultPassed {
				reused++
			}
		}
	}
	var parts []string
	for _, k := range results {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[k], k))
		}
	}
	if goals == 0 && rep.Error != "" {
		return "stopped before any goal: " + strings.Join(strings.Fields(rep.Error), " ") + "; nothing changed, nothing recorded."
	}
	s := fmt.Sprintf("%d goal%s: %s", goals, plural(goals), listOr(parts, "none"))
	if reused > 0 && rep.Provider != "kb" {
		s += fmt.Sprintf("; %d of the passed met by proven solutions from the network, with no model call", reused)
	}
	if prereqs > 0 {
		s += fmt.Sprintf("; %d prerequisite%s installed", prereqs, plural(prereqs))
	}
	switch {
	case rep.Changed:
		s += "; " + rep.Commands + " updated"
	case !rep.Recorded && rep.nothingDone() && rep.JSON != "":
		s += "; nothing changed, no build record" // the report asked for (--report) was written
	case !rep.Recorded && rep.nothingDone():
		s += "; nothing changed, nothing recorded"
		if rep.LastReport != "" {
			s += " (last report: " + rep.LastReport + ")"
		}
	default:
		s += "; " + rep.Commands + " unchanged"
	}
	if rep.Interrupted {
		s += "; interrupted"
	}
	return s + "."
}

// nothingDone says the run changed nothing and tried nothing: every goal
// was present already, so nothing was planned, no model asked, no step
// run, nothing committed, and the run was not interrupted. Such a run
// records nothing: no build record, no run folder (issue 16).
func (rep *Report) nothingDone() bool {
	if rep.Changed || rep.Interrupted || len(rep.Goals) == 0 || len(rep.Plan) > 0 || rep.PlanCalls > 0 || rep.PlanError != "" {
		return false
	}
	for _, g := range rep.Goals {
		if g.Role != RoleGoal || g.Result != ResultPresent || len(g.Attempts) > 0 || g.ModelCalls > 0 {
			return false
		}
	}
	return true
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// MarshalReport is the JSON report as written to its file: indented, with
// a final newline (what `pxos auto --json` prints).
func (rep *Report) MarshalReport() ([]byte, error) {
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(js, '\n'), nil
}

// writeReports writes the JSON report, the screenshots and byte maps, and
// the HTML report beside it: to Options.Report when it is set, else to a
// new run folder under Options.Reports, whose index and latest link it then
// updates (see reports.go). A run that recorded nothing writes no run
// folder; it names the last report instead.
func (r *runner) writeReports() error {
	rep := r.rep
	path, runDir := r.o.Report, ""
	if path == "" && r.o.Reports != "" {
		if !r.kept {
			rep.LastReport = lastReport(r.o.Reports)
			return nil
		}
		var err error
		if runDir, err = newRunDir(r.o.Reports, rep.Started); err != nil {
			return err
		}
		path = filepath.Join(runDir, ReportName)
		rep.Index = filepath.Join(r.o.Reports, IndexName)
	}
	if path == "" {
		return nil
	}
	dir := filepath.Dir(path)
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
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
	rep.JSON, rep.HTML = path, htmlPath
	js, err := rep.MarshalReport()
	if err != nil {
		return err
	}
	var html bytes.Buffer
	if err := htmlReport.Execute(&html, map[string]any{"Report": rep, "Summary": rep.Summary()}); err != nil {
		return err
	}
	files = append(files,
		atomicfile.File{Path: path, Data: js, NoSync: true},
		// Model text may hold control characters (escape sequences, CR, C1
		// bytes): a page shows them as U+FFFD, never raw.
		atomicfile.File{Path: htmlPath, Data: []byte(llm.Printable(html.String())), NoSync: true})
	if err := atomicfile.WriteAll(0o644, files...); err != nil {
		rep.JSON, rep.HTML, rep.Index = "", "", "" // nothing was written: say so by naming nothing
		if runDir != "" {
			os.Remove(runDir) // empty: WriteAll left nothing behind
		}
		return fmt.Errorf("writing the reports: %w", err)
	}
	if runDir != "" {
		if err := updateIndex(r.o.Reports); err != nil {
			rep.Index = ""
			return fmt.Errorf("writing the reports index: %w", err)
		}
	}
	return nil
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
