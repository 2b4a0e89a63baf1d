package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// A scenario stopped by Ctrl-C did not fail: pxos test says it was
// interrupted and gives no verdict, instead of listing the runs it cut
// short as FAIL (issue 16, found by a newcomer).
func TestTestSIGINTGivesNoVerdict(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary and boots QEMU")
	}
	tooltest.Need(t, "qemu-system-i386")
	bin := buildPxos(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "init", dir).CombinedOutput(); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	scn := filepath.Join(dir, "slow.txt")
	os.WriteFile(scn, []byte("timeout 30s\nwait \"pxOS>\"\nwait \"never on the screen\"\n"), 0o644)
	cmd := exec.Command(bin, "test", "--backend", "qemu", "--scenario", scn, "--scenario", scn)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })
	time.Sleep(1500 * time.Millisecond) // QEMU is up and the scenario waits
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("pxos test exited 0 after SIGINT")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("pxos test did not stop after SIGINT")
	}
	if !strings.Contains(stderr.String(), "interrupted: not every scenario ran, so there is no verdict") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	if strings.Contains(stdout.String(), "FAIL") {
		t.Errorf("an interrupted run is reported as a failure:\n%s", stdout.String())
	}
}
