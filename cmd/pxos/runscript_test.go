package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// run_ai_build.sh drives the pxos binary: the menu's build and test entries,
// quit, --auto, and a bad option.
func TestRunAIBuildScript(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	dir := t.TempDir()
	bin := buildPxos(t)
	script, err := filepath.Abs("../../run_ai_build.sh")
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if out, err := exec.Command(bin, "feature", "export", filepath.Join(work, "pxos-v1.0")).CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "PXOS_BIN="+bin, "PXOS_LLM_URL="+closedURL)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("4\n5\n6\n")
	if err != nil {
		t.Fatalf("menu: %v\n%s", err, out)
	}
	for _, want := range []string{"1) automated build", "+ pxos build -i pxos-v1.0/pxos_commands.txt", "+ pxos test pxos.img", "PASS"} {
		if !strings.Contains(out, want) {
			t.Errorf("menu output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(work, "pxos.img")); err != nil {
		t.Errorf("build only wrote no image: %v", err)
	}

	out, err = run("", "--auto", "--goals", "backspace")
	if err != nil || !strings.Contains(out, "1 goal: 1 passed") {
		t.Errorf("--auto: %v\n%s", err, out)
	}

	if out, err := run("", "--bogus"); err == nil || !strings.Contains(out, "unknown option --bogus") {
		t.Errorf("--bogus: %v\n%s", err, out)
	}
}
