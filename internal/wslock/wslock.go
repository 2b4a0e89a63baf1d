// Package wslock keeps one writer at a time on a pxOS directory (the
// directory holding pxos_commands.txt): `pxos auto`, `pxos gen --append` and
// `pxos feature install` take its lock before they read the commands file
// they will replace, and hold it until their last write.
//
// The lock is flock(2) LOCK_EX|LOCK_NB on DIR/.pxos.lock. The kernel drops it
// when the holder's file is closed, so a process that is killed leaves no
// lock behind: the file stays, but a stale file never blocks. The holder
// writes its pid into the file so a refused process can name it.
//
// It owns the lock only; what the lock protects (reading, checking and
// replacing the commands file) is package gen's and package loop's.
package wslock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// File is the name of the lock file inside a pxOS directory.
const File = ".pxos.lock"

// pidWait bounds how long a refused process waits for the holder's pid to
// appear in the lock file: the holder writes it just after locking.
const pidWait = 200 * time.Millisecond

// HeldError says that another process holds the lock on Dir.
type HeldError struct {
	Dir string
	PID int // the holder's pid; 0 when it did not write one in time
}

func (e *HeldError) Error() string {
	who := "another pxos"
	if e.PID > 0 {
		who = fmt.Sprintf("another pxos (pid %d)", e.PID)
	}
	return fmt.Sprintf("%s is working on %s; wait for it to finish", who, e.Dir)
}

// Lock is a held lock on a pxOS directory.
type Lock struct {
	f   *os.File
	dir string
}

// Acquire takes the lock on the pxOS directory dir without waiting. When
// another process holds it, the error is a *HeldError naming dir and the
// holder's pid. On a read-only file system it holds nothing and succeeds:
// nobody can write there. The caller releases the lock with Release.
func Acquire(dir string) (*Lock, error) {
	path := filepath.Join(dir, File)
	// O_NOFOLLOW: a lock file that is a symlink (a cloned repository can
	// carry one pointing at ~/.bashrc) must never be opened, let alone
	// truncated; anything but a regular file is refused.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_NOFOLLOW, 0o644)
	if err != nil {
		if errors.Is(err, unix.EROFS) {
			// Nothing can write a read-only directory, so nothing needs
			// keeping out: a run that only finds its goals present goes
			// on, and a commit fails with the file system's own reason.
			return &Lock{dir: dir}, nil
		}
		if errors.Is(err, unix.ELOOP) {
			return nil, fmt.Errorf("the lock file %s is a symbolic link; pxos does not follow it — remove it", path)
		}
		return nil, fmt.Errorf("cannot lock %s: %w", dir, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("the lock file %s is not a regular file; remove it", path)
	}
	deadline := time.Now().Add(pidWait)
	for {
		err := flock(f, unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		pid := readPID(f)
		if pid > 0 || time.Now().After(deadline) {
			f.Close()
			return nil, &HeldError{Dir: dir, PID: pid}
		}
		time.Sleep(5 * time.Millisecond) // the holder is between flock and writing its pid
	}
	l := &Lock{f: f, dir: dir}
	if err := l.writePID(); err != nil {
		l.Release()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Release empties the lock file and drops the lock. It is safe to call on a
// nil Lock and more than once.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	f := l.f
	l.f = nil
	f.Truncate(0) // no pid of a process that no longer holds it
	flock(f, unix.LOCK_UN)
	if err := f.Close(); err != nil {
		return err
	}
	return nil
}

func (l *Lock) writePID() error {
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return err
}

// readPID returns the pid the holder wrote into f, 0 when there is none yet.
func readPID(f *os.File) int {
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	pid, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}
