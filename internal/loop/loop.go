// Package loop is the automated builder behind `pxos auto`: it grows pxOS
// goal by goal and proves each step on a machine before keeping it.
//
//	ANALYZE  build the current commands file, run the regression scenarios,
//	         list the features present and the free memory; find the goals
//	         already present (by evidence, package evidence)
//	PLAN     the model turns the other goals into steps (json_schema);
//	         offline, one step per goal
//	STEP     retrieve → generate → validate (package gen) → install what
//	         the answer requires first → build a candidate → test it (its
//	         acceptance scenarios and every regression scenario) → prove it
//	         (each acceptance scenario fails without the feature and on a
//	         stub of it: fail-to-pass) → learn (record it all in the pixel
//	         network) → commit the block and its scenario; or repair with
//	         the exact error until the attempt limit
//
// Every goal ends with one result (passed, present, failed, infeasible,
// conflicts, no-solution, interrupted) and the report shows its evidence.
// The commands file only ever changes by an atomic rename of a file that
// built and passed: a failed or interrupted run leaves it byte-identical to
// its last good state. The package owns the loop and its reports; it uses
// gen, feature, evidence, scenario, backend and pixnet and reaches into
// none.
package loop

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pc"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
	ws "github.com/pxos-dev/pxos/internal/workspace"
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
	// Disk, when set, makes the image the machines boot from a build's
	// floppy: pxOS plus what the caller adds beyond it (pxos bench puts a
	// FAT12 test volume at sector 100). Nil boots the floppy as built.
	Disk        func(floppy []byte) []byte
	Client      *llm.Client     // for planning with a model; nil offline
	Embedder    pixnet.Embedder // ranks retrieved records by meaning too; nil for words only
	Backend     string          // "emu" (default), "qemu" or "both"
	Report      string          // JSON report path; the HTML report and images go beside it; Reports is then not used
	Reports     string          // directory holding one folder per run, its index.html and latest link (reports.go); "" for none
	Image       string          // where to write the final image; "" for none
	Temperature float64
	MaxTokens   int
	Timeout     time.Duration // per scenario run; 0 means 60s
	// NoReuse asks the model for every open goal, even one a proven
	// solution in the network would meet (see reuse): to compare models,
	// or to get a fresh answer.
	NoReuse bool
	Log     io.Writer // progress; nil for none
}

// Run executes the loop. It returns the report (also written to
// Options.Report, or to a new run folder under Options.Reports) and an
// error when a goal was not met or the run stopped. A run that changed
// nothing and tried nothing, every goal being present already, records
// nothing: no build record in the network, no run folder (Report.Recorded).
func Run(ctx context.Context, o Options) (*Report, error) {
	if len(o.Goals) == 0 {
		o.Goals = DefaultGoals
	}
	for i, g := range o.Goals {
		if !utf8.ValidString(g) {
			return nil, fmt.Errorf("goal %d is not valid UTF-8 text", i+1)
		}
		if len(g) > feature.MaxGoal {
			return nil, fmt.Errorf("goal %d is %d bytes; a goal is at most %d: say what pxOS should do in a sentence or two", i+1, len(g), feature.MaxGoal)
		}
	}
	var repeats []string
	o.Goals, repeats = dedupe(o.Goals)
	if len(o.Goals) == 0 {
		return nil, errors.New("every goal given is empty: say what pxOS should do")
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
	// One writer at a time on the pxOS directory, from the analysis that
	// reads the commands file to the last commit that replaces it.
	lock, err := o.Workspace.Lock()
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	if ens, ok := o.Provider.(*gen.Ensemble); ok && ens.Measure == nil {
		ens.Measure = measureInstructions
	}
	r := &runner{o: o, rep: &Report{Started: time.Now(), Provider: o.Provider.Name(), Backend: o.Backend,
		Commands: o.Workspace.Commands, Network: networkPath(o.Network), Goals: []*GoalReport{}}}
	for _, m := range repeats {
		r.logf("%s\n", m)
	}
	err = r.run(ctx)
	r.rep.Duration = time.Since(r.rep.Started).Round(time.Millisecond)
	interrupted := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
	r.rep.Interrupted = interrupted
	if err != nil && !interrupted {
		r.rep.Error = diag.Cut(err.Error(), 800)
	}
	// A run that stopped before any goal (its commands file does not
	// build, say) has nothing to keep: it is reported, not recorded.
	r.kept = len(r.rep.Goals) > 0 && (err != nil || !r.rep.nothingDone())
	if r.kept {
		// What the run cost and met, for `pxos net stats` (see Figures);
		// a network that cannot take it (read-only) leaves it unrecorded.
		r.rep.Recorded = r.record(r.buildRecord()) != 0
	}
	r.rep.Models = modelSummaries(r.rep, o.Network)
	if interrupted {
		if r.rep.Changed && r.o.Image != "" && r.rep.Image == "" {
			// What was committed before the stop is the image to boot.
			sum := sha256.Sum256(r.committed.Image.Floppy)
			if werr := atomicfile.WriteAll(0o644, atomicfile.File{Path: r.o.Image, Data: r.committed.Image.Floppy, NoSync: true}); werr == nil {
				r.rep.Image, r.rep.ImageSHA256 = r.o.Image, hex.EncodeToString(sum[:])
			}
		}
	}
	if werr := r.writeReports(); werr != nil && err == nil {
		err = werr
		r.rep.Error = diag.Cut(err.Error(), 800)
	}
	return r.rep, err
}

type runner struct {
	o          Options
	rep        *Report
	kept       bool // the run did something: it gets a report folder and a build record
	base       *feature.Base
	calls      int               // generate attempts so far (for MaxIterations)
	installing map[string]bool   // prerequisites being installed (cycle guard)
	bare       *feature.Base     // the shipped pxOS v1.0, for scratch installs (presence)
	ivt        map[string][]byte // interrupt vectors of a freshly booted pxOS, by backend (guard)
	aside      []Aside           // what the last regression call set aside
	// committed is the build the commands file holds; base runs ahead of
	// it while a goal's steps are staged, and pending holds their kept
	// scenarios. A goal that passes writes them all at once; one that does
	// not leaves the file as it was (see flush, rollback).
	committed *feature.Base
	pending   []atomicfile.File
	// tried holds, by goal, the attempts of proven solutions tried for it
	// before a model was asked, and triedNote what they showed (see reuse).
	tried     map[string][]AttemptReport
	triedNote map[string]string
	// changed is set when a commit found the commands file changed on
	// disk (gen.ErrChanged) or could not write it (a read-only file
	// system, no permission): every later commit would fail too, so the
	// run stops.
	changed error
}

func (r *runner) logf(format string, args ...any) {
	if r.o.Log != nil {
		io.WriteString(r.o.Log, llm.Printable(fmt.Sprintf(format, args...))) // notes quote model answers
	}
}

func (r *runner) run(ctx context.Context) error {
	// Temporaries a killed pxos left beside the commands file go first.
	for _, dir := range []string{r.o.Workspace.Dir, filepath.Join(r.o.Workspace.Dir, "scenarios")} {
		if gone := atomicfile.CleanStaleDir(dir, atomicfile.StaleAge); len(gone) > 0 {
			r.logf("removed %d temporary file%s an interrupted pxos left in %s: %s\n", len(gone), plural(len(gone)), dir, strings.Join(gone, ", "))
		}
	}
	// ANALYZE
	base, err := r.o.Workspace.Base()
	if err != nil {
		return err
	}
	r.base, r.committed = base, base
	r.installing = map[string]bool{}
	r.tried, r.triedNote = map[string][]AttemptReport{}, map[string]string{}
	r.logf("analyze: %s builds: %d bytes, %d sectors, features: %s, free: %s\n",
		r.o.Workspace.Commands, base.Image.Summary.BytesUsed, base.Image.Summary.SectorsUsed, listOr(base.Installed(), "none"), freeText(base))
	suite, err := r.regression(base)
	if err != nil {
		return err
	}
	res := r.test(ctx, base, suite)
	if ctx.Err() != nil {
		// Stopped while the suite ran: that says nothing about the build.
		r.rep.RegressionBefore = "not run (interrupted)"
		for _, goal := range r.o.Goals {
			r.rep.Goals = append(r.rep.Goals, &GoalReport{Goal: goal, Role: RoleGoal, Result: ResultInterrupted, Attempts: []AttemptReport{},
				Note: "the run stopped before this goal was done"})
		}
		return ctx.Err()
	}
	r.rep.RegressionBefore = fmt.Sprintf("%d/%d passed", passedCount(res), len(res.Results))
	r.logf("analyze: regression suite %s\n", r.rep.RegressionBefore)
	if !res.Passed {
		return fmt.Errorf("the current build fails its regression suite before any change:\n%s", suiteText(res))
	}
	// Goals already met are not planned: a planner's word that a goal is
	// met counts for nothing, only evidence does.
	var open, failed []string
	present := map[string]*GoalReport{}
	for _, goal := range r.o.Goals {
		if g := r.presentGoal(ctx, goal); g != nil {
			present[goal] = g
			continue
		}
		open = append(open, goal)
	}

	// REUSE: a proven solution for the goal, or for an equivalent one, is
	// tried before any model is asked (and before planning).
	reused := map[string]*GoalReport{}
	var toPlan []string
	for _, goal := range open {
		if ctx.Err() != nil || r.changed != nil {
			break
		}
		if r.base != base {
			if g := r.presentGoal(ctx, goal); g != nil {
				present[goal] = g
				continue
			}
		}
		if g := r.reuse(ctx, goal); g != nil {
			reused[goal] = g
			if g.Result != ResultPassed && g.Result != ResultPresent {
				failed = append(failed, goal)
			}
			continue
		}
		toPlan = append(toPlan, goal)
	}

	// PLAN
	var plans []goalPlan
	if len(toPlan) > 0 && ctx.Err() == nil && r.changed == nil {
		plans = group(r.plan(ctx, toPlan), toPlan)
	}

	// STEPS, goal by goal in the order given.
	n, total := 0, 0
	for _, p := range plans {
		total += len(p.steps)
	}
	byGoal := map[string]goalPlan{}
	for _, p := range plans {
		byGoal[p.goal] = p
	}
	notReached := func(from int, result, note string) {
		// Every goal not reached is in the report too.
		for _, goal := range r.o.Goals[from:] {
			if reused[goal] != nil {
				continue // reported when it was reused
			}
			if g := present[goal]; g != nil {
				r.rep.Goals = append(r.rep.Goals, g) // found present before the stop
				continue
			}
			r.rep.Goals = append(r.rep.Goals, &GoalReport{Goal: goal, Role: RoleGoal, Result: result, Attempts: []AttemptReport{},
				Note: note})
		}
	}
	interrupted := func(from int) error {
		notReached(from, ResultInterrupted, "the run stopped before this goal was done")
		return ctx.Err()
	}
	for i, goal := range r.o.Goals {
		if ctx.Err() != nil {
			return interrupted(i)
		}
		if r.changed != nil {
			notReached(i, ResultFailed, "not tried: "+r.changed.Error())
			return r.changed
		}
		if reused[goal] != nil {
			continue
		}
		if g := present[goal]; g != nil {
			r.rep.Goals = append(r.rep.Goals, g)
			continue
		}
		p := byGoal[goal]
		// What an earlier goal committed may have met it (a prerequisite);
		// on the build checked before planning, the answer stands.
		if r.base != base {
			if g := r.presentGoal(ctx, goal); g != nil {
				r.rep.Goals = append(r.rep.Goals, g)
				n += len(p.steps)
				continue
			}
		}
		rows := len(r.rep.Goals)
		g := r.goal(ctx, p, &n, total)
		if ctx.Err() != nil {
			g.Result = ResultInterrupted
			r.rollback(rows, "the run stopped")
			return interrupted(i + 1)
		}
		if g.Result == ResultPassed {
			if err := r.flush(); err != nil {
				g.Result, g.Note = ResultFailed, "commit: "+err.Error()
				r.rollback(rows, "its goal could not be committed")
			}
		} else {
			r.rollback(rows, "the goal it served did not pass")
		}
		if g.Result != ResultPassed && g.Result != ResultPresent {
			failed = append(failed, goal)
		}
	}

	if r.changed != nil {
		return r.changed // the last goal's commit found it
	}

	// Final state.
	suite, err = r.regression(r.base)
	if err != nil {
		return err
	}
	r.logf("final: regression suite, %d scenario%s\n", len(suite), plural(len(suite)))
	r.rep.SetAside = nil
	for _, a := range r.aside {
		r.rep.SetAside = append(r.rep.SetAside, a.String())
		r.logf("final: set aside %s\n", a)
	}
	res = r.test(ctx, r.base, suite)
	if ctx.Err() != nil {
		// Stopped while the final suite ran: every goal has its result,
		// and the suite's cut runs say nothing about the build.
		r.rep.RegressionAfter = "not run (interrupted)"
		return ctx.Err()
	}
	r.rep.RegressionAfter = fmt.Sprintf("%d/%d passed", passedCount(res), len(res.Results))
	r.logf("final: regression suite %s\n", r.rep.RegressionAfter)
	sum := sha256.Sum256(r.base.Image.Floppy)
	r.rep.ImageSHA256 = hex.EncodeToString(sum[:])
	if r.o.Image != "" {
		// An image that holds the build already is left alone: a run that
		// changed nothing writes nothing (and works on a read-only mount).
		if old, err := os.ReadFile(r.o.Image); err != nil || !bytes.Equal(old, r.base.Image.Floppy) {
			if err := atomicfile.WriteAll(0o644, atomicfile.File{Path: r.o.Image, Data: r.base.Image.Floppy, NoSync: true}); err != nil {
				return err
			}
		}
		r.rep.Image = r.o.Image // only once it is there
	}
	goals := len(r.o.Goals)
	if !res.Passed {
		return fmt.Errorf("the final build fails its regression suite:\n%s", suiteText(res))
	}
	if len(failed) > 0 {
		// Each with its reason: a commit that failed for a full disk says so
		// here, on the terminal, not only in the JSON report.
		var why []string
		for _, goal := range failed {
			w := goal
			for _, g := range r.rep.Goals {
				if g.Goal == goal && g.Role == RoleGoal && g.Note != "" {
					w += " (" + g.Result + ": " + shorten(llm.Printable(firstLine(g.Note)), 160) + ")"
				}
			}
			why = append(why, w)
		}
		return fmt.Errorf("%d of %d goal%s not met: %s", len(failed), goals, plural(goals), strings.Join(why, "; "))
	}
	return nil
}

// flush writes what the goal's steps staged: their kept scenarios and the
// commands file, all renamed into place only when all were written. It
// first re-reads the commands file: one that is no longer the committed
// build's source was written by someone else, and is not overwritten
// (gen.ErrChanged, which also stops the run). Nor is a build where an
// appended block overlaps another.
func (r *runner) flush() error {
	if r.base == r.committed {
		return nil
	}
	if err := r.o.Workspace.CheckUnchanged(r.committed.Src); err != nil {
		if errors.Is(err, gen.ErrChanged) {
			r.changed = err
		}
		return err
	}
	if err := r.base.CheckAppended(r.committed); err != nil {
		return err
	}
	files := append(r.pending, atomicfile.File{Path: r.o.Workspace.Commands, Data: r.base.Src})
	if err := atomicfile.WriteAll(0o644, files...); err != nil {
		if errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission) {
			r.changed = err // no later commit can be written either: stop
		}
		return err
	}
	var names []string
	for _, f := range r.pending {
		names = append(names, strings.TrimPrefix(strings.TrimSuffix(filepath.Base(f.Path), ".txt"), feature.MarkerPrefix))
	}
	r.logf("commit: %s to %s\n", strings.Join(names, ", "), r.o.Workspace.Commands)
	r.committed, r.pending = r.base, nil
	r.rep.Changed = true
	return nil
}

// rollback forgets what the goal's steps staged: the build goes back to the
// committed one, and the rows from index rows on that passed (steps and
// prerequisites for the goal) say they were not kept, and why.
func (r *runner) rollback(rows int, why string) {
	if r.base == r.committed {
		return
	}
	for _, g := range r.rep.Goals[rows:] {
		if g.Result == ResultPassed && g.Role != RoleGoal {
			g.NotKept = true
			g.Note = strings.TrimPrefix(g.Note+"; ", "; ") + "not kept: " + why
		}
	}
	r.base, r.pending = r.committed, nil
}

// dedupe puts each goal on one line (feature.OneLine: control characters
// become spaces, runs of blanks outside quotes one space; a goal is
// recorded in block headers and scenario files, one line each), and drops
// empty goals and repeats of a goal (feature.SameGoal), keeping the first
// wording; repeats says which were dropped, for the log.
func dedupe(goals []string) (out, repeats []string) {
	seen := map[string]string{}
	for _, g := range goals {
		g = feature.OneLine(g)
		k := feature.NormGoal(g)
		if k == "" {
			continue
		}
		if first, ok := seen[k]; ok {
			repeats = append(repeats, fmt.Sprintf("goal %q is %q again: it runs once", g, first))
			continue
		}
		seen[k] = g
		out = append(out, g)
	}
	return out, repeats
}

// goal runs the steps of one goal: the steps that prepare it, then the one
// that is it. Only the last step's block records the goal; a preparatory
// step that fails ends the goal with its result.
func (r *runner) goal(ctx context.Context, p goalPlan, n *int, total int) *GoalReport {
	for i, st := range p.steps {
		*n++
		spec := stepSpec{Step: st, Role: RoleGoal, Record: p.goal}
		if i < len(p.steps)-1 {
			spec.Role, spec.For = RolePrepares, p.goal
			spec.Record = prepGoal(st, p.goal)
		}
		g := r.step(ctx, *n, total, spec)
		r.rep.Goals = append(r.rep.Goals, g)
		if spec.Role == RoleGoal || ctx.Err() != nil {
			return g
		}
		if g.Result != ResultPassed {
			gr := &GoalReport{Goal: p.goal, Role: RoleGoal, Result: g.Result, Attempts: []AttemptReport{}, Conflicts: g.Conflicts,
				Note: fmt.Sprintf("its preparatory step %q ended %s: %s", st.Description, g.Result, g.Note)}
			if g.Result == ResultNoSolution {
				gr.Result = ResultFailed
			}
			r.rep.Goals = append(r.rep.Goals, gr)
			*n += len(p.steps) - 1 - i
			return gr
		}
	}
	return nil // not reached: a plan has at least one step per goal
}

// prepGoal is what the block of a preparatory step records as its goal: its
// own description marked as a step toward the goal, never the goal itself
// nor any other goal of the run (a planner may copy another goal's words
// into a step: that step must not make the other goal present).
func prepGoal(st Step, goal string) string {
	d := strings.TrimSpace(st.Description)
	if d == "" {
		d = "a step"
	}
	return d + " (a step toward: " + goal + ")"
}

// Step is one planned feature.
type Step struct {
	Goal        string `json:"goal"`
	Description string `json:"description"`
	AddressHint string `json:"address_hint"`
	Scenario    string `json:"scenario"`
}

// regression returns the scenarios every build must pass: the base
// scenarios and the acceptance scenarios of the features it holds, those
// kept on disk and those staged by this goal's steps (not written yet).
func (r *runner) regression(b *feature.Base) ([]*scenario.Scenario, error) {
	// On disk: the suite of b (a kept scenario of a feature b lacks is
	// none of its tests); staged: this goal's steps' scenarios.
	onDisk, _, err := ws.Suite(filepath.Join(r.o.Workspace.Dir, "scenarios"), b)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{} // path -> staged content, nil to read
	for _, p := range onDisk {
		files[p] = nil
	}
	for _, f := range r.pending {
		if name, ok := ws.KeptFeature(filepath.Base(f.Path)); !ok || b.Present(name) {
			files[f.Path] = f.Data
		}
	}
	paths := make([]string, 0, len(files))
	for path := range files {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	var disk []string
	staged := map[string]*scenario.Scenario{}
	for _, path := range paths {
		if data := files[path]; data != nil {
			sc, err := scenario.Parse(path, data)
			if err != nil {
				return nil, err
			}
			staged[path] = sc
			continue
		}
		disk = append(disk, path)
	}
	loaded, err := scenario.LoadPaths(disk)
	if err != nil {
		return nil, err
	}
	var out []*scenario.Scenario
	for _, path := range paths {
		if sc := staged[path]; sc != nil {
			out = append(out, sc)
			continue
		}
		out = append(out, loaded[0])
		loaded = loaded[1:]
	}
	out, r.aside = SetAside(b, out)
	return out, nil
}

// disk is the image the machines boot for a build's floppy (Options.Disk).
func (r *runner) disk(floppy []byte) []byte {
	if r.o.Disk == nil {
		return floppy
	}
	return r.o.Disk(floppy)
}

// untested adds to g the candidates an ensemble had asked for and did not
// offer, because one of its round passed first (or the attempts ran out):
// every candidate is in the report with the model that wrote it.
func untested(g *GoalReport, ens *gen.Ensemble) {
	why := "not tested: one before it in its round (smaller, or as small and fewer instructions) passed first"
	if g.Result != ResultPassed {
		why = "not tested: the attempts ran out"
	}
	n := len(g.Attempts)
	for _, u := range ens.Pending() {
		n++
		c, w := u.Cand, why
		if u.Why != "" {
			w = u.Why
		}
		g.Attempts = append(g.Attempts, AttemptReport{N: n, Phase: "generate", Provider: gen.ProviderOpenAI, Model: c.Model,
			Tokens: c.Tokens, PromptTokens: c.PromptTokens, AnswerTokens: c.AnswerTokens, TokensEstimated: c.TokensEstimated, Explanation: c.Explanation, Verdict: "untested", Error: w})
		g.ModelCalls++
		g.Tokens += c.Tokens
		g.PromptTokens += c.PromptTokens
		g.AnswerTokens += c.AnswerTokens
	}
}

// ModelSummary is what one model's answers did in a run, and its record in
// the network after it (gen.ModelStats).
type ModelSummary struct {
	Model   string `json:"model"`
	Answers int    `json:"answers"` // candidates it wrote in this run
	Passed  int    `json:"passed"`  // of them, chosen: passed and proved themselves
	// Its record in the network: answers that passed, and that failed.
	RecordPassed int `json:"record_passed"`
	RecordFailed int `json:"record_failed"`
}

// modelSummaries counts the run's answers by model, with their records.
func modelSummaries(rep *Report, net *pixnet.Store) []ModelSummary {
	by := map[string]*ModelSummary{}
	var order []string
	for _, g := range rep.Goals {
		for _, a := range g.Attempts {
			if a.Model == "" || a.Provider != gen.ProviderOpenAI {
				continue
			}
			if by[a.Model] == nil {
				by[a.Model] = &ModelSummary{Model: a.Model}
				order = append(order, a.Model)
			}
			by[a.Model].Answers++
			if a.Verdict == "passed" {
				by[a.Model].Passed++
			}
		}
	}
	for _, s := range gen.ModelStats(net) {
		if m := by[s.Model]; m != nil {
			m.RecordPassed, m.RecordFailed = s.Passed, s.Failed
		}
	}
	out := make([]ModelSummary, 0, len(order))
	for _, m := range order {
		out = append(out, *by[m])
	}
	return out
}

// Aside is a regression scenario a build does not run, and why.
type Aside struct {
	Scenario string   // its name
	Defaults []string // the labels whose defaults it checks (its default line)
	Features []string // the build's features that name one of them
}

func (a Aside) String() string {
	return fmt.Sprintf("%s (checks the default of %s, which %s names)", a.Scenario, strings.Join(a.Defaults, ", "), strings.Join(a.Features, " and "))
}

// SetAside splits the regression scenarios of build b: those it runs, and
// those that check a default (a default line: the prompt, line_max) that a
// feature of b names, taking the label as a hook slot or using it in its
// code. Such a feature may change the default on purpose ("make lines hold
// 128 characters"); its own acceptance scenario, fail-to-pass, is the
// evidence for the new behaviour, and every other scenario still runs.
// Only the base's scenarios are set aside: a feature's kept scenario
// (scenarios/feature_NAME.txt) is its evidence and always runs, whatever
// default line a model wrote into it.
func SetAside(b *feature.Base, scs []*scenario.Scenario) (run []*scenario.Scenario, aside []Aside) {
	for _, sc := range scs {
		if _, kept := ws.KeptFeature(filepath.Base(sc.File)); kept {
			run = append(run, sc)
			continue
		}
		if fs := b.Changers(sc.Defaults); len(fs) > 0 {
			aside = append(aside, Aside{Scenario: sc.Name, Defaults: sc.Defaults, Features: fs})
			continue
		}
		run = append(run, sc)
	}
	return run, aside
}

// test runs scenarios on the chosen backend(s) against the build.
func (r *runner) test(ctx context.Context, b *feature.Base, scs []*scenario.Scenario) *scenario.SuiteResult {
	return r.run1(ctx, b, scs, nil)
}

// testGuarded runs scenarios on a candidate build whose new feature is at
// mine and fails each run that leaves pxOS damaged (see guard); the first
// nOwn scenarios are the step's own.
func (r *runner) testGuarded(ctx context.Context, b *feature.Base, scs []*scenario.Scenario, nOwn int, mine build.Range) *scenario.SuiteResult {
	own := map[string]bool{}
	for _, sc := range scs[:nOwn] {
		own[sc.Name] = true
	}
	return r.run1(ctx, b, scs, r.guard(b, scs, own, mine))
}

func (r *runner) run1(ctx context.Context, b *feature.Base, scs []*scenario.Scenario, after func(context.Context, *scenario.Result, machine.Machine) error) *scenario.SuiteResult {
	img := r.disk(b.Image.Floppy)
	backs := scenario.Machines(r.machines(), func(ctx context.Context, n string, so scenario.StartOptions) (machine.Machine, error) {
		return backend.Open(ctx, n, img, backend.Options{Clock: so.Clock})
	})
	return scenario.RunSuite(ctx, scs, backs, scenario.SuiteOptions{Timeout: r.o.Timeout, After: after})
}

// machines are the backends each scenario runs on, in result order.
func (r *runner) machines() []string {
	if r.o.Backend == "both" {
		return []string{"emu", "qemu"}
	}
	return []string{r.o.Backend}
}

func firstScreen(res *scenario.SuiteResult) *machine.Screen {
	if len(res.Results) == 0 || !res.Results[0].HasScr {
		return nil
	}
	s := res.Results[0].Screen
	return &s
}

// record appends rec to the network and returns its id (0 when it could
// not: the run goes on, with a warning).
func (r *runner) record(rec pixnet.Record) uint64 {
	if r.o.Network == nil {
		return 0
	}
	got, err := r.o.Network.Append(rec)
	if err != nil {
		r.logf("warning: could not record in the network: %v\n", err)
		return 0
	}
	return got.ID
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
		if res.Prompt != "" && res.Prompt != scenario.DefaultPrompt {
			// Read off the screen when the shell first waited for a key:
			// a feature that moves the cursor makes it something else.
			fmt.Fprintf(&b, "  {prompt} was read as %s (the text left of the cursor when the shell first waited for a key)\n", scenario.Quote(res.Prompt))
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

// measureInstructions runs scenario src on the build res makes (see
// Instructions): gen.Ensemble's tie-break between candidates of equal size.
func measureInstructions(ctx context.Context, res *gen.Result, src []byte) (uint64, bool) {
	b, err := res.Install.Base.Apply(res.Install)
	if err != nil {
		return 0, false
	}
	sc, err := scenario.Parse("tie-break", src)
	if err != nil {
		return 0, false
	}
	return Instructions(ctx, b.Image.Floppy, sc)
}

// Instructions runs sc on the built-in emulator booted from img and
// returns the instructions the guest executed (pc.Instructions, boot
// included), or ok false when the scenario fails: what a scenario costs on
// a build, compared between builds (ensemble ties, pxos optimize).
func Instructions(ctx context.Context, img []byte, sc *scenario.Scenario) (n uint64, ok bool) {
	p, err := pc.New(img, pc.Options{Clock: sc.Clock})
	if err != nil {
		return 0, false
	}
	defer p.Close()
	if !sc.Run(ctx, p).Passed {
		return 0, false
	}
	return p.Instructions(), true
}
