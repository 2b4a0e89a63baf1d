package gen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Tags on solution records. A solution is "verified" only when its
// acceptance scenario passed on a machine; the offline provider uses nothing
// else. "shipped" marks the default features that come with pxos.
const (
	TagVerified  = "verified"
	TagValidated = "validated" // passed gen's static checks, not yet run
	TagShipped   = "shipped"
)

// solutionPayload is the structured part of a solution record: enough to
// reassemble the feature anywhere.
type solutionPayload struct {
	Name     string            `json:"name"`
	Goal     string            `json:"goal"`
	Keywords []string          `json:"keywords,omitempty"`
	Hooks    map[string]string `json:"hooks"`
	Requires []string          `json:"requires,omitempty"`
	Source   string            `json:"source"`
	Scenario string            `json:"scenario"`
	Verified bool              `json:"verified"`
	Provider string            `json:"provider,omitempty"`
	Addr     uint32            `json:"addr,omitempty"`
}

// Solution is a solution record decoded back into a feature.
type Solution struct {
	RecordID uint64
	Spec     *feature.Spec
	Verified bool
}

// SolutionRecord renders a feature as a solution record.
func SolutionRecord(s *feature.Spec, verified bool, provider string, addr uint32, tags ...string) pixnet.Record {
	p := solutionPayload{Name: s.Name, Goal: s.Goal, Keywords: s.Keywords, Hooks: s.Hooks, Requires: s.Requires,
		Source: string(s.Source), Scenario: string(s.Scenario), Verified: verified, Provider: provider, Addr: addr}
	payload, _ := json.Marshal(p)
	tags = append([]string{"feature:" + s.Name}, tags...)
	if verified {
		tags = append(tags, TagVerified)
	} else {
		tags = append(tags, TagValidated)
	}
	var hooks []string
	for slot, h := range s.Hooks {
		hooks = append(hooks, slot+" -> "+h)
	}
	body := fmt.Sprintf("Goal: %s\nFeature: %s\nKeywords: %s\nHooks: %s\nRequires: %s\n\nAssembly:\n%s\nAcceptance scenario:\n%s",
		s.Goal, s.Name, strings.Join(s.Keywords, ", "), strings.Join(hooks, ", "), strings.Join(s.Requires, ", "), s.Source, s.Scenario)
	return pixnet.Record{Kind: pixnet.KindSolution, Tags: tags, Title: "solution: " + s.Goal, Body: body, Payload: payload}
}

// Solutions returns the verified solutions in the network, newest first for
// each feature name (an older record of the same feature is left out).
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
		if err := json.Unmarshal(r.Payload, &p); err != nil || !p.Verified || p.Name == "" || p.Source == "" || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		out = append(out, Solution{RecordID: r.ID, Verified: true, Spec: &feature.Spec{
			Name: p.Name, Goal: p.Goal, Keywords: p.Keywords, Hooks: p.Hooks, Requires: p.Requires,
			Source: []byte(p.Source), SourceFile: p.Name + ".asm", Scenario: []byte(p.Scenario), ScenarioFile: p.Name + ".scenario",
		}})
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
		out = append(out, SolutionRecord(s, true, "shipped", 0, TagShipped))
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
// existing one that lacks the shipped solutions gets them appended once.
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
	for _, r := range s.Records() {
		for _, t := range r.Tags {
			if t == TagShipped {
				return s, nil
			}
		}
	}
	if _, err := s.AppendBatch(shipped); err != nil {
		s.Close()
		return nil, err
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
		r = SolutionRecord(res.Spec, false, at.Provider, res.Install.Addr, "gen")
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
