package gen

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// MinReuseSimilarity is the least GoalSimilarity between a proven
// solution's goal and a new goal for the solution to be tried for it (it
// must also cover the new goal, see Reusable): a goal covered by a much
// broader one ("a 'time' command" by "a 'time' command that prints the
// time in binary, in colour, with a beep") is left to a model.
const MinReuseSimilarity = 0.4

// Scored is a solution with the similarity of its goal to another goal.
type Scored struct {
	Solution
	Score float64
}

// Reusable returns the proven solutions worth trying for goal before a
// model is asked, best first: those that serve it (feature.Spec.Serves),
// then those whose goal or an alias covers it (feature.Covers) with a
// GoalSimilarity of at least MinReuseSimilarity and, when the goal names
// command words (GoalCommands), names the same ones or none. A solution
// found here is a reason to try, not evidence: it is installed and proven
// again for goal. Embeddings play no part: they rank "prints ten dots"
// next to "prints nine dots".
func Reusable(sols []Solution, goal string) []Scored {
	cmds := GoalCommands(goal)
	var out []Scored
	seen := map[string]bool{}
	for _, s := range sols {
		if !s.Proven || seen[string(s.Spec.Source)] {
			continue
		}
		best := 0.0
		for _, g := range append([]string{s.Spec.Goal}, s.Spec.Aliases...) {
			if feature.SameGoal(g, goal) {
				best = 2 // served: before any cover
				break
			}
			if sim := feature.GoalSimilarity(g, goal); sim >= MinReuseSimilarity && feature.Covers(g, goal) && sameCommands(GoalCommands(g), cmds) {
				best = max(best, sim)
			}
		}
		if best > 0 {
			seen[string(s.Spec.Source)] = true
			out = append(out, Scored{s, best})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	for i := range out {
		out[i].Score = min(out[i].Score, 1)
	}
	return out
}

// sameCommands reports whether a solution's goal that names the command
// words have may serve a goal that names want: when both name some, the
// same ones.
func sameCommands(have, want []string) bool {
	if len(have) == 0 || len(want) == 0 {
		return true
	}
	a, b := slices.Clone(have), slices.Clone(want)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
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
				if c := cosine(vecs[0], vecs[i+1]); out[i].Score > 0 || c > 0.5 {
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

func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	if aa == 0 || bb == 0 {
		return 0
	}
	return ab / math.Sqrt(aa*bb)
}

// solutionItem is a solution as a prompt shows it: its goal, hooks,
// requirements, assembly and scenario, nothing else.
func solutionItem(s Scored) (label, text string) {
	sp := s.Spec
	label = "#" + strconv.FormatUint(s.RecordID, 10) + " solution: " + sp.Name + " — " + oneLine(sp.Goal)
	var b strings.Builder
	b.WriteString("Hooks: " + hookText(sp.Hooks) + "; requires: " + listOr(sp.Requires, "nothing") + "\n")
	b.WriteString("Assembly:\n" + strings.TrimRight(string(sp.Source), "\n") + "\n")
	b.WriteString("Scenario:\n" + strings.TrimRight(string(sp.Scenario), "\n"))
	return label, b.String()
}
