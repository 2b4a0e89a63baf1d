package loop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	ws "github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/evidence"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// Roles of a row in the report.
const (
	RoleGoal         = "goal"         // the step that is the user's goal
	RolePrepares     = "prepares"     // a planned step before it, for it
	RolePrerequisite = "prerequisite" // a feature a step required, installed from its verified solution
)

// maxPrereqDepth bounds chains of prerequisites (a requires b requires c ...).
const maxPrereqDepth = 8

// stepSpec is one step to run: the plan's step and its place.
type stepSpec struct {
	Step
	Role     string
	For      string // prepares: the goal; prerequisite: the feature that needs it
	Record   string // the goal the block records (Spec.Goal)
	Solution string // prerequisite: the verified solution's feature name
	// Reuse is the network record of a proven solution tried for the goal
	// before a model is asked (see reuse); reuseOf is the goal it was
	// proven for.
	Reuse   uint64
	reuseOf string
	depth   int // prerequisite nesting
}

// attemptState is what a step remembers across its attempts.
type attemptState struct {
	rejected map[string]int      // answer fingerprints rejected so far, with their attempt numbers
	broken   map[string][]string // answer fingerprint -> the regression scenarios it broke
	texts    map[string]string   // regression scenario name -> its lines, for repair prompts
}

// step runs one step to a verdict.
func (r *runner) step(ctx context.Context, n, total int, st stepSpec) *GoalReport {
	start := time.Now()
	g := &GoalReport{Goal: st.Goal, Description: st.Description, Role: st.Role, For: st.For, Attempts: []AttemptReport{}}
	defer func() { g.Duration = time.Since(start).Round(time.Millisecond).String() }()
	label := fmt.Sprintf("step %d/%d %q", n, total, st.Goal)
	switch {
	case st.Role == RolePrerequisite:
		label = fmt.Sprintf("prerequisite %s (for %s)", st.Solution, st.For)
	case st.Reuse != 0:
		label = fmt.Sprintf("goal %q: reuse solution #%d", st.Goal, st.Reuse)
	}
	featureText := st.Goal
	switch {
	case st.Role == RolePrepares:
		featureText = st.Record
	case st.Description != "" && st.Description != st.Goal:
		featureText = st.Goal + ": " + st.Description
	}
	provider := r.o.Provider
	if st.Solution != "" || st.Reuse != 0 {
		provider = &gen.KB{Network: r.o.Network}
	}
	if ens, ok := provider.(*gen.Ensemble); ok {
		defer untested(g, ens)
	}
	if st.Role == RoleGoal && st.Reuse == 0 && len(r.tried[st.Record]) > 0 {
		// The proven solutions tried first for this goal, and why they
		// did not pass, head the model's attempts.
		g.Attempts = append(g.Attempts, r.tried[st.Record]...)
		defer func() { g.Note = strings.TrimPrefix(g.Note+"; "+r.triedNote[st.Record], "; ") }()
	}
	planned := r.plannedScenario(ctx, label, st, g)
	proven := r.provenScenarios(st)
	var commands []string
	if st.Role == RoleGoal {
		commands = gen.GoalCommands(st.Goal) // "Add a 'time' command" is met only by a command time
	}
	s := &attemptState{rejected: map[string]int{}, broken: map[string][]string{}, texts: map[string]string{}}
	var repair *gen.Attempt
	for attempt := 0; attempt < r.o.MaxAttempts; {
		if r.calls >= r.o.MaxIterations {
			g.Result, g.Note = ResultFailed, fmt.Sprintf("stopped: --max-iterations %d reached", r.o.MaxIterations)
			r.logf("%s: %s\n", label, g.Note)
			return g
		}
		left := min(r.o.MaxAttempts-attempt, r.o.MaxIterations-r.calls)
		r.logf("%s: generate (%s)\n", label, provider.Name())
		gn := &gen.Generator{Base: r.base, API: r.o.Workspace.API, Network: r.o.Network, Provider: provider, Embedder: r.o.Embedder, Log: indentWriter{r.o.Log}}
		res, atts, err := gn.Generate(ctx, gen.Request{Feature: featureText, Goal: st.Record, Solution: st.Solution, SolutionID: st.Reuse, Addr: hintAddr(st.AddressHint, r.base), AddrSoft: true, Commands: commands,
			MaxAttempts: left, Temperature: r.o.Temperature, MaxTokens: r.o.MaxTokens, Repair: repair, Rejected: s.rejected,
			Prepare: r.prepare(st.depth)})
		for _, a := range atts {
			ar := attemptReport(a, "generate")
			if a.Verdict == "repeated" {
				ar.conflict = s.broken[ar.fingerprint]
			}
			g.Attempts = append(g.Attempts, ar)
			if a.Provider == gen.ProviderOpenAI && a.Answered {
				g.ModelCalls++
				g.Tokens += a.Tokens
				g.PromptTokens += a.PromptTokens
				g.AnswerTokens += a.AnswerTokens
				g.TokensEstimated = g.TokensEstimated || a.TokensEstimated
			}
		}
		for _, a := range atts {
			if a.Answered {
				r.calls++ // --max-iterations counts answers, not "no solution" nor a refused request
			}
		}
		attempt += len(atts)
		if err != nil {
			r.generateFailed(ctx, label, g, s, err)
			return g
		}
		old := res.Install.Base // the build without the feature (prerequisites included)
		g.Feature, g.Range, g.Hooks = res.Spec.Name, res.Install.Range.String(), hookText(res.Install)
		last := &g.Attempts[len(g.Attempts)-1]
		// BUILD the candidate: nothing is written yet.
		cand, err := old.Apply(res.Install)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		// TEST: the step's scenarios and the regression suite on the candidate.
		suite, err := r.regression(cand)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		g.SetAside = nil
		for _, a := range r.aside {
			if slices.Contains(a.Features, res.Spec.Name) {
				g.SetAside = append(g.SetAside, a.String())
				r.logf("%s: set aside %s\n", label, a)
			}
		}
		accept, err := scenario.Parse(res.Spec.Name+".scenario", res.Spec.Scenario)
		if err != nil {
			g.Result, g.Note = ResultFailed, err.Error()
			return g
		}
		accept.Name = "acceptance: " + res.Spec.Name
		own := []*scenario.Scenario{accept}
		origins := []string{"answer"}
		if planned != nil {
			planned.Name = "plan: " + res.Spec.Name
			own, origins = append(own, planned), append(origins, "plan")
		}
		for _, p := range proven {
			if !sameSteps(p.sc, accept) {
				own, origins = append(own, p.sc), append(origins, p.origin)
			}
		}
		tests := append(append([]*scenario.Scenario(nil), own...), suite...)
		r.logf("%s: test %s at %s on %s (%d scenarios)\n", label, res.Spec.Name, res.Install.Range, r.o.Backend, len(tests))
		tr := r.testGuarded(ctx, cand, tests, len(own), res.Install.Range)
		last.Scenarios = scenarioReports(tr)
		if ctx.Err() != nil {
			g.Result = ResultInterrupted
			return g
		}
		fp := last.fingerprint
		if !tr.Passed {
			broken := brokenRegression(tr, suite, s.texts)
			last.RegressionFailed = broken
			if ownPassed(tr, len(own)*len(r.machines())) {
				// The feature works and breaks existing tests: a conflict
				// (when it does not work, it is simply broken).
				last.conflict = broken
				s.broken[fp] = broken
			}
			s.rejected[fp] = last.N
			last.Phase, last.Verdict = "test", "failed"
			last.Error = suiteText(tr)
			last.RecordID = r.record(reflection(st, last.N, atts, "test", failedRun(tr)))
			errText := failureText(tr)
			r.logf("%s: test failed:\n%s\n", label, indentText(errText))
			msg := "the code assembled and installed, but pxOS failed this test on the " + r.o.Backend + " machine:\n" + errText
			if len(broken) > 0 {
				// What they are first, then what failed, then their
				// texts: a small context cuts the end, and the failure
				// is what the model most needs.
				head, texts := regressionNote(broken, s.texts)
				msg = head + "\n\n" + msg + "\n\n" + texts
			}
			for i, sc := range own[1:] {
				if !passedAll(tr, sc.Name) {
					what := "The plan's acceptance scenario"
					if origins[i+1] != "plan" {
						what = "A scenario proven for this goal before (" + origins[i+1] + ")"
					}
					msg += "\n\n" + what + ", which your feature must pass too:\n" + indentText(strings.Join(evidence.Lines(sc), "\n"))
				}
			}
			if res.Verified {
				// A verified solution has no other answer to give.
				g.Result, g.Note = ResultFailed, "the verified solution failed on this build: "+firstProblem(last.Error)
				if len(broken) > 0 {
					g.Note = fmt.Sprintf("the verified solution breaks the regression scenario%s %s here", plural(len(broken)), strings.Join(broken, ", "))
				}
				return g
			}
			repair = &gen.Attempt{N: last.N, Provider: provider.Name(), Verdict: "invalid", Error: msg, RecordID: last.RecordID}
			continue
		}
		// PROVE: each of the step's scenarios must fail without the feature.
		proofs, why := r.prove(ctx, old, res, own, origins, tr)
		if ctx.Err() != nil {
			// A run cut short fails, and a failure without the feature
			// is what fail-to-pass wants: nothing proven, nothing kept.
			g.Result = ResultInterrupted
			return g
		}
		g.Evidence = proofs
		if why != "" {
			last.Phase, last.Verdict, last.Error = "prove", "rejected", why
			s.rejected[fp] = last.N
			last.RecordID = r.record(reflection(st, last.N, atts, "prove", notEvidence(why, proofs)))
			r.logf("%s: rejected: %s\n", label, firstLine(why))
			repair = &gen.Attempt{N: last.N, Provider: provider.Name(), Verdict: "invalid", Error: why, RecordID: last.RecordID}
			if res.Verified {
				// A verified solution has no other answer to give.
				g.Result, g.Note = ResultFailed, "the verified solution's scenario is not evidence on this build: "+why
				return g
			}
			continue
		}
		// LEARN and COMMIT.
		g.after = firstScreen(tr)
		if len(proofs) > 0 && len(proofs[0].Without) > 0 {
			g.before = proofs[0].Without[0].ScreenOf()
		}
		g.changed = changedMap(old, cand, res.Install)
		r.stage(ctx, cand, res)
		if !res.Verified {
			// A solution is learned once, after it passed and proved
			// itself, with where it came from and its evidence.
			pv := gen.Provenance{Provider: res.Provider, Attempts: last.N, Addr: res.Install.Addr, Size: int(res.Install.End - res.Install.Addr)}
			if a := atts[len(atts)-1]; a.Candidate != nil {
				pv.Model = a.Model
			}
			for _, p := range proofs {
				pv.Evidence = append(pv.Evidence, p.Summary())
			}
			if !r.known(res.Spec) {
				r.record(gen.SolutionRecord(res.Spec, gen.Proven, pv, "auto"))
			}
		}
		last.Phase, last.Verdict = "test", "passed"
		g.Result = ResultPassed
		if st.Reuse != 0 {
			g.Reused = st.Reuse
			g.Note = fmt.Sprintf("reused solution #%d, proven for %q, proven again here; no model asked", st.Reuse, feature.OneLine(st.reuseOf))
			if feature.SameGoal(st.reuseOf, st.Record) {
				g.Note = fmt.Sprintf("reused solution #%d, proven for this goal before, proven again here; no model asked", st.Reuse)
			}
		}
		r.logf("%s: passed (fail-to-pass): %s\n", label, res.Spec.Name)
		return g
	}
	if g.Result == "" {
		r.exhausted(g, s, fmt.Sprintf("no answer passed and proved itself in %d attempts", r.o.MaxAttempts))
		r.logf("%s: %s: %s\n", label, g.Result, g.Note)
	}
	return g
}

// known reports whether the network holds a proven solution with spec's
// name, goal, assembly and scenario already (a model asked again with
// --no-reuse may answer what it answered before): it is recorded once.
func (r *runner) known(spec *feature.Spec) bool {
	for _, s := range gen.ProvenFor(r.o.Network, spec.Goal) {
		if s.Spec.Name == spec.Name && bytes.Equal(bytes.TrimSpace(s.Spec.Source), bytes.TrimSpace(spec.Source)) &&
			bytes.Equal(bytes.TrimSpace(s.Spec.Scenario), bytes.TrimSpace(spec.Scenario)) {
			return true
		}
	}
	return false
}

// failure is what went wrong in a failed attempt: the error and the screen
// rows that matter.
type failure struct {
	err    string
	screen []string
}

// reflection is the failure record of the step's attempt n (the last of
// atts, whose candidate was tested).
func reflection(st stepSpec, n int, atts []gen.Attempt, phase string, f failure) pixnet.Record {
	a := atts[len(atts)-1]
	return gen.FailureRecord(gen.Reflection{Goal: st.Record, Attempt: n, Provider: a.Provider, Model: a.Model, Phase: phase,
		Tried: a.Candidate.Tried(), Error: f.err, Screen: f.screen})
}

// failedRun is the first failing run of a suite: its scenario, the step
// that failed and its error, and the screen's non-blank rows.
func failedRun(tr *scenario.SuiteResult) failure {
	for _, res := range tr.Results {
		if res.Passed {
			continue
		}
		run := evidence.RunOf(res.Scenario, res)
		return failure{err: "FAIL " + run.String(), screen: run.Screen}
	}
	return failure{err: firstProblem(suiteText(tr))}
}

// notEvidence is why the answer's scenario proved nothing, with the screen
// of the build it should have failed on.
func notEvidence(why string, proofs []evidence.Proof) failure {
	f := failure{err: firstLine(why)}
	for _, p := range proofs {
		if p.Origin == "answer" && p.Failed != "" {
			if rs := runsOf(append(append([]evidence.Run(nil), p.Without...), p.StandIns...), p.Failed); len(rs) > 0 {
				f.screen = rs[0].Screen
			}
		}
	}
	return f
}

// sameSteps reports whether two scenarios have the same steps.
func sameSteps(a, b *scenario.Scenario) bool {
	return slices.Equal(evidence.Lines(a), evidence.Lines(b))
}

// provenScenario is a scenario proven for the step's goal before.
type provenScenario struct {
	sc     *scenario.Scenario
	origin string
}

// provenScenarios returns the scenarios proven for the step's goal (a
// shipped feature's for a wording it serves, or a learned one): they are
// the goal's tests, so a new answer for the goal must pass them too (a
// backspace that only looks right on the screen fails the shipped
// backspace scenario, which checks the line too).
func (r *runner) provenScenarios(st stepSpec) []provenScenario {
	if st.Role != RoleGoal {
		return nil
	}
	var out []provenScenario
	seen := map[string]bool{}
	for _, sol := range gen.ProvenFor(r.o.Network, st.Goal) {
		text := strings.TrimSpace(string(sol.Spec.Scenario))
		if seen[text] {
			continue
		}
		seen[text] = true
		sc, err := scenario.Parse(sol.Spec.Name+".scenario", sol.Spec.Scenario)
		if err != nil {
			continue
		}
		sc.Name = fmt.Sprintf("proven: %s #%d", sol.Spec.Name, sol.RecordID)
		out = append(out, provenScenario{sc, fmt.Sprintf("solution #%d", sol.RecordID)})
	}
	return out
}

// plannedScenario parses the plan's scenario for the step. One that does
// not parse, or that already passes on the current build, cannot be
// evidence for a new feature: it is set aside with a note.
func (r *runner) plannedScenario(ctx context.Context, label string, st stepSpec, g *GoalReport) *scenario.Scenario {
	if strings.TrimSpace(st.Scenario) == "" {
		return nil
	}
	sc, err := scenario.Parse("plan.scenario", []byte(st.Scenario))
	if err != nil {
		g.PlanNote = "the plan's scenario does not parse, so it is not used: " + err.Error()
		r.logf("%s: %s\n", label, g.PlanNote)
		return nil
	}
	if res := r.test(ctx, r.base, []*scenario.Scenario{sc}); res.Passed {
		g.PlanNote = "the plan's scenario already passes on the build without the feature, so it is not evidence and is not used"
		r.logf("%s: %s\n", label, g.PlanNote)
		return nil
	}
	return sc
}

// generateFailed turns the generator's error into the step's result.
func (r *runner) generateFailed(ctx context.Context, label string, g *GoalReport, s *attemptState, err error) {
	var inf *gen.InfeasibleError
	switch {
	case ctx.Err() != nil:
		g.Result = ResultInterrupted
		return
	case errors.As(err, &inf):
		g.Result, g.Note = ResultInfeasible, inf.Reason
	case errors.Is(err, gen.ErrRepeated):
		// The same answer would fail the same way: stop asking.
		last := g.Attempts[len(g.Attempts)-1]
		note := "the model repeated a rejected answer"
		for _, a := range g.Attempts[:len(g.Attempts)-1] {
			if a.fingerprint != "" && a.fingerprint == last.fingerprint {
				note = fmt.Sprintf("the model repeated the answer of attempt %d, which was rejected: %s", a.N, firstProblem(a.Error))
			}
		}
		r.exhausted(g, s, note)
	case errors.Is(err, gen.ErrNoSolution):
		g.Result, g.Note = ResultNoSolution, err.Error()
	case errors.Is(err, gen.ErrExhausted):
		r.exhausted(g, s, fmt.Sprintf("no valid answer in %d attempt%s", len(g.Attempts), plural(len(g.Attempts))))
	default:
		g.Result, g.Note = ResultFailed, err.Error()
	}
	r.logf("%s: %s: %s\n", label, g.Result, g.Note)
}

// exhausted ends a step whose attempts ran out: conflicts when at least two
// attempts ran, and every attempt passed its own scenarios but broke the
// same existing regression scenarios (an answer repeated word for word
// counts as breaking what it broke before), else failed.
func (r *runner) exhausted(g *GoalReport, s *attemptState, note string) {
	var sets [][]string
	for _, a := range g.Attempts {
		if len(a.conflict) == 0 {
			sets = nil
			break
		}
		sets = append(sets, a.conflict)
	}
	if common := intersect(sets); len(sets) >= 2 && len(common) > 0 {
		g.Result, g.Conflicts = ResultConflicts, common
		them := oneOr(len(common), "it", "them")
		g.Note = fmt.Sprintf("every attempt worked but broke the existing regression scenario%s %s, which must keep passing: the goal may contradict %s, or the model could not meet it without breaking %s; read %s and the attempts before changing anything",
			plural(len(common)), strings.Join(common, ", "), them, them, them)
		return
	}
	g.Result, g.Note = ResultFailed, note
	if n := len(g.Attempts); n > 0 && g.Attempts[n-1].Error != "" && g.Attempts[n-1].Verdict != "repeated" && !strings.Contains(note, g.Attempts[n-1].Error) {
		g.Note += "; last error: " + firstProblem(g.Attempts[n-1].Error)
	}
}

// oneOr returns one when n is 1, else many: the words that agree with a
// count ("it is" / "they are").
func oneOr(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func intersect(sets [][]string) []string {
	if len(sets) == 0 {
		return nil
	}
	count := map[string]int{}
	for _, set := range sets {
		for _, s := range set {
			count[s]++
		}
	}
	var out []string
	for s, c := range count {
		if c == len(sets) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// passedAll reports whether every run of the named scenario in tr passed.
func passedAll(tr *scenario.SuiteResult, name string) bool {
	for _, res := range tr.Results {
		if res.Scenario == name && !res.Passed {
			return false
		}
	}
	return true
}

// ownPassed reports whether the first n results of tr (the step's own
// scenarios on each machine) passed.
func ownPassed(tr *scenario.SuiteResult, n int) bool {
	if len(tr.Results) < n {
		return false
	}
	for _, res := range tr.Results[:n] {
		if !res.Passed {
			return false
		}
	}
	return true
}

// brokenRegression names the regression scenarios (not the step's own) that
// failed in tr, and keeps their text.
func brokenRegression(tr *scenario.SuiteResult, suite []*scenario.Scenario, texts map[string]string) []string {
	reg := map[string]*scenario.Scenario{}
	for _, sc := range suite {
		reg[sc.Name] = sc
	}
	seen := map[string]bool{}
	var out []string
	for _, res := range tr.Results {
		if sc, ok := reg[res.Scenario]; ok && !res.Passed && !seen[res.Scenario] {
			seen[res.Scenario] = true
			out = append(out, res.Scenario)
			texts[res.Scenario] = strings.Join(evidence.Lines(sc), "\n")
		}
	}
	sort.Strings(out)
	return out
}

// regressionNote tells the model that the broken scenarios are existing
// tests that must keep passing (head) and shows them (listing).
func regressionNote(broken []string, texts map[string]string) (head, listing string) {
	n := len(broken)
	head = fmt.Sprintf("%s %s existing regression test%s of pxOS: %s must keep passing, so your feature must not change what %s. If the goal cannot be met without breaking %s, say so in \"infeasible\".",
		strings.Join(broken, ", "), oneOr(n, "is an", "are"), plural(n), oneOr(n, "it", "they"), oneOr(n, "it checks", "they check"), oneOr(n, "it", "them"))
	var b strings.Builder
	fmt.Fprintf(&b, "The regression test%s:\n", plural(n))
	for _, name := range broken {
		fmt.Fprintf(&b, "\n%s:\n%s\n", name, indentText(texts[name]))
	}
	return head, strings.TrimRight(b.String(), "\n")
}

// baseline is a build a step's scenarios must fail on, and their runs.
type baseline struct {
	evidence.Baseline
	sr *scenario.SuiteResult
}

// prove runs the step's scenarios on the build without the feature and on
// each stand-in for it (stubs whose hooks do nothing, the feature with its
// output muted), and judges each scenario (tr holds their runs on the
// candidate, first). why says, for the model, why the answer's scenario is
// not evidence.
func (r *runner) prove(ctx context.Context, old *feature.Base, res *gen.Result, own []*scenario.Scenario, origins []string, tr *scenario.SuiteResult) ([]evidence.Proof, string) {
	nb := len(r.machines())
	builds := []baseline{{Baseline: evidence.Baseline{Build: evidence.Without}, sr: r.test(ctx, old, own)}}
	variants, err := feature.Stubs(res.Install, old)
	if err != nil {
		builds = append(builds, baseline{Baseline: evidence.Baseline{Build: "stub", Desc: "its hooks do nothing", Err: err.Error()}})
	}
	const mutedDesc = "your feature runs with its screen output hidden"
	switch m, why := feature.Muted(res.Install); {
	case m != nil:
		variants = append(variants, feature.Variant{Build: "muted", Desc: mutedDesc, Spec: m})
	case why != "":
		// A command or line handler that cannot be muted cannot be shown
		// to do more than swallow its input.
		builds = append(builds, baseline{Baseline: evidence.Baseline{Build: "muted", Desc: mutedDesc, Err: why}})
	default:
		builds = append(builds, baseline{Baseline: evidence.Baseline{Build: "muted",
			Skip: "made for line handlers only (a key handler may work through the key it passes on; a command's stub stands for one that shows nothing)"}})
	}
	if _, cmd := res.Install.Spec.Hooks["cmd_head"]; !cmd {
		builds = append(builds, baseline{Baseline: evidence.Baseline{Build: "stub",
			Skip: "not made without a command: handlers that pass every event on are the build without the feature"}})
	}
	for _, v := range variants {
		b := baseline{Baseline: evidence.Baseline{Build: v.Build, Desc: v.Desc}}
		vi, err := old.Install(v.Spec, 0)
		var vb *feature.Base
		if err == nil {
			vb, err = old.Apply(vi)
		}
		if err != nil {
			b.Err = err.Error()
		} else {
			b.sr = r.test(ctx, vb, own)
		}
		builds = append(builds, b)
	}
	part := func(sr *scenario.SuiteResult, i int) []*scenario.Result {
		if sr == nil || len(sr.Results) < (i+1)*nb {
			return nil
		}
		return sr.Results[i*nb : (i+1)*nb]
	}
	var proofs []evidence.Proof
	why := ""
	for i, sc := range own {
		origin := origins[i]
		var bases []evidence.Baseline
		for _, b := range builds {
			bl := b.Baseline
			bl.Results = part(b.sr, i)
			bases = append(bases, bl)
		}
		p := evidence.Judge(sc, origin, part(tr, i), bases)
		proofs = append(proofs, p)
		if p.FailToPass || origin != "answer" {
			// The plan's (or an earlier proven) scenario counts when it
			// holds; when it does not, it is reported, not held against an
			// answer that cannot change it. It must pass, though: that was
			// tested with the candidate.
			continue
		}
		switch {
		case p.Failed == evidence.Without:
			why = "your scenario also passes on the build without your feature, so it does not test it: type the command (or keys) your feature handles and expect the output it prints.\n" +
				screenNote("the screen at the end of your scenario on the build without your feature", p.Without)
		case p.Failed != "":
			why = "your scenario also passes when " + descOf(builds, p.Failed) + ", so it does not show what your feature does: expect the output your feature prints.\n" +
				screenNote("the screen at the end of your scenario on that build", runsOf(p.StandIns, p.Failed))
		default:
			why = "pxos cannot use your scenario as evidence: " + p.Why
		}
	}
	return proofs, strings.TrimRight(why, "\n")
}

// descOf returns what the named baseline build does.
func descOf(builds []baseline, name string) string {
	for _, b := range builds {
		if b.Build == name {
			return b.Desc
		}
	}
	return name
}

func runsOf(rs []evidence.Run, build string) []evidence.Run {
	var out []evidence.Run
	for _, r := range rs {
		if r.Build == build {
			out = append(out, r)
		}
	}
	return out
}

func screenNote(title string, runs []evidence.Run) string {
	if len(runs) == 0 || len(runs[0].Screen) == 0 {
		return ""
	}
	return title + ":\n" + indentText(strings.Join(runs[0].Screen, "\n"))
}

// prepare installs the features an answer requires and the build lacks,
// each from its verified solution as a prerequisite step (proven like any
// other), and returns the new build.
func (r *runner) prepare(depth int) func(ctx context.Context, name string, missing []string) (*feature.Base, error) {
	return func(ctx context.Context, name string, missing []string) (*feature.Base, error) {
		if depth >= maxPrereqDepth {
			return nil, fmt.Errorf("%s: prerequisites nest deeper than %d", name, maxPrereqDepth)
		}
		for _, req := range missing {
			if r.base.Present(req) {
				continue
			}
			if r.installing[req] {
				return nil, fmt.Errorf("%s requires %s, which requires it back", name, req)
			}
			var goal string
			for _, sol := range gen.Solutions(r.o.Network) {
				if sol.Spec.Name == req {
					goal = sol.Spec.Goal
					break
				}
			}
			r.installing[req] = true
			g := r.step(ctx, 0, 0, stepSpec{Step: Step{Goal: goal}, Role: RolePrerequisite, For: name, Record: goal, Solution: req, depth: depth + 1})
			delete(r.installing, req)
			r.rep.Goals = append(r.rep.Goals, g)
			if g.Result != ResultPassed {
				return nil, fmt.Errorf("%s needs %s, which could not be installed (%s: %s)", name, req, g.Result, g.Note)
			}
		}
		return r.base, nil
	}
}

// stage keeps the step's feature for its goal: the build moves on to cand,
// and the feature's scenario waits to be written with the goal (see flush).
// The scenario is named after the feature's marker, so the regression suite
// runs it only where the marker is in the build. It is kept with the prompt
// written as {prompt} (ws.Kept) when that version passes on cand as the
// answer's did, else as the answer wrote it.
func (r *runner) stage(ctx context.Context, cand *feature.Base, res *gen.Result) {
	dir := filepath.Join(r.o.Workspace.Dir, pxosv1.ScenarioDir)
	path, data := ws.Kept(dir, res.Spec, "pxos auto")
	if _, literal := ws.KeptAsIs(dir, res.Spec, "pxos auto"); !bytes.Equal(data, literal) {
		sc, err := scenario.Parse(path, data)
		if err != nil || !r.test(ctx, cand, []*scenario.Scenario{sc}).Passed {
			data = literal
		}
	}
	r.pending = append(r.pending, atomicfile.File{Path: path, Data: data})
	r.base = cand
}

// firstProblem is the line of an error that says what went wrong: in a
// suite's text, the first FAIL, ERROR or DISAGREE line, not the PASS lines
// before it.
func firstProblem(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "FAIL ") || strings.HasPrefix(l, "ERROR ") || strings.HasPrefix(l, "DISAGREE ") {
			return l
		}
	}
	return firstLine(s)
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
