package gen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Tags on solution records. A solution is "verified" only when its
// acceptance scenario passed on a machine; the offline provider uses nothing
// else. "proven" marks a verified solution whose scenario also failed on the
// build without it (fail-to-pass): only such scenarios can show that a goal
// is present. "shipped" marks the default features that come with pxos
// (their fail-to-pass is a test: TestShippedScenariosFailToPass).
const (
	TagVerified  = "verified"
	TagProven    = "proven"
	TagValidated = "validated" // passed gen's static checks, not yet run
	TagShipped   = "shipped"
)

// Solution states for SolutionRecord.
type SolutionState int

const (
	Validated SolutionState = iota // passed gen's static checks only
	Verified                       // its scenario passed on a machine
	Proven                         // and failed without the feature (fail-to-pass)
)

// solutionPayload is the structured part of a solution record: enough to
// reassemble the feature anywhere.
type solutionPayload struct {
	Name     string            `json:"name"`
	Goal     string            `json:"goal"`
	Aliases  []string          `json:"aliases,omitempty"`
	Keywords []string          `json:"keywords,omitempty"`
	Hooks    map[string]string `json:"hooks"`
	Requires []string          `json:"requires,omitempty"`
	Source   string            `json:"source"`
	Scenario string            `json:"scenario"`
	Verified bool              `json:"verified"`
	Proven   bool              `json:"proven,omitempty"`
	Provider string            `json:"provider,omitempty"`
	Addr     uint32            `json:"addr,omitempty"`
}

// Solution is a solution record decoded back into a feature.
type Solution struct {
	RecordID uint64
	Spec     *feature.Spec
	Verified bool
	Proven   bool // its scenario passed fail-to-pass (or it shipped, whose scenarios are tested so)
}

// SolutionRecord renders a feature as a solution record.
func SolutionRecord(s *feature.Spec, state SolutionState, provider string, addr uint32, tags ...string) pixnet.Record {
	p := solutionPayload{Name: s.Name, Goal: s.Goal, Aliases: s.Aliases, Keywords: s.Keywords, Hooks: s.Hooks, Requires: s.Requires,
		Source: string(s.Source), Scenario: string(s.Scenario), Verified: state >= Verified, Proven: state >= Proven, Provider: provider, Addr: addr}
	payload, _ := json.Marshal(p)
	tags = append([]string{"feature:" + s.Name}, tags...)
	switch state {
	case Proven:
		tags = append(tags, TagVerified, TagProven)
	case Verified:
		tags = append(tags, TagVerified)
	default:
		tags = append(tags, TagValidated)
	}
	var hooks []string
	for slot, h := range s.Hooks {
		hooks = append(hooks, slot+" -> "+h)
	}
	sort.Strings(hooks)
	body := fmt.Sprintf("Goal: %s\nFeature: %s\nKeywords: %s\nHooks: %s\nRequires: %s\n\nAssembly:\n%s\nAcceptance scenario:\n%s",
		s.Goal, s.Name, strings.Join(s.Keywords, ", "), strings.Join(hooks, ", "), strings.Join(s.Requires, ", "), s.Source, s.Scenario)
	if len(s.Aliases) > 0 {
		body = strings.Replace(body, "\nFeature: ", "\nAlso for: "+strings.Join(s.Aliases, "; ")+"\nFeature: ", 1)
	}
	return pixnet.Record{Kind: pixnet.KindSolution, Tags: tags, Title: "solution: " + s.Goal, Body: body, Payload: payload}
}

// Solutions returns the verified solutions in the network, newest first; of
// several records of one feature for one goal only the newest is kept
// (features of the same name for different goals are different solutions).
func Solutions(net *pixnet.Store) []Solution {
	if net == nil {
		return nil
	}
	recs := net.Records()
	seen := map[string]bool{}
	var out []Solution
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Kind != pixnet.KindSolution || len(r.Payload) == 0 {
			continue
		}
		var p solutionPayload
		if err := json.Unmarshal(r.Payload, &p); err != nil || !p.Verified || p.Name == "" || p.Source == "" {
			continue
		}
		key := p.Name + "\x00" + feature.NormGoal(p.Goal)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Solution{RecordID: r.ID, Verified: true, Proven: p.Proven || hasTag(r.Tags, TagShipped), Spec: &feature.Spec{
			Name: p.Name, Goal: p.Goal, Aliases: p.Aliases, Keywords: p.Keywords, Hooks: p.Hooks, Requires: p.Requires,
			Source: []byte(p.Source), SourceFile: p.Name + ".asm", Scenario: []byte(p.Scenario), ScenarioFile: p.Name + ".scenario",
		}})
	}
	return out
}

// ProvenFor returns the proven solutions (see Solution.Proven) whose
// scenario was written for goal (feature.Spec.Serves), newest first.
func ProvenFor(net *pixnet.Store, goal string) []Solution {
	var out []Solution
	for _, s := range Solutions(net) {
		if s.Proven && s.Spec.Serves(goal) {
			out = append(out, s)
		}
	}
	return out
}

// ShippedSolutions are the default features of pxOS v1.0 as verified
// solution records (their scenarios pass in the test suite).
func ShippedSolutions() ([]pixnet.Record, error) {
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		return nil, err
	}
	var out []pixnet.Record
	for _, s := range specs {
		out = append(out, SolutionRecord(s, Proven, "shipped", 0, TagShipped))
	}
	api, err := fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	if err != nil {
		return nil, err
	}
	out = append(out, pixnet.Record{Kind: pixnet.KindReference, Tags: []string{"pxos", "api", "hooks", "memory-map", TagShipped},
		Title: "pxOS v1.0 API: memory map, hook slots, calling convention, routines", Body: string(api)})
	return out, nil
}

// OpenNetwork opens the pixel network at path. A network that does not exist
// yet is created from the built-in knowledge and the shipped solutions; an
// existing one that lacks any of this binary's shipped records (a network
// made by an older pxos) gets those appended once.
func OpenNetwork(path string) (*pixnet.Store, error) {
	shipped, err := ShippedSolutions()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		s, err := pixnet.SeedNew(path, false, shipped...)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, pixnet.ErrExists) {
			return nil, err
		}
	}
	s, err := pixnet.Open(path)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range s.Records() {
		if hasTag(r.Tags, TagShipped) {
			have[r.Title+"\x00"+string(r.Payload)+"\x00"+r.Body] = true
		}
	}
	var missing []pixnet.Record
	for _, r := range shipped {
		if !have[r.Title+"\x00"+string(r.Payload)+"\x00"+r.Body] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		if _, err := s.AppendBatch(missing); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// record writes an attempt to the network: a failure with the error and the
// answer, or a (validated, not yet verified) solution.
func (g *Generator) record(at *Attempt, req Request, res *Result) {
	if g.Network == nil {
		return
	}
	var r pixnet.Record
	if res != nil {
		if at.Candidate != nil && at.Candidate.Verified {
			return // a verified solution reused offline: it is in the network already
		}
		r = SolutionRecord(res.Spec, Validated, at.Provider, res.Install.Addr, "gen")
	} else {
		answer := ""
		if at.Candidate != nil {
			answer = at.Candidate.Source
			if answer == "" {
				answer = at.Candidate.Answer
			}
		}
		payload, _ := json.Marshal(at)
		r = pixnet.Record{
			Kind:    pixnet.KindFailure,
			Tags:    []string{"gen", at.Provider, "attempt-" + fmt.Sprint(at.N)},
			Title:   fmt.Sprintf("failure: %s (attempt %d)", req.Feature, at.N),
			Body:    fmt.Sprintf("Feature: %s\nVerdict: %s\nError:\n%s\n\nAnswer:\n%s", req.Feature, at.Verdict, at.Error, answer),
			Payload: payload,
		}
	}
	if rec, err := g.Network.Append(r); err == nil {
		at.RecordID = rec.ID
	} else {
		g.logf("warning: could not record attempt %d in the network: %v\n", at.N, err)
	}
}
