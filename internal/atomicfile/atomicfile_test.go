package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "out.bin")
	if err := WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "two" {
		t.Fatalf("got %q, %v; want two", got, err)
	}
	assertOnly(t, filepath.Dir(p), "out.bin")
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.bin")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(p, 0o644, func(f *os.File) error {
		f.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "old" {
		t.Fatalf("target changed to %q", got)
	}
	assertOnly(t, dir, "out.bin")
}

// A directory is not replaced: the error names it and no temporary is left.
func TestWriteFileDirectory(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(p, []byte("x"), 0o644)
	if err == nil || !strings.Contains(err.Error(), p+" is a directory") {
		t.Fatalf("err = %v, want %s is a directory", err, p)
	}
	assertOnly(t, dir, "out")
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Fatalf("dir holds %v, want %v", got, names)
	}
}

// Issue 15, item 6: temporaries a killed writer left are removed once they
// are old; a fresh one (a writer at work) stays.
func TestCleanStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pxos_commands.txt")
	old := filepath.Join(dir, ".pxos_commands.txt.tmp123")
	fresh := filepath.Join(dir, ".pxos_commands.txt.tmp456")
	other := filepath.Join(dir, ".other.txt.tmp789")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old, long, long)
	os.Chtimes(other, long, long)
	got := CleanStale(path, StaleAge)
	if len(got) != 1 || got[0] != filepath.Base(old) {
		t.Errorf("removed %v", got)
	}
	for p, want := range map[string]bool{old: false, fresh: true, other: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

// CleanStaleDir finds the temporaries of every file in a directory (a
// workspace's kept scenarios).
func TestCleanStaleDir(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, ".feature_echo.txt.tmp42")
	if err := os.WriteFile(old, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	long := time.Now().Add(-time.Hour)
	os.Chtimes(old, long, long)
	if got := CleanStaleDir(dir, StaleAge); len(got) != 1 {
		t.Errorf("removed %v", got)
	}
	if _, err := os.Stat(old); err == nil {
		t.Error("the stale temporary is still there")
	}
}
