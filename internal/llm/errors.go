package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sentinel errors. Every error the client returns wraps exactly one of them;
// test with errors.Is. The *Error that wraps it carries the full message.
var (
	ErrUnreachable   = errors.New("cannot reach the LLM server")
	ErrNoModelLoaded = errors.New("no model loaded")
	ErrUnknownModel  = errors.New("unknown model")
	ErrContextLength = errors.New("context length exceeded")
	ErrTimeout       = errors.New("timed out")
	ErrServer        = errors.New("server error")
	ErrMalformed     = errors.New("malformed answer")
	ErrAuth          = errors.New("not authorised")
	ErrRejected      = errors.New("request rejected")
	ErrNoEmbeddings  = errors.New("no embedding model")
	// ErrCutOff: the answer stopped at the answer budget (finish_reason
	// "length"): what came is not the whole answer. Chat returns the cut
	// Response with it, for its token counts.
	ErrCutOff = errors.New("answer cut off")
	// ErrBrokenOff: the server stopped sending mid-answer (no
	// finish_reason, no [DONE]).
	ErrBrokenOff = errors.New("answer broken off")
)

// Unavailable reports whether err means no LLM can answer at all (no
// server, no model, bad credentials), as opposed to one request failing.
// Callers with an offline fallback (pxos auto's kb provider) switch to it
// on these.
func Unavailable(err error) bool {
	for _, e := range []error{ErrUnreachable, ErrNoModelLoaded, ErrUnknownModel, ErrAuth} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Error is a failure talking to the LLM server. Kind is one of the sentinel
// errors above; Msg is the whole explanation, naming the server and the fix.
type Error struct {
	Kind   error
	Status int    // HTTP status, 0 when there was no answer
	Server string // the server's own error text, if any (API key redacted)
	Msg    string
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the sentinel, so errors.Is(err, ErrNoModelLoaded) works.
func (e *Error) Unwrap() error { return e.Kind }

// errClientTimeout marks a deadline set by the client itself, as opposed to the
// caller's context being cancelled.
var errClientTimeout = errors.New("client timeout")

func (c *Client) errorf(kind error, status int, server, format string, args ...any) *Error {
	return &Error{Kind: kind, Status: status, Server: server, Msg: fmt.Sprintf(format, args...)}
}

func (c *Client) unreachable() *Error {
	return c.errorf(ErrUnreachable, 0, "",
		"cannot reach the LLM server at %s — start LM Studio's server (Developer tab → Start Server), or `ollama serve`, or `llama-server`, or pass --url (PXOS_LLM_URL)", c.URL())
}

func (c *Client) timeout(d time.Duration) *Error {
	return c.errorf(ErrTimeout, 0, "",
		"no answer from the LLM server at %s within %s — the model may be slow or stuck: raise --timeout (e.g. --timeout 300s) or load a smaller model", c.URL(), d)
}

func (c *Client) noModelError(info *Info, server string) *Error {
	var avail string
	if info != nil && len(info.Models) > 0 {
		avail = " (downloaded: " + strings.Join(info.ModelIDs(), ", ") + ")"
	}
	said := ""
	if server != "" {
		said = fmt.Sprintf(" (server said: %q)", server)
	}
	how := "load one in LM Studio (Developer tab → Select a model to load, or `lms load MODEL`)"
	if info != nil {
		switch info.Kind {
		case KindOllama:
			how = "pull one (`ollama pull qwen2.5-coder:7b`)"
		case KindLlamaCpp:
			how = "start llama-server with a model (`llama-server -m MODEL.gguf`)"
		case KindOpenAI:
			how = "make the server offer one"
		}
	}
	return c.errorf(ErrNoModelLoaded, 0, server,
		"no model is loaded in the LLM server at %s%s — %s%s, or pass --model (PXOS_MODEL)", c.URL(), said, how, avail)
}

// transportError turns an error from http.Client.Do (or reading a body) into
// an *Error. ctx is the call's context, d its timeout.
func (c *Client) transportError(ctx context.Context, err error, d time.Duration) error {
	if context.Cause(ctx) == errClientTimeout {
		return c.timeout(d)
	}
	if ctx.Err() != nil {
		// The caller gave up (Ctrl-C): not the server's fault.
		return fmt.Errorf("%w", context.Cause(ctx))
	}
	if isDialError(err) {
		return c.unreachable()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return c.timeout(d)
	}
	return c.errorf(ErrBrokenOff, 0, "", "the LLM server at %s broke off the answer (%v); nothing of it is used — try again, and check the server's log if it keeps happening", c.URL(), c.redact(err.Error()))
}

func isDialError(err error) bool {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// serverMessage pulls the error text out of a response body. Servers answer
// {"error": "text"} (LM Studio), {"error": {"message": "text"}} (OpenAI,
// llama.cpp, Ollama's /v1) or {"detail": ...}; anything else is returned as
// it is, shortened.
func serverMessage(body []byte) string {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		if msg := rawMessage(v.Error); msg != "" {
			return msg
		}
		if msg := rawMessage(v.Detail); msg != "" {
			return msg
		}
		if v.Message != "" {
			return v.Message
		}
	}
	return shorten(strings.TrimSpace(string(body)), 300)
}

func rawMessage(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct {
		Message string `json:"message"`
		Msg     string `json:"msg"`
		Type    string `json:"type"`
		Code    any    `json:"code"`
	}
	if json.Unmarshal(raw, &o) == nil {
		switch {
		case o.Message != "" && o.Type != "" && !strings.Contains(o.Message, o.Type):
			return o.Message + " (" + o.Type + ")"
		case o.Message != "":
			return o.Message
		case o.Msg != "":
			return o.Msg
		case o.Type != "":
			return o.Type
		}
	}
	return shorten(string(raw), 300)
}

// classify maps a server's error text and HTTP status to a sentinel. The
// text decides first, because servers disagree on status codes: LM Studio
// has answered "No models loaded" with 200, 400 and 404 in different
// versions.
func classify(status int, msg string) error {
	m := strings.ToLower(msg)
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(m, s) {
				return true
			}
		}
		return false
	}
	switch {
	case has("no models loaded", "no model loaded", "no model is loaded", "model is not loaded", "model not loaded", "model is unloaded"):
		return ErrNoModelLoaded
	case has("context length", "context size", "context window", "n_ctx", "maximum context", "exceed_context", "context_length_exceeded", "too many tokens", "prompt is too long", "tokens to keep"):
		return ErrContextLength
	case has("model_not_found", "invalid model", "unknown model", "no such model") ||
		(strings.Contains(m, "model") && has("not found", "does not exist", "not exist", "not available", "try pulling")):
		return ErrUnknownModel
	case status == 401 || status == 403 || has("invalid api key", "incorrect api key", "unauthorized"):
		return ErrAuth
	case status >= 500:
		return ErrServer
	}
	return ErrRejected
}

// httpError builds the *Error for a failed answer with the server's text.
// model is the model the request named (for ErrUnknownModel).
func (c *Client) httpError(ctx context.Context, status int, body []byte, model string, tries int) *Error {
	if title, ok := htmlTitle(body); ok {
		// Not the LLM server's JSON: a reverse proxy (nginx, Caddy, a
		// tunnel) answered for it.
		kind := ErrRejected
		advice := "check the proxy's configuration and the URL"
		if status >= 500 {
			kind, advice = ErrServer, "the LLM server behind it is down, still loading or too slow: start it or wait, then try again (and check the proxy's timeouts)"
		}
		return c.errorf(kind, status, title, "the proxy in front of the LLM server at %s answered HTTP %d %s (page title %q) — %s", c.URL(), status, http.StatusText(status), title, advice)
	}
	msg := c.redact(serverMessage(body))
	kind := classify(status, msg)
	switch kind {
	case ErrNoModelLoaded:
		return c.noModelError(c.cachedInfo(), msg)
	case ErrContextLength:
		if n := statedContext(msg); n > 0 {
			// The server said how long its context really is: plan with
			// that from now on (ContextLength), so a retry can fit.
			c.learnedContext.Store(int64(n))
			return c.errorf(kind, status, msg,
				"the prompt does not fit the model's context at %s: the server says it is %d tokens (server said: %q) — load the model with a larger context, or pass --context-length %d", c.URL(), n, msg, n)
		}
		return c.errorf(kind, status, msg,
			"the prompt does not fit the model's context at %s (server said: %q) — shorten the input, lower --max-tokens, or load the model with a larger context length (and pass --context-length to match)", c.URL(), msg)
	case ErrUnknownModel:
		avail := ""
		if ids := c.availableModels(ctx); len(ids) > 0 {
			avail = "; available: " + strings.Join(ids, ", ")
		}
		return c.errorf(kind, status, msg,
			"the LLM server at %s does not know model %q (server said: %q)%s — pass one of them with --model (PXOS_MODEL), or download it first", c.URL(), model, msg, avail)
	case ErrAuth:
		return c.errorf(kind, status, msg,
			"the LLM server at %s refused the request (HTTP %d: %q) — set PXOS_API_KEY to a valid key", c.URL(), status, msg)
	case ErrServer:
		return c.errorf(kind, status, msg,
			"the LLM server at %s failed with HTTP %d after %d tries (server said: %q) — check the server's log, or load the model again", c.URL(), status, tries, msg)
	}
	return c.errorf(kind, status, msg,
		"the LLM server at %s rejected the request with HTTP %d (server said: %q)", c.URL(), status, msg)
}

// contextNumber finds the context length a server's context-overflow
// message states: LM Studio's "…loaded with context length of only 4096
// tokens…", OpenAI's and vLLM's "maximum context length is 8192 tokens",
// llama.cpp's "n_ctx: 4096" / "n_ctx_slot = 4096", Ollama's "context
// window of 2048".
var contextNumber = regexp.MustCompile(`(?i)(?:context(?:[ _](?:length|size|window))?(?: is)?(?: of)?(?: only)?|n_ctx(?:_slot)?)\W{0,4}(\d{3,7})\b`)

// statedContext returns the context length msg states, or 0.
func statedContext(msg string) int {
	m := contextNumber.FindStringSubmatch(msg)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 256 {
		return 0
	}
	return n
}

var htmlTag = regexp.MustCompile(`<[^>]*>`)

// htmlTitle reports whether body is an HTML page (a proxy's error page)
// and returns its <title>, or its first words.
func htmlTitle(body []byte) (string, bool) {
	t := strings.TrimSpace(string(body))
	lt := strings.ToLower(t)
	if !strings.HasPrefix(lt, "<!doctype html") && !strings.HasPrefix(lt, "<html") && !strings.HasPrefix(lt, "<head") && !strings.HasPrefix(lt, "<body") {
		return "", false
	}
	if i := strings.Index(lt, "<title>"); i >= 0 {
		if j := strings.Index(lt[i:], "</title>"); j > 0 {
			return Printable(strings.Join(strings.Fields(t[i+7:i+j]), " ")), true
		}
	}
	text := htmlTag.ReplaceAllString(t, " ")
	return Printable(shorten(strings.Join(strings.Fields(text), " "), 80)), true
}

func (c *Client) malformed(format string, args ...any) *Error {
	return c.errorf(ErrMalformed, 0, "", "malformed answer from the LLM server at %s: %s", c.URL(), c.redact(fmt.Sprintf(format, args...)))
}

// redact removes the API key from text that came from elsewhere (a server
// might echo the Authorization header in its error message).
func (c *Client) redact(s string) string {
	if k := c.cfg.APIKey; len(k) >= 4 {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	return s
}

// availableModels lists model ids for an error message, best effort.
func (c *Client) availableModels(ctx context.Context) []string {
	if info := c.cachedInfo(); info != nil && len(info.Models) > 0 {
		return info.ModelIDs()
	}
	if context.Cause(ctx) != nil {
		ctx = context.Background() // the call's deadline may have passed; listing has its own
	}
	ms, err := c.listOpenAIModels(ctx)
	if err != nil {
		return nil
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 { // don't split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
