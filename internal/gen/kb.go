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
// chain by the installer. It has one answer per feature: when that answer is
// rejected it does not try again.
type KB struct {
	Network *pixnet.Store
}

// Name implements Provider.
func (k *KB) Name() string { return "kb" }

// Propose implements Provider.
func (k *KB) Propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt) (*Candidate, error) {
	if prev != nil {
		return nil, fmt.Errorf("gen: the verified solution for %q was rejected for this build and the offline provider has no other: %s", req.Feature, prev.Error)
	}
	if req.Format == FormatPrimitives {
		return nil, fmt.Errorf("gen: the offline provider answers in assembly only (use --format asm)")
	}
	sols := Solutions(k.Network)
	specs := make([]*feature.Spec, len(sols))
	for i, s := range sols {
		specs[i] = s.Spec
	}
	best := feature.Match(specs, req.Feature)
	if best == nil {
		best = nameMatch(specs, req.Feature)
	}
	if best == nil {
		var known []string
		for _, s := range sols {
			known = append(known, fmt.Sprintf("%q (%s)", s.Spec.Goal, s.Spec.Name))
		}
		sort.Strings(known)
		if len(known) == 0 {
			return nil, fmt.Errorf("%w %q: the network holds no verified solutions", ErrNoSolution, req.Feature)
		}
		return nil, fmt.Errorf("%w %q; the offline provider knows: %s", ErrNoSolution, req.Feature, strings.Join(known, ", "))
	}
	var sol Solution
	for _, s := range sols {
		if s.Spec == best {
			sol = s
		}
	}
	return &Candidate{
		Explanation: fmt.Sprintf("verified solution %q (%s) from network record #%d", best.Goal, best.Name, sol.RecordID),
		Name:        best.Name,
		Source:      string(best.Source),
		Hooks:       best.Hooks,
		Scenario:    string(best.Scenario),
		Verified:    true,
		Keywords:    best.Keywords,
		Requires:    best.Requires,
		Prompt:      req.Feature,
		Answer:      string(best.Source),
		SolutionID:  sol.RecordID,
	}, nil
}

// nameMatch accepts a short goal that names exactly one feature ("backspace"),
// which feature.Match's two-keyword rule is too strict for.
func nameMatch(specs []*feature.Spec, goal string) *feature.Spec {
	var found *feature.Spec
	for _, w := range pixnet.Tokens(goal) {
		for _, s := range specs {
			if strings.ReplaceAll(s.Name, "_", "") == w || s.Name == w {
				if found != nil && found != s {
					return nil
				}
				found = s
			}
		}
	}
	return found
}
