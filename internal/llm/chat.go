package llm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Message is one chat message. Role is "system", "user" or "assistant".
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// System returns a system message (the instructions).
func System(s string) Message { return Message{Role: "system", Content: s} }

// User returns a user message.
func User(s string) Message { return Message{Role: "user", Content: s} }

// Assistant returns an assistant message (an earlier answer).
func Assistant(s string) Message { return Message{Role: "assistant", Content: s} }

// Schema is a JSON schema for structured output, sent as
// response_format {"type": "json_schema", "json_schema": {name, strict, schema}}.
type Schema struct {
	// Name identifies the schema to the server ("plan", "primitives").
	Name string
	// Schema is the JSON schema document: a json.RawMessage, a map or a struct.
	Schema any
}

// Request is one chat completion request.
type Request struct {
	// Model overrides the client's model for this request.
	Model    string
	Messages []Message
	// Temperature is nil for DefaultTemperature (0.7); use Temp(x) to set it,
	// including 0.
	Temperature *float64
	// MaxTokens caps the answer; 0 leaves it to the server.
	MaxTokens int
	// Schema, when set, asks for structured output (json_schema, never json_object).
	Schema *Schema
	// Stop sequences, optional.
	Stop []string
}

// Temp returns a pointer to t, for Request.Temperature.
func Temp(t float64) *float64 { return &t }

// Usage is the token count for a call: the server's figures when it reports
// them, else pxos's estimate (Estimated).
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
	// Estimated means the counts are pxos's estimate (EstimateMessages for
	// the prompt, EstimateTokens for the answer and its reasoning), not the
	// server's: the server reported no usage, or only zeros.
	Estimated bool `json:"estimated,omitempty"`
}

// Response is a finished chat answer.
type Response struct {
	// Content is the answer with any <think>...</think> reasoning removed.
	Content string
	// Reasoning is the model's reasoning: <think> blocks or the server's
	// reasoning_content field.
	Reasoning string
	// Raw is the answer exactly as the server sent it.
	Raw          string
	Model        string
	FinishReason string
	Usage        Usage
	// Tries is the number of times the request was sent: 1, more after 5xx
	// retries or when the server rejected stream_options.
	Tries int
	// FromReasoning says the content was empty and the answer is the
	// model's reasoning field (see finish).
	FromReasoning bool

	fieldReasoning string // what came in reasoning_content or reasoning fields
}

// wire types

type responseFormat struct {
	Type       string          `json:"type"`
	JSONSchema *jsonSchemaSpec `json:"json_schema,omitempty"`
}

type jsonSchemaSpec struct {
	Name   string `json:"name"`
	Strict bool   `json:"strict"`
	Schema any    `json:"schema"`
}

type chatBody struct {
	Model          string          `json:"model"`
	Messages       []Message       `json:"messages"`
	Temperature    float64         `json:"temperature"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	Stream         bool            `json:"stream"`
	StreamOptions  *streamOptions  `json:"stream_options,omitempty"`
	Stop           []string        `json:"stop,omitempty"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
}

// streamOptions asks a streaming server for the token counts: with
// include_usage it sends one more chunk before "data: [DONE]" whose choices
// are empty and whose usage covers the whole request; without it OpenAI,
// llama.cpp's server and vLLM send no usage in a stream.
// (https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options)
//
// It is sent only with stream: true, because vLLM rejects it otherwise
// ("Stream options can only be defined when `stream=True`.", the
// validate_stream_options check in vllm/entrypoints/openai/protocol.py).
// How the servers pxos talks to treat it:
//   - LM Studio: older versions ignore it and never send usage in a stream
//     (https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/713,
//     https://github.com/lmstudio-ai/lmstudio-bug-tracker/issues/676); newer
//     ones send usage only when it is set
//     (https://github.com/zed-industries/zed/pull/57861).
//   - Ollama's /v1: honoured since v0.5.2
//     (https://github.com/ollama/ollama/issues/5200,
//     https://github.com/ogx-ai/ogx/pull/5011); older versions ignore it.
//   - llama.cpp server: honoured; some builds send the usage chunk even
//     unasked (https://github.com/ggml-org/llama.cpp/pull/15444,
//     https://github.com/ggml-org/llama.cpp/issues/16048).
//   - vLLM: honoured since v0.5.0 (https://github.com/vllm-project/vllm/issues/4967,
//     https://github.com/ogx-ai/ogx/pull/5010).
//
// None of them rejects it, but other OpenAI-compatible APIs do: Azure
// OpenAI's older API versions with HTTP 400 "Unrecognized request argument
// supplied: stream_options"
// (https://github.com/langchain-ai/langchain/pull/23552) and Mistral's with
// HTTP 422 "extra_forbidden" naming stream_options
// (https://github.com/openai/openai-agents-python/issues/442). Such a
// rejection is retried once without the field, and the client does not
// send it again (see Client.chat); the usage is then estimated.
type streamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

type chatAnswer struct {
	Model   string `json:"model"`
	Choices []struct {
		Message *struct {
			Content          *string `json:"content"`
			ReasoningContent string  `json:"reasoning_content"`
			Reasoning        string  `json:"reasoning"`
		} `json:"message"`
		Delta *struct {
			Content          string `json:"content"`
			ReasoningContent string `json:"reasoning_content"`
			Reasoning        string `json:"reasoning"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *Usage          `json:"usage"`
	Error json.RawMessage `json:"error"`
}

func (c *Client) body(ctx context.Context, r Request, stream bool) (chatBody, error) {
	model := r.Model
	if model == "" {
		m, err := c.Model(ctx)
		if err != nil {
			return chatBody{}, err
		}
		model = m
	}
	temp := DefaultTemperature
	if r.Temperature != nil {
		temp = *r.Temperature
	}
	b := chatBody{Model: model, Messages: r.Messages, Temperature: temp, MaxTokens: r.MaxTokens, Stream: stream, Stop: r.Stop}
	if stream && !c.noStreamOptions.Load() {
		b.StreamOptions = &streamOptions{IncludeUsage: true}
	}
	if r.Schema != nil && c.noSchema.Load() {
		// The server refused response_format before: the schema goes in
		// the instructions.
		b.Messages = withSchemaInstruction(b.Messages, *r.Schema)
	} else if r.Schema != nil {
		name := r.Schema.Name
		if name == "" {
			name = "answer"
		}
		b.ResponseFormat = &responseFormat{Type: "json_schema", JSONSchema: &jsonSchemaSpec{Name: name, Strict: true, Schema: r.Schema.Schema}}
	}
	return b, nil
}

// Chat sends one chat completion and returns the whole answer. The call,
// retries included, is bounded by Config.Timeout.
func (c *Client) Chat(ctx context.Context, r Request) (*Response, error) {
	return c.chat(ctx, r, nil)
}

// ChatStream sends one chat completion with stream: true and calls onToken
// with each piece of the answer as it arrives (server-sent events). It
// returns the whole answer at the end. Config.Timeout bounds the wait for
// each next piece, not the whole answer.
//
// onToken sees the raw text, reasoning blocks included; wrap it with a
// ThinkFilter to hide <think> blocks from a user.
func (c *Client) ChatStream(ctx context.Context, r Request, onToken func(string)) (*Response, error) {
	if onToken == nil {
		onToken = func(string) {}
	}
	return c.chat(ctx, r, onToken)
}

// ChatJSON asks for an answer that matches schema (response_format
// json_schema, strict) and decodes it into out. Models that ignore the
// schema and wrap the JSON in prose, ```json fences or <think> blocks are
// handled by ExtractJSON. A server that refuses response_format is asked
// without it, with the schema in the instructions (see Client.chat).
func (c *Client) ChatJSON(ctx context.Context, r Request, schema Schema, out any) (*Response, error) {
	r.Schema = &schema
	resp, err := c.Chat(ctx, r)
	if err != nil {
		return nil, err
	}
	if err := c.DecodeJSON(resp.Content, out); err != nil {
		return resp, err
	}
	return resp, nil
}

// DecodeJSON extracts the JSON value from a model's answer, repairing the
// defects small models make (see ExtractJSONFor; an object when out is a
// struct or a map), and unmarshals it into out. Failures wrap ErrMalformed
// and name the defect and where it is.
func (c *Client) DecodeJSON(answer string, out any) error {
	raw, err := ExtractJSONFor(answer, wantsObject(out))
	if err != nil {
		return c.malformed("%v", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return c.malformed("the JSON in the answer does not fit the expected shape: %v", err)
	}
	return nil
}

func mentionsResponseFormat(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "response_format") || strings.Contains(m, "json_schema") || strings.Contains(m, "grammar") ||
		strings.Contains(m, "json schema") || strings.Contains(m, "schema conversion")
}

// refusesSchema reports whether err is a server's refusal of
// response_format: a 4xx or 5xx whose text names the schema or the grammar
// it would be turned into (llama.cpp: "JSON schema conversion failed:
// Unrecognized schema…", "Failed to initialize samplers: failed to parse
// grammar"; LM Studio: "'response_format.type' must be …").
func refusesSchema(err error) bool {
	e, ok := err.(*Error)
	return ok && (e.Kind == ErrRejected || e.Kind == ErrServer) && e.Status >= 400 && mentionsResponseFormat(e.Server)
}

func withSchemaInstruction(msgs []Message, s Schema) []Message {
	sch, _ := json.Marshal(s.Schema)
	note := "Answer with only a JSON value that matches this JSON schema, and nothing else:\n" + string(sch)
	out := append([]Message(nil), msgs...)
	if len(out) > 0 && out[0].Role == "system" {
		out[0].Content += "\n\n" + note
		return out
	}
	return append([]Message{System(note)}, out...)
}

// chat sends the request and fills in the usage. A server that rejects
// stream_options is asked once more without it, and this client stops
// sending it (see streamOptions).
func (c *Client) chat(parent context.Context, r Request, onToken func(string)) (*Response, error) {
	body, err := c.body(parent, r, onToken != nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.send(parent, body, onToken)
	rejected := 0
	if body.StreamOptions != nil && rejectsStreamOptions(err) {
		c.noStreamOptions.Store(true)
		body.StreamOptions = nil
		rejected++
		resp, err = c.send(parent, body, onToken)
	}
	if body.ResponseFormat != nil && refusesSchema(err) {
		// The server cannot use the schema: ask again with the schema in
		// the instructions, and keep doing so for the rest of the run.
		c.noSchema.Store(true)
		c.notice("no-schema", fmt.Sprintf("the LLM server at %s cannot use response_format (%s): the JSON schema goes in the instructions instead", c.URL(), shorten(err.(*Error).Server, 120)))
		body.ResponseFormat = nil
		body.Messages = withSchemaInstruction(body.Messages, *r.Schema)
		rejected++
		resp, err = c.send(parent, body, onToken)
	}
	if err != nil {
		return nil, err
	}
	resp.Tries += rejected
	resp.Usage = fillUsage(resp.Usage, body.Messages, resp)
	return c.finish(resp, body.MaxTokens)
}

// finish checks how an answer ended. Cut at the answer budget
// (finish_reason "length") it is not the whole answer: ErrCutOff, with the
// Response for its counts. An answer whose content is empty but whose
// reasoning is not (LM Studio with a thinking model and response_format
// puts it in reasoning_content) is the reasoning, said once.
func (c *Client) finish(resp *Response, maxTokens int) (*Response, error) {
	if resp.FinishReason == "length" {
		n := resp.Usage.CompletionTokens
		if maxTokens > 0 {
			n = maxTokens
		}
		return resp, c.errorf(ErrCutOff, 0, "", "the answer from %s was cut at %d tokens (finish_reason \"length\"), so it is not used — raise --max-tokens, or load the model with a larger context", c.URL(), n)
	}
	if strings.TrimSpace(resp.Content) == "" && strings.TrimSpace(resp.fieldReasoning) != "" {
		resp.Content, resp.FromReasoning = resp.fieldReasoning, true
		c.notice("reasoning", fmt.Sprintf("the model at %s put its answer in its reasoning field and left the answer empty: pxos uses the reasoning as the answer", c.URL()))
	}
	if strings.TrimSpace(resp.Content) == "" && strings.TrimSpace(resp.Reasoning) != "" {
		// Only reasoning in the text itself: a <think> that never closed,
		// or a harmony analysis channel with no final one. That is no
		// answer, however it ended.
		return nil, c.errorf(ErrMalformed, 0, "", "the model at %s wrote only its reasoning (an unclosed <think>, or an analysis channel with no final one) and no answer; nothing of it is used — try again, or raise --max-tokens if it ran out of room", c.URL())
	}
	return resp, nil
}

// rejectsStreamOptions reports whether err is a 4xx rejection whose text
// names stream_options.
func rejectsStreamOptions(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Kind == ErrRejected && e.Status >= 400 && e.Status < 500 &&
		strings.Contains(strings.ToLower(e.Server), "stream_options")
}

// fillUsage returns the server's usage u as it is (with a missing total
// made prompt+completion), or, when the server reported none or only zeros,
// an estimate from the prompt msgs and the answer, marked Estimated.
func fillUsage(u Usage, msgs []Message, resp *Response) Usage {
	u.Estimated = false
	if u.PromptTokens != 0 || u.CompletionTokens != 0 || u.TotalTokens != 0 {
		if u.TotalTokens == 0 {
			u.TotalTokens = u.PromptTokens + u.CompletionTokens
		}
		return u
	}
	// Content and Reasoning hold the whole generated text (<think> blocks
	// and reasoning_content included) without counting any of it twice.
	p := EstimateMessages(msgs)
	a := EstimateTokens(resp.Content) + EstimateTokens(resp.Reasoning)
	return Usage{PromptTokens: p, CompletionTokens: a, TotalTokens: p + a, Estimated: true}
}

// send posts body, retrying 5xx answers, within the client's timeout.
func (c *Client) send(parent context.Context, body chatBody, onToken func(string)) (*Response, error) {
	stream := onToken != nil
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encoding request: %v", err)
	}

	ctx, cancel := context.WithCancelCause(parent)
	defer cancel(nil)
	// One timer bounds the call. Non-streaming: the whole call. Streaming:
	// it is reset whenever a piece of the answer arrives.
	timer := time.AfterFunc(c.cfg.Timeout, func() { cancel(errClientTimeout) })
	defer timer.Stop()
	touch := func() {
		if stream {
			timer.Reset(c.cfg.Timeout)
		}
	}

	backoff := c.cfg.Backoff
	for try := 1; ; try++ {
		resp, status, data, err := c.attempt(ctx, payload, body.Model, onToken, touch)
		if err == nil {
			resp.Tries = try
			return resp, nil
		}
		if err != errRetry {
			return nil, err
		}
		if try >= c.cfg.Tries {
			return nil, c.httpError(ctx, status, data, body.Model, try)
		}
		if err := sleep(ctx, backoff); err != nil {
			return nil, c.transportError(ctx, err, c.cfg.Timeout)
		}
		backoff *= 2
	}
}

// MaxAnswer bounds one answer, in bytes (content and reasoning): a
// feature's JSON is a few KiB, and whatever pxos does with an answer
// (extraction, repair, validation) must stay bounded however much a server
// sends.
const MaxAnswer = 4 << 20

func (c *Client) tooLong() *Error {
	return c.errorf(ErrMalformed, 0, "", "the answer from %s passed %d MiB; nothing of it is used — lower --max-tokens, or check the model", c.URL(), MaxAnswer>>20)
}

// errRetry means: the server answered 5xx with nothing more specific; try again.
var errRetry = fmt.Errorf("retry")

func (c *Client) attempt(ctx context.Context, payload []byte, model string, onToken func(string), touch func()) (*Response, int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/chat/completions", bytes.NewReader(payload))
	if err != nil {
		return nil, 0, nil, c.errorf(ErrUnreachable, 0, "", "bad LLM server URL %s: %v", c.URL(), err)
	}
	c.header(req)
	if onToken != nil {
		req.Header.Set("Accept", "text/event-stream")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, nil, c.transportError(ctx, err, c.cfg.Timeout)
	}
	defer resp.Body.Close()
	touch()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		// A redirect the client did not follow (see New): 301, 302 and
		// 303 would turn the POST into a GET.
		to := resp.Header.Get("Location")
		if u, err := resp.Request.URL.Parse(to); err == nil {
			to = u.String()
			if path, ok := strings.CutSuffix(strings.TrimRight(u.Path, "/"), "/chat/completions"); ok && u.RawQuery == "" {
				fix := (&url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: path}).String()
				return nil, resp.StatusCode, nil, c.errorf(ErrRejected, resp.StatusCode, "",
					"the LLM server at %s redirects (HTTP %d) to %s, and a redirected request is no longer a POST — use --url %s (or PXOS_LLM_URL)", c.URL(), resp.StatusCode, redactURL(to), redactURL(fix))
			}
		}
		return nil, resp.StatusCode, nil, c.errorf(ErrRejected, resp.StatusCode, "",
			"%s redirects (HTTP %d) to %s, which is not a chat API (a login page?) — check --url and what stands in front of the server", c.URL(), resp.StatusCode, redactURL(to))
	}
	if resp.StatusCode != 200 {
		data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, 0, nil, c.transportError(ctx, err, c.cfg.Timeout)
		}
		_, page := htmlTitle(data)
		if resp.StatusCode >= 500 && classify(resp.StatusCode, serverMessage(data)) == ErrServer &&
			!mentionsResponseFormat(serverMessage(data)) && !(page && resp.StatusCode == http.StatusGatewayTimeout) {
			// A schema refusal is not retried as it is (Client.chat asks
			// without the schema), nor a proxy's timeout (each try waits
			// as long again).
			return nil, resp.StatusCode, data, errRetry
		}
		return nil, resp.StatusCode, data, c.httpError(ctx, resp.StatusCode, data, model, 1)
	}
	if onToken != nil {
		// Decide by the body, not the Content-Type, which some servers get
		// wrong: events start with "data:", ":" or "event:"; a server that
		// ignores stream: true answers with one JSON object.
		br := bufio.NewReaderSize(resp.Body, 64<<10)
		if head, _ := br.Peek(1); string(head) == "<" {
			resp.Body = io.NopCloser(br) // an HTML page: parseAnswer names it
		} else if string(head) != "{" {
			out, err := c.readStream(ctx, br, model, onToken, touch)
			return out, 200, nil, err
		}
		resp.Body = io.NopCloser(br)
	}
	// JSON escaping can double an answer's bytes; more than that is too
	// long whatever it holds.
	data, err := io.ReadAll(io.LimitReader(resp.Body, 2*MaxAnswer+64<<10))
	if err != nil {
		return nil, 0, nil, c.transportError(ctx, err, c.cfg.Timeout)
	}
	if len(data) > 2*MaxAnswer+32<<10 {
		return nil, 0, nil, c.tooLong()
	}
	out, err := c.parseAnswer(data, model)
	if err == nil && onToken != nil {
		onToken(out.Raw)
	}
	return out, 200, data, err
}

func (c *Client) parseAnswer(data []byte, model string) (*Response, error) {
	if title, page := htmlTitle(data); page {
		return nil, c.errorf(ErrRejected, 200, title, "%s answered with an HTML page (title %q), not the chat API — check --url: a login page or a proxy may be in front of the server", c.URL(), title)
	}
	var a chatAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, c.malformed("the answer is not JSON (%v): %s", err, shorten(string(data), 200))
	}
	if msg := rawMessage(a.Error); msg != "" {
		// LM Studio has answered errors with status 200.
		return nil, c.httpError(context.Background(), 200, data, model, 1)
	}
	if len(a.Choices) == 0 || a.Choices[0].Message == nil ||
		a.Choices[0].Message.Content == nil && a.Choices[0].Message.ReasoningContent == "" && a.Choices[0].Message.Reasoning == "" {
		return nil, c.malformed("no choices[0].message.content in %s", shorten(string(data), 200))
	}
	ch := a.Choices[0]
	out := &Response{Model: a.Model, fieldReasoning: ch.Message.ReasoningContent + ch.Message.Reasoning}
	if ch.Message.Content != nil {
		out.Raw = *ch.Message.Content // null with the answer in reasoning_content: vLLM's reasoning parser
	}
	if len(out.Raw)+len(out.fieldReasoning) > MaxAnswer {
		return nil, c.tooLong()
	}
	if ch.FinishReason != nil {
		out.FinishReason = *ch.FinishReason
	}
	if a.Usage != nil {
		out.Usage = *a.Usage
	}
	out.Content, out.Reasoning = SplitThink(out.Raw)
	out.Reasoning = joinNonEmpty(ch.Message.ReasoningContent+ch.Message.Reasoning, out.Reasoning)
	return out, nil
}

// readStream reads server-sent events: "data: {json}" lines, ending with
// "data: [DONE]" (or the end of the body). Comments (":...") and event:
// lines are ignored. An error object in the stream ends it with that error.
// The usage may come in any chunk; with stream_options it comes in a last
// chunk whose choices are empty.
func (c *Client) readStream(ctx context.Context, body io.Reader, model string, onToken func(string), touch func()) (*Response, error) {
	br := bufio.NewReaderSize(body, 64<<10)
	var raw, reasoning strings.Builder
	out := &Response{}
	sawData, done := false, false
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			touch()
		}
		line = strings.TrimRight(line, "\r\n")
		if rest, ok := strings.CutPrefix(line, "error:"); ok {
			// llama.cpp's server reports an error mid-stream as a line of
			// its own, after HTTP 200: "error: {"code":400,"message":…}".
			data := strings.TrimSpace(rest)
			if !strings.HasPrefix(data, "{") || !json.Valid([]byte(data)) {
				data = `{"error":` + strconv.Quote(data) + `}`
			} else if !strings.Contains(data, `"error"`) {
				data = `{"error":` + data + `}`
			}
			if e := c.httpError(ctx, 200, []byte(data), model, 1); e.Kind != ErrRejected {
				return nil, e
			}
			msg := c.redact(serverMessage([]byte(data)))
			return nil, c.errorf(ErrServer, 200, msg, "the LLM server at %s stopped the answer with an error: %q — check the server's log", c.URL(), msg)
		}
		if strings.HasPrefix(line, "data:") {
			data := strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			if data == "[DONE]" {
				done = true
				break
			}
			sawData = true
			var a chatAnswer
			if jerr := json.Unmarshal([]byte(data), &a); jerr != nil {
				return nil, c.malformed("bad event in the stream (%v): %s", jerr, shorten(data, 200))
			}
			if msg := rawMessage(a.Error); msg != "" {
				return nil, c.httpError(ctx, 200, []byte(data), model, 1)
			}
			if a.Model != "" {
				out.Model = a.Model
			}
			if a.Usage != nil {
				out.Usage = *a.Usage
			}
			if raw.Len()+reasoning.Len() > MaxAnswer {
				return nil, c.tooLong()
			}
			for _, ch := range a.Choices {
				if ch.Delta != nil {
					if ch.Delta.Content != "" {
						raw.WriteString(ch.Delta.Content)
						onToken(ch.Delta.Content)
					}
					reasoning.WriteString(ch.Delta.ReasoningContent + ch.Delta.Reasoning)
				}
				if ch.FinishReason != nil && *ch.FinishReason != "" {
					out.FinishReason = *ch.FinishReason
				}
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, c.transportError(ctx, err, c.cfg.Timeout)
		}
	}
	if !sawData {
		return nil, c.malformed("the stream ended without any answer")
	}
	if !done && out.FinishReason == "" {
		// The connection closed mid-answer: no finish_reason, no [DONE].
		return nil, c.errorf(ErrBrokenOff, 0, "", "the LLM server at %s broke off the answer after %d bytes (no finish_reason, no [DONE]); nothing of it is used — try again, and check the server's log if it keeps happening", c.URL(), raw.Len()+reasoning.Len())
	}
	out.Raw = raw.String()
	out.Content, out.Reasoning = SplitThink(out.Raw)
	out.fieldReasoning = reasoning.String()
	out.Reasoning = joinNonEmpty(out.fieldReasoning, out.Reasoning)
	return out, nil
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}
