package gen

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Scored is a solution with the similarity of its goal to another goal.
type Scored struct {
	Solution
	Score float64
}

// Reusable returns the proven solutions worth trying for goal before a
// model is asked: those that serve it (feature.Spec.Serves) first, then
// those whose goal or an alias says the same in other words
// (feature.Equivalent), one per assembly. A solution found here is
// installed and proven again for goal before it counts. Neither word
// overlap nor embeddings decide this: both place "prints ten dots" next to
// "prints nine dots", and "counts down from 10 to 1" next to "counts from
// 1 to 10", and the solution's scenario would then pass for a goal it does
// not meet.
func Reusable(sols []Solution, goal string) []Scored {
	var served, same []Scored
	seen := map[string]bool{}
	for _, s := range sols {
		if !s.Proven || seen[string(s.Spec.Source)] {
			continue
		}
		switch {
		case s.Spec.Serves(goal):
			served = append(served, Scored{s, 1})
		case feature.Equivalent(s.Spec.Goal, goal) || slices.ContainsFunc(s.Spec.Aliases, func(a string) bool { return feature.Equivalent(a, goal) }):
			same = append(same, Scored{s, 1})
		default:
			continue
		}
		seen[string(s.Spec.Source)] = true
	}
	return append(served, same...)
}

// Related ranks the verified solutions by how alike their goals are to
// goal (GoalSimilarity), fused with embedding similarity when emb is not
// nil, and returns the k best that share at least a word with it, one per
// assembly: the near misses a model sees as examples.
func Related(ctx context.Context, sols []Solution, goal string, emb pixnet.Embedder, k int) []Scored {
	var out []Scored
	seen := map[string]bool{}
	for _, s := range sols {
		if seen[string(s.Spec.Source)] {
			continue
		}
		seen[string(s.Spec.Source)] = true
		best := 0.0
		for _, g := range append([]string{s.Spec.Goal}, s.Spec.Aliases...) {
			best = max(best, feature.GoalSimilarity(g, goal))
		}
		out = append(out, Scored{s, best})
	}
	if emb != nil && len(out) > 0 {
		texts := []string{goal}
		for _, s := range out {
			texts = append(texts, s.Spec.Goal)
		}
		if vecs, err := emb.Embed(ctx, texts); err == nil && len(vecs) == len(texts) {
			for i := range out {
				if c := pixnet.Cosine(vecs[0], vecs[i+1]); out[i].Score > 0 || c > 0.5 {
					out[i].Score = (out[i].Score + max(c, 0)) / 2
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	n := 0
	for n < len(out) && n < k && out[n].Score > 0 {
		n++
	}
	return out[:n]
}

// solutionItem is a solution as a prompt shows it: its goal, hooks,
// requirements, assembly and scenario, nothing else.
func solutionItem(s Scored) (label, text string) {
	sp := s.Spec
	label = "#" + strconv.FormatUint(s.RecordID, 10) + " solution: " + sp.Name + " — " + feature.OneLine(sp.Goal)
	var b strings.Builder
	b.WriteString("Hooks: " + hookText(sp.Hooks) + "; requires: " + listOr(sp.Requires, "nothing") + "\n")
	b.WriteString("Assembly:\n" + strings.TrimRight(string(sp.Source), "\n") + "\n")
	b.WriteString("Scenario:\n" + strings.TrimRight(string(sp.Scenario), "\n"))
	return label, b.String()
}
