package pixnet

import (
	"os"
	"path/filepath"
	"testing"
)

// A network file that is empty (its creation was cut short) opened
// read-only holds no record, and Stats counts the bytes on disk: none.
func TestReadOnlyEmptyStats(t *testing.T) {
	p := filepath.Join(t.TempDir(), "e.png")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenWith(p, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st := s.Stats(); st.Records != 0 || st.Bytes != 0 {
		t.Errorf("records %d, bytes on disk %d; want 0 and 0", st.Records, st.Bytes)
	}
	if fi, _ := os.Stat(p); fi.Size() != 0 {
		t.Errorf("a read-only open wrote %d bytes", fi.Size())
	}
}
