package main

import (
	"bytes"
	"encoding/json"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// No test may probe the real local ports (a developer's LM Studio or
// Ollama would change the outcome): the scripts, which run pxos in a
// subprocess of this binary, get no candidates at all, and the tests below
// set their own.
func init() { doctorCandidates = nil }

// withCandidates makes doctor probe urls for the rest of the test.
func withCandidates(t *testing.T, urls ...string) {
	old := doctorCandidates
	doctorCandidates = urls
	t.Cleanup(func() { doctorCandidates = old })
}

// freeURL is a base URL on 127.0.0.1 where nothing listens.
func freeURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String() + "/v1"
}

// silentURL is a base URL on 127.0.0.1 that accepts connections and never
// answers; the listener and its connections close when the test ends.
func silentURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(conns)
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String() + "/v1"
}

// doctor runs `pxos doctor args...` in-process with no network files.
func doctor(t *testing.T, args ...string) (stdout string, code int) {
	t.Helper()
	t.Chdir(t.TempDir()) // in no workspace, whatever the test's directory is in
	var out, errb bytes.Buffer
	args = append([]string{"doctor", "--network", filepath.Join(t.TempDir(), "n.png")}, args...)
	code = run(args, strings.NewReader(""), &out, &errb)
	if errb.Len() > 0 {
		t.Errorf("stderr: %s", errb.String())
	}
	return out.String(), code
}

func hostOf(u string) string { return strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/v1") }

func TestDoctorDiscoversNothing(t *testing.T) {
	url := freeURL(t)
	a, b := freeURL(t), silentURL(t)
	withCandidates(t, a, b)
	start := time.Now()
	out, code := doctor(t, "--url", url)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("doctor took %v", d)
	}
	if code != 0 {
		t.Errorf("exit status %d", code)
	}
	for _, want := range []string{
		"LLM server  " + url + "\n  [missing] no LLM server answers there\n  fix: start LM Studio's server",
		"\n  nothing answers on the usual local ports either (" + hostOf(a) + ", " + hostOf(b) + ")\n\nTools\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out, _ = doctor(t, "--url", url, "--json")
	var r struct {
		LLM struct {
			Reachable bool
			Fix       string
			Probed    []string
			Found     []llm.Found
		}
		Tools []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.LLM.Reachable || !strings.HasPrefix(r.LLM.Fix, "start LM Studio") || len(r.LLM.Found) != 0 ||
		strings.Join(r.LLM.Probed, " ") != hostOf(a)+" "+hostOf(b) || len(r.Tools) == 0 {
		t.Errorf("json %+v", r)
	}
}

func TestDoctorDiscoversServers(t *testing.T) {
	ollama := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}})
	llamacpp := llmtest.New(t, llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"coder.gguf"}, ContextLength: 8192})
	url := freeURL(t)
	withCandidates(t, freeURL(t), ollama.URL, silentURL(t), llamacpp.URL)
	out, code := doctor(t, "--url", url)
	if code != 0 {
		t.Errorf("exit status %d", code)
	}
	want := "LLM server  " + url + "\n" +
		"  [missing] no LLM server answers there\n" +
		"  fix: no LLM server at " + url + "; found Ollama at " + ollama.URL + " (models: qwen2.5-coder:7b) — use --url " + ollama.URL + " or PXOS_LLM_URL\n" +
		"  also found llama.cpp at " + llamacpp.URL + " (models: coder.gguf) — use --url " + llamacpp.URL + "\n" +
		"\nTools\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("output:\n%s\nwant it to start:\n%s", out, want)
	}

	out, _ = doctor(t, "--url", url, "--json")
	var r struct {
		LLM struct {
			URL       string
			Reachable bool
			Fix       string
			Found     []llm.Found
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if r.LLM.URL != url || r.LLM.Reachable || !strings.Contains(r.LLM.Fix, "use --url "+ollama.URL) || len(r.LLM.Found) != 2 {
		t.Fatalf("json %+v", r)
	}
	if f := r.LLM.Found[0]; f.URL != ollama.URL || f.Kind != llm.KindOllama || f.Model != "qwen2.5-coder:7b" {
		t.Errorf("found[0] %+v", f)
	}
	if f := r.LLM.Found[1]; f.URL != llamacpp.URL || f.Kind != llm.KindLlamaCpp || f.Model != "coder.gguf" || f.ContextLength != 8192 {
		t.Errorf("found[1] %+v", f)
	}
	if !strings.Contains(out, `"found": [`) || !strings.Contains(out, `"probed": [`) {
		t.Errorf("json lacks found/probed:\n%s", out)
	}
	// Discovery only reads.
	for _, s := range []*llmtest.Server{ollama, llamacpp} {
		if n := len(s.Chats()); n != 0 {
			t.Errorf("%s got %d chats", s.URL, n)
		}
	}
}

// TestDoctorNoDiscoveryWhenReachable: with the configured server answering,
// the other ports are left alone; and the configured URL is not asked twice.
func TestDoctorNoDiscoveryWhenReachable(t *testing.T) {
	configured := llmtest.New(t, llmtest.Options{})
	other := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama})
	withCandidates(t, configured.URL, other.URL)
	out, _ := doctor(t, "--url", configured.URL)
	if !strings.Contains(out, "  [ok] LM Studio\n") || strings.Contains(out, "found") || strings.Contains(out, "usual local ports") {
		t.Errorf("output:\n%s", out)
	}
	if n := len(other.Requests()); n != 0 {
		t.Errorf("doctor probed another server %d times though the configured one answers", n)
	}
	out, _ = doctor(t, "--url", configured.URL, "--json")
	if strings.Contains(out, `"probed"`) || strings.Contains(out, `"found": [`) || !strings.HasPrefix(out, "{\n  \"llm\": {") {
		t.Errorf("json:\n%s", out)
	}

	// A configured URL that is one of the candidates is not probed again.
	url := freeURL(t)
	withCandidates(t, url, other.URL)
	out, _ = doctor(t, "--url", url)
	if !strings.Contains(out, "found Ollama at "+other.URL) {
		t.Errorf("output:\n%s", out)
	}
	out, _ = doctor(t, "--url", url, "--json")
	if strings.Contains(out, `"`+hostOf(url)+`"`) {
		t.Errorf("the configured address was probed again:\n%s", out)
	}
}
