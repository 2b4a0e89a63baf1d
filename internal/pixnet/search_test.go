package pixnet

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
)

func seeded(t *testing.T) *Store {
	t.Helper()
	s := mustOpen(t, tempNet(t))
	if err := Seed(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSearchTable runs testdata/search.txt against the seed knowledge.
func TestSearchTable(t *testing.T) {
	s := seeded(t)
	f, err := os.Open("testdata/search.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		f := strings.Split(text, "|")
		if len(f) != 3 {
			t.Fatalf("search.txt:%d: want query | kinds | title", line)
		}
		q, want := strings.TrimSpace(f[0]), strings.TrimSpace(f[2])
		var o SearchOptions
		for _, k := range strings.Fields(strings.ReplaceAll(f[1], ",", " ")) {
			o.Kinds = append(o.Kinds, Kind(k))
		}
		hits := s.Search(q, o)
		if len(hits) == 0 {
			t.Errorf("search.txt:%d: %q: no hits, want %q", line, q, want)
			continue
		}
		if hits[0].Record.Title != want {
			var got []string
			for _, h := range hits {
				got = append(got, h.Record.Title)
			}
			t.Errorf("search.txt:%d: %q: first hit %q, want %q (all: %q)", line, q, got[0], want, got)
		}
	}
}

func TestSearchUniqueWordAndKinds(t *testing.T) {
	s := seeded(t)
	for i := 0; i < 300; i++ {
		if _, err := s.Append(testRecord("bulk", i)); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := s.Append(Record{Kind: KindSolution, Title: "clear command", Body: "the word xylophonic appears only here"})
	for i := 0; i < 10; i++ {
		s.Append(testRecord("later", i)) // the index must follow appends
	}
	hits := s.Search("what is xylophonic?", SearchOptions{K: 3})
	if len(hits) == 0 || hits[0].Record.ID != r.ID {
		t.Fatalf("unique word: hits %+v, want record %d first", hits, r.ID)
	}
	if hits := s.Search("xylophonic", SearchOptions{}); len(hits) != 1 {
		t.Fatalf("unique word alone: %d hits, want 1", len(hits))
	}
	hits = s.Search("record body line", SearchOptions{K: 20, Kinds: []Kind{KindFailure, KindTest}})
	if len(hits) != 20 {
		t.Fatalf("%d hits, want 20", len(hits))
	}
	for i, h := range hits {
		if h.Record.Kind != KindFailure && h.Record.Kind != KindTest {
			t.Errorf("hit %d has kind %s", i, h.Record.Kind)
		}
		if i > 0 && h.Score > hits[i-1].Score {
			t.Errorf("hits not in score order at %d", i)
		}
	}
	if hits := s.Search("zzzqqq", SearchOptions{}); len(hits) != 0 {
		t.Errorf("nonsense query found %d hits", len(hits))
	}
}

// fakeEmbedder embeds a text as counts of the words "disk" and "screen".
type fakeEmbedder struct {
	calls int
	err   error
}

func (f *fakeEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	out := make([][]float32, len(texts))
	for i, t := range texts {
		out[i] = []float32{float32(strings.Count(t, "disk")), float32(strings.Count(t, "screen")), 0.01}
	}
	return out, nil
}

func TestSearchEmbedderFusion(t *testing.T) {
	s := mustOpen(t, tempNet(t))
	a, _ := s.Append(Record{Kind: KindQA, Title: "routine one", Body: "a routine about the disk"})
	b, _ := s.Append(Record{Kind: KindQA, Title: "routine two", Body: "a routine about the screen"})
	lex := s.Search("routine screen screen", SearchOptions{})
	if lex[0].Record.ID != b.ID {
		t.Fatalf("lexical: first %d, want %d", lex[0].Record.ID, b.ID)
	}
	// The query's words favour b lexically only by "screen"; a query about
	// "routine" alone ties them, and the embedder breaks the tie.
	tie := s.Search("routine", SearchOptions{})
	if tie[0].Record.ID != a.ID {
		t.Fatalf("tie without embedder: first %d, want %d (lower id)", tie[0].Record.ID, a.ID)
	}
	e := &fakeEmbedder{}
	fused := s.Search("routine for the screen screen", SearchOptions{Embedder: e})
	if fused[0].Record.ID != b.ID || e.calls != 1 {
		t.Fatalf("fused: first %d after %d calls, want %d", fused[0].Record.ID, e.calls, b.ID)
	}
	fused = s.Search("routine disk", SearchOptions{Embedder: e})
	if fused[0].Record.ID != a.ID {
		t.Fatalf("fused: first %d, want %d", fused[0].Record.ID, a.ID)
	}
	// Cached vectors: only the query is embedded the second time.
	if e.calls != 2 {
		t.Errorf("%d embed calls, want 2", e.calls)
	}
	failing := &fakeEmbedder{err: errors.New("no embeddings")}
	if h := s.Search("routine", SearchOptions{Embedder: failing}); len(h) != 2 || h[0].Record.ID != a.ID {
		t.Errorf("with a failing embedder: %+v", h)
	}
}

func TestTokens(t *testing.T) {
	got := strings.Join(Tokens("INT 10h, AH=0Eh: the Ünïcode—words_and 42"), "|")
	if want := "int|10h|ah|0eh|ünïcode|words|42"; got != want {
		t.Errorf("Tokens = %q, want %q", got, want)
	}
}
