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
	runIn := func(dir, stdin string, args ...string) (string, error) {
		cmd := exec.Command("bash", append([]string{script}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "PXOS_BIN="+bin, "PXOS_LLM_URL="+closedURL)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	run := func(stdin string, args ...string) (string, error) { return runIn(work, stdin, args...) }

	out, err := run("4\n5\n6\n")
	if err != nil {
		t.Fatalf("menu: %v\n%s", err, out)
	}
	for _, want := range []string{"1) automated build", "+ pxos build\n", "wrote pxos.img", "+ pxos test --backend emu", "ok: 9 of 9 runs passed"} {
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

	// From inside the workspace, the script's pxos finds it as pxos does.
	out, err = runIn(filepath.Join(work, "pxos-v1.0"), "", "--auto", "--goals", "backspace")
	if err != nil || !strings.Contains(out, "1 goal: 1 present") {
		t.Errorf("--auto from pxos-v1.0/: %v\n%s", err, out)
	}

	if out, err := run("", "--bogus"); err == nil || !strings.Contains(out, "unknown option --bogus") {
		t.Errorf("--bogus: %v\n%s", err, out)
	}
}

// run_ai_build.sh --help prints the comment block at its top and nothing
// else, before it resolves pxos: no build, no Go toolchain needed. The
// script runs from a directory of its own, without PXOS_BIN, where
// resolving pxos would mean building it.
func TestRunAIBuildScriptHelp(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	src, err := os.ReadFile("../../run_ai_build.sh")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "run_ai_build.sh")
	if err := os.WriteFile(script, src, 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PXOS_BIN=") {
			env = append(env, kv)
		}
	}
	for _, arg := range []string{"--help", "-h"} {
		cmd := exec.Command("bash", script, arg)
		cmd.Dir, cmd.Env = dir, env
		b, err := cmd.CombinedOutput()
		out := string(b)
		if err != nil || !strings.HasPrefix(out, "run_ai_build.sh - ") || !strings.Contains(out, "./run_ai_build.sh --auto [ARGS]") || !strings.HasSuffix(out, "PXOS_MODEL, PXOS_API_KEY.\n") {
			t.Errorf("%s: %v\n%s", arg, err, out)
		}
		for _, bad := range []string{"building", "set -euo", "#"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s prints %q:\n%s", arg, bad, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bin")); err == nil {
		t.Error("--help built pxos")
	}
}
