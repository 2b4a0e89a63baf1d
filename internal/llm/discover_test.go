package llm_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// closedURL returns a base URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	return u
}

// hangingURL returns a base URL on 127.0.0.1 whose listener accepts
// connections and never answers; the test's cleanup closes it and them.
func hangingURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/v1"
}

func TestDiscover(t *testing.T) {
	lms := llmtest.New(t, llmtest.Options{Kind: llm.KindLMStudio, Models: []string{"qwen2.5-coder-7b-instruct"}, ContextLength: 8192})
	ollama := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}, EmbeddingModel: "nomic-embed-text:latest"})
	llamacpp := llmtest.New(t, llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"coder.gguf"}, ContextLength: 16384})
	generic := llmtest.New(t, llmtest.Options{Kind: llm.KindOpenAI, Models: []string{"Qwen/Qwen2.5-Coder-7B-Instruct"}})
	// A web app that is not an LLM server, as often listens on 8080 or 8000.
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><title>My app</title></html>"))
	}))
	defer web.Close()

	candidates := []string{closedURL(t), llamacpp.URL, web.URL + "/v1", ollama.URL, hangingURL(t), lms.URL, generic.URL}
	const timeout = 300 * time.Millisecond
	start := time.Now()
	found := llm.Discover(context.Background(), candidates, timeout)
	if d := time.Since(start); d > timeout+500*time.Millisecond {
		t.Errorf("Discover took %v with a %v bound", d, timeout)
	}

	type want struct {
		url    string
		kind   llm.Kind
		models []string
		model  string
	}
	wants := []want{
		{llamacpp.URL, llm.KindLlamaCpp, []string{"coder.gguf"}, "coder.gguf"},
		{ollama.URL, llm.KindOllama, []string{"qwen2.5-coder:7b", "nomic-embed-text:latest"}, "qwen2.5-coder:7b"},
		{lms.URL, llm.KindLMStudio, []string{"qwen2.5-coder-7b-instruct"}, "qwen2.5-coder-7b-instruct"},
		{generic.URL, llm.KindOpenAI, []string{"Qwen/Qwen2.5-Coder-7B-Instruct"}, "Qwen/Qwen2.5-Coder-7B-Instruct"},
	}
	if len(found) != len(wants) {
		t.Fatalf("found %d servers, want %d: %+v", len(found), len(wants), found)
	}
	for i, w := range wants {
		f := found[i]
		if f.URL != w.url || f.Kind != w.kind || !slices.Equal(f.ModelIDs(), w.models) || f.Model != w.model || f.NeedsAPIKey {
			t.Errorf("found[%d] = %+v, want %+v", i, f, w)
		}
	}
	if f := found[2]; f.ContextLength != 8192 {
		t.Errorf("LM Studio context %d, want 8192", f.ContextLength)
	}
	// Discovery only reads: no chat request reaches any server, and no
	// request carries credentials.
	for _, s := range []*llmtest.Server{lms, ollama, llamacpp, generic} {
		if n := len(s.Chats()); n != 0 {
			t.Errorf("%s got %d chat requests", s.URL, n)
		}
		for _, r := range s.Requests() {
			if r.Header.Get("Authorization") != "" {
				t.Errorf("%s %s%s carried an Authorization header", r.Method, s.URL, r.Path)
			}
		}
	}
}

func TestDiscoverNothing(t *testing.T) {
	start := time.Now()
	found := llm.Discover(context.Background(), []string{closedURL(t), hangingURL(t), hangingURL(t)}, 200*time.Millisecond)
	if len(found) != 0 {
		t.Errorf("found %+v", found)
	}
	// The probes run side by side: three candidates, one bound.
	if d := time.Since(start); d > 600*time.Millisecond {
		t.Errorf("Discover took %v; the probes should run concurrently within 200ms each", d)
	}
	if found := llm.Discover(context.Background(), nil, 0); len(found) != 0 {
		t.Errorf("no candidates: found %+v", found)
	}
}

func TestDiscoverCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	llm.Discover(ctx, []string{hangingURL(t)}, 10*time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Discover ignored the cancelled context for %v", d)
	}
}

// TestDiscoverLoopbackOnly: a candidate named by a host name (even
// localhost) is not probed, and a redirect off the port is not followed.
func TestDiscoverLoopbackOnly(t *testing.T) {
	target := llmtest.New(t, llmtest.Options{})
	byName := strings.Replace(target.URL, "127.0.0.1", "localhost", 1)
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Server.URL+r.URL.Path, http.StatusFound)
	}))
	defer redirect.Close()
	found := llm.Discover(context.Background(), []string{byName, "http://192.0.2.1:1234/v1", "example.invalid:1234", redirect.URL + "/v1"}, 300*time.Millisecond)
	if len(found) != 0 {
		t.Errorf("found %+v", found)
	}
	if reqs := target.Requests(); len(reqs) != 0 {
		t.Errorf("a server not named by a loopback IP was asked %d times, first %s %s", len(reqs), reqs[0].Method, reqs[0].Path)
	}
}

func TestDiscoverNeedsAPIKey(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Errorf("discovery sent an Authorization header")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"Unauthorized"}`))
	}))
	defer srv.Close()
	t.Setenv(llm.EnvAPIKey, "sk-secret")
	found := llm.Discover(context.Background(), []string{srv.URL}, 300*time.Millisecond)
	if len(found) != 1 || !found[0].NeedsAPIKey || found[0].URL != srv.URL+"/v1" {
		t.Errorf("found %+v", found)
	}
}

func TestLocalCandidatesAreLoopback(t *testing.T) {
	for _, u := range llm.LocalCandidates {
		if !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.HasSuffix(u, "/v1") {
			t.Errorf("candidate %s is not a 127.0.0.1 base URL", u)
		}
	}
}
