package bridge_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/bridge"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

type setup struct {
	srv   *llmtest.Server
	store *pixnet.Store
	out   *bytes.Buffer
	b     *bridge.Bridge
}

func newSetup(t *testing.T, o llmtest.Options, seed bool) *setup {
	t.Helper()
	srv := llmtest.New(t, o)
	path := filepath.Join(t.TempDir(), "net.png")
	open := pixnet.Open
	if seed {
		open = pixnet.OpenOrSeed
	}
	store, err := open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	out := new(bytes.Buffer)
	c := llm.New(llm.Config{URL: srv.URL, Timeout: 5 * time.Second, Backoff: time.Millisecond})
	b := bridge.New(bridge.Options{Client: c, Store: store, Out: out, MaxTokens: 256})
	t.Cleanup(func() {
		for _, r := range srv.Requests() {
			if bytes.Contains(r.Body, []byte("json_object")) {
				t.Errorf("json_object sent: %s", r.Body)
			}
		}
	})
	return &setup{srv, store, out, b}
}

// The acceptance test of issue 6: a fact taught through the interactive
// loop is inside the next question's request to the server.
func TestTaughtFactReachesNextRequest(t *testing.T) {
	s := newSetup(t, llmtest.Options{}, true)
	in := strings.NewReader("Remember this: the pxOS mascot is Zorbo the pixel owl.\nstats\nexit\nnever asked\n")
	if err := s.b.Interactive(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if n := len(s.srv.Chats()); n != 1 {
		t.Fatalf("%d chat requests after one question (lines after exit must be ignored)", n)
	}
	stored := regexp.MustCompile(`stored as record #(\d+), kind qa`).FindStringSubmatch(s.out.String())
	if stored == nil {
		t.Fatalf("no stored record reported:\n%s", s.out)
	}
	if !strings.Contains(s.out.String(), "records (") || !strings.Contains(s.out.String(), "qa 1") {
		t.Errorf("stats not shown:\n%s", s.out)
	}

	s.out.Reset()
	a, err := s.b.Ask(context.Background(), "Who is the pxOS mascot?")
	if err != nil {
		t.Fatal(err)
	}
	chats := s.srv.Chats()
	last := chats[len(chats)-1]
	if !strings.Contains(last.Last(), "Zorbo the pixel owl") {
		t.Fatalf("the taught fact is not in the request:\n%s", last.Body)
	}
	if !strings.Contains(last.Last(), "#"+stored[1]+" qa:") {
		t.Errorf("the request does not label the record #%s", stored[1])
	}
	found := false
	for _, r := range a.Used {
		found = found || fmt.Sprint(r.ID) == stored[1]
	}
	if !found || !strings.Contains(s.out.String(), "#"+stored[1]+" qa ") {
		t.Errorf("record #%s not listed as used: %+v\n%s", stored[1], a.Used, s.out)
	}
	if a.Stored == 0 {
		t.Errorf("the second Q&A was not stored")
	}
	r, ok := s.store.Get(a.Stored)
	if !ok || r.Kind != pixnet.KindQA || !strings.Contains(r.Body, "Who is the pxOS mascot?") || !strings.Contains(r.Body, a.Text) {
		t.Errorf("stored record %+v", r)
	}
}

func TestAskStreamsAnswer(t *testing.T) {
	s := newSetup(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Chunks: []string{"<think>private", " notes</think>", "int 10h ", "AH=0Eh"}}
	}}, false)
	a, err := s.b.Ask(context.Background(), "How do I print a character?")
	if err != nil {
		t.Fatal(err)
	}
	if a.Text != "int 10h AH=0Eh" || !strings.Contains(s.out.String(), "Answer: int 10h AH=0Eh\n") || strings.Contains(s.out.String(), "private") {
		t.Errorf("answer %q, output:\n%s", a.Text, s.out)
	}
	if !strings.Contains(s.out.String(), "Context: no records") {
		t.Errorf("empty network not reported:\n%s", s.out)
	}
}

func TestDemo(t *testing.T) {
	s := newSetup(t, llmtest.Options{}, true)
	seeded := s.store.Len()
	if err := s.b.Demo(context.Background()); err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	// The counts are the network's, before and after the taught record.
	if want := fmt.Sprintf("(%d records before the demo)", seeded); !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	if want := fmt.Sprintf(": %d records after the demo (#%d taught by this demo)\n", s.store.Len(), seeded+1); s.store.Len() != seeded+1 || !strings.Contains(out, want) {
		t.Errorf("%d records after the demo; output lacks %q:\n%s", s.store.Len(), want, out)
	}
	chats := s.srv.Chats()
	if len(chats) != 2 {
		t.Fatalf("%d chat requests, want 2", len(chats))
	}
	if strings.Contains(chats[0].Last(), "hook slots") {
		t.Errorf("first question carried context: %s", chats[0].Body)
	}
	if !strings.Contains(chats[1].Last(), "hook slots (hook_key, hook_line)") {
		t.Errorf("second question lacks the taught record: %s", chats[1].Body)
	}
	m := regexp.MustCompile(`stored record #(\d+) reference "What is pxOS"`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("teaching not shown:\n%s", out)
	}
	if !regexp.MustCompile(`records used: .*#` + m[1] + `\b`).MatchString(out) {
		t.Errorf("taught record #%s not listed as used:\n%s", m[1], out)
	}
	if !strings.Contains(out, "without context: ANSWER[0]: What is pxOS?") || !regexp.MustCompile(`with context: +ANSWER\[[1-9]`).MatchString(out) {
		t.Errorf("answers not compared:\n%s", out)
	}
	// A second demo reuses the record instead of teaching it again.
	before := s.store.Len()
	s.out.Reset()
	if err := s.b.Demo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.store.Len() != before || !strings.Contains(s.out.String(), "already knows it: record #"+m[1]) {
		t.Errorf("second demo: %d -> %d records\n%s", before, s.store.Len(), s.out)
	}
	if want := fmt.Sprintf("(%d records before the demo)", before); !strings.Contains(s.out.String(), want) || !strings.Contains(s.out.String(), fmt.Sprintf(": %d records after the demo (#%s was there before", before, m[1])) {
		t.Errorf("second demo: counts not %d and %d:\n%s", before, before, s.out)
	}
}

func TestInteractiveErrors(t *testing.T) {
	s := newSetup(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(r.Last(), "broken") {
			return llmtest.Reply{Status: 200, Body: "not json"}
		}
		return llmtest.Echo(r)
	}}, false)
	err := s.b.Interactive(context.Background(), strings.NewReader("a broken question\nsecond question\n"))
	if err != nil {
		t.Fatal(err)
	}
	out := s.out.String()
	if !strings.Contains(out, "error: malformed answer") || !strings.Contains(out, "ANSWER[") {
		t.Errorf("a bad answer should be reported and the loop go on:\n%s", out)
	}

	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	b := bridge.New(bridge.Options{Client: llm.New(llm.Config{URL: url}), Store: s.store, Out: new(bytes.Buffer)})
	err = b.Interactive(context.Background(), strings.NewReader("q1\nq2\n"))
	if !errors.Is(err, llm.ErrUnreachable) {
		t.Errorf("unreachable server: err = %v", err)
	}
}

func TestDoctor(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"coder.gguf"}, ContextLength: 8192})
	dir := t.TempDir()
	netPath := filepath.Join(dir, "n.png")
	st, err := pixnet.Open(netPath)
	if err != nil {
		t.Fatal(err)
	}
	st.Append(pixnet.Record{Kind: pixnet.KindQA, Title: "q"})
	st.Append(pixnet.Record{Kind: pixnet.KindReference, Title: "r"})
	st.Close()
	before, _ := os.ReadFile(netPath)

	// Fake tools: one present, one missing.
	bin := t.TempDir()
	os.WriteFile(filepath.Join(bin, "qemu-system-i386"), []byte("#!/bin/sh\necho 'QEMU emulator version 9.9.9'\necho second line\n"), 0o755)
	t.Setenv("PATH", bin)

	r := bridge.Doctor(context.Background(), bridge.DoctorOptions{
		Client:   llm.New(llm.Config{URL: srv.URL}),
		Networks: []string{netPath, filepath.Join(dir, "missing.png")},
	})
	l := r.LLM
	if !l.Reachable || l.Kind != llm.KindLlamaCpp || l.Model != "coder.gguf" || l.ContextLength != 8192 || l.Fix != "" {
		t.Errorf("llm check %+v", l)
	}
	if q, n := r.Tools[0], r.Tools[1]; !q.Found || q.Version != "QEMU emulator version 9.9.9" || n.Found || !strings.Contains(n.Fix, "apt-get install nasm") {
		t.Errorf("tools %+v", r.Tools)
	}
	if n := r.Networks[0]; !n.Exists || n.Records != 2 || n.ByKind["qa"] != 1 || n.ByKind["reference"] != 1 {
		t.Errorf("network %+v", n)
	}
	if n := r.Networks[1]; n.Exists || !strings.Contains(n.Fix, "pxos net seed --network") {
		t.Errorf("missing network %+v", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.png")); err == nil {
		t.Errorf("doctor created a missing network")
	}
	if after, _ := os.ReadFile(netPath); !bytes.Equal(before, after) {
		t.Errorf("doctor changed the network file")
	}
	var b bytes.Buffer
	r.WriteText(&b)
	for _, want := range []string{"[ok] llama.cpp", "chat model: coder.gguf, context 8192 tokens", "[missing] nasm", "2 records (qa 1, reference 1)", "[missing] " + filepath.Join(dir, "missing.png")} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}

func TestDoctorNoServer(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/v1"
	ln.Close()
	r := bridge.Doctor(context.Background(), bridge.DoctorOptions{Client: llm.New(llm.Config{URL: url}), Networks: []string{}})
	if r.LLM.Reachable || !strings.Contains(r.LLM.Fix, "Start Server") || !strings.Contains(r.LLM.Error, url) {
		t.Errorf("%+v", r.LLM)
	}
	srv := llmtest.New(t, llmtest.Options{NoneLoaded: true})
	r = bridge.Doctor(context.Background(), bridge.DoctorOptions{Client: llm.New(llm.Config{URL: srv.URL}), Networks: []string{}})
	if !r.LLM.Reachable || r.LLM.Model != "" || !strings.Contains(r.LLM.Fix, "lms load") {
		t.Errorf("no model loaded: %+v", r.LLM)
	}
}

func TestAskWithEmbeddings(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"llama3"}, EmbeddingModel: "nomic-embed-text"})
	store, err := pixnet.OpenOrSeed(filepath.Join(t.TempDir(), "n.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	out := new(bytes.Buffer)
	b := bridge.New(bridge.Options{Client: llm.New(llm.Config{URL: srv.URL}), Store: store, Out: out, Embeddings: true})
	a, err := b.Ask(context.Background(), "How does the boot sector load pxOS?")
	if err != nil {
		t.Fatal(err)
	}
	embeds := 0
	for _, r := range srv.Requests() {
		if r.Path == "/v1/embeddings" && bytes.Contains(r.Body, []byte(`"model":"nomic-embed-text"`)) {
			embeds++
		}
	}
	if embeds == 0 || len(a.Used) == 0 {
		t.Errorf("%d embedding requests, %d records used\n%s", embeds, len(a.Used), out)
	}
}

// Issue 14, cases 9 and 10: an answer cut at max_tokens or a stream that
// breaks off is said so and never stored.
func TestCutOrBrokenNotStored(t *testing.T) {
	for _, rep := range []llmtest.Reply{
		{Content: "int 10h with AH=0Eh prints the character in", Finish: "length"},
		{Content: "int 10h with AH=0Eh prints", BreakOff: true},
	} {
		s := newSetup(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return rep }}, false)
		_, err := s.b.Ask(context.Background(), "How do I print a character?")
		if !errors.Is(err, llm.ErrCutOff) && !errors.Is(err, llm.ErrBrokenOff) {
			t.Errorf("err = %v", err)
		}
		for _, r := range s.store.Records() {
			if r.Kind == pixnet.KindQA {
				t.Errorf("stored #%d: %q", r.ID, r.Body)
			}
		}
	}
}

// Issue 14, case 2 and 4: doctor says when the context is too small for
// pxos, with the figure it needs and where the small one came from.
func TestDoctorSmallContext(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Kind: llm.KindOllama, Models: []string{"qwen2.5-coder:7b"}, OllamaIdle: true})
	r := bridge.Doctor(context.Background(), bridge.DoctorOptions{Client: llm.New(llm.Config{URL: srv.URL}), Networks: []string{}})
	if r.LLM.ContextLength != llm.OllamaDefaultContext || !strings.Contains(r.LLM.Fix, "pxos needs at least 4096") || !strings.Contains(r.LLM.Fix, "Ollama's default") {
		t.Errorf("context %d, fix %q", r.LLM.ContextLength, r.LLM.Fix)
	}
}

// Issue 15, item 5: a model's answer with escape sequences reaches the
// terminal made printable.
func TestAnswerPrintable(t *testing.T) {
	s := newSetup(t, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Chunks: []string{"int 10h\x1b]0;PWNED\x07", "\x1b[2J done"}}
	}}, false)
	if _, err := s.b.Ask(context.Background(), "How do I print a character?"); err != nil {
		t.Fatal(err)
	}
	if out := s.out.String(); strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, "int 10h") {
		t.Errorf("output %q", out)
	}
}
