package gen

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// countingProvider proposes nothing and counts the calls.
type countingProvider struct{ calls int }

func (p *countingProvider) Name() string { return "counting" }

func (p *countingProvider) Propose(context.Context, *Request, *PromptContext, *Attempt) (*Candidate, error) {
	p.calls++
	return nil, errors.New("gen test: no answer")
}

func failures(net *pixnet.Store) int {
	n := 0
	for _, r := range net.Records() {
		if r.Kind == pixnet.KindFailure {
			n++
		}
	}
	return n
}

// A kb solution whose name is installed already (asked for by a description
// whose slug differs from the name) ends the run at once: one attempt, no
// failure recorded, ErrInstalled.
func TestKBInstalledByName(t *testing.T) {
	net := openNet(t)
	base := loadBase(t)
	g := &Generator{Base: base, API: api(t), Network: net, Provider: &KB{Network: net}}
	res, _, err := g.Generate(context.Background(), Request{Feature: "backspace"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Base, err = base.Apply(res.Install); err != nil {
		t.Fatal(err)
	}
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Add backspace support to shell"})
	if !errors.Is(err, feature.ErrInstalled) || len(attempts) != 1 {
		t.Fatalf("err = %v after %d attempts, want ErrInstalled after 1", err, len(attempts))
	}
	if n := failures(net); n != 0 {
		t.Errorf("%d failure records, want none", n)
	}
}

// A kb solution that needs a feature the build lacks ends the run at once
// and says what to add first.
func TestKBMissingRequired(t *testing.T) {
	net := openNet(t)
	g := &Generator{Base: loadBase(t), API: api(t), Network: net, Provider: &KB{Network: net}}
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Add 'help' command that shows available commands"})
	if err == nil || !strings.Contains(err.Error(), "needs the feature command_parser") || len(attempts) != 1 {
		t.Fatalf("err = %v after %d attempts, want the missing command_parser after 1", err, len(attempts))
	}
	if n := failures(net); n != 0 {
		t.Errorf("%d failure records, want none", n)
	}
}

// A requested address that is not free is refused before any provider call.
func TestAddrNotFree(t *testing.T) {
	for _, addr := range []uint32{0x7C10, 0x7E20, 0x7F70} {
		p := &countingProvider{}
		g := &Generator{Base: loadBase(t), API: api(t), Provider: p}
		_, _, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", Addr: addr})
		if err == nil || !strings.Contains(err.Error(), "is not free in this build") || p.calls != 0 {
			t.Errorf("addr 0x%04X: err = %v after %d calls, want a refusal before any", addr, err, p.calls)
		}
	}
	p := &countingProvider{}
	g := &Generator{Base: loadBase(t), API: api(t), Provider: p}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", Addr: 0x9000, MaxAttempts: 1}); p.calls != 1 {
		t.Errorf("free addr 0x9000: err = %v after %d calls, want the provider asked", err, p.calls)
	}
}

// In a 4096-token context with a 2600-token answer budget, a repair prompt
// does not fit; the answer budget is lowered instead of failing.
func TestSmallContextRepair(t *testing.T) {
	net := openNet(t)
	base := kbBase(t, net, "Implement command parser for basic commands", "backspace")
	verHooks := map[string]string{"cmd_head": "ver_entry"}
	answers := []string{answerJSON(strings.Replace(verAsm, "call print_string", "movx ax, 1", 1), verHooks, verScenario), answerJSON(verAsm, verHooks, verScenario)}
	srv := llmtest.New(t, llmtest.Options{ContextLength: 4096, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: answers[min(r.N, len(answers))-1]}
	}})
	g := &Generator{Base: base, API: api(t), Network: net,
		Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", MaxTokens: 2600})
	if err != nil {
		t.Fatalf("err = %v; attempts %+v", err, attempts)
	}
	chats := srv.Chats()
	if len(chats) != 2 || !strings.Contains(chats[1].Last(), "unknown mnemonic") {
		t.Fatalf("%d chats; want 2, the second a repair", len(chats))
	}
	if !strings.Contains(string(chats[1].Body), `"max_tokens":512`) {
		t.Errorf("repair request does not lower max_tokens to 512: %.300s", chats[1].Body)
	}
}

// A repair whose error (screens, failing tests) does not fit a 4096-token
// context goes out with the error's head and a note that the rest was cut,
// rather than not at all.
func TestSmallContextLongRepair(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{ContextLength: 4096, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)}
	}})
	// The four default features make the instructions longer (their labels).
	base := kbBase(t, openNet(t), "backspace", "command parser", "help command", "clear screen")
	g := &Generator{Base: base, API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	long := "HEAD: what is wrong comes first.\n" + strings.Repeat("  | row of a screen, \"quoted\", 0x7C00 12:34\n", 200)
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Make the line buffer hold 128 characters instead of 64, so that long commands fit",
		Repair: &Attempt{N: 1, Verdict: "invalid", Error: long}})
	if err != nil {
		t.Fatalf("err = %v; attempts %+v", err, attempts)
	}
	q := srv.Chats()[0].Last()
	if !strings.Contains(q, "HEAD: what is wrong comes first.") || !strings.Contains(q, "more characters cut to fit the model's context") || strings.Contains(q, long) {
		t.Errorf("the repair prompt:\n%s", q)
	}
}

// kbBase is the bare base with the offline provider's solutions for goals
// installed in order.
func kbBase(t *testing.T, net *pixnet.Store, goals ...string) *feature.Base {
	t.Helper()
	base := loadBase(t)
	for _, goal := range goals {
		g := &Generator{Base: base, API: api(t), Network: net, Provider: &KB{Network: net}}
		res, _, err := g.Generate(context.Background(), Request{Feature: goal})
		if err != nil {
			t.Fatal(err)
		}
		if base, err = base.Apply(res.Install); err != nil {
			t.Fatal(err)
		}
	}
	return base
}
