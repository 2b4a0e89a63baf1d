package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Member is one model of an Ensemble: a provider (an OpenAI-compatible
// server and model) and the name its answers are known by ("model" or
// "model@url" when several servers serve it).
type Member struct {
	Name     string
	Provider Provider
}

// Ensemble asks several models at once (its members, each Samples times)
// and offers their answers one at a time, smallest first: each Propose
// returns the next candidate of the current round, and a round starts when
// the last one is used. The caller (the build loop, pxos gen) tests each as
// it tests any answer, so the first that passes and proves itself is the
// smallest proven candidate of its round. Candidates that do not assemble
// come after those that do. Among equal sizes the one whose scenario runs
// in fewer instructions comes first (Measure, when set: the first such
// candidate's scenario on each one's build), then the member with the
// better record (ModelStats, Order). Identical answers are
// offered once, and an answer rejected before (Request.Rejected) not again.
//
// A new round asks every member again, each with the error of its own last
// candidate as the repair. A member whose server fails (unreachable, no
// model) is skipped for the round with a note on Log; only when all fail
// does Propose return the error.
//
// It is not safe for concurrent use; members are asked concurrently.
type Ensemble struct {
	Members []Member
	Samples int       // answers per member and round; 1 when 0
	Log     io.Writer // notes; nil for none
	// Measure, when set, runs scenario on the build res makes and returns
	// the instructions it took (ok false when it fails or cannot run):
	// the tie-break between candidates of equal size. The build loop sets
	// it (the built-in emulator counts instructions).
	Measure func(ctx context.Context, res *Result, scenario []byte) (instructions uint64, ok bool)

	base    *feature.Base
	key     string // the request the queue answers (Feature, Goal)
	queue   []queued
	lastBy  map[string]*Attempt // each member's last rejected candidate, for its repair
	current string              // the member of the candidate Propose returned last
	dropped []Unoffered         // answers not offered: the same as another, or as one rejected
}

// Unoffered is a candidate an Ensemble asked for and did not offer, and
// why ("" for one its round did not need).
type Unoffered struct {
	Cand *Candidate
	Why  string
}

type queued struct {
	cand   *Candidate
	member string
	err    error // the member's answer was malformed (cand may hold it)
	rank   int   // 0 valid (perhaps once its prerequisites are in), 2 does not validate, 3 malformed
	size   uint32
	res    *Result // valid: the candidate installed (for Measure)
	instr  uint64  // instructions its group's scenario took (ties), ^0 when not measured
	order  int     // the member's place, then the sample's
}

// Name implements Provider: an ensemble's members are model providers.
func (e *Ensemble) Name() string { return ProviderOpenAI }

// SetBase tells the ensemble the build its candidates are for, so it can
// order them by size (Generator.Generate calls it).
func (e *Ensemble) SetBase(b *feature.Base) { e.base = b }

// Propose implements Provider.
func (e *Ensemble) Propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt) (*Candidate, error) {
	if e.lastBy == nil {
		e.lastBy = map[string]*Attempt{}
	}
	key := req.Feature + "\x00" + req.Goal
	if key != e.key {
		e.queue, e.dropped, e.lastBy, e.current, e.key = nil, nil, map[string]*Attempt{}, "", key
	}
	if prev != nil {
		m := e.current
		if prev.Candidate != nil && prev.Candidate.Model != "" && e.member(prev.Candidate.Model) {
			m = prev.Candidate.Model
		}
		if m != "" {
			e.lastBy[m] = prev
		}
	}
	for len(e.queue) > 0 && e.queue[0].cand != nil && e.queue[0].err == nil && req.Rejected[e.queue[0].cand.Fingerprint()] != 0 {
		// Rejected as another member's answer already.
		e.dropped = append(e.dropped, Unoffered{e.queue[0].cand, whyRepeated})
		e.queue = e.queue[1:]
	}
	if len(e.queue) == 0 {
		if err := e.round(ctx, req, pc); err != nil {
			return nil, err
		}
	}
	q := e.queue[0]
	e.queue = e.queue[1:]
	e.current = q.member
	return q.cand, q.err
}

// Reasons an answer was not offered.
const (
	whyRepeated = "not tested: the same answer as one rejected before"
	whySame     = "not tested: the same answer as another candidate of its round"
)

// Pending returns the candidates asked for and not offered since the
// last call: those the current round did not need (Why ""), and the
// answers that repeated another; each carries its model. It forgets them.
func (e *Ensemble) Pending() []Unoffered {
	out := e.dropped
	for _, q := range e.queue {
		if q.cand != nil {
			out = append(out, Unoffered{Cand: q.cand})
		}
	}
	e.queue, e.dropped = nil, nil
	return out
}

func (e *Ensemble) member(name string) bool {
	for _, m := range e.Members {
		if m.Name == name {
			return true
		}
	}
	return false
}

// round asks every member Samples times at once and fills the queue.
func (e *Ensemble) round(ctx context.Context, req *Request, pc *PromptContext) error {
	samples := max(e.Samples, 1)
	type answer struct {
		q   queued
		err error // the member's server failed
	}
	answers := make([]answer, len(e.Members)*samples)
	var wg sync.WaitGroup
	for i, m := range e.Members {
		for s := 0; s < samples; s++ {
			wg.Add(1)
			go func(slot int, m Member) {
				defer wg.Done()
				cand, err := m.Provider.Propose(ctx, req, pc, e.lastBy[m.Name])
				q := queued{cand: cand, member: m.Name, order: slot}
				if cand != nil {
					cand.Model = m.Name
				}
				var me *MalformedError
				switch {
				case errors.As(err, &me):
					me.Model = m.Name
					q.err, q.rank = err, 3
				case err != nil:
					answers[slot] = answer{err: err}
					return
				}
				answers[slot] = answer{q: q}
			}(i*samples+s, m)
		}
	}
	wg.Wait()
	seen := map[string]bool{}
	var failed []error
	for i, a := range answers {
		if a.err != nil {
			m := e.Members[i/samples]
			failed = append(failed, fmt.Errorf("%s: %w", m.Name, a.err))
			if e.Log != nil {
				fmt.Fprintf(e.Log, "ensemble: %s did not answer: %s\n", m.Name, llm.Printable(a.err.Error()))
			}
			continue
		}
		q := a.q
		if q.cand != nil && q.err == nil {
			fp := q.cand.Fingerprint()
			if seen[fp] || req.Rejected[fp] != 0 {
				why := whySame
				if req.Rejected[fp] != 0 {
					why = whyRepeated
				}
				e.dropped = append(e.dropped, Unoffered{q.cand, why}) // offered once
				continue
			}
			seen[fp] = true
			q.rank = 2
			if e.base != nil && q.cand.Infeasible == "" {
				res, err := Validate(e.base, req, q.cand)
				var missing *MissingError
				switch {
				case err == nil:
					q.size, q.res = res.Install.End-res.Install.Addr, res
				case errors.As(err, &missing):
					q.size = missing.Size // valid once its prerequisites are in
				}
				if err == nil || missing != nil {
					q.rank = 0
				}
			}
		}
		e.queue = append(e.queue, q)
	}
	if len(e.queue) == 0 {
		if len(failed) > 0 {
			return errors.Join(failed...)
		}
		return fmt.Errorf("%w: every member repeated an answer rejected before", ErrRepeated)
	}
	e.measureTies(ctx)
	sort.SliceStable(e.queue, func(i, j int) bool {
		a, b := e.queue[i], e.queue[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.size != b.size {
			return a.size < b.size
		}
		if a.instr != b.instr {
			return a.instr < b.instr
		}
		return a.order < b.order
	})
	return nil
}

// measureTies fills instr for the valid candidates that share their size
// with another: each runs the scenario of the first of them (in member
// order), so their figures compare the code, not the tests.
func (e *Ensemble) measureTies(ctx context.Context) {
	groups := map[uint32][]int{}
	for i := range e.queue {
		e.queue[i].instr = ^uint64(0)
		if q := e.queue[i]; q.rank == 0 && q.res != nil {
			groups[q.size] = append(groups[q.size], i)
		}
	}
	if e.Measure == nil {
		return
	}
	for size, idx := range groups {
		if len(idx) < 2 {
			continue
		}
		sort.Slice(idx, func(a, b int) bool { return e.queue[idx[a]].order < e.queue[idx[b]].order })
		sc := []byte(e.queue[idx[0]].cand.Scenario)
		for _, i := range idx {
			if n, ok := e.Measure(ctx, e.queue[i].res, sc); ok {
				e.queue[i].instr = n
			}
		}
		if e.Log != nil {
			fmt.Fprintf(e.Log, "ensemble: %d candidates of %d bytes: ordered by the instructions one scenario takes on each\n", len(idx), size)
		}
	}
}

// ModelStat is a model's record in a network: its answers that passed
// and proved themselves (solution records it wrote) and those that failed
// (failure records naming it; "infeasible" is not a failure).
type ModelStat struct {
	Model          string
	Passed, Failed int
}

// Rate is the share of the model's recorded answers that passed (0 with
// none).
func (s ModelStat) Rate() float64 {
	if s.Passed+s.Failed == 0 {
		return 0
	}
	return float64(s.Passed) / float64(s.Passed+s.Failed)
}

// ModelStats returns every model's record in net, best first (pass rate,
// then answers, then name).
func ModelStats(net *pixnet.Store) []ModelStat {
	if net == nil {
		return nil
	}
	by := map[string]*ModelStat{}
	get := func(m string) *ModelStat {
		if by[m] == nil {
			by[m] = &ModelStat{Model: m}
		}
		return by[m]
	}
	for _, r := range net.Records() {
		if len(r.Payload) == 0 {
			continue
		}
		switch r.Kind {
		case pixnet.KindSolution:
			var p solutionPayload
			if json.Unmarshal(r.Payload, &p) == nil && p.Model != "" && p.Proven {
				get(p.Model).Passed++
			}
		case pixnet.KindFailure:
			var f Reflection
			if json.Unmarshal(r.Payload, &f) == nil && f.Model != "" && f.Phase != "infeasible" {
				get(f.Model).Failed++
			}
		}
	}
	out := make([]ModelStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Rate() != b.Rate() {
			return a.Rate() > b.Rate()
		}
		if a.Passed+a.Failed != b.Passed+b.Failed {
			return a.Passed+a.Failed > b.Passed+b.Failed
		}
		return a.Model < b.Model
	})
	return out
}

// Order sorts members by their record in stats (ModelStats): the best
// first; members without a record keep their order after those with one
// that passed at least once, and before those that never did.
func Order(members []Member, stats []ModelStat) {
	rank := map[string]int{}
	for i, s := range stats {
		if s.Passed > 0 {
			rank[s.Model] = i - len(stats) // before the unknown (0)
		} else {
			rank[s.Model] = i + 1 // after them
		}
	}
	sort.SliceStable(members, func(i, j int) bool { return rank[members[i].Name] < rank[members[j].Name] })
}
