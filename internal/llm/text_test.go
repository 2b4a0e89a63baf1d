package llm_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/rogpeppe/go-internal/txtar"
)

func TestExtractJSON(t *testing.T) {
	ar, err := txtar.ParseFile("testdata/extract.txtar")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	var names []string
	for _, f := range ar.Files {
		files[f.Name] = string(f.Data)
		if n, ok := strings.CutSuffix(f.Name, ".answer"); ok {
			names = append(names, n)
		}
	}
	if len(names) < 10 {
		t.Fatalf("only %d cases in testdata/extract.txtar", len(names))
	}
	for _, n := range names {
		want := strings.TrimSpace(files[n+".want"])
		raw, err := llm.ExtractJSON(files[n+".answer"])
		if want == "ERROR" {
			if err == nil {
				t.Errorf("%s: got %s, want an error", n, raw)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		var b bytes.Buffer
		json.Compact(&b, raw)
		if b.String() != want {
			t.Errorf("%s: got %s, want %s", n, b.String(), want)
		}
	}
}

func TestSplitThink(t *testing.T) {
	for _, tc := range []struct{ in, content, reasoning string }{
		{"plain", "plain", ""},
		{"<think>a</think>b", "b", "a"},
		{"x<think>a</think>y<think>c</think>z", "xyz", "a\nc"},
		{"<think>never closed", "", "never closed"},
		{"pre-opened</think>answer", "answer", "pre-opened"},
	} {
		c, r := llm.SplitThink(tc.in)
		if c != tc.content || r != tc.reasoning {
			t.Errorf("SplitThink(%q) = %q, %q; want %q, %q", tc.in, c, r, tc.content, tc.reasoning)
		}
	}
}

// ThinkFilter must show the same text whatever the token boundaries are,
// including tags split over several tokens.
func TestThinkFilterAnySplit(t *testing.T) {
	for _, in := range []string{
		"Hello <think>secret <b> plans</think>world <thi",
		"<think>x</think>\nAnswer: 1 < 2 and <thin>k",
		"no tags at all <",
	} {
		want := in
		for {
			i := strings.Index(want, "<think>")
			if i < 0 {
				break
			}
			j := strings.Index(want[i:], "</think>")
			want = want[:i] + strings.TrimLeft(want[i+j+len("</think>"):], "\n")
		}
		for size := 1; size <= len(in); size++ {
			var f llm.ThinkFilter
			var b strings.Builder
			for i := 0; i < len(in); i += size {
				b.WriteString(f.Write(in[i:min(i+size, len(in))]))
			}
			b.WriteString(f.Flush())
			if b.String() != want {
				t.Fatalf("chunk size %d: shown %q, want %q", size, b.String(), want)
			}
		}
	}
}

func TestEstimateTokens(t *testing.T) {
	f, err := os.Open("testdata/tokens.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || text[0] == '#' {
			continue
		}
		var lo, hi int
		var rest string
		if _, err := fmt.Sscanf(text, "%d %d", &lo, &hi); err != nil {
			t.Fatalf("tokens.txt:%d: %v", line, err)
		}
		rest = strings.SplitN(text, " ", 3)[2]
		s, err := strconv.Unquote(rest)
		if err != nil {
			t.Fatalf("tokens.txt:%d: %v", line, err)
		}
		if got := llm.EstimateTokens(s); got < lo || got > hi {
			t.Errorf("tokens.txt:%d: EstimateTokens(%q) = %d, want %d..%d", line, s, got, lo, hi)
		}
		n++
	}
	if n < 8 {
		t.Fatalf("only %d cases", n)
	}
}

func items(n, size int) []llm.ContextItem {
	var its []llm.ContextItem
	for i := range n {
		its = append(its, llm.ContextItem{Label: fmt.Sprintf("#%d reference: item %d", i+1, i+1), Text: strings.Repeat(fmt.Sprintf("fact%d ", i+1), size)})
	}
	return its
}

func TestFitKeepsInstructionsAndDropsContext(t *testing.T) {
	p := llm.Prompt{Instructions: "You write 16-bit x86 assembly.", Question: "Add a help command.", Context: items(10, 200)}
	f, err := p.Fit(1024, 256)
	if err != nil {
		t.Fatal(err)
	}
	if f.PromptTokens > f.Budget || f.Budget+256 > 1024 {
		t.Errorf("prompt %d tokens, budget %d", f.PromptTokens, f.Budget)
	}
	if len(f.Used) == 0 || len(f.Dropped) == 0 || len(f.Used)+len(f.Dropped) != 10 {
		t.Errorf("used %v dropped %v", f.Used, f.Dropped)
	}
	if f.Used[0] != 0 {
		t.Errorf("the best item (0) was not kept first: %v", f.Used)
	}
	sys, user := f.Messages[0].Content, f.Messages[1].Content
	if sys != p.Instructions || !strings.HasSuffix(user, "Question: "+p.Question) {
		t.Errorf("instructions or question changed:\n%s\n%s", sys, user)
	}
	for _, i := range f.Dropped {
		if strings.Contains(user, fmt.Sprintf("#%d reference", i+1)) {
			t.Errorf("dropped item %d is in the prompt", i)
		}
	}
	for _, i := range f.Trimmed {
		if !strings.Contains(user, "…[trimmed]") {
			t.Errorf("trimmed item %d not marked", i)
		}
	}
}

func TestFitTrimsOneLargeItem(t *testing.T) {
	p := llm.Prompt{Instructions: "sys", Question: "q?", Context: items(1, 5000)}
	f, err := p.Fit(2048, 512)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Used) != 1 || len(f.Trimmed) != 1 || f.PromptTokens > f.Budget {
		t.Errorf("used %v trimmed %v prompt %d budget %d", f.Used, f.Trimmed, f.PromptTokens, f.Budget)
	}
	if f.PromptTokens < f.Budget/2 {
		t.Errorf("trimmed too much: %d of %d", f.PromptTokens, f.Budget)
	}
}

func TestFitInstructionsTooLong(t *testing.T) {
	p := llm.Prompt{Instructions: strings.Repeat("rule ", 5000), Question: "q", Context: items(2, 10)}
	_, err := p.Fit(4096, 512)
	if !errors.Is(err, llm.ErrContextLength) || !strings.Contains(err.Error(), "--max-tokens") {
		t.Errorf("err = %v, want ErrContextLength", err)
	}
}

// The fitted prompt is accepted by a server whose context the raw one
// overflows.
func TestFitAgainstServer(t *testing.T) {
	s := fake(t, llmtest.Options{ContextLength: 2048})
	c := client(s.URL)
	p := llm.Prompt{Instructions: "Answer from the context.", Question: "What is fact1?", Context: items(30, 100)}
	var all strings.Builder
	for _, it := range p.Context {
		all.WriteString(it.Text)
	}
	_, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User(all.String())}})
	if !errors.Is(err, llm.ErrContextLength) {
		t.Fatalf("untrimmed prompt: err = %v, want ErrContextLength", err)
	}
	f, err := p.Fit(c.ContextLength(context.Background()), 256)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(context.Background(), llm.Request{Messages: f.Messages, MaxTokens: 256})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("ANSWER[%d]: What is fact1?", len(f.Used)); resp.Content != want {
		t.Errorf("answer %q, want %q", resp.Content, want)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"plain text\n\twith tab":        "plain text\n\twith tab",
		"\x1b]0;pwned\x07\x1b[2Jafter":  "\uFFFD]0;pwned\uFFFD\uFFFD[2Jafter",
		"nul\x00 del\x7f c1\u009b":      "nul\uFFFD del\uFFFD c1\uFFFD",
		"bad \xff utf8, ok ünïcödé, 時間": "bad \uFFFD utf8, ok ünïcödé, 時間",
		"cr\r\nlf":                      "cr\uFFFD\nlf",
	} {
		if got := llm.Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
