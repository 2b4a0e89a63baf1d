package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Issue 16, "done when": a person who installs pxos and runs pxos auto in
// an empty directory outside the repository gets a grown pxOS, a report
// they can reopen later and a way back to the start. The built binary runs
// as a separate process, as after go install.
func TestInstalledBinaryAnywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	bin := buildPxos(t)
	dir := filepath.Join(t.TempDir(), "myos")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pxos, expect := binRunner(t, bin, dir)

	out, errs, code := pxos(nil, "auto")
	if code != 0 {
		t.Fatalf("pxos auto: exit %d\n%s\n%s", code, out, errs)
	}
	expect("auto's stderr", errs, `made one in .*myos`)
	expect("auto", out, `4 goals: 4 passed; pxos-v1.0/pxos_commands.txt updated`)
	expect("auto", out, `reports: reports/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ/build_report.json`)
	index, err := os.ReadFile(filepath.Join(dir, "reports", "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	expect("reports/index.html", string(index), `4 passed`)

	out, _, code = pxos(nil, "auto")
	if code != 0 {
		t.Errorf("second pxos auto: exit %d", code)
	}
	expect("second auto", out, `4 present; nothing changed, nothing recorded \(last report: reports/.*build_report.html\)`)

	_, errs, code = pxos([]string{"COLUMNS=70", "LINES=20"}, "run")
	if code != 1 {
		t.Errorf("pxos run in a 70x20 terminal: exit %d", code)
	}
	expect("run at 70x20", errs, `needs a terminal of at least 80x25 .* this one is 70x20`)
	_, errs, _ = pxos(nil, "run")
	expect("run without a terminal", errs, `standard input is not a terminal`)

	out, _, code = pxos(nil, "test")
	if code != 0 {
		t.Errorf("pxos test: exit %d\n%s", code, out)
	}
	expect("test", out, `ok: 13 of 13 runs passed`)

	out, _, code = pxos(nil, "reset")
	if code != 0 {
		t.Errorf("pxos reset: exit %d", code)
	}
	expect("reset", out, `removed 4 features from pxos-v1.0/pxos_commands.txt: backspace, command_parser, help, clear`)
	out, _, _ = pxos(nil, "test")
	expect("test after reset", out, `ok: 9 of 9 runs passed`)

	out, _, code = pxos(nil, "--version")
	if code != 0 {
		t.Errorf("pxos --version: exit %d", code)
	}
	expect("--version", out, `^pxos \S+.* go1\.\d+`)
}

// binRunner returns a function that runs the pxos binary bin in dir as a
// separate process, with no LLM server (PXOS_LLM_URL names a closed port)
// and env added, and returns its output and exit status; and expect, which
// fails the test when text does not match pattern.
func binRunner(t *testing.T, bin, dir string) (run func(env []string, args ...string) (stdout, stderr string, code int), expect func(what, text, pattern string)) {
	run = func(env []string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), append([]string{"PXOS_LLM_URL=" + closedURL}, env...)...)
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	expect = func(what, text, pattern string) {
		t.Helper()
		if !regexp.MustCompile(pattern).MatchString(text) {
			t.Errorf("%s lacks %q:\n%s", what, pattern, text)
		}
	}
	return run, expect
}
