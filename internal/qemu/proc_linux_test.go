package qemu

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// TestHelperStartAndHang is not a test: TestQEMUDiesWithParent runs the test
// binary with PXOS_QEMU_HELPER=1 to start QEMU, print its pid and wait to
// be killed.
func TestHelperStartAndHang(t *testing.T) {
	if os.Getenv("PXOS_QEMU_HELPER") != "1" {
		t.Skip("helper process for TestQEMUDiesWithParent")
	}
	m, err := Start(context.Background(), buildImage(t, "hang"), Options{})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("pid", m.Pid(), m.TempDir())
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestQEMUDiesWithParent kills a process that started QEMU without closing
// it: QEMU must go too.
func TestQEMUDiesWithParent(t *testing.T) {
	tooltest.Need(t, Binary)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperStartAndHang$")
	cmd.Env = append(os.Environ(), "PXOS_QEMU_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "pid" {
		t.Fatalf("helper said %q (%v)", line, err)
	}
	pid, _ := strconv.Atoi(f[1])
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL); os.RemoveAll(f[2]) })
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("qemu %d not running: %v", pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	// Wait (bounded) for the kernel to deliver the parent-death signal.
	for i := 0; i < 500; i++ {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		// A killed child stays a zombie until reaped by init; that is gone too.
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil && strings.Contains(string(b), ") Z ") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("qemu %d still running after its parent was killed", pid)
}
