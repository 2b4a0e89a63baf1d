//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

// A FIFO is opened for writing (blocking until the reader comes, like
// `cat > fifo`) and receives the data; it stays a FIFO.
func TestWriteFIFOInPlace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pipe")
	got := fifoReader(t, p)
	if err := Write(p, 0o644, func(f *os.File) error {
		_, err := f.Write([]byte("hello"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if s := string(recv(t, got)); s != "hello" {
		t.Errorf("reader got %q, want hello", s)
	}
	assertType(t, p, fs.ModeNamedPipe)
	assertOnly(t, dir, "pipe")
}

// WriteAll with a regular file and a FIFO: the FIFO is written after the
// regular file's temporary is ready and before it is renamed into place,
// whatever their order in the list.
func TestWriteAllMixedOrder(t *testing.T) {
	dir, reg, pipe, got := oldFileAndFIFO(t)
	var order []string
	err := WriteAll(0o644,
		File{Path: pipe, Fill: func(f *os.File) error {
			order = append(order, "pipe")
			if b, _ := os.ReadFile(reg); string(b) != "old" {
				t.Errorf("while the FIFO is written %s holds %q, want old (not renamed yet)", reg, b)
			}
			_, err := f.Write([]byte("stream"))
			return err
		}},
		File{Path: reg, Fill: func(f *os.File) error {
			order = append(order, "a.txt")
			_, err := f.Write([]byte("new"))
			return err
		}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.txt", "pipe"}; !slices.Equal(order, want) {
		t.Errorf("filled in order %v, want %v", order, want)
	}
	if s := string(recv(t, got)); s != "stream" {
		t.Errorf("reader got %q, want stream", s)
	}
	if b, _ := os.ReadFile(reg); string(b) != "new" {
		t.Errorf("%s holds %q, want new", reg, b)
	}
	assertType(t, pipe, fs.ModeNamedPipe)
	assertOnly(t, dir, "a.txt", "pipe")
}

// A failure while a regular file's temporary is written leaves the devices
// unwritten: the FIFO is never opened (it has no reader, so opening it would
// block).
func TestWriteAllTempFailureSkipsDevices(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	opened := false
	err := WriteAll(0o644,
		File{Path: pipe, Fill: func(*os.File) error { opened = true; return nil }},
		File{Path: filepath.Join(dir, "a.txt"), Fill: func(*os.File) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if opened {
		t.Error("the FIFO was written although a temporary failed")
	}
	assertType(t, pipe, fs.ModeNamedPipe)
	assertOnly(t, dir, "pipe")
}

// A failure while a device is written leaves the regular targets as they
// were and no temporary behind.
func TestWriteAllDeviceFailureKeepsFiles(t *testing.T) {
	dir, reg, pipe, got := oldFileAndFIFO(t)
	boom := errors.New("boom")
	err := WriteAll(0o644,
		File{Path: reg, Data: []byte("new")},
		File{Path: pipe, Fill: func(*os.File) error { return boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	recv(t, got)
	if b, _ := os.ReadFile(reg); string(b) != "old" {
		t.Errorf("%s holds %q, want old", reg, b)
	}
	assertOnly(t, dir, "a.txt", "pipe")
}

// A symbolic link is followed: to a FIFO, the FIFO is written and the link
// stays; to a regular file, that file is replaced (its temporary beside it)
// and the link stays; a dangling link is replaced by the new file.
func TestWriteFileSymlinks(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	got := fifoReader(t, pipe)
	toPipe := filepath.Join(dir, "to-pipe")
	if err := os.Symlink("pipe", toPipe); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(toPipe, []byte("via link"), 0o644); err != nil {
		t.Fatal(err)
	}
	if s := string(recv(t, got)); s != "via link" {
		t.Errorf("reader got %q, want via link", s)
	}
	assertType(t, toPipe, fs.ModeSymlink)
	assertType(t, pipe, fs.ModeNamedPipe)

	real := filepath.Join(dir, "sub", "real.txt")
	if err := os.MkdirAll(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	toReal := filepath.Join(dir, "to-real")
	if err := os.Symlink(filepath.Join("sub", "real.txt"), toReal); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(toReal, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertType(t, toReal, fs.ModeSymlink)
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Errorf("%s holds %q, want new", real, b)
	}
	assertOnly(t, filepath.Dir(real), "real.txt")

	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink("nowhere", dangling); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(dangling, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	assertType(t, dangling, 0)
	assertOnly(t, dir, "dangling", "pipe", "sub", "to-pipe", "to-real")
}

// fifoReader makes a FIFO at p and reads it in the background: the channel
// gets all that was written once the writer closes it.
func fifoReader(t *testing.T, p string) <-chan []byte {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		b, _ := os.ReadFile(p)
		got <- b
	}()
	return got
}

// oldFileAndFIFO makes a directory holding a.txt ("old") and a FIFO "pipe"
// with a fifoReader.
func oldFileAndFIFO(t *testing.T) (dir, reg, pipe string, got <-chan []byte) {
	t.Helper()
	dir = t.TempDir()
	reg = filepath.Join(dir, "a.txt")
	if err := os.WriteFile(reg, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	pipe = filepath.Join(dir, "pipe")
	return dir, reg, pipe, fifoReader(t, pipe)
}

// recv waits for what a fifoReader read; a writer that never opens the FIFO
// (it replaced it instead) fails the test rather than hanging it.
func recv(t *testing.T, got <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-got:
		return b
	case <-time.After(10 * time.Second):
		t.Fatal("the FIFO's reader got nothing in 10 s: it was never opened for writing")
		return nil
	}
}

// assertType fails when p (not followed if a link) is not of type typ.
func assertType(t *testing.T, p string, typ fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != typ {
		t.Errorf("%s is %v, want type %v", filepath.Base(p), fi.Mode(), typ)
	}
}
