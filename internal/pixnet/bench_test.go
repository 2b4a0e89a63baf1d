package pixnet

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Benchmarks report latency percentiles as custom metrics (p50-ms, p95-ms)
// and the size of the network on disk over the size of the records' content
// (disk/raw). Run them with a fixed count, for example:
//
//	go test -run '^$' -bench . -benchtime 300x ./internal/pixnet

// benchCorpus is the text bodies are cut from: the seed knowledge, so the
// records compress like real reference text does.
var benchCorpus = func() string {
	var b strings.Builder
	for _, r := range SeedRecords() {
		b.WriteString(r.Body)
		b.WriteString("\n\n")
	}
	return b.String()
}()

// benchRecord makes a record with a body of about size bytes.
func benchRecord(rng *rand.Rand, size int) Record {
	start := rng.Intn(len(benchCorpus) - size)
	words := strings.Fields(benchCorpus[start : start+200])
	title := strings.Join(words[1:min(len(words), 9)], " ")
	return Record{
		Kind:    Kinds[rng.Intn(len(Kinds))],
		Tags:    []string{"bench", string(Kinds[rng.Intn(len(Kinds))])},
		Title:   title,
		Body:    benchCorpus[start : start+size],
		Payload: []byte(fmt.Sprintf(`{"n":%d,"ok":%v}`, rng.Intn(1000), rng.Intn(2) == 0)),
	}
}

// benchSizes are body sizes of a mix like the loop records: short Q&A and
// failures, longer solutions and prompts.
var benchSizes = []int{300, 600, 1000, 1500, 2500, 4000}

// benchNet creates a network of n records in dir.
func benchNet(b *testing.B, dir string, n int) string {
	b.Helper()
	path := filepath.Join(dir, fmt.Sprintf("bench%d.png", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	s, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewSource(int64(n)))
	for done := 0; done < n; {
		batch := make([]Record, min(500, n-done))
		for i := range batch {
			batch[i] = benchRecord(rng, benchSizes[rng.Intn(len(benchSizes))])
		}
		if _, err := s.AppendBatch(batch); err != nil {
			b.Fatal(err)
		}
		done += len(batch)
	}
	return path
}

var benchDir string

func benchDirFor(b *testing.B) string {
	if benchDir == "" {
		d, err := os.MkdirTemp("", "pixnet-bench")
		if err != nil {
			b.Fatal(err)
		}
		benchDir = d
	}
	return benchDir
}

func percentiles(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)*95/100]), "p95-ms")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAppend appends one record at a time to networks of 100, 1,000
// and 10,000 records (all built first, so that writing them back does not
// slow the measured appends). Besides wall-clock percentiles it reports CPU
// time per append, which a machine shared with other work disturbs less.
func BenchmarkAppend(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		benchNet(b, benchDirFor(b), n)
	}
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			path := benchNet(b, benchDirFor(b), n)
			s, err := Open(path)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			rng := rand.New(rand.NewSource(1))
			recs := make([]Record, b.N)
			for i := range recs {
				recs[i] = benchRecord(rng, benchSizes[i%len(benchSizes)])
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			c0 := cpuTime()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := s.Append(recs[i]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/float64(time.Microsecond), "cpu-us/op")
			percentiles(b, lat)
			st := s.Stats()
			b.ReportMetric(float64(st.Bytes)/float64(st.RawBytes), "disk/raw")
		})
	}
}

func BenchmarkSearch10k(b *testing.B) {
	path := benchNet(b, benchDirFor(b), 10000)
	s, err := OpenWith(path, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	queries := []string{"teletype output", "read sectors from disk", "compare two strings", "boot signature",
		"conditional jump", "clear the screen", "int 16h read key", "stack segment setup", "video memory attribute",
		"print hexadecimal", "timer tick delay", "ModRM byte register"}
	s.Search("warm up the index", SearchOptions{})
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if h := s.Search(queries[i%len(queries)], SearchOptions{K: 5}); len(h) != 5 {
			b.Fatalf("%d hits", len(h))
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	percentiles(b, lat)
}

// BenchmarkOpen10k opens a network of 10,000 records: "open" is Open alone
// (chunk CRCs checked, records counted, ready to append); "read" also
// decodes every record, as the first Records, Get, Search or Stats does.
func BenchmarkOpen10k(b *testing.B) {
	path := benchNet(b, benchDirFor(b), 10000)
	for _, read := range []bool{false, true} {
		name := "open"
		if read {
			name = "read"
		}
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			c0 := cpuTime()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				s, err := Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if s.nextID <= 10000 {
					b.Fatalf("next id %d", s.nextID)
				}
				if read && s.Len() < 10000 {
					b.Fatalf("%d records", s.Len())
				}
				s.Close()
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/float64(time.Millisecond), "cpu-ms/op")
			percentiles(b, lat)
		})
	}
	s, _ := OpenWith(path, Options{ReadOnly: true})
	st := s.Stats()
	s.Close()
	b.ReportMetric(float64(st.Bytes)/float64(st.RawBytes), "disk/raw")
	b.ReportMetric(float64(st.Segments), "segments")
}

// BenchmarkSize reports bytes on disk over content bytes per body size.
func BenchmarkSize(b *testing.B) {
	for _, size := range []int{300, 1000, 4000, 16000} {
		b.Run(fmt.Sprintf("body=%d", size), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "n.png"))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			rng := rand.New(rand.NewSource(2))
			var rs []Record
			for i := 0; i < 200; i++ {
				rs = append(rs, benchRecord(rng, size))
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				s.AppendBatch(rs[i%200 : i%200+1])
			}
			b.StopTimer()
			if _, err := s.AppendBatch(rs); err != nil {
				b.Fatal(err)
			}
			st := s.Stats()
			b.ReportMetric(float64(st.Bytes)/float64(st.RawBytes), "disk/raw")
		})
	}
}
