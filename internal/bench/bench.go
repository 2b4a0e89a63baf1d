// Package bench is `pxos bench`: it answers "which model should I load for
// this?" with a fixed suite of goals of graded difficulty, from a 'ver'
// command to a FAT12 directory listing, run against each model from a
// fresh base.
//
// Each goal (goals/NN-name/, embedded) has acceptance scenarios written by
// people that the model never sees (hidden*.txt). A sample is one run of
// the build loop (package loop) for one goal in a fresh temporary
// workspace, with the goal's default features installed first and a fresh
// pixel network (the shipped solutions only: nothing one sample learns
// reaches another); it passes when the loop meets the goal (passed or
// present) and every hidden scenario passes on the build it left. With n
// samples of which c pass, pass@1 is c/n and pass@k is the unbiased
// estimator 1 - C(n-c, k)/C(n, k) of Chen et al., "Evaluating Large
// Language Models Trained on Code" (2021), section 2.1.
//
// The package owns the suite, its test volume, the samples and their
// scoring and reports; it drives loop.Run as `pxos auto` does and reaches
// into no other package.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Model is one contestant.
type Model struct {
	Name string // as the table shows it
	// Client asks the model; nil means the offline provider (kb), which
	// answers from the shipped verified solutions only.
	Client *llm.Client
	// Embedder, when set, ranks retrieved records by meaning too, as for
	// pxos auto when the server offers embeddings.
	Embedder pixnet.Embedder
}

// Options configure a benchmark.
type Options struct {
	Goals       []*Goal // Goals() when empty
	Models      []Model
	Samples     int // independent samples per model and goal; 1 when 0
	K           int // the k of pass@k; Samples when 0
	MaxAttempts int // loop.Options.MaxAttempts; 3 when 0
	Backend     string
	Temperature float64
	MaxTokens   int
	Timeout     time.Duration // per scenario run; 0 means 60s
	TempDir     string        // where the samples' workspaces go; os.TempDir() when ""
	// Progress receives a line as each sample starts and ends; nil for
	// none. Log receives the loop's own progress; nil for none.
	Progress io.Writer
	Log      io.Writer
}

// Outcomes of a sample besides the loop's results (loop.ResultFailed...).
const (
	OutcomePassed       = "passed"        // the loop met the goal and every hidden scenario passed
	OutcomeHiddenFailed = "hidden-failed" // the loop met the goal by its own scenario; a hidden one failed
	OutcomeError        = "error"         // the sample could not run (the loop stopped before the goal)
)

// Sample is one run of one goal with one model.
type Sample struct {
	Model      string        `json:"model"`
	Goal       string        `json:"goal"` // Goal.ID
	N          int           `json:"n"`    // 1-based
	Passed     bool          `json:"passed"`
	Outcome    string        `json:"outcome"`     // OutcomePassed, OutcomeHiddenFailed, OutcomeError, or the loop's result
	LoopResult string        `json:"loop_result"` // the loop's result for the goal ("" when it gave none)
	Note       string        `json:"note,omitempty"`
	Hidden     []HiddenRun   `json:"hidden,omitempty"` // run only when the loop met the goal
	Attempts   int           `json:"attempts"`
	ModelCalls int           `json:"model_calls"`
	Tokens     int           `json:"tokens"` // the loop's count: planning and every answer
	Estimated  bool          `json:"tokens_estimated,omitempty"`
	Metered    *Counts       `json:"metered,omitempty"` // the prompt and answer tokens, when a model answered
	Duration   time.Duration `json:"duration_ns"`
}

// HiddenRun is one hidden scenario's run on the sample's final build.
type HiddenRun struct {
	Scenario string `json:"scenario"`
	Machine  string `json:"machine"`
	Passed   bool   `json:"passed"`
	Error    string `json:"error,omitempty"`
}

// Result is a benchmark's outcome: what ran, every sample, and the scores.
type Result struct {
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Samples     int           `json:"samples"`
	K           int           `json:"k"`
	MaxAttempts int           `json:"max_attempts"`
	Backend     string        `json:"backend"`
	Models      []string      `json:"models"`
	Goals       []GoalInfo    `json:"goals"`
	Runs        []Sample      `json:"runs"`
	Cells       []Cell        `json:"cells"`     // by model, then goal
	Summaries   []Summary     `json:"summaries"` // one a model
	Interrupted bool          `json:"interrupted,omitempty"`
	Planned     int           `json:"planned_samples"`
}

// GoalInfo is a goal as the result names it.
type GoalInfo struct {
	ID       string   `json:"id"`
	Text     string   `json:"text"`
	Grade    int      `json:"grade"`
	Requires []string `json:"requires,omitempty"`
}

// Cell scores one model on one goal.
type Cell struct {
	Model    string        `json:"model"`
	Goal     string        `json:"goal"`
	Grade    int           `json:"grade"`
	N        int           `json:"n"` // samples done
	C        int           `json:"c"` // of them, passed
	Pass1    float64       `json:"pass_at_1"`
	PassK    float64       `json:"pass_at_k"`
	Attempts float64       `json:"mean_attempts"`
	Tokens   float64       `json:"mean_tokens"`
	Prompt   float64       `json:"mean_prompt_tokens,omitempty"` // metered samples only
	Answer   float64       `json:"mean_answer_tokens,omitempty"`
	Metered  bool          `json:"metered,omitempty"` // every sample's usage came from the server
	Duration time.Duration `json:"mean_duration_ns"`
	Outcomes string        `json:"outcomes"` // "passed", "no-solution ×3", ...
}

// Summary scores one model on the whole suite.
type Summary struct {
	Model       string        `json:"model"`
	Goals       int           `json:"goals"`        // goals with at least one sample done
	GoalsPassed int           `json:"goals_passed"` // of them, goals with at least one passing sample
	MeanPass1   float64       `json:"mean_pass_at_1"`
	MeanPassK   float64       `json:"mean_pass_at_k"`
	ByGrade     []GradeScore  `json:"by_grade"`
	Tokens      int           `json:"tokens"`
	Duration    time.Duration `json:"duration_ns"`
}

// GradeScore is a model's mean pass@1 over the goals of one grade.
type GradeScore struct {
	Grade     int     `json:"grade"`
	Goals     int     `json:"goals"`
	MeanPass1 float64 `json:"mean_pass_at_1"`
}

// PassAtK is the unbiased estimate of pass@k from n samples of which c
// passed: the chance that at least one of k samples drawn without
// replacement passes, 1 - C(n-c, k)/C(n, k), computed as a product to
// stay exact for large n (Chen et al. 2021, figure 3). It is 0 for n < 1
// and for k outside 1..n.
func PassAtK(n, c, k int) float64 {
	if n < 1 || k < 1 || k > n || c <= 0 {
		return 0
	}
	if n-c < k {
		return 1
	}
	p := 1.0
	for i := n - c + 1; i <= n; i++ {
		p *= 1 - float64(k)/float64(i)
	}
	return 1 - p
}

// Run runs every model on every goal, Samples times each, model by model
// (a local server loads one model at a time), and scores what ran. It
// returns the result so far with the context's error when ctx ends (the
// sample it stopped is left out), or another error when a sample cannot
// start at all.
func Run(ctx context.Context, o Options) (*Result, error) {
	if len(o.Goals) == 0 {
		gs, err := Goals()
		if err != nil {
			return nil, err
		}
		o.Goals = gs
	}
	if len(o.Models) == 0 {
		return nil, errors.New("no model to benchmark")
	}
	if o.Samples <= 0 {
		o.Samples = 1
	}
	if o.K <= 0 {
		o.K = o.Samples
	}
	if o.K > o.Samples {
		return nil, fmt.Errorf("pass@%d needs at least %d samples, not %d", o.K, o.K, o.Samples)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Backend == "" {
		o.Backend = "emu"
	}
	res := &Result{Started: time.Now(), Samples: o.Samples, K: o.K, MaxAttempts: o.MaxAttempts, Backend: o.Backend,
		Runs: []Sample{}, Planned: len(o.Models) * len(o.Goals) * o.Samples}
	for _, m := range o.Models {
		res.Models = append(res.Models, m.Name)
	}
	starts := map[*Goal]*start{}
	for _, g := range o.Goals {
		res.Goals = append(res.Goals, GoalInfo{ID: g.ID, Text: g.Text, Grade: g.Grade, Requires: g.Requires})
		st, err := startOf(g)
		if err != nil {
			return nil, fmt.Errorf("goal %s: %w", g.ID, err)
		}
		starts[g] = st
	}
	var err error
	i := 0
run:
	for _, m := range o.Models {
		for _, g := range o.Goals {
			for n := 1; n <= o.Samples; n++ {
				i++
				progress(o.Progress, "[%d/%d] %s · %s (grade %d) · sample %d/%d\n", i, res.Planned, m.Name, g.ID, g.Grade, n, o.Samples)
				s, serr := sample(ctx, o, m, g, starts[g], n)
				if ctx.Err() != nil {
					err = ctx.Err()
					res.Interrupted = true
					progress(o.Progress, "        interrupted: this sample is left out\n")
					break run
				}
				if serr != nil {
					err = serr
					break run
				}
				progress(o.Progress, "        %s\n", s.line())
				res.Runs = append(res.Runs, *s)
			}
		}
	}
	res.Duration = time.Since(res.Started).Round(time.Millisecond)
	res.score(o.Goals)
	return res, err
}

func progress(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// line says how a sample ended, for the progress lines.
func (s *Sample) line() string {
	var b strings.Builder
	b.WriteString(s.Outcome)
	fmt.Fprintf(&b, ": %d attempt%s, %d tokens, %s", s.Attempts, plural(s.Attempts), s.Tokens, seconds(s.Duration))
	if s.Note != "" {
		fmt.Fprintf(&b, " — %s", cut(firstLine(s.Note), 140))
	}
	return llm.Printable(b.String())
}

// start is a goal's starting point: the base with its default features
// installed, and their kept scenarios, as `pxos feature install` leaves a
// workspace.
type start struct {
	src   []byte
	specs []*feature.Spec
}

func startOf(g *Goal) (*start, error) {
	src, err := pxosv1.FS.ReadFile(pxosv1.CommandsFile)
	if err != nil {
		return nil, err
	}
	st := &start{src: src}
	if len(g.Requires) == 0 {
		return st, nil
	}
	all, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		return nil, err
	}
	if st.specs, err = feature.WithRequires(all, g.Requires...); err != nil {
		return nil, err
	}
	base, err := feature.NewBase(pxosv1.CommandsFile, src)
	if err != nil {
		return nil, err
	}
	next, _, err := base.InstallAll(st.specs)
	if err != nil {
		return nil, err
	}
	st.src = next.Src
	return st, nil
}

// Build returns the goal's starting build: the base with its default
// features installed.
func (g *Goal) Build() (*feature.Base, error) {
	st, err := startOf(g)
	if err != nil {
		return nil, err
	}
	return feature.NewBase(pxosv1.CommandsFile, st.src)
}

// workspace makes a fresh workspace in dir holding the goal's start.
func (st *start) workspace(dir string) (*gen.Workspace, error) {
	w, _, err := workspace.Init(dir, true)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(w.Commands(), st.src, 0o644); err != nil {
		return nil, err
	}
	for _, s := range st.specs {
		p, data := workspace.Kept(w.Scenarios(), s, "pxos bench")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	return gen.OpenWorkspace(w.Dir())
}

// sample runs one sample. Its error is for a sample that could not start
// (no temporary directory); what the loop and the scenarios say is in the
// Sample.
func sample(ctx context.Context, o Options, m Model, g *Goal, st *start, n int) (*Sample, error) {
	t0 := time.Now()
	s := &Sample{Model: m.Name, Goal: g.ID, N: n}
	defer func() { s.Duration = time.Since(t0).Round(time.Millisecond) }()
	dir, err := os.MkdirTemp(o.TempDir, "pxos-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ws, err := st.workspace(dir)
	if err != nil {
		return nil, err
	}
	net, err := gen.OpenNetwork(filepath.Join(dir, "network.png"))
	if err != nil {
		return nil, err
	}
	defer net.Close()
	lo := loop.Options{Goals: []string{g.Text}, MaxAttempts: o.MaxAttempts, Workspace: ws, Network: net,
		Backend: o.Backend, Temperature: o.Temperature, MaxTokens: o.MaxTokens, Timeout: o.Timeout,
		// The model writes every goal: the shipped solutions it is
		// shown may help it, but none is installed for it.
		NoReuse: true, Log: o.Log}
	if lba := g.VolumeLBA; lba > 0 {
		// The loop's machines boot the floppy with the test volume too, so
		// the model's own scenario can list it.
		lo.Disk = func(img []byte) []byte {
			if out, err := WithVolume(img, lba); err == nil {
				return out
			}
			return img // the suite's volumes are checked when it loads (TestSuite)
		}
	}
	if m.Client == nil {
		lo.Provider = &gen.KB{Network: net}
	} else {
		lo.Provider, lo.Client, lo.Embedder = &gen.OpenAI{Client: m.Client}, m.Client, m.Embedder
	}
	rep, lerr := loop.Run(ctx, lo)
	if ctx.Err() != nil {
		return s, nil
	}
	s.tally(rep, g)
	switch {
	case rep == nil || s.LoopResult == "":
		s.Outcome = OutcomeError
		if lerr != nil {
			s.Note = lerr.Error()
		}
		return s, nil
	case s.LoopResult != loop.ResultPassed && s.LoopResult != loop.ResultPresent:
		s.Outcome = s.LoopResult
		return s, nil
	}
	final, err := ws.Base()
	if err != nil {
		s.Outcome, s.Note = OutcomeError, "the final build: "+err.Error()
		return s, nil
	}
	img := final.Image.Floppy
	if g.VolumeLBA > 0 {
		if img, err = WithVolume(img, g.VolumeLBA); err != nil {
			return nil, err
		}
	}
	sr := Hidden(ctx, g, img, o.Backend, o.Timeout)
	if ctx.Err() != nil {
		return s, nil
	}
	s.Passed, s.Outcome = sr.Passed, OutcomePassed
	for _, r := range sr.Results {
		s.Hidden = append(s.Hidden, HiddenRun{Scenario: r.Scenario, Machine: r.Machine, Passed: r.Passed, Error: r.Error})
		if !r.Passed && s.Outcome == OutcomePassed {
			s.Outcome = OutcomeHiddenFailed
			s.Note = fmt.Sprintf("hidden scenario %q (%s): %s", r.Scenario, r.Machine, r.Error)
		}
	}
	if !sr.Passed && s.Outcome == OutcomePassed {
		s.Outcome = OutcomeHiddenFailed
		s.Note = "hidden scenarios: " + strings.Join(append(sr.Errors, disagreements(sr)...), "; ")
	}
	return s, nil
}

// tally takes the loop's figures for the goal: its result and note, and
// the attempts, model calls and tokens of every row (the goal, the steps
// that prepare it, the prerequisites it installed) and of the plan.
func (s *Sample) tally(rep *loop.Report, g *Goal) {
	if rep == nil {
		return
	}
	s.ModelCalls, s.Tokens, s.Estimated = rep.PlanCalls, rep.PlanTokens, rep.PlanTokensEstimated
	c := Counts{Calls: rep.PlanCalls, Prompt: rep.PlanPromptTokens, Answer: rep.PlanAnswerTokens}
	for _, gr := range rep.Goals {
		s.Attempts += len(gr.Attempts)
		s.ModelCalls += gr.ModelCalls
		s.Tokens += gr.Tokens
		s.Estimated = s.Estimated || gr.TokensEstimated
		c.Calls += gr.ModelCalls
		c.Prompt += gr.PromptTokens
		c.Answer += gr.AnswerTokens
		if gr.Role == loop.RoleGoal && feature.SameGoal(gr.Goal, g.Text) {
			s.LoopResult, s.Note = gr.Result, gr.Note
		}
	}
	if c.Calls > 0 {
		if !s.Estimated {
			c.Reported = c.Calls // every call's usage came from the server
		}
		s.Metered = &c
	}
	if s.Note == "" && rep.Error != "" {
		s.Note = rep.Error
	}
}

// Counts are a sample's calls to the model and its tokens, in the two
// halves the server reports (llm.Usage): what the model read (Prompt) and
// what it wrote (Answer).
type Counts struct {
	Calls    int `json:"calls"`    // model calls: planning and answers
	Reported int `json:"reported"` // of them, those whose usage the server reported (all, or none: 0 when pxos estimated some)
	Prompt   int `json:"prompt_tokens"`
	Answer   int `json:"answer_tokens"`
}

func disagreements(sr *scenario.SuiteResult) []string {
	var out []string
	for _, d := range sr.Disagreements {
		out = append(out, fmt.Sprintf("%s: %s and %s disagree: %s", d.Scenario, d.A, d.B, d.Reason))
	}
	return out
}

// Hidden runs the goal's hidden scenarios on img (with the test volume
// already written when the goal has one) on backend: emu, qemu, or both.
func Hidden(ctx context.Context, g *Goal, img []byte, back string, timeout time.Duration) *scenario.SuiteResult {
	names := []string{back}
	if back == "both" {
		names = []string{"emu", "qemu"}
	}
	backs := scenario.Machines(names, func(ctx context.Context, name string, so scenario.StartOptions) (machine.Machine, error) {
		return backend.Open(ctx, name, img, backend.Options{Clock: so.Clock})
	})
	return scenario.RunSuite(ctx, g.Hidden, backs, scenario.SuiteOptions{Timeout: timeout})
}

// score fills the cells and summaries from the samples done.
func (r *Result) score(goals []*Goal) {
	r.Cells, r.Summaries = []Cell{}, []Summary{}
	for _, model := range r.Models {
		sum := Summary{Model: model}
		grades := map[int]*GradeScore{}
		for _, g := range goals {
			c := Cell{Model: model, Goal: g.ID, Grade: g.Grade, Metered: true}
			outcomes := map[string]int{}
			var order []string
			var dur time.Duration
			for _, s := range r.Runs {
				if s.Model != model || s.Goal != g.ID {
					continue
				}
				c.N++
				if s.Passed {
					c.C++
				}
				c.Attempts += float64(s.Attempts)
				c.Tokens += float64(s.Tokens)
				if s.Metered != nil && s.Metered.Reported > 0 {
					c.Prompt += float64(s.Metered.Prompt)
					c.Answer += float64(s.Metered.Answer)
				} else {
					c.Metered = false
				}
				dur += s.Duration
				sum.Tokens += s.Tokens
				sum.Duration += s.Duration
				if outcomes[s.Outcome] == 0 {
					order = append(order, s.Outcome)
				}
				outcomes[s.Outcome]++
			}
			if c.N == 0 {
				continue
			}
			nf := float64(c.N)
			c.Attempts, c.Tokens, c.Prompt, c.Answer = c.Attempts/nf, c.Tokens/nf, c.Prompt/nf, c.Answer/nf
			if !c.Metered {
				c.Prompt, c.Answer = 0, 0
			}
			c.Duration = (dur / time.Duration(c.N)).Round(time.Millisecond)
			c.Pass1 = PassAtK(c.N, c.C, 1)
			c.PassK = PassAtK(c.N, c.C, min(r.K, c.N))
			var parts []string
			for _, o := range order {
				if outcomes[o] > 1 || len(order) > 1 {
					parts = append(parts, fmt.Sprintf("%s ×%d", o, outcomes[o]))
				} else {
					parts = append(parts, o)
				}
			}
			c.Outcomes = strings.Join(parts, ", ")
			r.Cells = append(r.Cells, c)
			sum.Goals++
			if c.C > 0 {
				sum.GoalsPassed++
			}
			sum.MeanPass1 += c.Pass1
			sum.MeanPassK += c.PassK
			gs := grades[g.Grade]
			if gs == nil {
				gs = &GradeScore{Grade: g.Grade}
				grades[g.Grade] = gs
			}
			gs.Goals++
			gs.MeanPass1 += c.Pass1
		}
		if sum.Goals > 0 {
			sum.MeanPass1 /= float64(sum.Goals)
			sum.MeanPassK /= float64(sum.Goals)
		}
		for _, gs := range grades {
			gs.MeanPass1 /= float64(gs.Goals)
			sum.ByGrade = append(sum.ByGrade, *gs)
		}
		sort.Slice(sum.ByGrade, func(i, j int) bool { return sum.ByGrade[i].Grade < sum.ByGrade[j].Grade })
		sum.Duration = sum.Duration.Round(time.Millisecond)
		r.Summaries = append(r.Summaries, sum)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
