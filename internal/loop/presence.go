package loop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/evidence"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// presentGoal returns the report of goal when it is present in the current
// build, with the evidence, else nil. A goal is present when an installed
// block records that very goal, or when a scenario proven for the goal
// (a shipped solution's, or a learned one that passed fail-to-pass) passes
// on the current build. Never by shared words: after the default features,
// "Add an 'echo' command" is not present because a parser is.
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
	for _, sol := range gen.ProvenFor(r.o.Network, goal) {
		sc, err := scenario.Parse(sol.Spec.Name+".scenario", sol.Spec.Scenario)
		if err != nil {
			continue
		}
		res := r.test(ctx, r.base, []*scenario.Scenario{sc})
		proof := evidence.Confirm(sc, fmt.Sprintf("solution #%d", sol.RecordID), res.Results)
		if proof.Holds() {
			return &evidence.Presence{How: evidence.ProvenScenario, Feature: sol.Spec.Name, Solution: sol.RecordID, Proof: &proof}
		}
	}
	return nil
}
