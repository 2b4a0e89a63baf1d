package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
)

// Meter counts the prompt and answer tokens an LLM server reports for the
// chat completions that go through it: the loop's reports carry one total
// per call, and a benchmark wants both halves (a model that reads a long
// prompt cheaply is not one that writes a long answer). It reads the
// usage object of each answer, streamed (the last data: event holding
// one, OpenAI's stream_options include_usage) or not, as it passes; it
// changes nothing. A server that reports no usage leaves the counts at
// zero and says so (Counts.Reported).
type Meter struct {
	next http.RoundTripper
	mu   sync.Mutex
	c    Counts
}

// Counts are a Meter's totals.
type Counts struct {
	Calls    int `json:"calls"`    // chat answers read
	Reported int `json:"reported"` // of them, answers that carried usage
	Prompt   int `json:"prompt_tokens"`
	Answer   int `json:"answer_tokens"`
}

// Sub returns c minus an earlier reading.
func (c Counts) Sub(before Counts) Counts {
	return Counts{Calls: c.Calls - before.Calls, Reported: c.Reported - before.Reported,
		Prompt: c.Prompt - before.Prompt, Answer: c.Answer - before.Answer}
}

// Metered returns cfg with an HTTP client that counts through a new Meter,
// and the Meter. The client dials as llm.New's default does (the probe
// timeout bounds a dial); it follows no redirect, so a server that moves
// the endpoint gets llm's message naming the URL to pass instead.
func Metered(cfg llm.Config) (llm.Config, *Meter) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	dial := cfg.ProbeTimeout
	if dial <= 0 {
		dial = llm.DefaultProbeTimeout
	}
	tr.DialContext = (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext
	m := &Meter{next: tr}
	cfg.HTTPClient = &http.Client{Transport: m, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return cfg, m
}

// Counts returns the totals so far.
func (m *Meter) Counts() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.c
}

// RoundTrip implements http.RoundTripper.
func (m *Meter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := m.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/chat/completions") {
		return resp, err
	}
	resp.Body = &usageReader{ReadCloser: resp.Body, m: m, stream: strings.Contains(resp.Header.Get("Content-Type"), "event-stream")}
	return resp, nil
}

// maxWhole caps the non-streamed answer kept to find its usage.
const maxWhole = 4 << 20

// usageReader passes an answer through and keeps its last usage object.
type usageReader struct {
	io.ReadCloser
	m      *Meter
	stream bool
	line   []byte // a streamed answer: the line read so far
	whole  []byte // a plain one: the body so far
	last   *usage
	done   bool
}

type usage struct {
	Prompt int `json:"prompt_tokens"`
	Answer int `json:"completion_tokens"`
}

func (u *usageReader) Read(p []byte) (int, error) {
	n, err := u.ReadCloser.Read(p)
	u.take(p[:n])
	if err != nil {
		u.finish()
	}
	return n, err
}

func (u *usageReader) Close() error {
	u.finish()
	return u.ReadCloser.Close()
}

func (u *usageReader) take(b []byte) {
	if !u.stream {
		if len(u.whole)+len(b) <= maxWhole {
			u.whole = append(u.whole, b...)
		}
		return
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			u.line = append(u.line, b...)
			return
		}
		u.line = append(u.line, b[:i]...)
		u.event(u.line)
		u.line, b = u.line[:0], b[i+1:]
	}
}

// event reads one line of an event stream.
func (u *usageReader) event(line []byte) {
	data, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte("data:"))
	if !ok || !bytes.Contains(data, []byte(`"usage"`)) {
		return
	}
	u.parse(data)
}

func (u *usageReader) parse(data []byte) {
	var v struct {
		Usage *usage `json:"usage"`
	}
	if json.Unmarshal(bytes.TrimSpace(data), &v) == nil && v.Usage != nil && v.Usage.Prompt+v.Usage.Answer > 0 {
		u.last = v.Usage
	}
}

func (u *usageReader) finish() {
	if u.done {
		return
	}
	u.done = true
	if u.stream {
		u.event(u.line)
	} else {
		u.parse(u.whole)
	}
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	u.m.c.Calls++
	if u.last != nil {
		u.m.c.Reported++
		u.m.c.Prompt += u.last.Prompt
		u.m.c.Answer += u.last.Answer
	}
}
