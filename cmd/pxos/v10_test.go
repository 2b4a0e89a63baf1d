package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 18, compatibility: a workspace grown before pxOS v1.1 keeps its own
// base (its commands file holds it) and keeps working with this binary;
// reset goes back to that base, and the network it learned in installs the
// features on it and, after reset --shipped, on v1.1.
func TestV10Workspace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	bin := buildPxos(t)
	dir := filepath.Join(t.TempDir(), "old")
	if err := os.CopyFS(dir, os.DirFS("testdata/v10ws")); err != nil {
		t.Fatal(err)
	}
	pxos, expect := binRunner(t, bin, dir)
	commands := filepath.Join(dir, "pxos-v1.0", "pxos_commands.txt")
	base := func() string {
		t.Helper()
		b, err := os.ReadFile(commands)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if src := base(); !strings.Contains(src, "DEFINE base_end 0x7F76") || strings.Contains(src, "hook_idle") {
		t.Fatal("the fixture is not a v1.0 workspace")
	}

	out, errs, code := pxos(nil, "test")
	if code != 0 {
		t.Fatalf("pxos test: exit %d\n%s%s", code, out, errs)
	}
	expect("test", out, `ok: 10 of 10 runs passed`)

	out, _, code = pxos(nil, "auto")
	if code != 0 {
		t.Errorf("pxos auto: exit %d\n%s", code, out)
	}
	expect("auto", out, `4 present; nothing changed, nothing recorded`)
	out, _, _ = pxos(nil, "doctor")
	expect("doctor", out, `holds an older pxOS \(v1\.0: no hook_init, hook_prompt, hook_idle\), 4 features`)
	expect("doctor", out, `note: pxos ships pxOS v1\.1; pxos reset --shipped moves this workspace to it`)

	// Back to its own base, v1.0, and the four features again from the
	// network, without a model.
	if _, errs, code = pxos(nil, "reset"); code != 0 {
		t.Fatalf("pxos reset: exit %d\n%s", code, errs)
	}
	if src := base(); !strings.Contains(src, "DEFINE base_end 0x7F76") || strings.Contains(src, "# ==== feature") {
		t.Fatal("reset did not go back to the workspace's own v1.0 base")
	}
	out, errs, code = pxos(nil, "auto")
	if code != 0 {
		t.Fatalf("pxos auto on the v1.0 base: exit %d\n%s%s", code, out, errs)
	}
	expect("auto on v1.0", out, `4 goals: 4 passed`)
	expect("auto on v1.0", errs, `analyze: regression suite 6/6 passed`)

	// The shipped v1.1 base, and the same network's solutions on it.
	if _, errs, code = pxos(nil, "reset", "--shipped"); code != 0 {
		t.Fatalf("pxos reset --shipped: exit %d\n%s", code, errs)
	}
	if src := base(); !strings.Contains(src, "DEFINE hook_idle 0x7E0A") {
		t.Fatal("reset --shipped did not put back the v1.1 base")
	}
	out, errs, code = pxos(nil, "auto")
	if code != 0 {
		t.Fatalf("pxos auto on the v1.1 base: exit %d\n%s%s", code, out, errs)
	}
	expect("auto on v1.1", out, `4 goals: 4 passed`)
	out, _, code = pxos(nil, "test")
	if code != 0 {
		t.Errorf("pxos test on v1.1: exit %d\n%s", code, out)
	}
	expect("test on v1.1", out, `ok: 13 of 13 runs passed`)
}
