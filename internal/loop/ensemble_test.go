package loop

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// Issue 19, ensembling: two models answer each round at once; each answer
// is tested and proven as any; the smallest proven one is kept, every
// candidate is in the report with its model, and the network's record
// says whose answers pass.
func TestEnsemble(t *testing.T) {
	const goal = "Add a 'ver' command that prints the version"
	good := answerJSON(map[string]any{"name": "ver", "assembly": command("ver", "ver", prints("pxOS v1.1 (ensemble)")), "slot": "cmd_head", "handler": "ver_entry",
		"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\nexpect \"pxOS v1.1 (ensemble)\"\n"})
	// Larger: a longer text, the same behaviour.
	longer := answerJSON(map[string]any{"name": "ver", "assembly": command("ver", "ver", prints("pxOS v1.1 (ensemble)")+"ver_pad: times 40 db 0\n"), "slot": "cmd_head", "handler": "ver_entry",
		"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\nexpect \"pxOS v1.1 (ensemble)\"\n"})
	// Smaller, and wrong: it prints nothing its scenario expects.
	bad := answerJSON(map[string]any{"name": "ver", "assembly": command("ver", "ver", "        ret\n"), "slot": "cmd_head", "handler": "ver_entry",
		"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\nexpect \"pxOS v1.1 (ensemble)\"\n"})
	// Equal sizes: the one whose scenario runs in fewer instructions.
	delay := func(n string) string {
		return answerJSON(map[string]any{"name": "ver", "assembly": command("ver", "ver", "        mov cx, "+n+"\n.wait:  loop .wait\n"+prints("pxOS v1.1 (ensemble)")), "slot": "cmd_head", "handler": "ver_entry",
			"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\nexpect \"pxOS v1.1 (ensemble)\"\n"})
	}
	for _, c := range []struct {
		name       string
		answers    map[string]string
		chosen     string
		verdicts   map[string]string
		untested   int
		recordFail string
	}{
		{"one writes failing code", map[string]string{"a-good": good, "b-bad": bad}, "a-good", map[string]string{"a-good": "passed", "b-bad": "failed"}, 0, "b-bad"},
		{"the smaller of two that work", map[string]string{"a-long": longer, "b-short": good}, "b-short", map[string]string{"a-long": "untested", "b-short": "passed"}, 1, ""},
		{"equal sizes: the fewer instructions", map[string]string{"a-slow": delay("30000"), "b-fast": delay("3")}, "b-fast", map[string]string{"a-slow": "untested", "b-fast": "passed"}, 1, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var models []string
			for m := range c.answers {
				models = append(models, m)
			}
			srv := llmtest.New(t, llmtest.Options{Models: models, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
				if strings.HasPrefix(r.Messages[0].Content, "You plan work") {
					return llmtest.Reply{Content: planJSON(map[string]string{"goal": goal})}
				}
				return llmtest.Reply{Content: c.answers[r.Model]}
			}})
			var members []gen.Member
			for _, m := range []string{"a-good", "a-long", "a-slow", "b-bad", "b-short", "b-fast"} {
				if c.answers[m] != "" {
					client := llm.New(llm.Config{URL: srv.URL, Model: m, Timeout: 10 * time.Second})
					members = append(members, gen.Member{Name: m, Provider: &gen.OpenAI{Client: client}})
				}
			}
			ws := workspace(t, "command_parser")
			net := network(t)
			client := llm.New(llm.Config{URL: srv.URL, Model: members[0].Name, Timeout: 10 * time.Second})
			ens := &gen.Ensemble{Members: members, Samples: 1}
			rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: ens, Client: client, Goals: []string{goal},
				MaxAttempts: 2, MaxIterations: 10, Report: t.TempDir() + "/r.json"})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			g := rep.Goals[len(rep.Goals)-1]
			if g.Result != ResultPassed {
				t.Fatalf("goal %s: %s", g.Result, g.Note)
			}
			for _, a := range g.Attempts {
				t.Logf("attempt %d %s %s %s: %.120s", a.N, a.Model, a.Phase, a.Verdict, a.Error)
			}
			got := map[string]string{}
			var chosen string
			untested := 0
			for _, a := range g.Attempts {
				got[a.Model] = a.Verdict
				if a.Verdict == "passed" {
					chosen = a.Model
				}
				if a.Verdict == "untested" {
					untested++
				}
			}
			if chosen != c.chosen || untested != c.untested {
				t.Errorf("chosen %q with %d untested, want %q with %d; attempts %+v", chosen, untested, c.chosen, c.untested, g.Attempts)
			}
			for m, v := range c.verdicts {
				if got[m] != v {
					t.Errorf("%s's candidate: %q, want %q", m, got[m], v)
				}
			}
			if g.ModelCalls != len(c.answers) {
				t.Errorf("model calls %d, want %d", g.ModelCalls, len(c.answers))
			}
			// The network's record, and the report's summary.
			stats := map[string]gen.ModelStat{}
			for _, s := range gen.ModelStats(net) {
				stats[s.Model] = s
			}
			if stats[c.chosen].Passed != 1 {
				t.Errorf("record of %s: %+v, want 1 passed", c.chosen, stats[c.chosen])
			}
			if c.recordFail != "" && stats[c.recordFail].Failed == 0 {
				t.Errorf("record of %s: %+v, want a failure", c.recordFail, stats[c.recordFail])
			}
			sum := map[string]ModelSummary{}
			for _, m := range rep.Models {
				sum[m.Model] = m
			}
			if s := sum[c.chosen]; s.Answers != 1 || s.Passed != 1 || s.RecordPassed != 1 {
				t.Errorf("summary of %s: %+v", c.chosen, s)
			}
			// A later run orders the members by their record.
			later := append([]gen.Member(nil), members...)
			gen.Order(later, gen.ModelStats(net))
			if later[0].Name != c.chosen {
				t.Errorf("ordered by record: %s first, want %s", later[0].Name, c.chosen)
			}
		})
	}
}
