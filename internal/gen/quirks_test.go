package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// Issue 14 at the generator: small contexts, cut answers, a context the
// server reports wrong.

func maxTokensOf(t *testing.T, body []byte) int {
	t.Helper()
	var b struct {
		MaxTokens int `json:"max_tokens"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		t.Fatal(err)
	}
	return b.MaxTokens
}

// Case 4: at 4096 tokens a code request on a build with the default
// features leaves at least 1,000 tokens for the answer.
func TestAnswerRoomAt4096(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{ContextLength: 4096, Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)}
	}})
	net := openNet(t)
	base := kbBase(t, net, "backspace", "command parser", "help command", "clear screen")
	g := &Generator{Base: base, API: api(t), Network: net, Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version"}); err != nil {
		t.Fatal(err)
	}
	c := srv.Chats()[0]
	if n := maxTokensOf(t, c.Body); n < 1000 {
		t.Errorf("max_tokens %d at 4096", n)
	}
	if p := llm.EstimateMessages(c.Messages); p+maxTokensOf(t, c.Body) > 4096 {
		t.Errorf("prompt %d + answer %d > 4096", p, maxTokensOf(t, c.Body))
	}
}

// Case 2: an idle Ollama keeps 2,048 tokens: pxos warns when it chooses the
// provider, and sends no prompt Ollama would cut.
func TestOllamaSmallContext(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}, OllamaIdle: true})
	client := llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})
	var notice bytes.Buffer
	prov, err := ChooseProvider(context.Background(), ProviderOpenAI, client, openNet(t), &notice)
	if err != nil {
		t.Fatal(err)
	}
	if w := notice.String(); !strings.Contains(w, "is 2048 tokens (Ollama's default") || !strings.Contains(w, "OLLAMA_CONTEXT_LENGTH") || !strings.Contains(w, "at least 4096") {
		t.Errorf("warning: %q", w)
	}
	g := &Generator{Base: loadBase(t), API: api(t), Provider: prov}
	_, _, err = g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version"})
	if !errors.Is(err, llm.ErrContextLength) || len(srv.Chats()) != 0 {
		t.Errorf("err = %v after %d requests; want a context error before any", err, len(srv.Chats()))
	}
}

// Case 9: an answer cut at its budget is asked once more with twice the
// room; cut again, the step ends with the reason.
func TestCutAnswerRetried(t *testing.T) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	srv := llmtest.New(t, llmtest.Options{ContextLength: 16384, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if r.N == 1 {
			return llmtest.Reply{Content: good[:len(good)/2], Finish: "length"}
		}
		return llmtest.Reply{Content: good}
	}})
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version", MaxTokens: 600}); err != nil {
		t.Fatal(err)
	}
	chats := srv.Chats()
	if len(chats) != 2 || maxTokensOf(t, chats[1].Body) != 1200 {
		t.Errorf("%d requests; the second with max_tokens %d, want 1200", len(chats), maxTokensOf(t, chats[len(chats)-1].Body))
	}
	always := llmtest.New(t, llmtest.Options{ContextLength: 16384, Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: good[:20], Finish: "length"}
	}})
	g = &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: always.URL, Timeout: 10 * time.Second})}}
	_, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version", MaxTokens: 600})
	if !errors.Is(err, llm.ErrCutOff) || !strings.Contains(err.Error(), "cut at 1200 tokens") || len(always.Chats()) != 2 {
		t.Errorf("err = %v after %d requests", err, len(always.Chats()))
	}
}

// Case 3: LM Studio reports a model's maximum (165,120) for a model loaded
// with 4096; the refusal states 4096, and the request is fitted to it and
// sent once more.
func TestContextRefusalRefitted(t *testing.T) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	srv := llmtest.New(t, llmtest.Options{ContextLength: 165120, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if mt := maxTokensOf(t, r.Body); mt > 1500 {
			return llmtest.Reply{Status: 400, Body: `{"error":"Trying to keep the first 6656 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input"}`}
		}
		return llmtest.Reply{Content: good}
	}})
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version"}); err != nil {
		t.Fatal(err)
	}
	chats := srv.Chats()
	if len(chats) != 2 || maxTokensOf(t, chats[1].Body) > 1024 {
		t.Errorf("%d requests, the second with max_tokens %d", len(chats), maxTokensOf(t, chats[len(chats)-1].Body))
	}
}

// Cases 7 and 8: a small model's JSON with raw line breaks in the assembly
// and a trailing comma, after prose, is repaired and used; a gpt-oss answer
// whose analysis sketches JSON is read from its final channel.
func TestSmallModelJSONAndHarmony(t *testing.T) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	var a map[string]any
	if err := json.Unmarshal([]byte(good), &a); err != nil {
		t.Fatal(err)
	}
	// The assembly with its line breaks raw inside the string, and a
	// trailing comma: what Ollama's small models write.
	asm, _ := json.Marshal(a["assembly"])
	raw := strings.ReplaceAll(string(asm), `\n`, "\n")
	rest := strings.Replace(good, string(asm), raw, 1)
	broken := "Sure! Here is the feature:\n```json\n" + strings.TrimSuffix(rest, "}") + ",\n}\n```\nHope this helps."
	harmony := `analysis The user wants a ver command. Sketch: {"slot": "cmd_head", "handler": "x"} done.assistantfinal` + good
	for name, answer := range map[string]string{"small model": broken, "harmony": harmony} {
		srv := llmtest.New(t, llmtest.Options{ContextLength: 8192, Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: answer} }})
		g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
		res, atts, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version", MaxAttempts: 1})
		if err != nil || res.Spec.Name != "ver" {
			t.Errorf("%s: %v; attempts %+v", name, err, atts)
		}
	}
	// A defect that cannot be repaired is named, with where it is, for the
	// repair prompt.
	srv := llmtest.New(t, llmtest.Options{ContextLength: 8192, Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "```json\n{\"name\": \"ver\", \"assembly\": \"mov ax, 1\n```"}
	}})
	g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	_, atts, _ := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version", MaxAttempts: 1})
	if len(atts) != 1 || !strings.Contains(atts[0].Error, "unterminated string") || !strings.Contains(atts[0].Error, "line 2") {
		t.Errorf("attempts %+v", atts)
	}
}

// Issue 15, item 2: hostile answers — 130,000 nested parentheses in the
// assembly, 300,000 '[' — end in positioned rejections, not a stack
// overflow or minutes of CPU. (The context is a guard against a hang, not
// a measure of speed.)
func TestHostileAnswers(t *testing.T) {
	deep := `{"name": "ver", "assembly": "ver_entry: mov ax, ` + strings.Repeat("(", 130000) + "1" + strings.Repeat(")", 130000) +
		`", "hooks": [{"slot": "cmd_head", "handler": "ver_entry"}], "requires": [], "scenario": "wait \"pxOS>\"", "infeasible": "", "explanation": ""}`
	for name, c := range map[string]struct{ answer, says string }{
		"deep":     {deep, "nested deeper than 256 levels"},
		"brackets": {strings.Repeat("[", 300000), "malformed answer"},
	} {
		srv := llmtest.New(t, llmtest.Options{ContextLength: 8192, Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: c.answer} }})
		g := &Generator{Base: parserBase(t), API: api(t), Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 30 * time.Second})}}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, atts, err := g.Generate(ctx, Request{Feature: "Add a 'ver' command that prints the version", MaxAttempts: 1})
		hung := ctx.Err()
		cancel()
		if hung != nil || err == nil || len(atts) != 1 || !strings.Contains(atts[0].Error, c.says) || len(atts[0].Error) > 4000 {
			t.Errorf("%s: err %v, ctx %v, %d attempts, error %.200q (%d bytes)", name, err, hung, len(atts), func() string {
				if len(atts) > 0 {
					return atts[0].Error
				}
				return ""
			}(), func() int {
				if len(atts) > 0 {
					return len(atts[0].Error)
				}
				return 0
			}())
		}
	}
}
