package llm

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzExtractJSON: no panics, and whatever is returned is valid JSON that
// occurs in the answer.
func FuzzExtractJSON(f *testing.F) {
	if ar, err := txtar.ParseFile("testdata/extract.txtar"); err == nil {
		for _, file := range ar.Files {
			f.Add(string(file.Data))
		}
	}
	f.Add("<think>{</think>[1,{\"a\":\"}\"}]")
	f.Fuzz(func(t *testing.T, s string) {
		raw, err := ExtractJSON(s)
		if err != nil {
			return
		}
		if !json.Valid(raw) {
			t.Fatalf("ExtractJSON(%q) = %q, not valid JSON", s, raw)
		}
		if !strings.Contains(s, string(raw)) {
			t.Fatalf("ExtractJSON(%q) = %q, not part of the answer", s, raw)
		}
	})
}

// FuzzReadStream: the SSE reader never panics on any body, and a body it
// accepts yields exactly the concatenated tokens it delivered.
func FuzzReadStream(f *testing.F) {
	f.Add("data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: [DONE]\n\n")
	f.Add(": comment\nevent: x\ndata:{\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}\r\n")
	f.Add("data: {\"error\":{\"message\":\"n_ctx exceeded\"}}\n")
	f.Add("data: not json\n")
	c := New(Config{URL: "http://127.0.0.1:1/v1"})
	f.Fuzz(func(t *testing.T, body string) {
		var toks strings.Builder
		resp, err := c.readStream(t.Context(), strings.NewReader(body), "m", func(s string) { toks.WriteString(s) }, func() {})
		if err != nil {
			return
		}
		if resp.Raw != toks.String() {
			t.Fatalf("Raw %q, tokens %q", resp.Raw, toks.String())
		}
	})
}

// FuzzThinkFilter: streaming in two pieces shows what SplitThink-style
// removal of complete blocks shows for the whole text.
func FuzzThinkFilter(f *testing.F) {
	f.Add("a<think>b</think>c", 3)
	f.Add("<thi", 2)
	f.Fuzz(func(t *testing.T, s string, cut int) {
		if cut < 0 || cut > len(s) {
			return
		}
		var one, two ThinkFilter
		whole := one.Write(s) + one.Flush()
		split := two.Write(s[:cut]) + two.Write(s[cut:]) + two.Flush()
		if whole != split {
			t.Fatalf("%q cut at %d: whole %q, split %q", s, cut, whole, split)
		}
	})
}
