//go:build linux

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// Issue 16, item 4: `pxos build -o /dev/null` as root renamed a temporary
// over /dev/null and left a 1.44 MB regular file there. A device is written
// in place: it stays a device, keeps its mode, and no temporary is made.
func TestWriteFileDeviceInPlace(t *testing.T) {
	dir := t.TempDir()
	null := mknodNull(t, dir)
	if err := WriteFile(null, make([]byte, 1474560), 0o600); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(null)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeDevice|fs.ModeCharDevice || fi.Mode().Perm() != 0o666 {
		t.Errorf("after the write %s is %v, want the character device crw-rw-rw-", null, fi.Mode())
	}
	assertOnly(t, dir, "null")
}

// mknodNull makes a character device node like Linux's /dev/null (major 1,
// minor 3) in dir, or skips the test where that is not allowed.
func mknodNull(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "null")
	if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Skipf("cannot make a character device node here (mknod needs CAP_MKNOD, usually root): %v", err)
	}
	if err := os.Chmod(p, 0o666); err != nil { // mknod's mode is masked by the umask
		t.Fatal(err)
	}
	return p
}
