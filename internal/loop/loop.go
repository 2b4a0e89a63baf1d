// Package loop is the automated builder behind `pxos auto`: it grows pxOS
// goal by goal and proves each step on a machine before keeping it.
//
//	ANALYZE  build the current commands file, run the regression scenarios,
//	         list the features present and the free memory
//	PLAN     the model turns goals into steps (json_schema); offline, one
//	         step per goal
//	STEP     retrieve → generate → validate (package gen) → build a candidate
//	         → test it (the step's scenario and every regression scenario, on
//	         emu, qemu or both) → learn (record it all in the pixel network)
//	         → commit the block and its scenario, or repair with the exact
//	         error until the attempt limit
//
// The commands file only ever changes by an atomic rename of a file that
// built and passed: a failed or interrupted run leaves it byte-identical to
// its last good state. A goal whose feature is already present is skipped, so
// a second run changes nothing. The package owns the loop and its reports;
// it uses gen, feature, scenario, backend and pixnet and reaches into none.
package loop

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// DefaultGoals are the seed's four default goals (auto_build_pxos.py).
var DefaultGoals = []string{
	"Add backspace support to shell",
	"Implement command parser for basic commands",
	"Add 'help' command that shows available commands",
	"Add 'clear' command to clear screen",
}

// Options configure a run.
type Options struct {
	Goals         []string // DefaultGoals when empty
	MaxIterations int      // generate calls in all; 10 when 0
	MaxAttempts   int      // attempts per step; 3 when 0
	Workspace     *gen.Workspace
	Network       *pixnet.Store
	Provider      gen.Provider
	Client        *llm.Client     // for planning with a model; nil offline
	Embedder      pixnet.Embedder // ranks retrieved records by meaning too; nil for words only
	Backend       string          // "emu" (default), "qemu" or "both"
	Report        string          // JSON report path; the HTML report and images go beside it
	Image         string          // where to write the final image; "" for none
	Temperature   float64
	MaxTokens     int
	Timeout       time.Duration // per scenario run; 0 means 60s
	Log           io.Writer     // progress; nil for none
}

// Run executes the loop. It returns the report (also written to
// Options.Report) and an error when a goal was not met or the run stopped.
func Run(ctx context.Context, o Options) (*Report, error) {
	if len(o.Goals) == 0 {
		o.Goals = DefaultGoals
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = 10
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Backend == "" {
		o.Backend = "emu"
	}
	r := &runner{o: o, rep: &Report{Started: time.Now(), Provider: o.Provider.Name(), Backend: o.Backend,
		Commands: o.Workspace.Commands, Network: networkPath(o.Network), Image: o.Image, Goals: []*GoalReport{}}}
	err := r.run(ctx)
	r.rep.Duration = time.Since(r.rep.Started).Round(time.Millisecond)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		r.rep.Interrupted = true
	}
	if werr := r.writeReports(); werr != nil && err == nil {
		err = werr
	}
	return r.rep, err
}

type runner struct {
	o     Options
	rep   *Report
	base  *feature.Base
	calls int // generate attempts so far (for MaxIterations)
}

func (r *runner) logf(format string, args ...any) {
	if r.o.Log != nil {
		fmt.Fprintf(r.o.Log, format, args...)
	}
}

func (r *runner) run(ctx context.Context) error {
	// ANALYZE
	base, err := r.o.Workspace.Base()
	if err != nil {
		return err
	}
	r.base = base
	r.logf("analyze: %s builds: %d bytes, %d sectors, features: %s, free: %s\n",
		r.o.Workspace.Commands, base.Image.Summary.BytesUsed, base.Image.Summary.SectorsUsed, listOr(base.Installed(), "none"), freeText(base))
	suite, err := r.regression(base)
	if err != nil {
		return err
	}
	res := r.test(ctx, base, suite)
	r.rep.RegressionBefore = fmt.Sprintf("%d/%d passed", passedCount(res), len(res.Results))
	r.logf("analyze: regression suite %s\n", r.rep.RegressionBefore)
	if !res.Passed {
		return fmt.Errorf("loop: the current build fails its regression suite before any change:\n%s", suiteText(res))
	}

	// PLAN
	steps := r.plan(ctx)

	// STEPS
	var failed []string
	for i, st := range steps {
		if err := ctx.Err(); err != nil {
			r.rep.Goals = append(r.rep.Goals, &GoalReport{Goal: st.Goal, Result: ResultInterrupted})
			return err
		}
		g := r.step(ctx, i+1, len(steps), st)
		r.rep.Goals = append(r.rep.Goals, g)
		if ctx.Err() != nil {
			g.Result = ResultInterrupted
			return ctx.Err()
		}
		if g.Result != ResultPassed && g.Result != ResultPresent {
			failed = append(failed, st.Goal)
		}
	}

	// Final state.
	suite, err = r.regression(r.base)
	if err != nil {
		return err
	}
	res = r.test(ctx, r.base, suite)
	r.rep.RegressionAfter = fmt.Sprintf("%d/%d passed", passedCount(res), len(res.Results))
	sum := sha256.Sum256(r.base.Image.Floppy)
	r.rep.ImageSHA256 = hex.EncodeToString(sum[:])
	if r.o.Image != "" {
		if err := atomicfile.WriteAll(0o644, atomicfile.File{Path: r.o.Image, Data: r.base.Image.Floppy, NoSync: true}); err != nil {
			return err
		}
	}
	r.record(pixnet.Record{Kind: pixnet.KindBuild, Tags: []string{"auto", r.rep.Provider},
		Title: fmt.Sprintf("build: %d goals, %d passed, regression %s", len(steps), len(steps)-len(failed), r.rep.RegressionAfter),
		Body:  fmt.Sprintf("Goals:\n%s\nFeatures: %s\nImage sha256: %s", strings.Join(goalLines(r.rep), "\n"), strings.Join(r.base.Installed(), ", "), r.rep.ImageSHA256)})
	if !res.Passed {
		return fmt.Errorf("loop: the final build fails its regression suite:\n%s", suiteText(res))
	}
	if len(failed) > 0 {
		return fmt.Errorf("loop: %d of %d goal%s not met: %s", len(failed), len(steps), plural(len(steps)), strings.Join(failed, "; "))
	}
	return nil
}

// Step is one planned feature.
type Step struct {
	Goal        string `json:"goal"`
	Description string `json:"description"`
	AddressHint string `json:"address_hint"`
	Scenario    string `json:"scenario"`
}

// step runs one step to a verdict.
func (r *runner) step(ctx context.Context, n, total int, st Step) *GoalReport {
	start := time.Now()
	g := &GoalReport{Goal: st.Goal, Description: st.Description}
	defer func() { g.Duration = time.Since(start).Round(time.Millisecond).String() }()
	if name, ok := r.present(st.Goal); ok {
		g.Result, g.Feature = ResultPresent, name
		g.Note = "already installed (feature " + name + "); nothing to do"
		r.logf("step %d/%d %q: present (%s), skipped\n", n, total, st.Goal, name)
		return g
	}
	featureText := st.Description
	if featureText == "" {
		featureText = st.Goal
	}
	if st.Description != "" && st.Description != st.Goal {
		featureText = st.Goal + ": " + st.Description
	}
	var planned *scenario.Scenario
	if strings.TrimSpace(st.Scenario) != "" {
		if sc, err := scenario.Parse("plan.scenario", []byte(st.Scenario)); err == nil {
			planned = sc
		} else {
			r.logf("step %d/%d: the plan's scenario does not parse, using the answer's: %v\n", n, total, err)
		}
	}
	var repair *gen.Attempt
	for attempt := 0; attempt < r.o.MaxAttempts; {
		if r.calls >= r.o.MaxIterations {
			g.Result, g.Note = ResultFailed, fmt.Sprintf("stopped: --max-iterations %d reached", r.o.MaxIterations)
			r.logf("step %d/%d %q: %s\n", n, total, st.Goal, g.Note)
			return g
		}
		left := min(r.o.MaxAttempts-attempt, r.o.MaxIterations-r.calls)
		r.logf("step %d/%d %q: generate (%s)\n", n, total, st.Goal, r.o.Provider.Name())
		gn := &gen.Generator{Base: r.base, API: r.o.Workspace.API, Network: r.o.Network, Provider: r.o.Provider, Embedder: r.o.Embedder, Log: indentWriter{r.o.Log}}
		res, atts, err := gn.Generate(ctx, gen.Request{Feature: featureText, Goal: st.Goal, Addr: hintAddr(st.AddressHint, r.base), MaxAttempts: left,
			Temperature: r.o.Temperature, MaxTokens: r.o.MaxTokens, Repair: repair})
		for _, a := range atts {
			g.Attempts = append(g.Attempts, attemptReport(a, "generate"))
			if a.Provider == gen.ProviderOpenAI {
				g.ModelCalls++
				g.Tokens += a.Tokens
			}
		}
		r.calls += len(atts)
		attempt += len(atts)
		if err != nil {
			if ctx.Err() != nil {
				g.Result = ResultInterrupted
				return g
			}
			g.Result, g.Note = ResultFailed, err.Error()
			if errors.Is(err, gen.ErrNoSolution) {
				g.Result = ResultNoSolution
			}
			if errors.Is(err, feature.ErrInstalled) {
				g.Result, g.Note = ResultPresent, "already installed"
			}
			r.logf("step %d/%d %q: %s: %v\n", n, total, st.Goal, g.Result, err)
			return g
		}
		g.Feature, g.Range, g.Hooks = res.Spec.Name, res.Install.Range.String(), hookText(res.Install)
		// BUILD the candidate: nothing is written yet.
		cand, err := r.base.Apply(res.Install)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		// TEST: the step's scenario(s) and the regression suite.
		suite, err := r.regression(cand)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		accept, err := scenario.Parse(res.Spec.Name+".scenario", res.Spec.Scenario)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		accept.Name = "acceptance: " + res.Spec.Name
		tests := []*scenario.Scenario{accept}
		if planned != nil {
			planned.Name = "plan: " + res.Spec.Name
			tests = append(tests, planned)
		}
		tests = append(tests, suite...)
		r.logf("step %d/%d %q: test %s at %s on %s (%d scenarios)\n", n, total, st.Goal, res.Spec.Name, res.Install.Range, r.o.Backend, len(tests))
		tr := r.test(ctx, cand, tests)
		last := &g.Attempts[len(g.Attempts)-1]
		last.Scenarios = scenarioReports(tr)
		if ctx.Err() != nil {
			g.Result = ResultInterrupted
			return g
		}
		// LEARN
		verdict := "passed"
		if !tr.Passed {
			verdict = "failed"
		}
		r.record(testRecord(st.Goal, res, tr, verdict))
		if tr.Passed {
			// Screens for the report: the acceptance scenario before and after.
			g.after = firstScreen(tr)
			g.before = r.screenOn(ctx, r.base, accept)
			g.changed = changedMap(r.base, cand, res.Install)
			if err := r.commit(cand, res); err != nil {
				g.Result, g.Note = ResultFailed, "commit: "+err.Error()
				return g
			}
			if !res.Verified {
				r.record(gen.SolutionRecord(res.Spec, true, res.Provider, res.Install.Addr, "auto"))
			}
			last.Phase, last.Verdict = "test", "passed"
			g.Result = ResultPassed
			r.logf("step %d/%d %q: passed; committed %s to %s\n", n, total, st.Goal, res.Spec.Name, r.o.Workspace.Commands)
			return g
		}
		last.Phase, last.Verdict = "test", "failed"
		errText := failureText(tr)
		last.Error = suiteText(tr)
		r.logf("step %d/%d %q: test failed:\n%s\n", n, total, st.Goal, indentText(errText))
		repair = &gen.Attempt{N: atts[len(atts)-1].N, Provider: r.o.Provider.Name(), Verdict: "invalid",
			Error: "the code assembled and installed, but pxOS failed this test on the " + r.o.Backend + " machine:\n" + errText}
	}
	if g.Result == "" {
		g.Result, g.Note = ResultFailed, fmt.Sprintf("no passing answer in %d attempts", r.o.MaxAttempts)
	}
	return g
}

// commit writes the step's scenario, then the new commands file, each
// atomically. The scenario is named after the feature's marker, and the
// regression suite only runs it when the marker is in the build, so an
// interruption between the two renames leaves a consistent state.
func (r *runner) commit(cand *feature.Base, res *gen.Result) error {
	scPath := filepath.Join(r.o.Workspace.Dir, "scenarios", feature.MarkerPrefix+res.Spec.Name+".txt")
	header := fmt.Sprintf("# Acceptance scenario of feature %s (%s), kept by pxos auto as a regression test.\n", res.Spec.Name, res.Spec.Goal)
	if err := atomicfile.WriteFile(scPath, append([]byte(header), res.Spec.Scenario...), 0o644); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(r.o.Workspace.Commands, cand.Src, 0o644); err != nil {
		return err
	}
	r.base = cand
	r.rep.Changed = true
	return nil
}

// regression returns the scenarios every build must pass: the base
// scenarios and the acceptance scenarios of the features it holds.
func (r *runner) regression(b *feature.Base) ([]*scenario.Scenario, error) {
	dir := filepath.Join(r.o.Workspace.Dir, "scenarios")
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var paths []string
	for _, e := range ents {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".txt") {
			continue
		}
		if f, ok := strings.CutPrefix(strings.TrimSuffix(name, ".txt"), feature.MarkerPrefix); ok && !b.Present(f) {
			continue
		}
		paths = append(paths, filepath.Join(dir, name))
	}
	sort.Strings(paths)
	return scenario.LoadPaths(paths)
}

// test runs scenarios on the chosen backend(s) against the build.
func (r *runner) test(ctx context.Context, b *feature.Base, scs []*scenario.Scenario) *scenario.SuiteResult {
	var names []string
	switch r.o.Backend {
	case "both":
		names = []string{"emu", "qemu"}
	default:
		names = []string{r.o.Backend}
	}
	img := b.Image.Floppy
	var backs []scenario.Backend
	for _, n := range names {
		n := n
		backs = append(backs, scenario.Backend{Name: n, Open: func(ctx context.Context) (machine.Machine, error) {
			return backend.Open(ctx, n, img, backend.Options{})
		}})
	}
	return scenario.RunSuite(ctx, scs, backs, scenario.SuiteOptions{Timeout: r.o.Timeout})
}

// screenOn runs sc on b (first backend) and returns the final screen.
func (r *runner) screenOn(ctx context.Context, b *feature.Base, sc *scenario.Scenario) *machine.Screen {
	res := r.test(ctx, b, []*scenario.Scenario{sc})
	return firstScreen(res)
}

func firstScreen(res *scenario.SuiteResult) *machine.Screen {
	if len(res.Results) == 0 || !res.Results[0].HasScr {
		return nil
	}
	s := res.Results[0].Screen
	return &s
}

// present reports whether goal's feature is installed: by the kb's match for
// the goal, by the goal's own slug, or by a block header naming the goal.
func (r *runner) present(goal string) (string, bool) {
	if c, err := (&gen.KB{Network: r.o.Network}).Propose(context.Background(), &gen.Request{Feature: goal}, nil, nil); err == nil && r.base.Present(c.Name) {
		return c.Name, true
	}
	if s := gen.Slug(goal); r.base.Present(s) {
		return s, true
	}
	for _, line := range strings.Split(string(r.base.Src), "\n") {
		if rest, ok := strings.CutPrefix(line, "# ==== feature "); ok {
			if name, g, ok := strings.Cut(rest, ": "); ok && strings.EqualFold(strings.TrimSpace(g), strings.TrimSpace(goal)) && r.base.Present(name) {
				return name, true
			}
		}
	}
	return "", false
}

func (r *runner) record(rec pixnet.Record) {
	if r.o.Network == nil {
		return
	}
	if _, err := r.o.Network.Append(rec); err != nil {
		r.logf("warning: could not record in the network: %v\n", err)
	}
}

func networkPath(s *pixnet.Store) string {
	if s == nil {
		return ""
	}
	return s.Path()
}

// hintAddr turns a plan's address hint into an address when it names a
// free range of the build, else 0 (the first free range big enough).
func hintAddr(hint string, b *feature.Base) uint32 {
	h := strings.TrimSpace(hint)
	if h == "" {
		return 0
	}
	first, _, _ := strings.Cut(h, "-")
	var a uint32
	if _, err := fmt.Sscanf(strings.TrimSpace(first), "0x%x", &a); err != nil {
		return 0
	}
	for _, fr := range b.Image.Summary.Free {
		if a >= fr.Start && a+64 <= fr.End {
			return a
		}
	}
	return 0
}

// testRecord is what the network learns from one test run.
func testRecord(goal string, res *gen.Result, tr *scenario.SuiteResult, verdict string) pixnet.Record {
	body := fmt.Sprintf("Goal: %s\nFeature: %s at %s\nVerdict: %s\n\n%s", goal, res.Spec.Name, res.Install.Range, verdict, suiteText(tr))
	kind := pixnet.KindTest
	if verdict != "passed" {
		kind = pixnet.KindFailure
		body += "\nAssembly:\n" + string(res.Spec.Source)
	}
	return pixnet.Record{Kind: kind, Tags: []string{"auto", "test", verdict, "feature:" + res.Spec.Name},
		Title: fmt.Sprintf("test %s: %s (%s)", verdict, goal, res.Spec.Name), Body: body}
}

// suiteText lists each scenario's verdict and, for failures, why and the screen.
func suiteText(sr *scenario.SuiteResult) string {
	var b strings.Builder
	for _, res := range sr.Results {
		if res.Passed {
			fmt.Fprintf(&b, "PASS %s (%s)\n", res.Scenario, res.Machine)
			continue
		}
		fmt.Fprintf(&b, "FAIL %s (%s): %s\n", res.Scenario, res.Machine, res.Error)
		if res.Failed >= 0 && res.Failed < len(res.Steps) {
			st := res.Steps[res.Failed]
			fmt.Fprintf(&b, "  step at line %d: %s\n", st.Line, st.Step)
		}
		if res.HasScr {
			b.WriteString("  screen:\n")
			scenario.WriteScreen(&b, &res.Screen, "  | ")
		}
	}
	for _, d := range sr.Disagreements {
		fmt.Fprintf(&b, "DISAGREE %s: %s vs %s: %s\n", d.Scenario, d.A, d.B, d.Reason)
	}
	for _, e := range sr.Errors {
		fmt.Fprintf(&b, "ERROR %s\n", e)
	}
	return strings.TrimRight(b.String(), "\n")
}

// failureText is the short form of a failed suite for a repair prompt: each
// failing scenario, its failing step and the non-blank rows of its screen.
func failureText(sr *scenario.SuiteResult) string {
	var b strings.Builder
	for _, res := range sr.Results {
		if res.Passed {
			continue
		}
		fmt.Fprintf(&b, "FAIL %s: %s\n", res.Scenario, res.Error)
		if res.Failed >= 0 && res.Failed < len(res.Steps) {
			fmt.Fprintf(&b, "  at: %s\n", res.Steps[res.Failed].Step)
		}
		if res.HasScr {
			fmt.Fprintf(&b, "  screen (cursor at row %d, column %d), non-blank rows:\n", res.Screen.CursorRow, res.Screen.CursorCol)
			for row := 0; row < machine.Rows; row++ {
				if t := res.Screen.Row(row); t != "" {
					fmt.Fprintf(&b, "  %2d|%s\n", row, t)
				}
			}
		}
	}
	for _, d := range sr.Disagreements {
		fmt.Fprintf(&b, "DISAGREE %s: %s vs %s: %s\n", d.Scenario, d.A, d.B, d.Reason)
	}
	for _, e := range sr.Errors {
		fmt.Fprintf(&b, "ERROR %s\n", e)
	}
	return strings.TrimRight(b.String(), "\n")
}

func passedCount(sr *scenario.SuiteResult) int {
	n := 0
	for _, r := range sr.Results {
		if r.Passed {
			n++
		}
	}
	return n
}

func hookText(inst *feature.Installation) string {
	var hs []string
	for _, h := range inst.Hooks {
		hs = append(hs, fmt.Sprintf("%s -> %s", h.Slot, h.Handler))
	}
	return strings.Join(hs, ", ")
}

func freeText(b *feature.Base) string {
	var fs []string
	for _, r := range b.Image.Summary.Free {
		if r.Len() >= 16 {
			fs = append(fs, fmt.Sprintf("%s (%d bytes)", r, r.Len()))
		}
	}
	return listOr(fs, "none")
}

func listOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}

func indentText(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// indentWriter indents the generator's progress under the step's lines.
type indentWriter struct{ w io.Writer }

func (iw indentWriter) Write(p []byte) (int, error) {
	if iw.w == nil {
		return len(p), nil
	}
	s := strings.TrimRight(string(p), "\n")
	_, err := io.WriteString(iw.w, "    "+strings.ReplaceAll(s, "\n", "\n    ")+"\n")
	return len(p), err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
