package pixnet

import (
	"bytes"
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

// FuzzSegment feeds arbitrary files to the segment scanner and to Open:
// no panic, and every record returned passed its checksums.
func FuzzSegment(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.png")
	s, err := Open(p)
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		s.Append(testRecord("f", i))
	}
	s.Close()
	b, _ := os.ReadFile(p)
	f.Add(b)
	f.Add(b[:len(b)-40])
	e, _ := emptySegment(0, 1)
	f.Add(e)
	// One file per fuzz process, opened read-only: no fsync and no new
	// directory per input, so the fuzzer makes progress (thousands of
	// inputs a second, not a few a minute).
	p = filepath.Join(f.TempDir(), "n.png")
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
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if s, err := OpenWith(p, Options{ReadOnly: true}); err == nil {
			s.Records()
			s.Verify()
			s.Close()
		}
	})
}
