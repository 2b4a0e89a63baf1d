package loop

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/gen"
)

// Run folders are named by the start time in UTC; runs that started in the
// same second get -2, -3, ...; the names read back, and nothing else does.
func TestRunFolderNames(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	start := time.Date(2026, 11, 30, 9, 0, 0, 500, time.FixedZone("CET", 3600))
	var got []string
	for range 3 {
		p, err := newRunDir(dir, start)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, filepath.Base(p))
	}
	if want := "2026-11-30T08-00-00Z 2026-11-30T08-00-00Z-2 2026-11-30T08-00-00Z-3"; strings.Join(got, " ") != want {
		t.Errorf("folders %q, want %q", got, want)
	}
	for _, tc := range []struct {
		name string
		seq  int // 0: not a run folder
	}{
		{"2026-11-30T08-00-00Z", 1},
		{"2026-11-30T08-00-00Z-2", 2},
		{"2026-11-30T08-00-00Z-10", 10},
		{"2026-11-30T08-00-00Z-1", 0},
		{"2026-11-30T08-00-00Z-02", 0},
		{"2026-11-30T08-00-00Z-", 0},
		{"2026-11-30T08-00-00Zx2", 0},
		{"2026-11-30T08-00-00", 0},
		{"2026-13-30T08-00-00Z", 0},
		{"latest", 0},
		{"index.html", 0},
	} {
		tm, seq, ok := parseRunName(tc.name)
		if ok != (tc.seq != 0) || seq != tc.seq || ok && !tm.Equal(start.Truncate(time.Second)) {
			t.Errorf("parseRunName(%q) = %v, %d, %v; want seq %d", tc.name, tm, seq, ok, tc.seq)
		}
	}
}

// writeRun makes a run folder holding rep as its JSON report (and an HTML
// report when html).
func writeRun(t *testing.T, dir, name string, rep *Report, html bool) {
	t.Helper()
	js, err := rep.MarshalReport()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, ReportName), js, 0o644); err != nil {
		t.Fatal(err)
	}
	if html {
		if err := os.WriteFile(filepath.Join(dir, name, "build_report.html"), []byte("<p>report</p>"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// The index lists every run folder with a report, newest first (-10 after
// -2 in the same second), with its date, goals and summary, linked to its
// HTML report; latest points at the newest; folders that are not a run's
// are left out, and a report that does not parse says so.
func TestReportsIndex(t *testing.T) {
	dir := t.TempDir()
	passed := &Report{Commands: "pxos_commands.txt", Changed: true, Recorded: true, Goals: []*GoalReport{
		{Goal: "Add a 'ver' command", Role: RoleGoal, Result: ResultPassed},
		{Goal: "Add a 'date' command", Role: RoleGoal, Result: ResultFailed}}}
	failed := &Report{Commands: "pxos_commands.txt", Recorded: true, Goals: []*GoalReport{{Goal: "Add a TCP/IP stack", Role: RoleGoal, Result: ResultNoSolution}}}
	writeRun(t, dir, "2026-11-30T08-00-00Z", failed, true)
	writeRun(t, dir, "2026-11-30T08-00-00Z-2", passed, true)
	writeRun(t, dir, "2026-11-30T08-00-00Z-10", passed, false)
	writeRun(t, dir, "2026-12-01T10-30-00Z", failed, true)
	writeRun(t, dir, "notes", passed, true) // not a run folder
	// A run folder with no report (yet), and one whose report does not parse.
	if err := os.Mkdir(filepath.Join(dir, "2026-12-02T00-00-00Z"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "2026-11-29T00-00-00Z"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2026-11-29T00-00-00Z", ReportName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := updateIndex(dir); err != nil {
		t.Fatal(err)
	}
	page := string(readFile(t, filepath.Join(dir, IndexName)))
	order := []string{"2026-12-01T10-30-00Z", "2026-11-30T08-00-00Z-10", "2026-11-30T08-00-00Z-2", "2026-11-30T08-00-00Z<", "2026-11-29T00-00-00Z"}
	at := 0
	for _, name := range order {
		i := strings.Index(page[at:], name)
		if i < 0 {
			t.Fatalf("the index does not list %s after the newer runs:\n%s", name, page)
		}
		at += i
	}
	for _, want := range []string{
		`<a href="2026-12-01T10-30-00Z/build_report.html">2026-12-01T10-30-00Z</a>`,
		`<td>2026-12-01 10:30:00 UTC</td><td>1</td><td>1 goal: 1 no-solution; pxos_commands.txt unchanged.</td>`,
		`<td>2026-11-30T08-00-00Z-10</td>`, // no HTML report: no link
		`<td>2</td><td>2 goals: 1 passed, 1 failed; pxos_commands.txt updated.</td>`,
		`report unreadable: unexpected end of JSON input`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the index lacks %s:\n%s", want, page)
		}
	}
	for _, not := range []string{"notes", "2026-12-02"} {
		if strings.Contains(page, not) {
			t.Errorf("the index lists %s:\n%s", not, page)
		}
	}
	if target, err := os.Readlink(filepath.Join(dir, LatestName)); err != nil || target != "2026-12-01T10-30-00Z" {
		t.Errorf("latest -> %q (%v)", target, err)
	}
	if got := lastReport(dir); got != filepath.Join(dir, "2026-12-01T10-30-00Z", "build_report.html") {
		t.Errorf("last report %q", got)
	}
	// A newer run moves latest; no temporary link is left behind.
	writeRun(t, dir, "2026-12-03T00-00-00Z", passed, true)
	if err := updateIndex(dir); err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(dir, LatestName)); err != nil || target != "2026-12-03T00-00-00Z" {
		t.Errorf("latest -> %q (%v)", target, err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
	// A latest that is not a link is left alone: the index still works.
	os.Remove(filepath.Join(dir, LatestName))
	if err := os.Mkdir(filepath.Join(dir, LatestName), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := updateIndex(dir); err != nil {
		t.Errorf("with latest a directory: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}

// Issue 16: each run that did something keeps its report in a folder of
// its own and is listed in the index; a run that finds every goal present
// records nothing (no build record, no folder, no index change) and names
// the last report.
func TestRunFoldersAndNoOp(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	dir := filepath.Join(t.TempDir(), "reports")
	image := filepath.Join(t.TempDir(), "pxos.img")
	o := Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"Add backspace support to shell"}, Reports: dir, Image: image}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.Recorded || rep.Goals[0].Result != ResultPassed {
		t.Fatalf("recorded %v, goal %s", rep.Recorded, rep.Goals[0].Result)
	}
	runs, err := runFolders(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("run folders %+v (%v)", runs, err)
	}
	folder := filepath.Join(dir, runs[0].Name)
	if rep.JSON != filepath.Join(folder, ReportName) || rep.HTML != filepath.Join(folder, "build_report.html") || rep.Index != filepath.Join(dir, IndexName) {
		t.Errorf("report %q, HTML %q, index %q", rep.JSON, rep.HTML, rep.Index)
	}
	if runs[0].Name != rep.Started.UTC().Format(runStamp) {
		t.Errorf("folder %s for a run started at %s", runs[0].Name, rep.Started)
	}
	checkReports(t, rep.JSON)
	if _, err := os.Stat(filepath.Join(folder, "build_report_files", "step1-after.png")); err != nil {
		t.Errorf("images: %v", err)
	}
	var back map[string]any
	if err := json.Unmarshal(readFile(t, rep.JSON), &back); err != nil || back["recorded"] != true {
		t.Errorf("the JSON report says recorded %v (%v)", back["recorded"], err)
	}
	index := readFile(t, rep.Index)
	records := len(Runs(net))
	imageBefore, err := os.Stat(image)
	if err != nil {
		t.Fatal(err)
	}

	// The second run finds the goal present: nothing changed, nothing recorded.
	rep2, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if rep2.Recorded || rep2.Goals[0].Result != ResultPresent || rep2.JSON != "" || rep2.HTML != "" || rep2.Index != "" {
		t.Errorf("second run: recorded %v, goal %s, reports %q %q %q", rep2.Recorded, rep2.Goals[0].Result, rep2.JSON, rep2.HTML, rep2.Index)
	}
	if n := len(Runs(net)); n != records {
		t.Errorf("the no-op run recorded a build: %d runs, want %d", n, records)
	}
	if runs, _ := runFolders(dir); len(runs) != 1 {
		t.Errorf("the no-op run wrote a run folder: %+v", runs)
	}
	// The image holds the build already: not written again (a read-only
	// workspace runs too).
	if after, err := os.Stat(image); err != nil || !os.SameFile(imageBefore, after) {
		t.Errorf("the no-op run replaced the image (%v)", err)
	}
	if string(readFile(t, filepath.Join(dir, IndexName))) != string(index) {
		t.Error("the no-op run rewrote the index")
	}
	want := "1 goal: 1 present; nothing changed, nothing recorded (last report: " + rep.HTML + ")."
	if rep2.LastReport != rep.HTML || rep2.Summary() != want {
		t.Errorf("summary %q, want %q", rep2.Summary(), want)
	}

	// A run that tries something and fails is recorded and reported.
	o.Goals = []string{"Add backspace support to shell", "Add a TCP/IP stack"}
	rep3, err := Run(context.Background(), o)
	if err == nil || !rep3.Recorded {
		t.Fatalf("third run: %v, recorded %v", err, rep3.Recorded)
	}
	if n := len(Runs(net)); n != records+1 {
		t.Errorf("%d runs recorded, want %d", n, records+1)
	}
	runs, _ = runFolders(dir)
	if len(runs) != 2 || filepath.Join(dir, runs[0].Name, ReportName) != rep3.JSON {
		t.Errorf("run folders %+v; want the third run's first", runs)
	}
	page := string(readFile(t, rep3.Index))
	if !strings.Contains(page, runs[0].Name) || !strings.Contains(page, runs[1].Name) || !strings.Contains(page, "1 present, 1 no-solution") {
		t.Errorf("the index:\n%s", page)
	}
	if target, err := os.Readlink(filepath.Join(dir, LatestName)); err == nil && target != runs[0].Name {
		t.Errorf("latest -> %s, want %s", target, runs[0].Name)
	}
}
