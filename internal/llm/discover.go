package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"
)

// LocalCandidates are the base URLs local LLM servers listen on by default,
// in the order Discover's callers should prefer them: LM Studio's server
// (https://lmstudio.ai/docs/developer), Ollama's OpenAI-compatible API
// (https://github.com/ollama/ollama/blob/main/docs/openai.md), llama.cpp's
// llama-server (tools/server/README.md: --port 8080) and vLLM's
// `vllm serve` (--port 8000). They are IP literals, never "localhost", so
// no name lookup can send a probe elsewhere.
var LocalCandidates = []string{
	"http://127.0.0.1:1234/v1",  // LM Studio
	"http://127.0.0.1:11434/v1", // Ollama
	"http://127.0.0.1:8080/v1",  // llama.cpp llama-server
	"http://127.0.0.1:8000/v1",  // vLLM
}

// DefaultDiscoverTimeout bounds the whole probe of one candidate. A local
// server answers its discovery endpoints in milliseconds; a port that
// swallows the connection must not hold up `pxos doctor`.
const DefaultDiscoverTimeout = 300 * time.Millisecond

// Found is a server Discover found: what Probe says about it. NeedsAPIKey is
// set when the server refused the probe for want of an API key; Kind and
// Models are then unknown.
type Found struct {
	Info
	NeedsAPIKey bool `json:"needs_api_key,omitempty"`
}

// Discover probes each candidate base URL concurrently, each within timeout
// (DefaultDiscoverTimeout when zero), and returns the servers that answered
// as an LLM server would, in the order of candidates. It never blocks longer
// than timeout (or ctx), and it never sends the API key: the key belongs to
// the configured server, not to whatever listens on a neighbouring port.
//
// Only loopback addresses are probed: a candidate whose host is not a
// loopback IP literal (127.0.0.1, ::1) is skipped, redirects are not
// followed, and the dialer refuses any other address. A port where
// something answers that is not an LLM server (a web app on 8080) is not a
// Found.
func Discover(ctx context.Context, candidates []string, timeout time.Duration) []Found {
	if timeout <= 0 {
		timeout = DefaultDiscoverTimeout
	}
	tr := &http.Transport{
		Proxy: nil,
		DialContext: (&net.Dialer{
			Timeout: timeout,
			Control: func(_, address string, _ syscall.RawConn) error {
				if !isLoopbackHostPort(address) {
					return fmt.Errorf("discovery dials loopback addresses only, not %s", address)
				}
				return nil
			},
		}).DialContext,
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	hc := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	results := make([]*Found, len(candidates))
	var wg sync.WaitGroup
	for i, cand := range candidates {
		if !isLoopbackURL(cand) {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			c := New(Config{URL: cand, ProbeTimeout: timeout, Tries: 1, HTTPClient: hc})
			info, err := c.Probe(ctx)
			switch {
			case err == nil:
				results[i] = &Found{Info: *info}
			case errors.Is(err, ErrAuth):
				results[i] = &Found{Info: Info{URL: c.URL()}, NeedsAPIKey: true}
			}
		})
	}
	wg.Wait()
	var found []Found
	for _, f := range results {
		if f != nil {
			found = append(found, *f)
		}
	}
	return found
}

// isLoopbackURL reports whether u's host is a loopback IP literal.
func isLoopbackURL(u string) bool {
	p, err := url.Parse(normaliseURL(u))
	if err != nil {
		return false
	}
	ip := net.ParseIP(p.Hostname())
	return ip != nil && ip.IsLoopback()
}

func isLoopbackHostPort(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
