package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// scripted proposes the given candidates in turn (the last one again when
// they run out) and counts the calls.
type scripted struct {
	cands []*Candidate
	calls int
}

func (p *scripted) Name() string { return "scripted" }

func (p *scripted) Propose(context.Context, *Request, *PromptContext, *Attempt) (*Candidate, error) {
	p.calls++
	c := *p.cands[min(p.calls, len(p.cands))-1]
	return &c, nil
}

// commands numbers the labels of each command candidate.
var commands int

// command is a candidate that adds the command word, printing prints.
func command(word, prints string) *Candidate {
	commands++
	p := fmt.Sprintf("c%d", commands)
	src := strings.NewReplacer("WORD", word, "TEXT", prints, "c_", p+"_").Replace(`c_entry: dw prev_cmd_head, c_name, c_run, 0
c_name: db "WORD", 0
c_text: db "TEXT", 13, 10, 0
c_run:  mov si, c_text
        jmp print_string
`)
	return &Candidate{Explanation: "prints " + prints, Source: src, Hooks: map[string]string{"cmd_head": p + "_entry"},
		Scenario: "wait \"pxOS>\"\ntype \"" + word + "\\n\"\nexpect \"" + prints + "\"\n"}
}

// A model that says the goal cannot be done ends the generation at once with
// its reason; nothing is asked again.
func TestInfeasible(t *testing.T) {
	p := &scripted{cands: []*Candidate{{Explanation: "the buffer is in the base", Infeasible: "the line buffer is 64 bytes in the base; 128 needs a base change"}}}
	g := &Generator{Base: parserBase(t), API: api(t), Provider: p}
	_, atts, err := g.Generate(context.Background(), Request{Feature: "Make the line buffer hold 128 characters"})
	var inf *InfeasibleError
	if !errors.As(err, &inf) || !strings.Contains(inf.Reason, "base change") {
		t.Fatalf("err = %v, want InfeasibleError", err)
	}
	if p.calls != 1 || len(atts) != 1 || atts[0].Verdict != "infeasible" || atts[0].Explanation != "the buffer is in the base" {
		t.Errorf("calls %d, attempts %+v", p.calls, atts)
	}
}

// An answer identical to a rejected one stops the generation: asking a
// third time would get the same answer again.
func TestRepeatedAnswerStops(t *testing.T) {
	bad := command("ver", "v1")
	bad.Source = "c_entry: movx ax, 1"
	p := &scripted{cands: []*Candidate{bad}}
	g := &Generator{Base: parserBase(t), API: api(t), Provider: p}
	rejected := map[string]int{}
	_, atts, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", MaxAttempts: 5, Rejected: rejected})
	if !errors.Is(err, ErrRepeated) || p.calls != 2 || len(atts) != 2 || atts[1].Verdict != "repeated" {
		t.Fatalf("err = %v, calls %d, attempts %+v; want ErrRepeated on the second", err, p.calls, atts)
	}
	// The rejected answers are shared with the caller: a later Generate for
	// the same goal stops at once too.
	_, _, err = g.Generate(context.Background(), Request{Feature: "Add a ver command", Rejected: rejected})
	if !errors.Is(err, ErrRepeated) || p.calls != 3 {
		t.Errorf("second Generate: err = %v after %d calls", err, p.calls)
	}
}

// Names: the model's (cleaned), else the command word; a name that is
// installed gets a suffix. Never the goal cut to 24 characters.
func TestFeatureNames(t *testing.T) {
	base := parserBase(t)
	hello, bye := command("hello", "Hello there"), command("goodbye", "Bye now")
	named := command("hi", "hi!")
	named.Name = "Greeting Command"
	for _, c := range []struct {
		cand *Candidate
		goal string
		want string
	}{
		{hello, "Add a shell command that prints 'hello'", "hello"},
		{bye, "Add a shell command that prints 'goodbye'", "goodbye"},
		{named, "Add a shell command that greets", "greeting_command"},
		{command("hello", "Hello again"), "Add another hello", "hello_2"},
	} {
		g := &Generator{Base: base, API: api(t), Provider: &scripted{cands: []*Candidate{c.cand}}}
		res, _, err := g.Generate(context.Background(), Request{Feature: c.goal})
		if err != nil {
			t.Fatalf("%s: %v", c.goal, err)
		}
		if res.Spec.Name != c.want || res.Spec.Goal != c.goal {
			t.Errorf("%s: name %q goal %q, want %q", c.goal, res.Spec.Name, res.Spec.Goal, c.want)
		}
		if base, err = base.Apply(res.Install); err != nil {
			t.Fatal(err)
		}
	}
}

// A command on the bare base needs the command parser: Prepare is asked for
// it and the same answer is validated again on the base it returns, without
// another provider call. A requirement nobody can install goes back to the
// model.
func TestPrepareRequirements(t *testing.T) {
	net := openNet(t)
	bare := loadBase(t)
	p := &scripted{cands: []*Candidate{command("ver", "v1.0 (generated)")}}
	var asked []string
	prepare := func(ctx context.Context, name string, missing []string) (*feature.Base, error) {
		asked = append(asked, missing...)
		return parserBase(t), nil
	}
	g := &Generator{Base: bare, API: api(t), Network: net, Provider: p}
	res, atts, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", Prepare: prepare})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, ",") != "command_parser" || p.calls != 1 || len(atts) != 1 || !res.Install.Base.Present("command_parser") {
		t.Errorf("asked %v, calls %d, attempts %d", asked, p.calls, len(atts))
	}
	if strings.Join(res.Spec.Requires, ",") != "command_parser" {
		t.Errorf("requires = %v, want the parser recorded", res.Spec.Requires)
	}

	odd := command("ver", "v1")
	odd.Requires = []string{"graphics_driver"}
	p = &scripted{cands: []*Candidate{odd, command("ver", "v1")}}
	g = &Generator{Base: parserBase(t), API: api(t), Network: net, Provider: p}
	_, atts, err = g.Generate(context.Background(), Request{Feature: "Add a ver command", Prepare: prepare})
	if err != nil || len(atts) != 2 || !strings.Contains(atts[0].Error, "graphics_driver, which is neither installed nor a feature pxos can install") {
		t.Fatalf("err = %v, attempts %+v", err, atts)
	}
}

// Offline, a goal is answered only by a solution proven for that goal, never
// by one that shares words with it; the error names the closest as a
// suggestion.
func TestKBOnlyForItsGoal(t *testing.T) {
	net := openNet(t)
	kb := &KB{Network: net}
	for goal, want := range map[string]string{
		"Add backspace support to shell":       "backspace",
		"backspace":                            "backspace",
		"help command":                         "help",
		"clear screen":                         "clear",
		"command parser":                       "command_parser",
		"Add a 'cls' command":                  "",
		"Make the delete key erase characters": "",
		"Add an 'echo' command that prints its arguments": "",
	} {
		c, err := kb.Propose(context.Background(), &Request{Feature: goal}, nil, nil)
		if want == "" {
			if !errors.Is(err, ErrNoSolution) || !strings.Contains(err.Error(), "was proven for another goal") {
				t.Errorf("%q: %v, %v; want no solution with a suggestion", goal, c, err)
			}
			continue
		}
		if err != nil || c.Name != want {
			t.Errorf("%q: %v, %v; want %s", goal, c, err, want)
		}
	}
	c, err := kb.Propose(context.Background(), &Request{Feature: "anything", Solution: "command_parser"}, nil, nil)
	if err != nil || c.Name != "command_parser" {
		t.Errorf("by name: %v, %v", c, err)
	}
}

// The build loop's generator learns nothing from a valid answer: only a
// tested one becomes a solution (the loop records it).
func TestValidAnswerNotLearned(t *testing.T) {
	net := openNet(t)
	before := len(Solutions(net))
	g := &Generator{Base: parserBase(t), API: api(t), Network: net, Provider: &scripted{cands: []*Candidate{command("ver", "v1")}}}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a ver command"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range net.Records() {
		if r.Kind == pixnet.KindSolution {
			var p solutionPayload
			json.Unmarshal(r.Payload, &p)
			if p.Name == "ver" {
				t.Errorf("a valid, untested answer was recorded: %s", r.Title)
			}
		}
	}
	if n := len(Solutions(net)); n != before {
		t.Errorf("%d solutions, want %d", n, before)
	}
}

// A model's feature does not take the name of a verified solution for
// another goal: its "help" that prints the time becomes help_2, so that it
// never passes for the help feature (as a prerequisite, say).
func TestReservedNames(t *testing.T) {
	net := openNet(t)
	named := command("time", "Time: 12:00")
	named.Name = "help"
	g := &Generator{Base: parserBase(t), API: api(t), Network: net, Provider: &scripted{cands: []*Candidate{named}}}
	res, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'time' command"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Spec.Name != "help_2" {
		t.Errorf("name %q, want help_2", res.Spec.Name)
	}
	// For the help goal itself, the name is the solution's own.
	named.Name = "help"
	g.Provider = &scripted{cands: []*Candidate{named}}
	if res, _, err = g.Generate(context.Background(), Request{Feature: "help command"}); err != nil || res.Spec.Name != "help" {
		t.Errorf("help command: %v, %v", res, err)
	}
}

// The preprocessor directives the answer rules forbid are refused, with the
// line: a %define could rename pxOS's routines under pxos's own checks.
func TestDirectivesRefused(t *testing.T) {
	c := command("ver", "v1")
	c.Source = "%define TM_UNUSED 1\n" + c.Source
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &scripted{cands: []*Candidate{c}}}
	_, atts, err := g.Generate(context.Background(), Request{Feature: "Add a ver command", MaxAttempts: 1})
	if err == nil || len(atts) != 1 || !strings.Contains(atts[0].Error, "answer.asm:1: %define is not allowed in an answer") {
		t.Fatalf("err %v, attempts %+v", err, atts)
	}
}

// A streamed answer reaches the terminal printable and bounded: escape
// sequences become U+FFFD, and past 64 KiB the rest is counted, not shown.
func TestStreamShownSafely(t *testing.T) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	evil := "\x1b]0;pwned\x07\x1b[2J" + strings.Repeat("x", 70<<10) + "\n" + good
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: evil, Chunks: []string{evil[:20], evil[20:]}}
	}, ContextLength: 32768})
	var out bytes.Buffer
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second}), Stream: &out}}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a ver command"}); err != nil {
		t.Fatal(err)
	}
	shown := out.String()
	if strings.ContainsAny(shown, "\x1b\x07") || !strings.Contains(shown, "\uFFFD]0;pwned") || len(shown) > 70<<10 || !strings.Contains(shown, "more bytes of the answer not shown") {
		t.Errorf("shown %d bytes: %.200q ... %q", len(shown), shown, shown[max(0, len(shown)-80):])
	}
}

// Two commands through one cmd_head slot: the entries link to each other
// and the last one to prev_cmd_head. A loop between them is refused.
func TestTwoCommandsOneSlot(t *testing.T) {
	two := &Candidate{Hooks: map[string]string{"cmd_head": "tw_date"}, Scenario: "wait \"pxOS>\"\ntype \"date\\n\"\nexpect \"D\"\n", Source: `tw_date: dw tw_time, tw_dn, tw_run, 0
tw_time: dw prev_cmd_head, tw_tn, tw_run, 0
tw_dn: db "date", 0
tw_tn: db "time", 0
tw_run: mov al, 'D'
        jmp print_char
`}
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &scripted{cands: []*Candidate{two}}}
	res, _, err := g.Generate(context.Background(), Request{Feature: "Add 'date' and 'time' commands", MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	if w := feature.CommandWords(res.Install); strings.Join(w, ",") != "date,time" {
		t.Errorf("words %v", w)
	}
	loop := *two
	loop.Source = strings.Replace(two.Source, "tw_time: dw prev_cmd_head", "tw_time: dw tw_date", 1)
	g.Provider = &scripted{cands: []*Candidate{&loop}}
	if _, atts, err := g.Generate(context.Background(), Request{Feature: "Add 'date' and 'time' commands", MaxAttempts: 1}); err == nil || !strings.Contains(atts[0].Error, "link in a loop") {
		t.Errorf("%v %+v", err, atts)
	}
}
