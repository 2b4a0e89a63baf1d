//go:build linux

package main

import (
	"os"
	"path/filepath"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// scriptMkfifo is the script command mkfifo NAME: it makes a FIFO.
func scriptMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo NAME")
	}
	ts.Check(unix.Mkfifo(ts.MkAbs(args[0]), 0o666))
}

// scriptMknodNull is the script command mknod-null NAME: it makes a
// character device node like Linux's /dev/null (major 1, minor 3), mode
// crw-rw-rw-. Guard it with [mknod]: without the permission it fails.
func scriptMknodNull(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mknod-null NAME")
	}
	if err := mknodNull(ts.MkAbs(args[0])); err != nil {
		ts.Fatalf("mknod-null: %v (guard the script with [!mknod] skip)", err)
	}
}

// canMknod is the script condition [mknod]: this process may make the
// device node of mknod-null (root, or CAP_MKNOD).
func canMknod() bool {
	dir, err := os.MkdirTemp("", "pxos-mknod")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	return mknodNull(filepath.Join(dir, "null")) == nil
}

// mknodNull makes the device node of mknod-null at p.
func mknodNull(p string) error {
	if err := unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		return err
	}
	return os.Chmod(p, 0o666) // mknod's mode is masked by the umask
}
