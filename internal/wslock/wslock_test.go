package wslock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// helperEnv makes the test binary a lock holder: it takes the lock on the
// directory named by the variable, says "locked" and waits for stdin to close.
const helperEnv = "WSLOCK_TEST_HOLD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		l, err := Acquire(dir)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println("locked")
		bufio.NewReader(os.Stdin).ReadString('\n')
		l.Release()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// holder starts a process that holds the lock on dir until the test kills it.
func holder(t *testing.T, dir string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder: %q, %v", line, err)
	}
	return cmd
}

// A second process is refused at once, with the directory and the holder's
// pid; once the holder is killed (no Release), the lock is free again.
func TestAcquireAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	h := holder(t, dir)
	start := time.Now()
	_, err := Acquire(dir)
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("Acquire while held: %v, want a *HeldError", err)
	}
	if held.PID != h.Process.Pid || held.Dir != dir {
		t.Errorf("HeldError %+v, want pid %d, dir %s", held, h.Process.Pid, dir)
	}
	want := fmt.Sprintf("another pxos (pid %d) is working on %s; wait for it to finish", h.Process.Pid, dir)
	if err.Error() != want {
		t.Errorf("message:\n got %s\nwant %s", err, want)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refused after %v; want at once", d)
	}

	h.Process.Kill()
	h.Wait()
	l, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	b, _ := os.ReadFile(filepath.Join(dir, File))
	if got := strings.TrimSpace(string(b)); got != fmt.Sprint(os.Getpid()) {
		t.Errorf("lock file holds %q, want this pid %d", got, os.Getpid())
	}
}

// Within one process the lock excludes too (flock(2) locks belong to the
// open file), and Release frees it and empties the file.
func TestAcquireRelease(t *testing.T) {
	dir := t.TempDir()
	// A stale file from a dead process does not block.
	if err := os.WriteFile(filepath.Join(dir, File), []byte("999999999\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	var held *HeldError
	if _, err := Acquire(dir); !errors.As(err, &held) || held.PID != os.Getpid() {
		t.Fatalf("second Acquire: %v, want a *HeldError naming pid %d", err, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); err != nil {
		t.Errorf("second Release: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, File)); len(b) != 0 {
		t.Errorf("lock file after Release holds %q", b)
	}
	l2, err := Acquire(dir)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

func TestAcquireNoDir(t *testing.T) {
	if _, err := Acquire(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.HasPrefix(err.Error(), "cannot lock ") {
		t.Errorf("Acquire of a missing directory: %v", err)
	}
}

// A lock file that is a symbolic link (a cloned repository may carry one)
// is refused, and its target is left alone; so is a directory.
func TestLockSymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(t.TempDir(), "victim.txt")
	if err := os.WriteFile(victim, []byte("VICTIM"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, File)); err != nil {
		t.Fatal(err)
	}
	if l, err := Acquire(dir); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		l.Release()
		t.Errorf("err = %v", err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "VICTIM" {
		t.Errorf("the link's target was changed: %q", b)
	}
	dir2 := t.TempDir()
	os.Mkdir(filepath.Join(dir2, File), 0o755)
	if l, err := Acquire(dir2); err == nil || !strings.Contains(err.Error(), "not a regular file") && !strings.Contains(err.Error(), "is a directory") {
		l.Release()
		t.Errorf("directory: err = %v", err)
	}
}
