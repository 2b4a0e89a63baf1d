package loop

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pxos-dev/pxos/internal/evidence"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// presentGoal returns the report of goal when it is present in the current
// build, with the evidence, else nil. A goal is present when an installed
// block records that very goal, or when a scenario proven for the goal
// (a shipped solution's, or a learned one that passed fail-to-pass) passes
// on the current build and fails when stubs of its feature shadow what the
// build has (see presence); so does one proven for an equivalent goal
// (gen.Reusable: the goals a proven solution is reused for). Never by
// shared words: after the default features, "Add an 'echo' command" is
// not present because a parser is.
func (r *runner) presentGoal(ctx context.Context, goal string) *GoalReport {
	p := r.presence(ctx, goal)
	if p == nil {
		return nil
	}
	r.logf("goal %q: present: %s\n", goal, p)
	return &GoalReport{Goal: goal, Role: RoleGoal, Feature: p.Feature, Result: ResultPresent, Presence: p,
		Note: p.String(), Attempts: []AttemptReport{}, Duration: "0s"}
}

func (r *runner) presence(ctx context.Context, goal string) *evidence.Presence {
	if bl, ok := r.base.Recorded(goal); ok {
		p := &evidence.Presence{How: evidence.Recorded, Feature: bl.Name, Line: bl.Line}
		kept := filepath.Join(r.o.Workspace.Dir, "scenarios", feature.MarkerPrefix+bl.Name+".txt")
		if _, err := os.Stat(kept); err == nil {
			p.Kept = kept
		}
		return p
	}
	// A scenario proven for this goal, then one proven for a goal that
	// is equivalent (the goals a proven solution is reused for).
	tried := map[uint64]bool{}
	for _, sol := range gen.ProvenFor(r.o.Network, goal) {
		tried[sol.RecordID] = true
		if p := r.provenHere(ctx, sol, goal); p != nil {
			return p
		}
	}
	for _, c := range gen.Reusable(gen.Solutions(r.o.Network), goal) {
		if tried[c.RecordID] {
			continue
		}
		if p := r.provenHere(ctx, c.Solution, goal); p != nil {
			p.For = c.Spec.Goal
			return p
		}
	}
	return nil
}

// provenHere checks a proven solution's scenario on the current build. It
// counts only when what the solution needs is installed (a command's
// scenario passes vacuously where no parser reports unknown words), when it
// passes, and when it fails again once stubs of the solution's hooks shadow
// the build (its commands answered first by entries that do nothing, its
// events taken first by handlers that pass them on or swallow them): then
// the scenario sees what the build does for this goal, not an accident.
//
// A goal that names its command words (gen.GoalCommands: "Add a 'time'
// command") is present only through a solution that adds those very
// words, as an answer for it must.
func (r *runner) provenHere(ctx context.Context, sol gen.Solution, goal string) *evidence.Presence {
	for _, req := range sol.Spec.Requires {
		if !r.base.Present(req) {
			return nil
		}
	}
	sc, err := scenario.Parse(sol.Spec.Name+".scenario", sol.Spec.Scenario)
	if err != nil {
		return nil
	}
	scs := []*scenario.Scenario{sc}
	proof := evidence.Confirm(sc, fmt.Sprintf("solution #%d", sol.RecordID), r.test(ctx, r.base, scs).Results)
	if !proof.Holds() {
		return nil
	}
	inst, err := r.scratchInstall(sol.Spec)
	if err != nil {
		return nil
	}
	if want := gen.GoalCommands(goal); len(want) > 0 {
		have := feature.CommandWords(inst)
		for _, w := range want {
			if !slices.Contains(have, w) {
				return nil
			}
		}
	}
	variants, err := feature.Stubs(inst, r.base)
	if err != nil || len(variants) == 0 {
		return nil
	}
	for _, v := range variants {
		vi, err := r.base.Install(v.Spec, 0)
		if err != nil {
			return nil
		}
		vb, err := r.base.Apply(vi)
		if err != nil {
			return nil
		}
		res := r.test(ctx, vb, scs)
		for _, rr := range res.Results {
			if rr.Passed || rr.Failed < 0 {
				return nil // the scenario does not see the goal's feature here
			}
		}
		for _, rr := range res.Results {
			run := evidence.RunOf(v.Build, rr)
			proof.StandIns = append(proof.StandIns, run)
		}
	}
	return &evidence.Presence{How: evidence.ProvenScenario, Feature: sol.Spec.Name, Solution: sol.RecordID, Proof: &proof}
}

// scratchInstall installs spec, after what it requires (from the network's
// solutions), on the bare pxOS v1.0: an installation to read its hooks and
// command words from, never committed.
func (r *runner) scratchInstall(spec *feature.Spec) (*feature.Installation, error) {
	if r.bare == nil {
		src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
		if err != nil {
			return nil, err
		}
		if r.bare, err = feature.NewBase(pxosv1.CommandsFile, src); err != nil {
			return nil, err
		}
	}
	var specs []*feature.Spec
	seen := map[string]bool{spec.Name: true}
	for _, s := range gen.Solutions(r.o.Network) {
		if !seen[s.Spec.Name] {
			seen[s.Spec.Name] = true
			specs = append(specs, s.Spec)
		}
	}
	reqs, err := feature.WithRequires(append(specs, spec), spec.Name)
	if err != nil {
		return nil, err
	}
	b, _, err := r.bare.InstallAll(reqs[:len(reqs)-1])
	if err != nil {
		return nil, fmt.Errorf("%s's requirements (%s) do not install on the bare base: %w", spec.Name, strings.Join(spec.Requires, ", "), err)
	}
	return b.Install(spec, 0)
}
