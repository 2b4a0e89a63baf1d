package pixnet

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFrame feeds arbitrary bytes to the frame decoder: it must not panic,
// and whatever it accepts must encode back to the same frame.
func FuzzFrame(f *testing.F) {
	for _, r := range loadRoundTrip(f) {
		if len(r.Body) < 10000 {
			r.ID = 7
			f.Add(encodeFrame(&r))
		}
	}
	f.Add([]byte(frameMagic + "\x01\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00abcde"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeFrame(b)
		if err != nil {
			return
		}
		n, _ := frameLen(b)
		if again := encodeFrame(&r); !bytes.Equal(again, b[:n]) {
			t.Fatalf("decoded frame re-encodes differently:\n got %q\nwant %q", again, b[:n])
		}
	})
}

// segmentSeed is a segment of three records, the fuzz and mutation seed.
func segmentSeed(tb testing.TB) []byte {
	p := filepath.Join(tb.TempDir(), "seed.png")
	s, err := Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.Append(testRecord("f", i))
	}
	s.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// FuzzSegment feeds arbitrary bytes to the segment scanner, in memory (so
// that it runs at thousands of inputs a second): no panic, and every
// record returned passed its checksums. Open on files of such bytes is
// TestOpenMutated's.
func FuzzSegment(f *testing.F) {
	b := segmentSeed(f)
	f.Add(b)
	f.Add(b[:len(b)-40])
	e, _ := emptySegment(0, 1)
	f.Add(e)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, mode := range []scanMode{scanLazy, scanDecode, scanDeep} {
			seg, recs, err := scanSegment(b, "fuzz.png", 0, 1, mode)
			if err != nil {
				continue
			}
			for _, r := range recs {
				if r.Kind == "" || r.ID == 0 {
					t.Fatalf("scan returned a record with kind %q, id %d", r.Kind, r.ID)
				}
			}
			if seg.tail > int64(len(b)) {
				t.Fatalf("tail %d beyond %d bytes", seg.tail, len(b))
			}
		}
	})
}

// TestOpenMutated opens files of mutated segments (bytes changed, cut,
// repeated), read-only and read-write: no panic, no hang, and what Open
// returns passed its checksums.
func TestOpenMutated(t *testing.T) {
	seed := segmentSeed(t)
	rng := rand.New(rand.NewSource(15))
	dir := t.TempDir()
	for i := range 400 {
		b := append([]byte(nil), seed...)
		for range 1 + rng.Intn(4) {
			switch rng.Intn(3) {
			case 0:
				b[rng.Intn(len(b))] = byte(rng.Intn(256))
			case 1:
				b = b[:rng.Intn(len(b))+1]
			case 2:
				j := rng.Intn(len(b))
				b = append(b[:j:j], append(b[j:j+min(64, len(b)-j)], b[j:]...)...)
			}
		}
		p := filepath.Join(dir, fmt.Sprintf("n%d.png", i))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, ro := range []bool{true, false} {
			if s, err := OpenWith(p, Options{ReadOnly: ro}); err == nil {
				for _, r := range s.Records() {
					if r.Kind == "" || r.ID == 0 {
						t.Fatalf("input %d: a record with kind %q, id %d", i, r.Kind, r.ID)
					}
				}
				s.Verify()
				s.Close()
			}
		}
	}
}
