// Package llm is pxos's client for OpenAI-compatible LLM servers: LM Studio
// (the default, http://localhost:1234/v1), Ollama, the llama.cpp server and
// any other server that speaks POST /v1/chat/completions.
//
// It owns the wire protocol and nothing above it: finding out what the server
// is and what it can do (Probe), chat with and without streaming (Chat,
// ChatStream), structured answers with response_format json_schema
// (ChatJSON), embeddings (Embed), token estimates and fitting a prompt into
// the model's context (Prompt.Fit). It does not know about pxOS, the pixel
// network or prompts' wording; those belong to the callers (bridge, gen,
// loop).
//
// The client is written on net/http rather than the official openai-go SDK
// because pxos needs endpoints the SDK does not model (LM Studio's
// /api/v0/models with loaded state and context length, llama.cpp's /props,
// Ollama's /api/tags, /api/ps and /api/show) and it must classify failures by
// the server's exact error text ("No models loaded", "context length", ...),
// which the SDK wraps in its own types.
//
// Every failure is an *Error whose Unwrap is one of the sentinel errors
// (ErrUnreachable, ErrNoModelLoaded, ...), so callers use errors.Is, and
// whose text names the server and the fix. The API key is sent only in the
// Authorization header: it never appears in an error, a log or a file.
//
// Never json_object: LM Studio rejects response_format {"type":"json_object"}
// with HTTP 400, so structured output always uses {"type":"json_schema"}, and
// the answer is parsed leniently (ExtractJSON) for models that ignore it.
package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults used when a Config field is zero.
const (
	DefaultURL           = "http://localhost:1234/v1"
	DefaultTemperature   = 0.7 // the seed's lm_studio_bridge.py value
	DefaultTimeout       = 120 * time.Second
	DefaultProbeTimeout  = 3 * time.Second
	DefaultTries         = 3
	DefaultBackoff       = 500 * time.Millisecond
	DefaultContextLength = 4096 // the seed's assumption when the server does not say
	// OllamaDefaultContext is the context Ollama gives a model whose
	// num_ctx nobody set (OLLAMA_CONTEXT_LENGTH, a Modelfile's PARAMETER
	// num_ctx): it keeps only the last that many tokens of a longer prompt
	// (https://github.com/ollama/ollama/blob/main/docs/faq.md, "How can I
	// specify the context window size?").
	OllamaDefaultContext = 2048
	// MinContext is the least context, in tokens, pxos works well in: its
	// instructions and the pxOS API page (about 1,650), an answer of about
	// 1,000, and room for a repair's error and some knowledge. pxos auto
	// and pxos doctor warn below it.
	MinContext = 4096
)

// Environment variables read by ConfigFromEnv.
const (
	EnvURL    = "PXOS_LLM_URL"
	EnvAPIKey = "PXOS_API_KEY"
	EnvModel  = "PXOS_MODEL"
)

// Config says which server to talk to and how patiently. The zero value is
// usable: every zero field takes its default.
type Config struct {
	// URL is the OpenAI-compatible base URL, e.g. http://localhost:1234/v1.
	// A URL without a path gets /v1 appended.
	URL string
	// APIKey, when set, is sent as "Authorization: Bearer KEY" and nowhere else.
	APIKey string
	// Model is the chat model. Empty means the model the server reports as
	// loaded (LM Studio: state "loaded"; otherwise the first listed).
	Model string
	// EmbedModel is the embedding model. Empty means the one Probe finds.
	EmbedModel string
	// Timeout bounds one chat call, retries included. For streaming calls it
	// bounds the wait for each next piece of the answer, so a long answer
	// that keeps arriving is not cut off.
	Timeout time.Duration
	// ProbeTimeout bounds each discovery request (models, props, tags).
	ProbeTimeout time.Duration
	// Tries is how many times a request that failed with HTTP 5xx is sent
	// in all before ErrServer.
	Tries int
	// Backoff is the wait before the first retry; it doubles each time.
	Backoff time.Duration
	// ContextLength, when above 0, is the model's context length, and wins
	// over what the server reports (LM Studio has reported a model's
	// maximum for a model loaded with less). 0: the server's figure, else
	// DefaultContextLength.
	ContextLength int
	// Notice, when set, is told things the user should know once per
	// client (the model put its answer in its reasoning, say).
	Notice func(msg string)
	// HTTPClient replaces the default client (tests, proxies).
	HTTPClient *http.Client
}

// ConfigFromEnv returns a Config filled from PXOS_LLM_URL, PXOS_API_KEY and
// PXOS_MODEL. Flags given on the command line should override its fields.
func ConfigFromEnv() Config {
	return Config{
		URL:    os.Getenv(EnvURL),
		APIKey: os.Getenv(EnvAPIKey),
		Model:  os.Getenv(EnvModel),
	}
}

// Client talks to one LLM server. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string // normalised base URL ending in /v1 (or whatever path was given)
	root string // base without a trailing /v1: where /api/..., /props live
	hc   *http.Client

	mu   sync.Mutex
	info *Info // cached by Probe

	// noStreamOptions is set once the server has rejected stream_options.
	noStreamOptions atomic.Bool
	// noSchema is set once the server has refused response_format: the
	// schema then goes in the instructions (see Client.chat).
	noSchema atomic.Bool
	// learnedContext is the context length a server's context-overflow
	// message stated (0: none); it wins over what the server reports.
	learnedContext atomic.Int64
	// noticed makes each notice (Config.Notice) be said once.
	noticed sync.Map
}

// New returns a client for cfg with defaults filled in. It does not contact
// the server.
func New(cfg Config) *Client {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ProbeTimeout <= 0 {
		cfg.ProbeTimeout = DefaultProbeTimeout
	}
	if cfg.Tries <= 0 {
		cfg.Tries = DefaultTries
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultBackoff
	}
	base := normaliseURL(cfg.URL)
	c := &Client{cfg: cfg, base: base, root: strings.TrimSuffix(base, "/v1")}
	c.hc = cfg.HTTPClient
	if c.hc == nil {
		// No client-wide timeout: each call sets its own deadline. The dial
		// timeout makes an address that swallows packets fail as
		// unreachable instead of hanging until the chat timeout.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		// The environment's proxy settings stay: Go never proxies requests
		// to localhost or loopback addresses, so local servers are not
		// affected, and a remote API behind a proxy still works.
		tr.DialContext = (&net.Dialer{Timeout: cfg.ProbeTimeout, KeepAlive: 30 * time.Second}).DialContext
		c.hc = &http.Client{Transport: tr, CheckRedirect: keepPost}
	}
	return c
}

// keepPost follows a redirect only where the request stays what it was:
// 307 and 308 keep a POST and its body (RFC 9110 §15.4.8, §15.4.9); 301,
// 302 and 303 would make it a GET (Go's http.Client does, as browsers do),
// which a chat endpoint answers with a confusing error. Those are returned
// to the caller, who names the new URL (see Client.attempt).
func keepPost(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	if via[0].Method == http.MethodPost && req.Response != nil {
		switch req.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
			return http.ErrUseLastResponse
		}
	}
	return nil
}

// URL is the server's base URL as shown to users (without credentials).
func (c *Client) URL() string { return redactURL(c.base) }

// Config returns the client's configuration with defaults filled in and the
// API key removed.
func (c *Client) Config() Config {
	cfg := c.cfg
	cfg.APIKey = ""
	cfg.HTTPClient = nil
	return cfg
}

// Model returns the chat model the client uses: Config.Model, or the model
// the server reports as loaded. It probes the server on first use.
func (c *Client) Model(ctx context.Context) (string, error) {
	if c.cfg.Model != "" {
		return c.cfg.Model, nil
	}
	info, err := c.Probe(ctx)
	if err != nil {
		return "", err
	}
	if info.Model == "" {
		return "", c.noModelError(info, "")
	}
	return info.Model, nil
}

// ContextLength returns the context length to plan prompts with, the first
// of: the length a server's context-overflow answer stated (the server
// knows best what it will take), Config.ContextLength (--context-length:
// the user knows better than a server that reports a model's maximum),
// what the server reports for the model, DefaultContextLength. It never
// fails.
func (c *Client) ContextLength(ctx context.Context) int {
	if n := c.learnedContext.Load(); n > 0 {
		return int(n)
	}
	if c.cfg.ContextLength > 0 {
		return c.cfg.ContextLength
	}
	info, err := c.Probe(ctx)
	if err != nil || info.ContextLength <= 0 {
		return DefaultContextLength
	}
	return info.ContextLength
}

// notice tells Config.Notice msg, once per key.
func (c *Client) notice(key, msg string) {
	if c.cfg.Notice == nil {
		return
	}
	if _, said := c.noticed.LoadOrStore(key, true); !said {
		c.cfg.Notice(msg)
	}
}

// CheckURL reports whether s (as --url or PXOS_LLM_URL give it, a scheme
// and a /v1 path added when missing) names an HTTP server: an error says
// what is wrong with it.
func CheckURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil // the default, DefaultURL
	}
	u, err := url.Parse(normaliseURL(s))
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", s, errors.Unwrap(err))
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: the scheme must be http or https, not %s", s, u.Scheme)
	case u.Hostname() == "":
		return fmt.Errorf("%q names no host", s)
	}
	return nil
}

func normaliseURL(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	s = strings.TrimRight(s, "/")
	if u, err := url.Parse(s); err == nil && (u.Path == "" || u.Path == "/") {
		s += "/v1"
	}
	return s
}

// redactURL drops user info, query and fragment: they may carry secrets.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
