// Package evidence decides what scenario runs prove, and keeps the proof in
// a form reports can show.
//
// A feature's acceptance scenario is evidence only when it is fail-to-pass,
// as SWE-bench counts a test: it fails on the build without the feature and
// passes on the build with it. pxos adds a second baseline, the stub: the
// same hook slots taken by handlers that do nothing (feature.Stubs), and a
// third, the feature itself with its screen output muted (feature.Muted). A
// scenario that passes on the stub checks only that a command exists or that
// "Unknown command" is gone, which a feature that does nothing also gives.
//
// A goal is present when an installed block records that very goal, or when
// a scenario proven for the goal passes on the current build (Presence). The
// package judges runs; it does not start machines (package scenario runs
// them, the build loop chooses the builds) and it never matches goals by
// their words.
package evidence

import (
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// Builds a scenario runs on, as Run.Build names them. The stand-ins for a
// feature (feature.Stubs, feature.Muted) are named by their Variant.Build:
// "stub", "swallow", "muted".
const (
	Without = "without" // the build before the feature
	With    = "with"    // the candidate build, with the feature
	Current = "current" // the build as it is now (presence)
)

// Run is one scenario run on one machine, as a report shows it.
type Run struct {
	Build   string   `json:"build"`
	Machine string   `json:"machine"`
	Passed  bool     `json:"passed"`
	Line    int      `json:"line,omitempty"` // the failing step's line in the scenario
	Step    string   `json:"step,omitempty"` // the failing step as written
	Error   string   `json:"error,omitempty"`
	Screen  []string `json:"screen,omitempty"` // the final screen's non-blank rows, "NN|text"

	screen *machine.Screen
}

// RunOf summarises a scenario result on the named build.
func RunOf(build string, r *scenario.Result) Run {
	out := Run{Build: build, Machine: r.Machine, Passed: r.Passed, Error: r.Error}
	if r.Failed >= 0 && r.Failed < len(r.Steps) {
		out.Line, out.Step = r.Steps[r.Failed].Line, r.Steps[r.Failed].Step
	}
	if r.HasScr {
		s := r.Screen
		out.screen = &s
		out.Screen = Rows(&s)
	}
	return out
}

// ScreenOf returns the run's final screen, nil when it could not be read.
func (r Run) ScreenOf() *machine.Screen { return r.screen }

// String is one line: "without (emu): FAIL at line 3: expect "12:": text ... not on the screen".
func (r Run) String() string {
	if r.Passed {
		return fmt.Sprintf("%s (%s): PASS", r.Build, r.Machine)
	}
	if r.Line > 0 {
		return fmt.Sprintf("%s (%s): FAIL at line %d: %s: %s", r.Build, r.Machine, r.Line, r.Step, r.Error)
	}
	return fmt.Sprintf("%s (%s): FAIL: %s", r.Build, r.Machine, r.Error)
}

// Rows lists the non-blank rows of s as "NN|text".
func Rows(s *machine.Screen) []string {
	var out []string
	for row := 0; row < machine.Rows; row++ {
		if t := s.Row(row); t != "" {
			out = append(out, fmt.Sprintf("%2d|%s", row, t))
		}
	}
	return out
}

// Proof is what one scenario shows about a feature.
type Proof struct {
	Scenario string   `json:"scenario"`
	Origin   string   `json:"origin"` // "answer", "plan", "solution #N", ...
	Lines    []string `json:"lines"`  // the scenario's steps as written
	Without  []Run    `json:"without,omitempty"`
	// StandIns are the runs on the builds that stand in for the feature
	// without doing what it does (Run.Build: stub, swallow, muted).
	StandIns []Run `json:"stand_ins,omitempty"`
	With     []Run `json:"with,omitempty"`
	Current  []Run `json:"current,omitempty"`
	// FailToPass is the verdict: the scenario fails without the feature and
	// on every stand-in, and passes with the feature.
	FailToPass bool `json:"fail_to_pass"`
	// Why says why the scenario is not evidence ("" when it is).
	Why string `json:"why,omitempty"`
	// Notes say which stand-ins were not run, and why.
	Notes []string `json:"notes,omitempty"`
	// Failed names the build the scenario should have failed on but passed
	// (Without or a stand-in's name), when that is Why.
	Failed string `json:"failed_to_fail,omitempty"`
	// Diff lists the final screen rows that differ between the build
	// without the feature and the build with it (first machine), "NN-|old"
	// and "NN+|new".
	Diff []string `json:"screen_diff,omitempty"`
}

// Baseline is a build a scenario must fail on to count: the build without
// the feature, or a stand-in for it.
type Baseline struct {
	Build   string             // Without, or the stand-in's name
	Desc    string             // what the build does, for Why ("the command "time" exists but prints nothing")
	Results []*scenario.Result // one per machine
	Err     string             // why the build could not be made; the scenario then proves nothing
	Skip    string             // why the build is not needed here (it is reported, not run)
}

// Lines returns the steps of sc as written.
func Lines(sc *scenario.Scenario) []string {
	out := make([]string, len(sc.Steps))
	for i, st := range sc.Steps {
		out[i] = st.Src
	}
	return out
}

// Judge decides whether sc proves a feature from its runs on the build with
// the feature (one result per machine) and on each baseline, the first of
// which is the build without the feature. The scenario is evidence when
// every "with" run passed and every baseline run failed at a step (not
// because its machine did not start).
func Judge(sc *scenario.Scenario, origin string, with []*scenario.Result, baselines []Baseline) Proof {
	p := Proof{Scenario: sc.Name, Origin: origin, Lines: Lines(sc), With: runs(With, with)}
	var kept []Baseline
	for _, b := range baselines {
		if b.Skip != "" {
			p.Notes = append(p.Notes, b.Build+": "+b.Skip)
			continue
		}
		kept = append(kept, b)
	}
	baselines = kept
	for _, b := range baselines {
		if b.Build == Without {
			p.Without = append(p.Without, runs(b.Build, b.Results)...)
		} else {
			p.StandIns = append(p.StandIns, runs(b.Build, b.Results)...)
		}
	}
	if len(with) == 0 || len(baselines) == 0 || baselines[0].Build != Without {
		p.Why = "it did not run on the builds with and without the feature"
	} else if !all(with, true) {
		p.Why = "it fails on the build with the feature"
	}
	for _, b := range baselines {
		if p.Why != "" {
			break
		}
		where := "on the build without the feature"
		if b.Build != Without {
			where = "when " + b.Desc
		}
		switch {
		case b.Err != "":
			p.Why = fmt.Sprintf("pxos could not make the build where %s to check it against (%s), so it proves nothing", b.Desc, b.Err)
		case len(b.Results) == 0 || !ran(b.Results):
			p.Why = "it did not run " + where + ": the machine did not start"
		case !all(b.Results, false):
			p.Failed = b.Build
			if b.Build == Without {
				p.Why = "it also passes on the build without the feature, so it does not test the feature"
			} else {
				p.Why = "it also passes " + where + ", so it does not show what the feature does"
			}
		}
	}
	p.FailToPass = p.Why == ""
	if len(p.Without) > 0 && len(p.With) > 0 {
		p.Diff = Diff(p.Without[0].screen, p.With[0].screen)
	}
	return p
}

// Confirm records a proven scenario's runs on the current build (presence):
// it holds when every run passed.
func Confirm(sc *scenario.Scenario, origin string, current []*scenario.Result) Proof {
	p := Proof{Scenario: sc.Name, Origin: origin, Lines: Lines(sc), Current: runs(Current, current)}
	if len(current) == 0 || !all(current, true) {
		p.Why = "it fails on the current build"
	}
	return p
}

// Holds reports whether a Confirm proof passed.
func (p *Proof) Holds() bool { return p.Why == "" && len(p.Current) > 0 }

func runs(build string, rs []*scenario.Result) []Run {
	var out []Run
	for _, r := range rs {
		out = append(out, RunOf(build, r))
	}
	return out
}

// ran reports whether every run got as far as a step: a failure before
// the first step (the machine did not start) is no verdict on the build.
func ran(rs []*scenario.Result) bool {
	for _, r := range rs {
		if !r.Passed && r.Failed < 0 {
			return false
		}
	}
	return true
}

func all(rs []*scenario.Result, passed bool) bool {
	for _, r := range rs {
		if r.Passed != passed {
			return false
		}
	}
	return true
}

// Diff lists the rows that differ between two screens: "NN-|a" then
// "NN+|b". It is empty when either screen is missing.
func Diff(a, b *machine.Screen) []string {
	if a == nil || b == nil {
		return nil
	}
	var out []string
	for row := 0; row < machine.Rows; row++ {
		if ra, rb := a.Row(row), b.Row(row); ra != rb {
			out = append(out, fmt.Sprintf("%2d-|%s", row, ra), fmt.Sprintf("%2d+|%s", row, rb))
		}
	}
	return out
}

// Text renders the proof for a log, a network record or a repair prompt:
// the scenario's lines and each run.
func (p *Proof) Text() string {
	var b strings.Builder
	verdict := "fail-to-pass"
	switch {
	case len(p.Current) > 0 && p.Holds():
		verdict = "passes on the current build"
	case p.Why != "":
		verdict = "not evidence: " + p.Why
	}
	fmt.Fprintf(&b, "scenario %s (%s): %s\n", p.Scenario, p.Origin, verdict)
	for _, l := range p.Lines {
		fmt.Fprintf(&b, "  | %s\n", l)
	}
	for _, rs := range [][]Run{p.Without, p.StandIns, p.With, p.Current} {
		for _, r := range rs {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// Summary is the proof in one line, for a network record: the scenario,
// its verdict, and the builds it failed and passed on ("acceptance: echo
// (answer): fail-to-pass; fails on without, stub, swallow (line 3);
// passes with").
func (p *Proof) Summary() string {
	verdict := "fail-to-pass"
	if p.Why != "" {
		verdict = "not evidence"
	}
	var failed, passed []string
	lines := map[int]bool{}
	seen := map[string]bool{}
	for _, rs := range [][]Run{p.Without, p.StandIns, p.With, p.Current} {
		for _, r := range rs {
			if seen[r.Build+"/"+fmt.Sprint(r.Passed)] {
				continue
			}
			seen[r.Build+"/"+fmt.Sprint(r.Passed)] = true
			if r.Passed {
				passed = append(passed, r.Build)
				continue
			}
			failed = append(failed, r.Build)
			if r.Line > 0 {
				lines[r.Line] = true
			}
		}
	}
	s := fmt.Sprintf("%s (%s): %s", p.Scenario, p.Origin, verdict)
	if len(failed) > 0 {
		s += "; fails on " + strings.Join(failed, ", ")
		if len(lines) == 1 {
			for l := range lines {
				s += fmt.Sprintf(" (line %d)", l)
			}
		}
	}
	if len(passed) > 0 {
		s += "; passes on " + strings.Join(passed, ", ")
	}
	return s
}

// Presence is why a goal counts as present.
type Presence struct {
	How      string `json:"how"` // Recorded or ProvenScenario
	Feature  string `json:"feature"`
	Line     int    `json:"line,omitempty"`          // Recorded: the block header's line in the commands file
	Kept     string `json:"kept_scenario,omitempty"` // Recorded: the feature's kept scenario, which passed in the regression suite
	Solution uint64 `json:"solution,omitempty"`      // ProvenScenario: the network record of the solution
	Proof    *Proof `json:"proof,omitempty"`         // ProvenScenario: its run on the current build
	// For is the goal the scenario was proven for, when it is another
	// goal equivalent to this one (feature.Equivalent).
	For string `json:"proven_for,omitempty"`
}

// Ways a goal is present.
const (
	Recorded       = "recorded"        // an installed block records the goal
	ProvenScenario = "proven-scenario" // a scenario proven for the goal passes now
)

// String says in one line why the goal is present.
func (p *Presence) String() string {
	switch p.How {
	case Recorded:
		s := fmt.Sprintf("recorded by the installed block of feature %s (line %d)", p.Feature, p.Line)
		if p.Kept != "" {
			s += "; its kept scenario " + p.Kept + " passed in the regression suite"
		}
		return s
	case ProvenScenario:
		if p.For != "" {
			return fmt.Sprintf("the scenario proven for %q, an equivalent goal (feature %s, network record #%d), passes on the current build", p.For, p.Feature, p.Solution)
		}
		return fmt.Sprintf("the scenario proven for this goal (feature %s, network record #%d) passes on the current build", p.Feature, p.Solution)
	}
	return p.How
}
