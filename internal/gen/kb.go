package gen

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// KB is the offline provider: it answers from the verified solutions in the
// pixel network, reassembled at the target address with the current hook
// chain by the installer. It answers a goal with a solution for that very
// goal (its goal or one of its aliases, see feature.Spec.Serves), else
// with a proven solution for a goal that says the same in other words
// (Reusable: "prints the time" for "shows the current time"), never with
// one that merely
// shares words with it ("Add a 'cls' command" is not "clear"); the answer
// is proven again for the goal before it counts. It has one answer per
// goal: when that answer is rejected it does not try again.
type KB struct {
	Network *pixnet.Store
}

// Name implements Provider.
func (k *KB) Name() string { return "kb" }

// Propose implements Provider.
func (k *KB) Propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt) (*Candidate, error) {
	if prev != nil {
		return nil, fmt.Errorf("the verified solution for %q was rejected for this build and the offline provider has no other: %s", req.Feature, prev.Error)
	}
	if req.Format == FormatPrimitives {
		return nil, fmt.Errorf("the offline provider answers in assembly only (use --format asm)")
	}
	sols := Solutions(k.Network)
	var sol *Solution
	switch {
	case req.SolutionID != 0:
		for i := range sols {
			if sols[i].RecordID == req.SolutionID {
				sol = &sols[i]
				break
			}
		}
		if sol == nil {
			return nil, fmt.Errorf("%w: network record #%d is no verified solution", ErrNoSolution, req.SolutionID)
		}
	case req.Solution != "":
		for i := range sols {
			if sols[i].Spec.Name == req.Solution {
				sol = &sols[i]
				break
			}
		}
		if sol == nil {
			return nil, fmt.Errorf("%w: the network holds no verified solution named %s", ErrNoSolution, req.Solution)
		}
	default:
		goal := req.Goal
		if goal == "" {
			goal = req.Feature
		}
		for i := range sols {
			if sols[i].Spec.Serves(goal) {
				sol = &sols[i]
				break
			}
		}
		if sol == nil {
			if r := Reusable(sols, goal); len(r) > 0 {
				sol = &r[0].Solution
			}
		}
		if sol == nil {
			return nil, noSolution(sols, goal)
		}
	}
	best := sol.Spec
	return &Candidate{
		Explanation:  fmt.Sprintf("verified solution %q (%s) from network record #%d", best.Goal, best.Name, sol.RecordID),
		Name:         best.Name,
		Source:       string(best.Source),
		Hooks:        best.Hooks,
		Scenario:     string(best.Scenario),
		Verified:     true,
		Keywords:     best.Keywords,
		Aliases:      best.Aliases,
		Requires:     best.Requires,
		Prompt:       req.Feature,
		Answer:       string(best.Source),
		SolutionID:   sol.RecordID,
		SolutionGoal: best.Goal,
	}, nil
}

// noSolution says that nothing proven serves goal, names the closest
// solution by keywords as a suggestion (not an answer), and lists the goals
// the provider can serve.
func noSolution(sols []Solution, goal string) error {
	if len(sols) == 0 {
		return fmt.Errorf("%w %q: the network holds no verified solutions", ErrNoSolution, goal)
	}
	specs := make([]*feature.Spec, len(sols))
	var known []string
	for i, s := range sols {
		specs[i] = s.Spec
		known = append(known, fmt.Sprintf("%q (%s)", s.Spec.Goal, s.Spec.Name))
	}
	sort.Strings(known)
	hint := ""
	if m := feature.Match(specs, goal); m != nil {
		hint = fmt.Sprintf("; the closest, %s (%q), was proven for another goal, so it is not used", m.Name, m.Goal)
	}
	return fmt.Errorf("%w %q%s; use a model (--provider openai) or a goal the offline provider knows: %s", ErrNoSolution, goal, hint, strings.Join(known, ", "))
}
