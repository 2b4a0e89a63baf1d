// Package testgen writes extra test scenarios for a pxOS feature, beyond
// its acceptance scenario: edge cases such as empty arguments, the longest
// line, repeated use and interaction with the installed features. A model
// proposes them (Ask); offline, Offline derives the ones that need no
// model from the feature's command words and its acceptance scenario.
//
// Proposals are untrusted, like the code: Judge keeps a proposal only when
// it passes on the build with the feature and fails on the build without
// it (fail-to-pass), on every machine asked for. What is kept joins the
// regression suite (the caller writes it; see workspace.KeptTest).
package testgen

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// Proposal is one proposed test and, after Judge, its verdict.
type Proposal struct {
	Name     string `json:"name"` // label-safe ("empty_args"): the file is feature_FEATURE.NAME.txt
	Why      string `json:"why"`  // the edge case it checks, in a sentence
	Scenario string `json:"scenario"`
	By       string `json:"by"` // the model that wrote it, or "offline"

	Kept   bool   `json:"kept"`
	Reason string `json:"reason"` // why it was dropped, or the evidence when kept
}

// DefaultCount is how many tests Ask requests when told 0.
const DefaultCount = 3

//go:embed templates/*.tmpl
var tmplFS embed.FS

var tmpl = template.Must(template.ParseFS(tmplFS, "templates/*.tmpl"))

var schema = llm.Schema{Name: "pxos_tests", Schema: map[string]any{
	"type":                 "object",
	"additionalProperties": false,
	"required":             []string{"tests"},
	"properties": map[string]any{
		"tests": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []string{"name", "why", "scenario"},
				"properties": map[string]any{
					"name":     map[string]any{"type": "string"},
					"why":      map[string]any{"type": "string"},
					"scenario": map[string]any{"type": "string"},
				},
			},
		},
	},
}}

// AskOptions tune Ask.
type AskOptions struct {
	Count       int     // tests to ask for; DefaultCount when 0
	Temperature float64 // llm.DefaultTemperature when 0
	MaxTokens   int     // 0: the server decides
	Installed   []string
}

// Ask asks the model behind client for extra tests of spec (its source,
// goal and acceptance scenario are in the prompt, with the installed
// features). The error is the server's, or a malformed answer's; tokens is
// what the call cost (0 when unknown).
func Ask(ctx context.Context, client *llm.Client, spec *feature.Spec, o AskOptions) (props []Proposal, tokens int, err error) {
	n := o.Count
	if n <= 0 {
		n = DefaultCount
	}
	var sys, user bytes.Buffer
	data := map[string]any{"Spec": spec, "Source": strings.TrimSpace(string(spec.Source)), "Scenario": strings.TrimSpace(string(spec.Scenario)),
		"Count": n, "Installed": strings.Join(o.Installed, ", "), "Words": spec.Hooks["cmd_head"] != ""}
	if err := tmpl.ExecuteTemplate(&sys, "system.tmpl", data); err != nil {
		return nil, 0, err
	}
	if err := tmpl.ExecuteTemplate(&user, "user.tmpl", data); err != nil {
		return nil, 0, err
	}
	t := o.Temperature
	if t == 0 {
		t = llm.DefaultTemperature
	}
	var out struct {
		Tests []Proposal `json:"tests"`
	}
	resp, err := client.ChatJSON(ctx, llm.Request{Messages: []llm.Message{llm.System(sys.String()), llm.User(user.String())},
		Temperature: llm.Temp(t), MaxTokens: o.MaxTokens}, schema, &out)
	if resp != nil {
		tokens = resp.Usage.TotalTokens
	}
	if err != nil {
		return nil, tokens, err
	}
	model, _ := client.Model(ctx)
	seen := map[string]bool{}
	for i, p := range out.Tests {
		if i == n {
			break
		}
		p.Name = cleanName(p.Name, fmt.Sprintf("test%d", i+1), seen)
		p.By, p.Kept, p.Reason = model, false, ""
		props = append(props, p)
	}
	return props, tokens, nil
}

// Offline derives the tests that need no model from spec and the
// command words its build gives it (feature.CommandWords):
//
//   - again: the acceptance scenario's keys typed a second time, with the
//     expectations that do not depend on a row (expect, expect-not)
//     checked again: the feature works when used repeatedly;
//   - empty_args, per command word: the word alone is a command (no
//     "Unknown command") and the shell goes on;
//   - longest_line, per command word: the word and arguments filling a
//     64-character line, then the word again.
func Offline(spec *feature.Spec, words []string) []Proposal {
	var out []Proposal
	if again := repeated(spec.Scenario); again != "" {
		out = append(out, Proposal{Name: "again", By: "offline", Why: "the feature works when used a second time", Scenario: again})
	}
	for i, w := range words {
		suffix := ""
		if i > 0 {
			suffix = "_" + cleanName(w, fmt.Sprint(i), nil)
		}
		out = append(out, Proposal{Name: "empty_args" + suffix, By: "offline",
			Why: fmt.Sprintf("%q alone, without arguments, is a command and does not hang the shell", w),
			Scenario: fmt.Sprintf("wait %q\ntype %s\nexpect-not \"Unknown command\"\ntype \"x\"\nexpect %q\n",
				scenario.Prompt, scenario.Quote(w+"\n"), scenario.Prompt+"x")})
		args := w + " " + strings.Repeat("a", max(64-len(w)-1, 0))
		out = append(out, Proposal{Name: "longest_line" + suffix, By: "offline",
			Why: fmt.Sprintf("%q with arguments filling a 64-character line, then again", w),
			Scenario: fmt.Sprintf("wait %q\ntype %s\ntype %s\nexpect-not \"Unknown command\"\ntype \"x\"\nexpect %q\n",
				scenario.Prompt, scenario.Quote(args+"\n"), scenario.Quote(w+"\n"), scenario.Prompt+"x")})
	}
	return out
}

// repeated is the acceptance scenario src with its keys typed again and
// its row-free expectations checked again, or "" when it types nothing.
func repeated(src []byte) string {
	sc, err := scenario.Parse("acceptance", src)
	if err != nil {
		return ""
	}
	var again, first []string
	typed, checks := false, false
	for _, st := range sc.Steps {
		first = append(first, st.Src)
		switch st.Op {
		case scenario.OpType, scenario.OpKey:
			typed = true
			again = append(again, st.String())
		case scenario.OpExpect, scenario.OpExpectNot, scenario.OpSettle:
			if typed {
				checks = checks || st.Op != scenario.OpSettle
				again = append(again, st.String())
			}
		}
	}
	if !typed || !checks {
		return "" // nothing to check the second time
	}
	return strings.Join(first, "\n") + "\n# The same keys again:\n" + strings.Join(again, "\n") + "\n"
}

var nameRE = regexp.MustCompile(`[^a-z0-9_]+`)

// cleanName makes s a test name (lower case, [a-z0-9_], at most 24
// characters, unique in seen), or def.
func cleanName(s, def string, seen map[string]bool) string {
	s = strings.Trim(nameRE.ReplaceAllString(strings.ToLower(s), "_"), "_")
	if len(s) > 24 {
		s = strings.TrimRight(s[:24], "_")
	}
	if s == "" {
		s = def
	}
	if seen != nil {
		base := s
		for i := 2; seen[s]; i++ {
			s = fmt.Sprintf("%s_%d", base, i)
		}
		seen[s] = true
	}
	return s
}

// Judge runs each proposal on the builds with the feature and on the
// build without it, on each of the machines (backend names; "emu" when
// none), and keeps those that parse, check something, pass on every build
// in with and fail on without, everywhere. Reason says why each was
// dropped, or what it proved.
//
// with should hold the build the feature was added to with it (no feature
// installed after it: a test that needs a later one is not the feature's)
// and the current build (where the test will run in the regression suite);
// without, the build the feature was added to.
func Judge(ctx context.Context, with [][]byte, without []byte, props []Proposal, machines []string) {
	if len(machines) == 0 {
		machines = []string{"emu"}
	}
	for i := range props {
		p := &props[i]
		sc, err := scenario.Parse("test "+p.Name, []byte(p.Scenario))
		if err != nil {
			p.Reason = "does not parse: " + firstLine(err.Error())
			continue
		}
		p.Scenario = string(bytes.TrimSpace([]byte(p.Scenario))) + "\n"
		if !hasCheck(sc) {
			p.Reason = "checks nothing (no expect, cursor or wait for a text)"
			continue
		}
		p.Kept, p.Reason = true, "fail-to-pass on "+strings.Join(machines, " and ")
	machines:
		for _, m := range machines {
			for i, img := range with {
				if res := run(ctx, m, img, sc); !res.Passed {
					what := "with the feature"
					if i > 0 {
						what = "on the current build"
					}
					p.Kept, p.Reason = false, fmt.Sprintf("fails %s (%s): %s", what, m, firstLine(res.Error))
					break machines
				}
			}
			if res := run(ctx, m, without, sc); res.Passed {
				p.Kept, p.Reason = false, fmt.Sprintf("passes without the feature (%s): it does not test it", m)
				break
			}
		}
	}
}

func hasCheck(sc *scenario.Scenario) bool {
	for _, st := range sc.Steps {
		switch {
		case st.Op == scenario.OpExpect, st.Op == scenario.OpExpectNot, st.Op == scenario.OpExpectRow, st.Op == scenario.OpExpectAttr, st.Op == scenario.OpCursor,
			st.Op == scenario.OpWait && st.Text != scenario.Prompt:
			return true
		}
	}
	return false
}

// run runs sc on a fresh machine of the named backend booted from img,
// bounded as every suite run is (scenario.SuiteOptions.Timeout).
func run(ctx context.Context, name string, img []byte, sc *scenario.Scenario) *scenario.Result {
	backs := scenario.Machines([]string{name}, func(ctx context.Context, n string, so scenario.StartOptions) (machine.Machine, error) {
		return backend.Open(ctx, n, img, backend.Options{Clock: so.Clock})
	})
	sr := scenario.RunSuite(ctx, []*scenario.Scenario{sc}, backs, scenario.SuiteOptions{})
	if len(sr.Results) == 0 {
		return &scenario.Result{Scenario: sc.Name, Error: strings.Join(sr.Errors, "; "), Failed: -1}
	}
	return sr.Results[0]
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
