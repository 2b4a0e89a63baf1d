package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// SIGINT in the middle of a step (the model is thinking) stops pxos auto
// within moments, leaves pxos_commands.txt byte-identical, keeps the network
// intact and still writes the report.
func TestAutoSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	dir := t.TempDir()
	bin := buildPxos(t)
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Hang: true}
	}})
	work := filepath.Join(dir, "work")
	if out, err := exec.Command(bin, "feature", "export", filepath.Join(work, "pxos-v1.0")).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	cmdsPath := filepath.Join(work, "pxos-v1.0", "pxos_commands.txt")
	before, err := os.ReadFile(cmdsPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "auto", "--provider", "openai", "--url", srv.URL, "--goals", "Add a 'ver' command that prints the version")
	cmd.Dir = work
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	// Wait until the model is asked (the plan), then interrupt.
	deadline := time.Now().Add(30 * time.Second)
	for len(srv.Chats()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no chat request arrived; stderr:\n%s", stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("pxos auto exited 0 after SIGINT; stderr:\n%s", stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("pxos auto did not stop after SIGINT; stderr:\n%s", stderr.String())
	}
	after, err := os.ReadFile(cmdsPath)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("pxos_commands.txt changed (err %v)", err)
	}
	net, err := pixnet.Open(filepath.Join(work, "pxvm", "networks", "pxos_autobuild.png"))
	if err != nil {
		t.Fatalf("network: %v", err)
	}
	defer net.Close()
	if rep, err := net.Verify(); err != nil {
		t.Errorf("network verify: %v (%+v)", err, rep)
	}
	if reps, _ := filepath.Glob(filepath.Join(work, "reports", "*Z", "build_report.json")); len(reps) != 1 {
		t.Errorf("reports %v, want one run folder's", reps)
	}
	matches, _ := filepath.Glob(filepath.Join(work, "pxos-v1.0", ".*tmp*"))
	if len(matches) > 0 {
		t.Errorf("temporary files left behind: %v", matches)
	}
}
