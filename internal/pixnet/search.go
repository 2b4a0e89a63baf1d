package pixnet

import (
	"context"
	"math"
	"sort"
	"strings"
	"unicode"
)

// Embedder turns texts into vectors, as an LLM server's /v1/embeddings does.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// SearchOptions narrow a search.
type SearchOptions struct {
	K        int             // how many hits; 0 means 5
	Kinds    []Kind          // only these kinds; none means all
	Embedder Embedder        // when set, embedding similarity is fused with BM25
	Context  context.Context // for the Embedder; nil means context.Background()
}

// Hit is one search result.
type Hit struct {
	Record Record
	Score  float64
}

// BM25 parameters (Robertson and Zaragoza, "The Probabilistic Relevance
// Framework: BM25 and Beyond", 2009) and field weights: a word in the title
// or tags counts as much as three in the body. B is below the usual 0.75:
// reference sections differ a lot in length, and full length normalisation
// let short sections that merely mention a word outrank the section about
// it (testdata/search.txt).
const (
	bm25K1      = 1.2
	bm25B       = 0.5
	titleWeight = 3
	tagWeight   = 3
	// rrfK is the constant of reciprocal rank fusion (Cormack et al., 2009).
	rrfK = 60
)

type posting struct {
	doc int32
	tf  float32
}

// index is an in-memory BM25 index over the store's records, built on the
// first search and kept up to date by Append.
type index struct {
	post  map[string][]posting
	dlen  []float32
	total float64
	vecs  map[uint64][]float32 // embeddings by record id
}

func newIndex(recs []Record) *index {
	x := &index{post: make(map[string][]posting), vecs: make(map[uint64][]float32)}
	for i := range recs {
		x.add(&recs[i], i)
	}
	return x
}

func (x *index) add(r *Record, doc int) {
	tf := make(map[string]float32)
	n := float32(0)
	count := func(s string, w float32) {
		forTokens(s, func(t string) {
			tf[t] += w
			n += w
		})
	}
	count(r.Title, titleWeight)
	for _, t := range r.Tags {
		count(t, tagWeight)
	}
	count(r.Body, 1)
	for t, f := range tf {
		x.post[t] = append(x.post[t], posting{int32(doc), f})
	}
	for len(x.dlen) < doc {
		x.dlen = append(x.dlen, 0)
	}
	x.dlen = append(x.dlen, n)
	x.total += float64(n)
}

// stopwords are common English words that carry no meaning for ranking.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be by do does for from how i if in into is it its
		of on or so that the their then there these this to was what when where which who why will with
		you your can should would my me we our not no`) {
		stopwords[w] = true
	}
}

// forTokens calls f with each lower-case run of letters and digits in s,
// stopwords left out.
func forTokens(s string, f func(string)) {
	forWords(s, func(w string) {
		if !stopwords[w] {
			f(w)
		}
	})
}

// forWords calls f with each lower-case run of letters and digits in s.
func forWords(s string, f func(string)) {
	start := -1
	for i, r := range s {
		word := unicode.IsLetter(r) || unicode.IsDigit(r)
		if word && start < 0 {
			start = i
		} else if !word && start >= 0 {
			f(strings.ToLower(s[start:i]))
			start = -1
		}
	}
	if start >= 0 {
		f(strings.ToLower(s[start:]))
	}
}

// Tokens splits s as the index does: lower-case runs of letters and digits.
func Tokens(s string) []string {
	var t []string
	forTokens(s, func(w string) { t = append(t, w) })
	return t
}

// Search returns the top o.K records for q, best first, ranked by BM25 over
// title, tags and body (and, with an Embedder, fused with cosine similarity
// by reciprocal rank). Records that match no query word are not returned
// unless an Embedder ranks them.
func (s *Store) Search(q string, o SearchOptions) []Hit {
	if o.K <= 0 {
		o.K = 5
	}
	s.mu.Lock()
	s.ensure()
	if s.idx == nil {
		s.idx = newIndex(s.recs)
	}
	n := o.K
	if o.Embedder != nil {
		n = max(5*o.K, 50)
	}
	hits := s.lexical(q, o.Kinds, n)
	if o.Embedder == nil {
		s.mu.Unlock()
		return hits
	}
	if len(hits) == 0 {
		// No word matched: let the embedder choose among the newest records.
		for i := len(s.recs) - 1; i >= 0 && len(hits) < n; i-- {
			if kindIn(s.recs[i].Kind, o.Kinds) {
				hits = append(hits, Hit{Record: s.recs[i]})
			}
		}
	}
	var missing []Record
	for _, h := range hits {
		if _, ok := s.idx.vecs[h.Record.ID]; !ok {
			missing = append(missing, h.Record)
		}
	}
	idx := s.idx
	s.mu.Unlock()
	return fuse(o, q, hits, missing, s, idx)
}

func fuse(o SearchOptions, q string, hits []Hit, missing []Record, s *Store, idx *index) []Hit {
	ctx := o.Context
	if ctx == nil {
		ctx = context.Background()
	}
	texts := []string{q}
	for _, r := range missing {
		texts = append(texts, embedText(&r))
	}
	vecs, err := o.Embedder.Embed(ctx, texts)
	if err != nil || len(vecs) != len(texts) {
		// The embedder is an optional help: without it, BM25 stands alone.
		return trim(hits, o.K)
	}
	s.mu.Lock()
	for i, r := range missing {
		idx.vecs[r.ID] = vecs[i+1]
	}
	type ranked struct {
		i   int
		sim float64
	}
	rs := make([]ranked, len(hits))
	for i, h := range hits {
		rs[i] = ranked{i, Cosine(vecs[0], idx.vecs[h.Record.ID])}
	}
	s.mu.Unlock()
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].sim > rs[b].sim })
	out := make([]Hit, len(hits))
	for i := range hits {
		out[i] = Hit{Record: hits[i].Record}
		if hits[i].Score > 0 {
			out[i].Score = 1 / float64(rrfK+i+1)
		}
	}
	for rank, r := range rs {
		out[r.i].Score += 1 / float64(rrfK+rank+1)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return trim(out, o.K)
}

func trim(h []Hit, k int) []Hit {
	if len(h) > k {
		return h[:k]
	}
	return h
}

// embedText is what is embedded for a record: title, tags and the start of
// the body (embedding models have short contexts).
func embedText(r *Record) string {
	body := r.Body
	if len(body) > 2000 {
		body = body[:2000]
	}
	return r.Title + "\n" + strings.Join(r.Tags, ", ") + "\n" + body
}

// Cosine is the cosine similarity of two embedding vectors, in [-1, 1];
// 0 when their lengths differ or either is all zeros.
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

func kindIn(k Kind, ks []Kind) bool {
	if len(ks) == 0 {
		return true
	}
	for _, v := range ks {
		if v == k {
			return true
		}
	}
	return false
}

// lexical ranks records by BM25 (the caller holds s.mu).
func (s *Store) lexical(q string, kinds []Kind, k int) []Hit {
	x := s.idx
	N := len(x.dlen)
	if N == 0 {
		return nil
	}
	avg := x.total / float64(N)
	seen := map[string]bool{}
	scores := map[int32]float64{}
	forTokens(q, func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		ps := x.post[t]
		if len(ps) == 0 {
			return
		}
		df := float64(len(ps))
		idf := math.Log(1 + (float64(N)-df+0.5)/(df+0.5))
		for _, p := range ps {
			tf := float64(p.tf)
			norm := 1 - bm25B + bm25B*float64(x.dlen[p.doc])/avg
			scores[p.doc] += idf * tf * (bm25K1 + 1) / (tf + bm25K1*norm)
		}
	})
	hits := make([]Hit, 0, len(scores))
	for d, sc := range scores {
		if kindIn(s.recs[d].Kind, kinds) {
			hits = append(hits, Hit{Record: s.recs[d], Score: sc})
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].Record.ID < hits[j].Record.ID
	})
	return trim(hits, k)
}
