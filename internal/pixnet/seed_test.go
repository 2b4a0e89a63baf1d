package pixnet

import (
	"errors"
	"sync"
	"testing"
)

func TestOpenOrSeed(t *testing.T) {
	path := tempNet(t)
	sol := Record{Kind: KindSolution, Title: "backspace", Tags: []string{"verified"}, Body: "bs: ret"}
	// Several openers race to create the network: it is seeded once.
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenOrSeedWith(path, sol)
			if err != nil {
				t.Error(err)
				return
			}
			s.Close()
		}()
	}
	wg.Wait()
	s := mustOpen(t, path)
	rs := s.Records()
	want := len(SeedRecords()) + 1
	if len(rs) != want {
		t.Fatalf("%d records, want %d (seeded once)", len(rs), want)
	}
	if last := rs[len(rs)-1]; last.Kind != KindSolution || last.Title != "backspace" {
		t.Errorf("extra record not last: %+v", last)
	}
	for _, r := range rs[:want-1] {
		if r.Kind != KindReference || r.Body == "" {
			t.Fatalf("seed record %d: kind %s, %d bytes", r.ID, r.Kind, len(r.Body))
		}
	}
	s.Close()

	// An existing network is opened as it is.
	s2, err := OpenOrSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Len() != want {
		t.Errorf("reopened: %d records", s2.Len())
	}
	s2.Close()

	if _, err := SeedNew(path, false); !errors.Is(err, ErrExists) {
		t.Errorf("SeedNew over a network: %v", err)
	}
	s3, err := SeedNew(path, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if s3.Len() != want-1 {
		t.Errorf("SeedNew --force: %d records, want %d", s3.Len(), want-1)
	}
}

func TestRender(t *testing.T) {
	r := Record{ID: 3, Kind: KindQA, Title: "a title", Tags: []string{"x"}, Body: "line\twith tab\n" + string(make([]byte, 0)) + "é", Payload: []byte(`{"a":1}`)}
	img := Render(r)
	if img.Rect.Dx() != 16+renderCols*7 || img.Rect.Dy() < 6*lineHeight {
		t.Fatalf("image %v", img.Rect)
	}
	dark := 0
	for _, p := range img.Pix {
		if p < 0x80 {
			dark++
		}
	}
	if dark < 200 {
		t.Errorf("only %d dark pixels", dark)
	}
	long := r
	long.Body = string(make([]byte, 0)) + repeatLines(7000)
	if h := Render(long).Rect.Dy(); h > 16+renderMaxLines*lineHeight {
		t.Errorf("a 7000-line body renders %d pixels high", h)
	}
}

func repeatLines(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		b = append(b, 'x', '\n')
	}
	return string(b)
}
