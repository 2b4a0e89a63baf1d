package llm_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// The quirks of real servers that issue 14 reproduced, each as a mode of
// the fake server and the outcome a user sees.

var schema = llm.Schema{Name: "n", Schema: map[string]any{"type": "object"}}

func ask(t *testing.T, c *llm.Client, stream bool) (*llm.Response, error) {
	t.Helper()
	r := llm.Request{Messages: []llm.Message{llm.User("x")}, MaxTokens: 50}
	if stream {
		return c.ChatStream(context.Background(), r, func(string) {})
	}
	return c.Chat(context.Background(), r)
}

// Case 1: LM Studio with a thinking model and json_schema puts the answer
// in reasoning_content and leaves content empty: the reasoning is the
// answer, and the user is told once.
func TestAnswerInReasoning(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "", Reasoning: `{"name": "ver"}`}
	}})
	var notices []string
	c := client(s.URL, func(cfg *llm.Config) { cfg.Notice = func(m string) { notices = append(notices, m) } })
	for _, stream := range []bool{false, true} {
		var out struct{ Name string }
		r := llm.Request{Messages: []llm.Message{llm.User("x")}, Schema: &schema}
		var resp *llm.Response
		var err error
		if stream {
			resp, err = c.ChatStream(context.Background(), r, func(string) {})
		} else {
			resp, err = c.Chat(context.Background(), r)
		}
		if err == nil {
			err = c.DecodeJSON(resp.Content, &out)
		}
		if err != nil || out.Name != "ver" || !resp.FromReasoning {
			t.Errorf("stream %v: err %v, out %+v", stream, err, out)
		}
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "put its answer in its reasoning") {
		t.Errorf("notices %q, want one", notices)
	}
}

// Case 5: llama-server answers 200, then an "error:" line, then [DONE]: the
// server's error, classified (here: the context is too small).
func TestErrorLineMidStream(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Body: "error: {\"code\":400,\"message\":\"the request exceeds the available context size. try increasing the context size or enable context shift\",\"type\":\"exceed_context_size_error\"}\n\ndata: [DONE]\n\n"}
	}})
	_, err := ask(t, client(s.URL), true)
	if !errors.Is(err, llm.ErrContextLength) || !strings.Contains(err.Error(), "exceeds the available context size") {
		t.Errorf("err = %v, want the server's context error", err)
	}
}

// Case 9: an answer cut at max_tokens is not an answer: ErrCutOff, saying
// how to fix it, with the cut response for its counts.
func TestCutAtMaxTokens(t *testing.T) {
	for _, rep := range []llmtest.Reply{
		{Content: `{"assembly": "mov ax,`, Finish: "length"},
		{Content: "", Reasoning: "<think>still thinking about it", Finish: "length"},
	} {
		s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return rep }})
		for _, stream := range []bool{false, true} {
			resp, err := ask(t, client(s.URL), stream)
			if !errors.Is(err, llm.ErrCutOff) || !strings.Contains(err.Error(), "cut at 50 tokens") || !strings.Contains(err.Error(), "--max-tokens") || resp == nil {
				t.Errorf("stream %v: err = %v", stream, err)
			}
		}
	}
}

// Case 10: a stream that just stops (no finish_reason, no [DONE]) is
// broken off, said so, and its half answer is not returned.
func TestStreamBrokenOff(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "The answer is a feature that", BreakOff: true}
	}})
	resp, err := ask(t, client(s.URL), true)
	if !errors.Is(err, llm.ErrBrokenOff) || resp != nil || !strings.Contains(err.Error(), "broke off") {
		t.Errorf("resp %v, err = %v", resp, err)
	}
}

// Case 11: a reverse proxy's HTML page is the proxy's answer, named so,
// with its title and advice about the server behind it.
func TestProxyHTML(t *testing.T) {
	page := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Status: 502, Body: page} }})
	_, err := ask(t, client(s.URL, func(cfg *llm.Config) { cfg.Tries = 2 }), false)
	msg := err.Error()
	if !errors.Is(err, llm.ErrServer) || !strings.Contains(msg, "the proxy in front of the LLM server") || !strings.Contains(msg, `"502 Bad Gateway"`) ||
		strings.Contains(msg, "/v1") && strings.Contains(msg, "should end") || strings.Contains(msg, "load the model") {
		t.Errorf("err = %v", err)
	}
	// Discovery through the same proxy says the same, not "the URL should
	// end in /v1".
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		io.WriteString(w, page)
	}))
	defer proxy.Close()
	_, err = client(proxy.URL + "/v1").Probe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "the proxy in front of the LLM server") || strings.Contains(err.Error(), "should end in /v1") {
		t.Errorf("probe: %v", err)
	}
}

// Case 12: a 301 on the POST is not followed into a GET: the error names
// where the server redirects and the --url to use; 307 is followed.
func TestRedirect(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 301, Header: http.Header{"Location": {"http://127.0.0.1:9/v1/chat/completions"}}}
	}})
	_, err := ask(t, client(s.URL), false)
	if err == nil || !strings.Contains(err.Error(), "redirects (HTTP 301) to http://127.0.0.1:9/v1/chat/completions") || !strings.Contains(err.Error(), "--url http://127.0.0.1:9/v1") {
		t.Errorf("err = %v", err)
	}
	if n := len(s.Chats()); n != 1 {
		t.Errorf("%d chat requests, want 1", n)
	}
	target := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: "moved, still here"} }})
	s307 := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 307, Header: http.Header{"Location": {target.URL + "/chat/completions"}}}
	}})
	resp, err := ask(t, client(s307.URL), false)
	if err != nil || resp.Content != "moved, still here" || len(target.Chats()) != 1 || !bytes.Contains(target.Chats()[0].Body, []byte(`"max_tokens":50`)) {
		t.Errorf("307: %v, %v", resp, err)
	}
}

// Case 6: a server that cannot use the schema (400 or 500 naming it, or
// the grammar it becomes) is asked again without response_format, the
// schema in the instructions, and is not sent it again.
func TestSchemaRefused(t *testing.T) {
	for _, refusal := range []llmtest.Reply{
		{Status: 400, Body: `{"error":{"code":400,"message":"JSON schema conversion failed: Unrecognized schema: {\"type\":\"object\"}","type":"invalid_request_error"}}`},
		{Status: 500, Body: `{"error":{"code":500,"message":"JSON schema conversion failed: Unrecognized schema","type":"server_error"}}`},
		{Status: 400, Body: `{"error":{"code":400,"message":"Failed to initialize samplers: failed to parse grammar","type":"invalid_request_error"}}`},
	} {
		s := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
			if bytes.Contains(r.Body, []byte("response_format")) {
				return refusal
			}
			return llmtest.Reply{Content: `{"name": "ver"}`}
		}})
		c := client(s.URL)
		for i := range 2 {
			var out struct{ Name string }
			if _, err := c.ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.System("rules"), llm.User("x")}}, schema, &out); err != nil || out.Name != "ver" {
				t.Fatalf("%d: call %d: %v %+v", refusal.Status, i, err, out)
			}
		}
		chats := s.Chats()
		last := chats[len(chats)-1]
		if bytes.Contains(last.Body, []byte("response_format")) || !strings.Contains(last.Messages[0].Content, "JSON schema") {
			t.Errorf("%d: the second call sent response_format again, or lacks the schema in its instructions", refusal.Status)
		}
		if refusal.Status == 400 && len(chats) != 3 {
			t.Errorf("%d: %d requests, want 3 (refused, asked again, then without at once)", refusal.Status, len(chats))
		}
	}
}

// Case 3: --context-length wins over the server's figure, and a context
// error that states the real length makes the client plan with it.
func TestContextStatedAndFlag(t *testing.T) {
	s := fake(t, llmtest.Options{ContextLength: 165120, Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 400, Body: `{"error":"Trying to keep the first 6656 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input"}`}
	}})
	c := client(s.URL)
	if n := c.ContextLength(context.Background()); n != 165120 {
		t.Fatalf("reported context %d", n)
	}
	_, err := ask(t, c, false)
	if !errors.Is(err, llm.ErrContextLength) || !strings.Contains(err.Error(), "the server says it is 4096 tokens") || !strings.Contains(err.Error(), "--context-length 4096") {
		t.Errorf("err = %v", err)
	}
	if n := c.ContextLength(context.Background()); n != 4096 {
		t.Errorf("after the error the context is %d, want 4096", n)
	}
	if n := client(s.URL, func(cfg *llm.Config) { cfg.ContextLength = 8192 }).ContextLength(context.Background()); n != 8192 {
		t.Errorf("--context-length 8192 gives %d", n)
	}
}

// Case 2: Ollama with no num_ctx set and no model running keeps only its
// default 2,048 tokens: pxos plans with that, never with its own 4096.
func TestOllamaDefaultContext(t *testing.T) {
	s := fake(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}, OllamaIdle: true})
	info, err := client(s.URL).Probe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.ContextLength != llm.OllamaDefaultContext || !strings.Contains(info.ContextSource, "Ollama's default") {
		t.Errorf("context %d (%s), want Ollama's default %d", info.ContextLength, info.ContextSource, llm.OllamaDefaultContext)
	}
	// Running, Ollama says its context: that is used.
	s2 := fake(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}, ContextLength: 8192})
	if n := client(s2.URL).ContextLength(context.Background()); n != 8192 {
		t.Errorf("running model: context %d, want 8192", n)
	}
}

// The break test's findings: a harmony analysis with no final channel, or a
// <think> that never closes, is no answer; vLLM's content null with the
// answer in reasoning_content is the answer; a schema refusal with 500 and
// a proxy's 504 are not retried as they are; a redirect to a login page is
// not offered as --url; a non-JSON error: line names the error; vLLM's
// max_model_len is its context.
func TestQuirksSecondRound(t *testing.T) {
	for _, content := range []string{
		"<|channel|>analysis<|message|>The user wants {\"name\": \"x\"} so I will",
		`analysisThe user wants {"name": "x"} so I will`,
		"<think>thinking and thinking",
	} {
		s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: content} }})
		for _, stream := range []bool{false, true} {
			if _, err := ask(t, client(s.URL), stream); !errors.Is(err, llm.ErrMalformed) || !strings.Contains(err.Error(), "wrote only its reasoning") {
				t.Errorf("%.30q stream %v: err = %v", content, stream, err)
			}
		}
	}
	null := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Body: `{"id":"x","object":"chat.completion","model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"{\"name\": \"ver\"}"},"finish_reason":"stop"}]}`}
	}})
	if resp, err := ask(t, client(null.URL), false); err != nil || resp.Content != `{"name": "ver"}` {
		t.Errorf("content null: %v %v", resp, err)
	}
	s500 := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if bytes.Contains(r.Body, []byte("response_format")) {
			return llmtest.Reply{Status: 500, Body: `{"error":{"message":"JSON schema conversion failed: Unrecognized schema"}}`}
		}
		return llmtest.Reply{Content: `{"name": "ver"}`}
	}})
	var out struct{ Name string }
	if _, err := client(s500.URL).ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}}, schema, &out); err != nil || len(s500.Chats()) != 2 {
		t.Errorf("500 schema refusal: %v after %d requests, want 2", err, len(s500.Chats()))
	}
	s504 := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 504, Body: "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time.</body></html>"}
	}})
	if _, err := ask(t, client(s504.URL), false); err == nil || !strings.Contains(err.Error(), "504 Gateway Time-out") || len(s504.Chats()) != 1 {
		t.Errorf("504: %v after %d requests, want 1", err, len(s504.Chats()))
	}
	login := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 302, Header: http.Header{"Location": {"/oauth2/sign_in?rd=/v1/chat/completions"}}}
	}})
	if _, err := ask(t, client(login.URL), false); err == nil || strings.Contains(err.Error(), "use --url") || !strings.Contains(err.Error(), "not a chat API") {
		t.Errorf("redirect to a login page: %v", err)
	}
	oom := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Body: "error: CUDA error: out of memory\n\ndata: [DONE]\n\n"}
	}})
	if _, err := ask(t, client(oom.URL), true); !errors.Is(err, llm.ErrServer) || !strings.Contains(err.Error(), `stopped the answer with an error: "CUDA error: out of memory"`) {
		t.Errorf("error: line: %v", err)
	}
}

// Issue 15, item 2: an answer past MaxAnswer, streamed or not, is refused,
// so its handling stays bounded.
func TestAnswerTooLong(t *testing.T) {
	big := strings.Repeat("word ", llm.MaxAnswer/5+1000)
	s := fake(t, llmtest.Options{ContextLength: 1 << 30, Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: big, Chunks: []string{big[:len(big)/2], big[len(big)/2:]}}
	}})
	for _, stream := range []bool{false, true} {
		if _, err := ask(t, client(s.URL), stream); !errors.Is(err, llm.ErrMalformed) || !strings.Contains(err.Error(), "passed 4 MiB") {
			t.Errorf("stream %v: err = %v", stream, err)
		}
	}
}
