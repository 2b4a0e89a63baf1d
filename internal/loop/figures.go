package loop

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Figures are what one run cost and what it met: the measure of learning.
// Each pxos auto run records them in the payload of its build record, so
// that `pxos net stats` can show whether later runs need fewer model calls.
type Figures struct {
	Goals  int `json:"goals"`
	Met    int `json:"met"`    // passed or present
	Reused int `json:"reused"` // passed by a proven solution, without a model call
	// ModelCalls counts the requests that reached a model (plans and
	// answers); Tokens their prompt and answer tokens.
	ModelCalls      int           `json:"model_calls"`
	Tokens          int           `json:"tokens"`
	TokensEstimated bool          `json:"tokens_estimated,omitempty"`
	Duration        time.Duration `json:"duration_ns"`
	Provider        string        `json:"provider"`
	Model           string        `json:"model,omitempty"`
	Interrupted     bool          `json:"interrupted,omitempty"`
}

// Figures sums the report's goals.
func (rep *Report) Figures() Figures {
	f := Figures{ModelCalls: rep.PlanCalls, Tokens: rep.PlanTokens, TokensEstimated: rep.PlanTokensEstimated,
		Duration: rep.Duration, Provider: rep.Provider, Interrupted: rep.Interrupted}
	for _, g := range rep.Goals {
		f.ModelCalls += g.ModelCalls
		f.Tokens += g.Tokens
		f.TokensEstimated = f.TokensEstimated || g.TokensEstimated
		for _, a := range g.Attempts {
			if f.Model == "" && a.Model != "" {
				f.Model = a.Model
			}
		}
		if g.Role != RoleGoal {
			continue
		}
		f.Goals++
		if g.Result == ResultPassed || g.Result == ResultPresent {
			f.Met++
		}
		if g.Result == ResultPassed && g.Reused != 0 {
			f.Reused++
		}
	}
	return f
}

// String is the figures in one line: "8 goals, 8 met (6 reused), 2 model
// calls, 2564 tokens, 0.2s".
func (f Figures) String() string {
	s := fmt.Sprintf("%d goal%s, %d met", f.Goals, plural(f.Goals), f.Met)
	if f.Reused > 0 {
		s += fmt.Sprintf(" (%d reused)", f.Reused)
	}
	tok := fmt.Sprint(f.Tokens)
	if f.TokensEstimated {
		tok = "~" + tok
	}
	s += fmt.Sprintf(", %d model call%s, %s tokens, %s", f.ModelCalls, plural(f.ModelCalls), tok, f.Duration.Round(time.Millisecond))
	if f.Interrupted {
		s += ", interrupted"
	}
	return s
}

// buildRecord is the network's record of a run: its goals and results, the
// features of the final build, and its Figures as the payload.
func (r *runner) buildRecord() pixnet.Record {
	f := r.rep.Figures()
	payload, _ := json.Marshal(f)
	return pixnet.Record{Kind: pixnet.KindBuild, Tags: []string{"auto", r.rep.Provider},
		Title: "build: " + f.String(),
		Body: fmt.Sprintf("Goals:\n%s\nFeatures: %s\nRegression: %s\nImage sha256: %s", strings.Join(goalLines(r.rep), "\n"),
			strings.Join(r.base.Installed(), ", "), r.rep.RegressionAfter, r.rep.ImageSHA256),
		Payload: payload}
}

// RunRecord is one recorded run: its build record and figures.
type RunRecord struct {
	Record uint64    `json:"record"`
	Time   time.Time `json:"time"`
	Figures
}

// Runs returns the runs recorded in net (build records with figures),
// oldest first.
func Runs(net *pixnet.Store) []RunRecord {
	var out []RunRecord
	for _, rec := range net.Records() {
		if rec.Kind != pixnet.KindBuild || len(rec.Payload) == 0 {
			continue
		}
		var f Figures
		if json.Unmarshal(rec.Payload, &f) != nil || f.Goals == 0 {
			continue
		}
		out = append(out, RunRecord{Record: rec.ID, Time: rec.Time, Figures: f})
	}
	return out
}
