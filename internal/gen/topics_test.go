package gen

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// The API page's optional topics (hook_init, hook_prompt, hook_idle, the
// parsing example) reach a request only when the goal names them; the
// core (every slot, routine and variable in the tables) always does; the
// markers never reach a model.
func TestPromptTopics(t *testing.T) {
	page := api(t)
	core, all := promptAPI(page, "*")
	for _, want := range []string{"**hook_init**", "**hook_prompt**", "**hook_idle**", "add_run:"} {
		if !strings.Contains(all, want) {
			t.Errorf("the topics lack %q", want)
		}
		if strings.Contains(core, want) {
			t.Errorf("the core holds the topic %q", want)
		}
	}
	cases := []struct {
		goal      string
		want, not []string
	}{
		{"Add a 'ver' command that prints the version", nil, []string{"**hook_init**", "**hook_prompt**", "**hook_idle**", "add_run:"}},
		{"Change the prompt from 'pxOS> ' to 'px$ '", []string{"**hook_prompt**"}, []string{"**hook_idle**", "add_run:"}},
		{"Show the time in the top right corner while waiting for input", []string{"**hook_idle**"}, []string{"**hook_prompt**"}},
		{"Make the line buffer hold 128 characters", []string{"**hook_init**"}, []string{"**hook_idle**"}},
		{"Add a 'color' command that changes the text colour", []string{"**hook_init**"}, []string{"**hook_idle**"}},
		{"Add a command 'add A B' that prints the sum of two numbers", []string{"add_run:"}, []string{"**hook_idle**"}},
	}
	for _, c := range cases {
		gotCore, got := promptAPI(page, c.goal)
		if gotCore != core {
			t.Errorf("%q: the core differs with the goal", c.goal)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q: the topics lack %q", c.goal, w)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%q: the topics hold %q, which the goal does not need", c.goal, w)
			}
		}
		for _, s := range []string{core, got, all} {
			if strings.Contains(s, "<!--") || strings.Contains(s, "-->") {
				t.Errorf("%q: a topic marker reached the prompt", c.goal)
			}
		}
	}
	for _, w := range []string{"`read_key`", "`print_at`", "`parse_dec`", "`hook_idle`", "`hook_init`", "`text_attr`", "`line_max`", "prev_hook_init"} {
		if !strings.Contains(core, w) {
			t.Errorf("the core lacks %s", w)
		}
	}
}

// A request for a clock gets the hook_idle topic after the core, one for
// 'ver' does not; both start with the same core.
func TestPromptTopicsInRequests(t *testing.T) {
	var systems []string
	for _, goal := range []string{"Add a 'ver' command that prints the version", "Show a clock in the corner while waiting for a key"} {
		srv := llmtest.New(t, llmtest.Options{ContextLength: 4096, Reply: func(llmtest.ChatRequest) llmtest.Reply {
			return llmtest.Reply{Content: answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)}
		}})
		net := openNet(t)
		base := kbBase(t, net, "backspace", "command parser", "help command", "clear screen")
		g := &Generator{Base: base, API: api(t), Network: net, Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
		g.Generate(context.Background(), Request{Feature: goal})
		if len(srv.Chats()) == 0 {
			t.Fatalf("%q: no request", goal)
		}
		systems = append(systems, srv.Chats()[0].Messages[0].Content)
	}
	if strings.Contains(systems[0], "**hook_idle**") || !strings.Contains(systems[1], "**hook_idle**") {
		t.Errorf("hook_idle topic: ver %v, clock %v; want false, true", strings.Contains(systems[0], "**hook_idle**"), strings.Contains(systems[1], "**hook_idle**"))
	}
	core := systems[0][:strings.Index(systems[0], "The current build:")]
	core, _, _ = strings.Cut(core, "For this goal:")
	if !strings.HasPrefix(systems[1], core) {
		t.Error("the two requests do not share the core prefix")
	}
}

// A hook_idle handler that waits for a key is refused, with its line; one
// that only checks for a key is not.
func TestIdleMustNotWait(t *testing.T) {
	net := openNet(t)
	base := kbBase(t, net)
	for _, c := range []struct {
		asm, want string
	}{
		{"w_idle:\n        call read_key\n        jmp prev_hook_idle\n", "answer.asm:2: the hook_idle handler w_idle waits for a key (read_key)"},
		{"w_idle:\n        call w_wait\n        jmp prev_hook_idle\nw_wait:\n        xor ah, ah\n        int 0x16\n        ret\n", "answer.asm:6: the hook_idle handler w_idle waits for a key (int 16h AH=00h/10h)"},
		{"w_idle:\n        mov ax, 0x1000\n        int 16h\n        jmp prev_hook_idle\n", "waits for a key (int 16h AH=00h/10h)"},
		{"w_idle:\n        mov ah, 0x01\n        int 0x16\n        jmp prev_hook_idle\n", ""},
	} {
		srv := llmtest.New(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
			return llmtest.Reply{Content: answerJSON(c.asm, map[string]string{"hook_idle": "w_idle"}, "wait \"{prompt}\"\nexpect \"x\"\n")}
		}})
		g := &Generator{Base: base, API: api(t), Network: net, Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
		_, atts, err := g.Generate(context.Background(), Request{Feature: "Show a clock while idle", MaxAttempts: 1})
		got := ""
		if err != nil && len(atts) > 0 {
			got = atts[len(atts)-1].Error
		}
		if c.want == "" && strings.Contains(got, "waits for a key") || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%q: error %q, want %q", c.asm, got, c.want)
		}
	}
}
