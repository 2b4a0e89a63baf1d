package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// fake starts a fake server and, when the test ends, checks that no request
// it received asked for json_object (LM Studio rejects it with HTTP 400).
func fake(t *testing.T, o llmtest.Options) *llmtest.Server {
	t.Helper()
	s := llmtest.New(t, o)
	t.Cleanup(func() { noJSONObject(t, s.Requests()) })
	return s
}

func noJSONObject(t *testing.T, reqs []llmtest.Request) {
	t.Helper()
	for _, r := range reqs {
		if bytes.Contains(r.Body, []byte("json_object")) {
			t.Errorf("%s %s sent json_object: %s", r.Method, r.Path, r.Body)
		}
	}
}

func client(url string, mod ...func(*llm.Config)) *llm.Client {
	cfg := llm.Config{URL: url, Timeout: 5 * time.Second, ProbeTimeout: 2 * time.Second, Backoff: 5 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	return llm.New(cfg)
}

func TestProbe(t *testing.T) {
	for _, tc := range []struct {
		opts      llmtest.Options
		model     string
		ctxLen    int
		embedding string
	}{
		{llmtest.Options{Kind: llm.KindLMStudio, Models: []string{"qwen2.5-coder-7b", "llama-3.1-8b"}, Loaded: "llama-3.1-8b", ContextLength: 8192, EmbeddingModel: "text-embedding-nomic-embed-text-v1.5"},
			"llama-3.1-8b", 8192, "text-embedding-nomic-embed-text-v1.5"},
		{llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"qwen.gguf"}, ContextLength: 16384}, "qwen.gguf", 16384, ""},
		{llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"emb.gguf"}, ContextLength: 2048, EmbeddingModel: "emb.gguf"}, "emb.gguf", 2048, "emb.gguf"},
		{llmtest.Options{Kind: llm.KindOllama, Models: []string{"llama3.2:3b", "qwen2.5:7b"}, Loaded: "qwen2.5:7b", ContextLength: 6144, EmbeddingModel: "nomic-embed-text:latest"},
			"qwen2.5:7b", 6144, "nomic-embed-text:latest"},
		{llmtest.Options{Kind: llm.KindOpenAI, Models: []string{"gpt-x"}}, "gpt-x", llm.DefaultContextLength, ""},
	} {
		t.Run(string(tc.opts.Kind)+"/"+tc.model, func(t *testing.T) {
			s := fake(t, tc.opts)
			info, err := client(s.URL).Probe(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if info.Kind != tc.opts.Kind || info.Model != tc.model || info.ContextLength != tc.ctxLen || info.EmbeddingModel != tc.embedding {
				t.Errorf("got kind %q model %q ctx %d (%s) embed %q; want %q %q %d %q",
					info.Kind, info.Model, info.ContextLength, info.ContextSource, info.EmbeddingModel, tc.opts.Kind, tc.model, tc.ctxLen, tc.embedding)
			}
		})
	}
}

func TestProbeURLWithoutV1(t *testing.T) {
	s := fake(t, llmtest.Options{})
	c := client(strings.TrimSuffix(s.URL, "/v1"))
	if c.URL() != s.URL {
		t.Fatalf("URL() = %q, want %q", c.URL(), s.URL)
	}
	if _, err := c.Probe(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestChatRequestShape(t *testing.T) {
	s := fake(t, llmtest.Options{Models: []string{"m1"}})
	c := client(s.URL)
	resp, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.System("be brief"), llm.User("hi there")}, MaxTokens: 77})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Content != "ANSWER[0]: hi there" || resp.Model != "m1" || resp.FinishReason != "stop" || resp.Tries != 1 {
		t.Errorf("response %+v", resp)
	}
	chats := s.Chats()
	if len(chats) != 1 {
		t.Fatalf("%d chat requests", len(chats))
	}
	var body map[string]any
	json.Unmarshal(chats[0].Body, &body)
	if body["model"] != "m1" || body["temperature"] != 0.7 || body["max_tokens"] != 77.0 || body["stream"] != false {
		t.Errorf("body %s", chats[0].Body)
	}
	if _, ok := body["response_format"]; ok {
		t.Errorf("plain chat sent response_format: %s", chats[0].Body)
	}
	// Temperature 0 is a real value, not "unset".
	c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}, Temperature: llm.Temp(0)})
	json.Unmarshal(s.Chats()[1].Body, &body)
	if body["temperature"] != 0.0 {
		t.Errorf("temperature 0 sent as %v", body["temperature"])
	}
}

func TestChatJSONSchemaShape(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: `{"steps":["a","b"]}`}
	}})
	schema := json.RawMessage(`{"type":"object","properties":{"steps":{"type":"array","items":{"type":"string"}}},"required":["steps"],"additionalProperties":false}`)
	var out struct{ Steps []string }
	_, err := client(s.URL).ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.User("plan")}}, llm.Schema{Name: "plan", Schema: schema}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(out.Steps, ",") != "a,b" {
		t.Errorf("decoded %+v", out)
	}
	var body struct {
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string          `json:"name"`
				Strict bool            `json:"strict"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
	}
	json.Unmarshal(s.Chats()[0].Body, &body)
	rf := body.ResponseFormat
	if rf.Type != "json_schema" || rf.JSONSchema.Name != "plan" || !rf.JSONSchema.Strict || !bytes.Equal(rf.JSONSchema.Schema, schema) {
		t.Errorf("response_format %+v in %s", rf, s.Chats()[0].Body)
	}
}

// A model that ignores the schema and wraps its JSON in prose, fences and
// reasoning still yields the object.
func TestChatJSONFromProse(t *testing.T) {
	answers := []string{
		"Sure! Here you go:\n```json\n{\"name\": \"help\"}\n```\nAnything else?",
		"<think>They want {\"name\": \"wrong\"}? no.</think>The result is {\"name\": \"help\"}.",
	}
	for i, a := range answers {
		s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: a} }})
		var out struct{ Name string }
		resp, err := client(s.URL).ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}}, llm.Schema{Name: "n", Schema: map[string]any{"type": "object"}}, &out)
		if err != nil || out.Name != "help" {
			t.Errorf("answer %d: %+v, %v", i, out, err)
		}
		if i == 1 && !strings.Contains(resp.Reasoning, "They want") {
			t.Errorf("reasoning not kept: %q", resp.Reasoning)
		}
	}
}

func TestChatJSONMalformed(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: "I would rather not."} }})
	var out map[string]any
	_, err := client(s.URL).ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}}, llm.Schema{Name: "n", Schema: map[string]any{"type": "object"}}, &out)
	if !errors.Is(err, llm.ErrMalformed) || !strings.Contains(err.Error(), "rather not") {
		t.Errorf("err = %v, want ErrMalformed quoting the answer", err)
	}
}

// A server that rejects response_format is asked again without it, the
// schema moved into the instructions.
func TestChatJSONServerRejectsResponseFormat(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if bytes.Contains(r.Body, []byte("response_format")) {
			return llmtest.Reply{Status: 400, Body: `{"error":{"message":"'response_format' of type 'json_schema' is not supported","type":"invalid_request_error"}}`}
		}
		return llmtest.Reply{Content: `{"ok":true}`}
	}})
	var out struct{ OK bool }
	_, err := client(s.URL).ChatJSON(context.Background(), llm.Request{Messages: []llm.Message{llm.System("sys"), llm.User("x")}}, llm.Schema{Name: "n", Schema: map[string]any{"type": "object"}}, &out)
	if err != nil || !out.OK {
		t.Fatalf("%+v %v", out, err)
	}
	chats := s.Chats()
	if len(chats) != 2 || !strings.Contains(chats[1].Messages[0].Content, "JSON schema") {
		t.Errorf("second request should carry the schema in the system message: %+v", chats)
	}
}

// ChatStream delivers tokens while the answer is still being produced: the
// server sends the rest only after the client has seen the first token, so
// a client that waited for the whole body would time out instead.
func TestChatStreamDeliversTokensAsTheyArrive(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if !bytes.Contains(body, []byte(`"stream":true`)) {
			t.Errorf("stream not requested: %s", body)
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, ": keep-alive comment\n\nevent: message\n")
		io.WriteString(w, `data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}`+"\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, `data: {"choices":[{"index":0,"delta":{"content":"lo"}}]}`+"\r\n\r\n")
		io.WriteString(w, `data:{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`+"\n\n")
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	var got []string
	c := client(srv.URL+"/v1", func(c *llm.Config) { c.Model = "m"; c.Timeout = 3 * time.Second })
	resp, err := c.ChatStream(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}}, func(tok string) {
		got = append(got, tok)
		if len(got) == 1 {
			close(release)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "|") != "Hel|lo" || resp.Content != "Hello" || resp.FinishReason != "stop" || resp.Usage.TotalTokens != 7 {
		t.Errorf("tokens %q, response %+v", got, resp)
	}
}

func TestChatStreamFake(t *testing.T) {
	for _, kind := range []llm.Kind{llm.KindLMStudio, llm.KindLlamaCpp, llm.KindOllama, llm.KindOpenAI} {
		s := fake(t, llmtest.Options{Kind: kind, Reply: func(llmtest.ChatRequest) llmtest.Reply {
			return llmtest.Reply{Content: "<think>hmm</think>one two three"}
		}})
		var b strings.Builder
		var f llm.ThinkFilter
		resp, err := client(s.URL).ChatStream(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}}, func(tok string) { b.WriteString(f.Write(tok)) })
		b.WriteString(f.Flush())
		if err != nil || resp.Content != "one two three" || resp.Reasoning != "hmm" || b.String() != "one two three" {
			t.Errorf("%s: %+v shown %q err %v", kind, resp, b.String(), err)
		}
	}
}

// Streaming: the timeout bounds each wait, not the whole answer.
func TestChatStreamIdleTimeout(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(r.Last(), "slow") {
			return llmtest.Reply{Chunks: []string{"a", "b"}, ChunkDelay: 5 * time.Second}
		}
		return llmtest.Reply{Chunks: []string{"a", "b", "c", "d", "e"}, ChunkDelay: 150 * time.Millisecond}
	}})
	c := client(s.URL, func(c *llm.Config) { c.Timeout = 500 * time.Millisecond })
	resp, err := c.ChatStream(context.Background(), llm.Request{Messages: []llm.Message{llm.User("steady")}}, func(string) {})
	if err != nil || resp.Content != "abcde" {
		t.Errorf("steady stream longer than the timeout: %+v %v", resp, err)
	}
	_, err = c.ChatStream(context.Background(), llm.Request{Messages: []llm.Message{llm.User("slow")}}, func(string) {})
	if !errors.Is(err, llm.ErrTimeout) {
		t.Errorf("stalled stream: err = %v, want ErrTimeout", err)
	}
}

func TestFailures(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/v1"
	ln.Close()

	hang := func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Hang: true} }
	always500 := func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 500, Body: `{"error":{"message":"CUDA error: out of memory","type":"server_error"}}`}
	}
	notJSON := func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Status: 200, Body: "<html>proxy</html>"} }
	noChoices := func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Status: 200, Body: `{"choices":[]}`} }
	err200 := func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 200, Body: `{"error":"No models loaded. Please load a model in the developer page or use the ` + "`lms load`" + ` command."}`}
	}
	streamErr := func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Status: 200, Body: "data: {\"error\":{\"message\":\"the request exceeds the available context size, try increasing it\"}}\n\n"}
	}
	huge := strings.Repeat("pad ", 6000)

	for _, tc := range []struct {
		name   string
		url    string // "" = the fake server
		opts   llmtest.Options
		model  string
		prompt string
		stream bool
		want   error
		says   []string
		chats  int // chat requests the server should have seen (-1: don't check)
	}{
		{name: "unreachable", url: closed, want: llm.ErrUnreachable, says: []string{"cannot reach the LLM server at " + closed, "Start Server", "--url"}, chats: -1},
		{name: "no-model-loaded/lmstudio", opts: llmtest.Options{NoneLoaded: true}, model: "test-model", want: llm.ErrNoModelLoaded, says: []string{"No models loaded", "lms load", "--model"}, chats: 1},
		{name: "no-model-loaded/probe", opts: llmtest.Options{NoneLoaded: true}, want: llm.ErrNoModelLoaded, says: []string{"no model is loaded", "downloaded: test-model"}, chats: 0},
		{name: "no-model-loaded/status200", opts: llmtest.Options{Reply: err200}, want: llm.ErrNoModelLoaded, says: []string{"No models loaded"}, chats: 1},
		{name: "unknown-model/lmstudio", opts: llmtest.Options{Models: []string{"a", "b"}}, model: "zzz", want: llm.ErrUnknownModel, says: []string{`model "zzz"`, "available: a, b"}, chats: 1},
		{name: "unknown-model/ollama", opts: llmtest.Options{Kind: llm.KindOllama, Models: []string{"llama3:8b"}}, model: "zzz", want: llm.ErrUnknownModel, says: []string{"try pulling it first", "available: llama3:8b"}, chats: 1},
		{name: "unknown-model/openai", opts: llmtest.Options{Kind: llm.KindOpenAI, Models: []string{"gpt-x"}}, model: "zzz", want: llm.ErrUnknownModel, says: []string{"does not exist", "available: gpt-x"}, chats: 1},
		{name: "context/lmstudio", opts: llmtest.Options{}, prompt: huge, want: llm.ErrContextLength, says: []string{"tokens to keep", "--max-tokens"}, chats: 1},
		{name: "context/llamacpp", opts: llmtest.Options{Kind: llm.KindLlamaCpp}, prompt: huge, want: llm.ErrContextLength, says: []string{"exceeds the available context size"}, chats: 1},
		{name: "context/openai", opts: llmtest.Options{Kind: llm.KindOpenAI}, prompt: huge, want: llm.ErrContextLength, says: []string{"maximum context length"}, chats: 1},
		{name: "context/in-stream", opts: llmtest.Options{Reply: streamErr}, stream: true, want: llm.ErrContextLength, says: []string{"context size"}, chats: 1},
		{name: "timeout", opts: llmtest.Options{Reply: hang}, want: llm.ErrTimeout, says: []string{"within 300ms", "--timeout"}, chats: 1},
		{name: "timeout/stream", opts: llmtest.Options{Reply: hang}, stream: true, want: llm.ErrTimeout, says: []string{"--timeout"}, chats: 1},
		{name: "5xx", opts: llmtest.Options{Reply: always500}, want: llm.ErrServer, says: []string{"HTTP 500 after 3 tries", "out of memory"}, chats: 3},
		{name: "html-page-200", opts: llmtest.Options{Reply: notJSON}, want: llm.ErrRejected, says: []string{"HTML page", "check --url"}, chats: 1},
		{name: "malformed/no-choices", opts: llmtest.Options{Reply: noChoices}, want: llm.ErrMalformed, says: []string{"no choices"}, chats: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			var s *llmtest.Server
			if url == "" {
				s = fake(t, tc.opts)
				url = s.URL
			}
			c := client(url, func(c *llm.Config) { c.Timeout = 300 * time.Millisecond; c.Model = tc.model })
			req := llm.Request{Messages: []llm.Message{llm.User("hello " + tc.prompt)}}
			if tc.stream {
				_, err = c.ChatStream(context.Background(), req, func(string) {})
			} else {
				_, err = c.Chat(context.Background(), req)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
			if strings.HasPrefix(err.Error(), "llm: ") {
				t.Errorf("message %q names the package: a user reads it", err)
			}
			if s != nil && tc.chats >= 0 && len(s.Chats()) != tc.chats {
				t.Errorf("server saw %d chat requests, want %d", len(s.Chats()), tc.chats)
			}
		})
	}
}

func TestRetry5xxThenSuccess(t *testing.T) {
	var n atomic.Int32
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		if n.Add(1) < 3 {
			return llmtest.Reply{Status: 503, Body: `{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}`}
		}
		return llmtest.Reply{Content: "ok"}
	}})
	resp, err := client(s.URL).Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}})
	if err != nil || resp.Content != "ok" || resp.Tries != 3 {
		t.Fatalf("%+v %v", resp, err)
	}
}

func TestAPIKey(t *testing.T) {
	const key = "sk-secret-1234567890"
	s := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		// A careless server echoes the credential in its error.
		return llmtest.Reply{Status: 401, Body: `{"error":"invalid api key: Bearer ` + key + `"}`}
	}})
	c := client(s.URL, func(c *llm.Config) { c.APIKey = key })
	_, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}})
	if !errors.Is(err, llm.ErrAuth) || !strings.Contains(err.Error(), "PXOS_API_KEY") {
		t.Fatalf("err = %v, want ErrAuth naming PXOS_API_KEY", err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("error leaks the API key: %v", err)
	}
	if cfg := c.Config(); cfg.APIKey != "" {
		t.Errorf("Config() exposes the key")
	}
	for _, r := range s.Requests() {
		if r.Header.Get("Authorization") != "Bearer "+key {
			t.Errorf("%s %s: Authorization %q", r.Method, r.Path, r.Header.Get("Authorization"))
		}
	}
}

func TestCallerCancelIsNotTimeout(t *testing.T) {
	s := fake(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Hang: true} }})
	ctx, cancel := context.WithCancel(context.Background())
	c := client(s.URL, func(c *llm.Config) { c.Model = "test-model" })
	go func() {
		for len(s.Chats()) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Chat(ctx, llm.Request{Messages: []llm.Message{llm.User("x")}})
	if !errors.Is(err, context.Canceled) || errors.Is(err, llm.ErrTimeout) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestEmbed(t *testing.T) {
	s := fake(t, llmtest.Options{EmbeddingModel: "nomic-embed"})
	vs, err := client(s.URL).Embed(context.Background(), []string{"boot sector", "keyboard int 16h"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 || fmt.Sprint(vs[0]) != fmt.Sprint(llmtest.Vector("boot sector")) {
		t.Errorf("vectors %v", vs)
	}
	s2 := fake(t, llmtest.Options{})
	if _, err := client(s2.URL).Embed(context.Background(), []string{"x"}); !errors.Is(err, llm.ErrNoEmbeddings) {
		t.Errorf("err = %v, want ErrNoEmbeddings", err)
	}
}

// Streaming is recognised by the body: SSE sent as application/json still
// streams, and a server that ignores stream: true still answers.
func TestChatStreamContentTypes(t *testing.T) {
	for _, tc := range []struct{ name, ct, body string }{
		{"sse-labelled-json", "application/json", "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n"},
		{"json-ignoring-stream", "application/json", `{"choices":[{"message":{"role":"assistant","content":"ab"},"finish_reason":"stop"}]}`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", tc.ct)
			io.WriteString(w, tc.body)
		}))
		var toks []string
		resp, err := client(srv.URL+"/v1", func(c *llm.Config) { c.Model = "m" }).ChatStream(context.Background(),
			llm.Request{Messages: []llm.Message{llm.User("x")}}, func(s string) { toks = append(toks, s) })
		srv.Close()
		if err != nil || resp.Content != "ab" || strings.Join(toks, "") != "ab" {
			t.Errorf("%s: %+v %q %v", tc.name, resp, toks, err)
		}
	}
}

// A server that accepts connections but never answers fails the probe
// with ErrTimeout after one probe timeout, not one per endpoint tried.
func TestProbeHangingServer(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-r.Context().Done()
	}))
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	c := client(srv.URL+"/v1", func(c *llm.Config) { c.ProbeTimeout = 200 * time.Millisecond })
	_, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User("x")}})
	if !errors.Is(err, llm.ErrTimeout) || !strings.Contains(err.Error(), "within 200ms") {
		t.Fatalf("err = %v, want ErrTimeout within 200ms", err)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests sent to a hanging server, want 1", n)
	}
}

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&llm.Error{Kind: llm.ErrUnreachable}, true},
		{fmt.Errorf("%w", &llm.Error{Kind: llm.ErrNoModelLoaded}), true},
		{&llm.Error{Kind: llm.ErrTimeout}, false},
		{&llm.Error{Kind: llm.ErrMalformed}, false},
		{context.Canceled, false},
	} {
		if got := llm.Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v", tc.err, got)
		}
	}
}
