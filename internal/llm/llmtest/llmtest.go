// Package llmtest is a scripted OpenAI-compatible LLM server for tests. It
// listens on 127.0.0.1 and speaks the protocol the way LM Studio, the
// llama.cpp server, Ollama or a plain OpenAI-compatible server do: their
// discovery endpoints, their error bodies, /v1/chat/completions with and
// without server-sent-event streaming, and /v1/embeddings. It records every
// request so tests can assert what was sent.
//
// It is for tests of pxos's own packages (llm, bridge, gen, the loop) and
// its command line; it never runs in the product.
package llmtest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
)

// Options shape the server. The zero value is an LM Studio server with one
// loaded model "test-model" and a 4096-token context that answers with Echo.
type Options struct {
	// Kind picks the protocol flavour; default llm.KindLMStudio.
	Kind llm.Kind
	// Models are the chat models offered; default ["test-model"].
	Models []string
	// Loaded is the loaded model; default the first of Models.
	Loaded string
	// NoneLoaded makes the server have no model in memory: chat answers
	// with the server's "no model loaded" error (LM Studio's exact text).
	NoneLoaded bool
	// ContextLength is the loaded context; default 4096. A chat prompt of
	// more than ContextLength*4 bytes gets the server's context error.
	ContextLength int
	// EmbeddingModel, when set, is listed as an embedding model and
	// /v1/embeddings answers with deterministic bag-of-words vectors.
	EmbeddingModel string
	// Reply decides each chat answer; default Echo.
	Reply func(ChatRequest) Reply
	// LogDir, when set, receives every chat request body as chat-N.json
	// and last-chat.json, for command-line scripts to grep.
	LogDir string
	// OllamaIdle makes an Ollama server have no model running (/api/ps
	// lists none) and no num_ctx in the model's parameters: its context is
	// then Ollama's default, which it does not report.
	OllamaIdle bool
	// NoUsage makes the server report no token counts at all: no usage in
	// answers and no usage chunk in streams, even when asked, as servers
	// that omit it do (LM Studio before it honoured stream_options).
	NoUsage bool
}

// ChatRequest is a decoded chat completion request.
type ChatRequest struct {
	N        int // 1 for the first chat request
	Model    string
	Messages []llm.Message
	Stream   bool
	Body     []byte // exactly as received
}

// Last returns the content of the last message (the user's turn).
func (r ChatRequest) Last() string {
	if len(r.Messages) == 0 {
		return ""
	}
	return r.Messages[len(r.Messages)-1].Content
}

// Reply is one scripted answer.
type Reply struct {
	// Content is the answer. When streaming it is sent in Chunks if set,
	// else word by word.
	Content string
	Chunks  []string
	// Delay waits before the answer's headers; ChunkDelay between chunks.
	Delay, ChunkDelay time.Duration
	// Body, when set, is sent raw instead of an answer, with Status (default
	// 200); a Body that starts with "data:" is sent as an event stream.
	Status int
	Body   string
	// Hang keeps the connection open without answering until the client
	// gives up.
	Hang bool
	// Reasoning is sent as the answer's reasoning_content (streamed as
	// reasoning_content deltas before the content), as LM Studio does for
	// thinking models; with Content "" the answer is only there.
	Reasoning string
	// Finish is the finish_reason; default "stop" ("length": cut at
	// max_tokens).
	Finish string
	// BreakOff ends a streamed answer after its chunks by closing the
	// connection: no finish_reason, no [DONE].
	BreakOff bool
	// Header is added to the response (a redirect's Location, say).
	Header http.Header
}

// Request is one recorded HTTP request.
type Request struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// Server is a running fake LLM server.
type Server struct {
	*httptest.Server
	// URL is the OpenAI-compatible base URL, ending in /v1.
	URL  string
	opts Options

	mu       sync.Mutex
	requests []Request
	chats    []ChatRequest
}

// New starts a server and stops it when the test ends.
func New(t testing.TB, o Options) *Server {
	s := Start(o)
	t.Cleanup(s.Close)
	return s
}

// Start starts a server; the caller must Close it.
func Start(o Options) *Server {
	if o.Kind == "" {
		o.Kind = llm.KindLMStudio
	}
	if len(o.Models) == 0 {
		o.Models = []string{"test-model"}
	}
	if o.Loaded == "" {
		o.Loaded = o.Models[0]
	}
	if o.ContextLength == 0 {
		o.ContextLength = 4096
	}
	if o.Reply == nil {
		o.Reply = Echo
	}
	s := &Server{opts: o}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.Server.URL + "/v1"
	return s
}

// Close stops the server, ending any hanging answer first.
func (s *Server) Close() {
	s.Server.CloseClientConnections()
	s.Server.Close()
}

// Requests returns every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Chats returns every chat request received so far.
func (s *Server) Chats() []ChatRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ChatRequest(nil), s.chats...)
}

// Echo is the default answer: "ANSWER[n]: question", where n counts the
// context items ("### " headings) in the last message and question is its
// last line. It lets tests see whether context was sent.
func Echo(r ChatRequest) Reply {
	last := r.Last()
	n := 0
	for _, line := range strings.Split(last, "\n") {
		if strings.HasPrefix(line, "### ") {
			n++
		}
	}
	lines := strings.Split(strings.TrimSpace(last), "\n")
	q := strings.TrimPrefix(lines[len(lines)-1], "Question: ")
	return Reply{Content: fmt.Sprintf("ANSWER[%d]: %s", n, q)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()

	o := s.opts
	p := r.URL.Path
	switch {
	case p == "/v1/chat/completions" && r.Method == http.MethodPost:
		s.chat(w, r, body)
	case p == "/v1/embeddings" && r.Method == http.MethodPost:
		s.embeddings(w, body)
	case p == "/v1/models":
		var data []map[string]any
		for _, m := range s.allModels() {
			data = append(data, map[string]any{"id": m, "object": "model", "owned_by": "organization_owner"})
		}
		writeJSON(w, 200, map[string]any{"object": "list", "data": data})
	case o.Kind == llm.KindLMStudio && p == "/api/v0/models":
		var data []map[string]any
		for _, m := range s.allModels() {
			typ, state := "llm", "not-loaded"
			if m == o.EmbeddingModel {
				typ = "embeddings"
			}
			e := map[string]any{"id": m, "object": "model", "type": typ, "publisher": "test", "arch": "llama",
				"compatibility_type": "gguf", "quantization": "Q4_K_M", "max_context_length": 32768}
			if m == o.Loaded && !o.NoneLoaded || m == o.EmbeddingModel {
				state = "loaded"
				e["loaded_context_length"] = o.ContextLength
			}
			e["state"] = state
			data = append(data, e)
		}
		writeJSON(w, 200, map[string]any{"object": "list", "data": data})
	case o.Kind == llm.KindLMStudio:
		// LM Studio answers unknown endpoints with 200 and an error object.
		writeJSON(w, 200, map[string]any{"error": fmt.Sprintf("Unexpected endpoint or method. (%s %s)", r.Method, p)})
	case o.Kind == llm.KindLlamaCpp && p == "/props":
		writeJSON(w, 200, map[string]any{
			"default_generation_settings": map[string]any{"n_ctx": o.ContextLength, "params": map[string]any{"temperature": 0.8}},
			"total_slots":                 1, "model_path": "/models/" + o.Loaded, "chat_template": "{{ messages }}"})
	case o.Kind == llm.KindOllama && p == "/api/tags":
		var ms []map[string]any
		for _, m := range s.allModels() {
			fam := "llama"
			if m == o.EmbeddingModel {
				fam = "nomic-bert"
			}
			ms = append(ms, map[string]any{"name": m, "model": m, "size": 1, "digest": "x", "details": map[string]any{"family": fam, "families": []string{fam}}})
		}
		writeJSON(w, 200, map[string]any{"models": ms})
	case o.Kind == llm.KindOllama && p == "/api/ps":
		ms := []map[string]any{}
		if !o.NoneLoaded && !o.OllamaIdle {
			ms = append(ms, map[string]any{"name": o.Loaded, "model": o.Loaded, "context_length": o.ContextLength})
		}
		writeJSON(w, 200, map[string]any{"models": ms})
	case o.Kind == llm.KindOllama && p == "/api/show":
		params := fmt.Sprintf("stop \"<|eot_id|>\"\nnum_ctx %d", o.ContextLength)
		if o.OllamaIdle {
			params = "stop \"<|eot_id|>\""
		}
		writeJSON(w, 200, map[string]any{
			"parameters": params,
			"model_info": map[string]any{"general.architecture": "llama", "llama.context_length": 131072}})
	case o.Kind == llm.KindLlamaCpp:
		writeJSON(w, 404, map[string]any{"error": map[string]any{"code": 404, "message": "File Not Found", "type": "not_found_error"}})
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) allModels() []string {
	ms := append([]string(nil), s.opts.Models...)
	if s.opts.EmbeddingModel != "" {
		ms = append(ms, s.opts.EmbeddingModel)
	}
	return ms
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request, body []byte) {
	var req struct {
		Model         string        `json:"model"`
		Messages      []llm.Message `json:"messages"`
		Stream        bool          `json:"stream"`
		StreamOptions *struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
		ResponseFormat *struct {
			Type string `json:"type"`
		} `json:"response_format"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, 400, map[string]any{"error": "invalid JSON: " + err.Error()})
		return
	}
	if rf := req.ResponseFormat; rf != nil && rf.Type != "json_schema" && rf.Type != "text" {
		// As LM Studio does: only json_schema (and text) are accepted.
		writeJSON(w, 400, map[string]any{"error": "'response_format.type' must be 'json_schema' or 'text'"})
		return
	}
	s.mu.Lock()
	cr := ChatRequest{N: len(s.chats) + 1, Model: req.Model, Messages: req.Messages, Stream: req.Stream, Body: body}
	s.chats = append(s.chats, cr)
	s.mu.Unlock()
	if d := s.opts.LogDir; d != "" {
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, fmt.Sprintf("chat-%d.json", cr.N)), body, 0o644)
		os.WriteFile(filepath.Join(d, "last-chat.json"), body, 0o644)
	}

	o := s.opts
	if o.NoneLoaded {
		s.fail(w, "noload", req.Model)
		return
	}
	known := false
	for _, m := range o.Models {
		known = known || m == req.Model
	}
	if !known {
		s.fail(w, "unknown", req.Model)
		return
	}
	size := 0
	for _, m := range req.Messages {
		size += len(m.Content)
	}
	if size > o.ContextLength*4 {
		s.fail(w, "context", req.Model)
		return
	}

	rep := o.Reply(cr)
	if rep.Hang {
		<-r.Context().Done()
		return
	}
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	for k, vs := range rep.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	if rep.Body != "" || (rep.Status != 0 && rep.Status != 200) {
		ct := "application/json"
		if strings.HasPrefix(rep.Body, "data:") || strings.HasPrefix(rep.Body, "error:") {
			ct = "text/event-stream"
		} else if strings.HasPrefix(strings.TrimSpace(rep.Body), "<") {
			ct = "text/html"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(cmp.Or(rep.Status, 200))
		io.WriteString(w, rep.Body)
		return
	}
	id := fmt.Sprintf("chatcmpl-%d", cr.N)
	usage := map[string]any{"prompt_tokens": size / 4, "completion_tokens": len(rep.Content) / 4, "total_tokens": (size + len(rep.Content)) / 4}
	finish := cmp.Or(rep.Finish, "stop")
	if !req.Stream {
		msg := map[string]any{"role": "assistant", "content": rep.Content}
		if rep.Reasoning != "" {
			msg["reasoning_content"] = rep.Reasoning
		}
		answer := map[string]any{
			"id": id, "object": "chat.completion", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
		}
		if !o.NoUsage {
			answer["usage"] = usage
		}
		writeJSON(w, 200, answer)
		return
	}
	chunks := rep.Chunks
	if chunks == nil {
		chunks = splitWords(rep.Content)
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(200)
	fl, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if fl != nil {
			fl.Flush()
		}
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1, "model": req.Model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	send(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for _, r := range splitWords(rep.Reasoning) {
		send(chunk(map[string]any{"reasoning_content": r}, nil))
	}
	for i, c := range chunks {
		if i > 0 && rep.ChunkDelay > 0 {
			select {
			case <-time.After(rep.ChunkDelay):
			case <-r.Context().Done():
				return
			}
		}
		send(chunk(map[string]any{"content": c}, nil))
	}
	if rep.BreakOff {
		// The connection just closes: no finish_reason, no [DONE].
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
		return
	}
	send(chunk(map[string]any{}, finish))
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage && !o.NoUsage {
		// As OpenAI specifies for stream_options.include_usage: one more
		// chunk with no choices and the whole request's usage.
		send(map[string]any{"id": id, "object": "chat.completion.chunk", "created": 1, "model": req.Model, "choices": []any{}, "usage": usage})
	}
	io.WriteString(w, "data: [DONE]\n\n")
}

// fail answers with the error body the real server of this kind sends.
func (s *Server) fail(w http.ResponseWriter, what, model string) {
	k := s.opts.Kind
	switch what {
	case "noload":
		writeJSON(w, 404, map[string]any{"error": "No models loaded. Please load a model in the developer page or use the `lms load` command."})
	case "unknown":
		switch k {
		case llm.KindOllama:
			writeJSON(w, 404, map[string]any{"error": map[string]any{"message": fmt.Sprintf("model %q not found, try pulling it first", model), "type": "api_error"}})
		case llm.KindLMStudio:
			writeJSON(w, 404, map[string]any{"error": fmt.Sprintf("Invalid model identifier %q. Please specify a valid downloaded model (i.e. %s).", model, strings.Join(s.opts.Models, ", "))})
		default:
			writeJSON(w, 404, map[string]any{"error": map[string]any{"message": fmt.Sprintf("The model `%s` does not exist", model), "type": "invalid_request_error", "code": "model_not_found"}})
		}
	case "context":
		switch k {
		case llm.KindLlamaCpp:
			writeJSON(w, 400, map[string]any{"error": map[string]any{"code": 400, "message": "the request exceeds the available context size, try increasing it", "type": "exceed_context_size_error", "n_ctx": s.opts.ContextLength}})
		case llm.KindLMStudio:
			writeJSON(w, 400, map[string]any{"error": "The number of tokens to keep from the initial prompt is greater than the context length. Try to load the model with a larger context length, or provide a shorter input"})
		default:
			writeJSON(w, 400, map[string]any{"error": map[string]any{"message": fmt.Sprintf("This model's maximum context length is %d tokens. However, your messages resulted in more tokens.", s.opts.ContextLength), "type": "invalid_request_error", "code": "context_length_exceeded"}})
		}
	}
}

func (s *Server) embeddings(w http.ResponseWriter, body []byte) {
	var req struct {
		Model string `json:"model"`
		Input any    `json:"input"`
	}
	json.Unmarshal(body, &req)
	if s.opts.EmbeddingModel == "" || req.Model != s.opts.EmbeddingModel {
		writeJSON(w, 400, map[string]any{"error": map[string]any{"message": "This server does not support embeddings. Start it with `--embeddings`", "type": "not_supported_error"}})
		return
	}
	var inputs []string
	switch v := req.Input.(type) {
	case string:
		inputs = []string{v}
	case []any:
		for _, x := range v {
			s, _ := x.(string)
			inputs = append(inputs, s)
		}
	}
	var data []any
	for i, in := range inputs {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": Vector(in)})
	}
	writeJSON(w, 200, map[string]any{"object": "list", "data": data, "model": req.Model})
}

// Vector is the fake embedding: words hashed into 64 dimensions, normalised.
// Texts that share words are close.
func Vector(text string) []float32 {
	v := make([]float32, 64)
	for _, w := range strings.Fields(strings.ToLower(text)) {
		h := fnv.New32a()
		h.Write([]byte(strings.Trim(w, ".,:;!?\"'()")))
		v[h.Sum32()%64]++
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	if n > 0 {
		for i := range v {
			v[i] /= float32(math.Sqrt(n))
		}
	}
	return v
}

func splitWords(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s[1:], ' ')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
