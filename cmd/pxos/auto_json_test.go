package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/loop"
)

// autoJSON runs pxos auto --json offline on the pxOS directory in dir and
// returns its exit status, the report parsed from stdout, and stderr.
func autoJSON(t *testing.T, dir string, goals ...string) (int, loop.Report, map[string]any, string) {
	t.Helper()
	args := []string{"auto", "--json", "--provider", "kb", "--pxos-dir", filepath.Join(dir, "pxos-v1.0"),
		"--network", filepath.Join(dir, "net.png"), "--reports", filepath.Join(dir, "reports"), "--image", filepath.Join(dir, "pxos.img")}
	for _, g := range goals {
		args = append(args, "--goals", g)
	}
	code, stdout, stderr := netRun(t, "", args...)
	var rep loop.Report
	var fields map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &fields); err != nil {
		t.Fatal(err)
	}
	return code, rep, fields, stderr
}

// Issue 16, item 7: pxos auto --json prints the JSON report on stdout (the
// document of the report file), progress on stderr, with the usual exit
// status; a run that changed nothing still prints a report, one that says
// it recorded nothing.
func TestAutoJSON(t *testing.T) {
	t.Setenv("PXOS_LLM_URL", closedURL)
	dir := t.TempDir()
	if code, _, stderr := netRun(t, "", "feature", "export", filepath.Join(dir, "pxos-v1.0")); code != 0 {
		t.Fatalf("export: %s", stderr)
	}
	const goal = "Add backspace support to shell"
	code, rep, fields, stderr := autoJSON(t, dir, goal)
	if code != 0 || len(rep.Goals) != 1 || rep.Goals[0].Result != loop.ResultPassed || fields["recorded"] != true {
		t.Fatalf("exit %d, goals %+v, recorded %v\nstderr:\n%s", code, rep.Goals, fields["recorded"], stderr)
	}
	if !strings.Contains(stderr, "analyze: regression suite") || strings.Contains(stderr, "GOAL ") {
		t.Errorf("stderr:\n%s", stderr)
	}
	// The same document as the report file.
	file, err := os.ReadFile(rep.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var onDisk map[string]any
	if err := json.Unmarshal(file, &onDisk); err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, onDisk), mustJSON(t, fields); a != b {
		t.Errorf("stdout differs from %s:\n%s\n%s", rep.JSON, b, a)
	}
	if filepath.Dir(filepath.Dir(rep.JSON)) != filepath.Join(dir, "reports") {
		t.Errorf("report written to %s, not a run folder", rep.JSON)
	}

	// Nothing to do: still a JSON report, recorded false, the last report named.
	code, rep2, fields2, _ := autoJSON(t, dir, goal)
	if code != 0 || fields2["recorded"] != false || rep2.Goals[0].Result != loop.ResultPresent || rep2.LastReport != rep.HTML || rep2.JSON != "" {
		t.Errorf("no-op run: exit %d, recorded %v, result %s, last report %q, report %q", code, fields2["recorded"], rep2.Goals[0].Result, rep2.LastReport, rep2.JSON)
	}

	// A goal not met: a JSON report, and exit status 1 as without --json.
	code, rep3, _, _ := autoJSON(t, dir, "Add a TCP/IP stack")
	if code != 1 || rep3.Goals[0].Result != loop.ResultNoSolution || !rep3.Recorded {
		t.Errorf("unmet goal: exit %d, result %s, recorded %v", code, rep3.Goals[0].Result, rep3.Recorded)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
