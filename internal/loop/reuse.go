package loop

import (
	"context"
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
)

// maxReuseTries bounds the proven solutions tried for one goal before a
// model is asked.
const maxReuseTries = 2

// reuse tries, for a goal that is not present, the proven solutions the
// network holds for it or for an equivalent goal (gen.Reusable), best
// first, each installed with what it requires and proven again for this
// goal (fail-to-pass) like any answer; no model is asked. It returns the
// goal's report when one passed (committed) — and, offline, when all were
// tried and none passed: the offline provider has nothing else. Otherwise
// it returns nil and keeps what the tries showed (r.tried) for the step
// that asks a model, whose report shows them. Rows of tries that did not
// end the goal are not kept in the report.
func (r *runner) reuse(ctx context.Context, goal string) *GoalReport {
	if r.o.NoReuse {
		return nil
	}
	cands := gen.Reusable(gen.Solutions(r.o.Network), goal)
	if len(cands) > maxReuseTries {
		cands = cands[:maxReuseTries]
	}
	_, offline := r.o.Provider.(*gen.KB)
	var notes []string
	var last *GoalReport
	for _, c := range cands {
		if ctx.Err() != nil {
			break
		}
		rows := len(r.rep.Goals)
		st := stepSpec{Step: Step{Goal: goal}, Role: RoleGoal, Record: goal, Reuse: c.RecordID, reuseOf: c.Spec.Goal}
		g := r.step(ctx, 0, 0, st)
		r.rep.Goals = append(r.rep.Goals, g)
		if g.Result == ResultPassed {
			if err := r.flush(); err != nil {
				g.Result, g.Note = ResultFailed, "commit: "+err.Error()
				r.rollback(rows, "its goal could not be committed")
				return g
			}
			return g
		}
		r.rollback(rows, "the goal it served did not pass")
		if ctx.Err() != nil {
			r.rep.Goals = r.rep.Goals[:rows]
			return nil
		}
		notes = append(notes, fmt.Sprintf("solution #%d (%s, proven for %q) %s: %s", c.RecordID, c.Spec.Name, feature.OneLine(c.Spec.Goal), g.Result, firstLine(g.Note)))
		for _, a := range g.Attempts {
			a.Phase = "reuse"
			r.tried[goal] = append(r.tried[goal], a)
		}
		last = g
		if !offline {
			r.rep.Goals = r.rep.Goals[:rows] // the model's step reports the tries
		}
	}
	if len(notes) > 0 {
		r.triedNote[goal] = "tried first without a model: " + strings.Join(notes, "; ")
	}
	if offline && last != nil {
		return last
	}
	return nil
}
