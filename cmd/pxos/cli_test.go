package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// runPxosInProcess runs pxos with args in-process and returns its exit
// status, stdout and stderr.
func runPxosInProcess(args ...string) (code int, stdout, stderr string) {
	var out, errs bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errs)
	return code, out.String(), errs.String()
}

// TestExitStatus checks the exit status of the command-line conventions in
// main.go's package comment, which testscript can only tell as zero or not.
func TestExitStatus(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.txt")
	for _, tt := range []struct {
		args   []string
		code   int
		stderr string // a line of stderr; "" for none at all
	}{
		{[]string{}, 0, ""},
		{[]string{"net"}, 0, ""},
		{[]string{"feature"}, 0, ""},
		{[]string{"completion"}, 0, ""},
		{[]string{"--version"}, 0, ""},
		{[]string{"version"}, 0, ""},
		{[]string{"completion", "bash"}, 0, ""},
		{[]string{"net", "stat"}, 2, `pxos: unknown command "stat" for "pxos net"`},
		{[]string{"feature", "instal"}, 2, `pxos: unknown command "instal" for "pxos feature"`},
		{[]string{"atuo"}, 2, `pxos: unknown command "atuo" for "pxos"`},
		{[]string{"completion", "tcsh"}, 2, `pxos: unknown command "tcsh" for "pxos completion"`},
		{[]string{"net", "stats", "extra"}, 2, `pxos: unknown command "extra" for "pxos net stats"`},
		{[]string{"build", "--nope"}, 2, "run 'pxos build --help' for usage"},
		{[]string{"build", "-i", missing}, 1, "pxos build: open " + missing + ": no such file or directory"},
	} {
		code, _, stderr := runPxosInProcess(tt.args...)
		if code != tt.code {
			t.Errorf("pxos %s: exit status %d, want %d; stderr:\n%s", strings.Join(tt.args, " "), code, tt.code, stderr)
		}
		if tt.stderr == "" && stderr != "" || tt.stderr != "" && !slices.Contains(strings.Split(stderr, "\n"), tt.stderr) {
			t.Errorf("pxos %s: stderr:\n%s\nwant the line %q", strings.Join(tt.args, " "), stderr, tt.stderr)
		}
	}
}

// TestUnknownCommandSuggests checks the whole message for a typo: cobra's
// text and suggestions, then the hint.
func TestUnknownCommandSuggests(t *testing.T) {
	_, stdout, stderr := runPxosInProcess("net", "stat")
	want := "pxos: unknown command \"stat\" for \"pxos net\"\n\nDid you mean this?\n\tstats\n\nrun 'pxos net --help' for usage\n"
	if stdout != "" || stderr != want {
		t.Errorf("pxos net stat: stdout %q, stderr:\n%s\nwant:\n%s", stdout, stderr, want)
	}
}

// TestVersionOf checks the version line for stamped, unstamped and missing
// build information.
func TestVersionOf(t *testing.T) {
	stamped := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/pxos-dev/pxos", Version: "v0.0.0-20261130101500-abc1234def56+dirty"},
		Settings: []debug.BuildSetting{
			{Key: "-buildmode", Value: "exe"},
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "abc1234def5678901234567890abcdef12345678"},
			{Key: "vcs.time", Value: "2026-11-30T10:15:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	clean := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/pxos-dev/pxos", Version: "v0.3.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef"},
			{Key: "vcs.time", Value: "2026-11-30T23:30:00-02:00"}, // the next day in UTC
			{Key: "vcs.modified", Value: "false"},
		},
	}
	for _, tt := range []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want string
	}{
		{"stamped", stamped, true, "v0.0.0-20261130101500-abc1234def56+dirty (commit abc1234, 2026-11-30, modified) go1.26.8"},
		{"clean", clean, true, "v0.3.0 (commit 0123456, 2026-12-01) go1.26.8"},
		{"devel", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}, true, "(devel) go1.26.8"},
		{"empty", &debug.BuildInfo{}, true, "(devel) " + runtime.Version()},
		{"none", nil, false, "(unknown) " + runtime.Version()},
	} {
		if got := versionOf(tt.bi, tt.ok); got != tt.want {
			t.Errorf("%s: versionOf = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestVersionFlag checks that --version and version print the running
// binary's line.
func TestVersionFlag(t *testing.T) {
	want := "pxos " + version() + "\n"
	for _, args := range [][]string{{"--version"}, {"version"}} {
		if code, stdout, stderr := runPxosInProcess(args...); code != 0 || stdout != want || stderr != "" {
			t.Errorf("pxos %s: exit %d, stdout %q, stderr %q; want stdout %q", args[0], code, stdout, stderr, want)
		}
	}
}

// TestCompletionBash checks that the bash script defines the completion
// function and registers it for pxos.
func TestCompletionBash(t *testing.T) {
	code, stdout, stderr := runPxosInProcess("completion", "bash")
	if code != 0 || stderr != "" {
		t.Fatalf("pxos completion bash: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"\n__start_pxos()\n", "complete -o default -F __start_pxos pxos\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("pxos completion bash does not contain %q", want)
		}
	}
}

// TestNoPackagePrefixInMessages: no message text in internal/ starts with
// the name of an internal package ("gen: ...", `llm: ...`): a person reads
// these after "pxos COMMAND: ", embedded in notes and reports too, where
// main's trimming does not reach (issue 16, item 7).
func TestNoPackagePrefixInMessages(t *testing.T) {
	entries, err := os.ReadDir("../../internal")
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, e := range entries {
		if e.IsDir() {
			pkgs = append(pkgs, e.Name())
		}
	}
	names := strings.Join(pkgs, "|")
	re := regexp.MustCompile(`["` + "`" + `](` + names + `): `)
	err = filepath.WalkDir("../../internal", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			if strings.Contains(line, "TrimPrefix") || strings.Contains(line, "HasPrefix") || strings.Contains(line, "Title:") {
				continue
			}
			if m := re.FindString(line); m != "" {
				t.Errorf("%s:%d: message starts with the package name %s", p, i+1, m[1:])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Nor does a command's message repeat the command: main prints
	// "pxos PATH: " before it.
	own := regexp.MustCompile(`(usagef|Errorf|errors\.New)\("(asm|auto|bridge|build|disasm|doctor|feature[a-z ]*|gen|init|net[a-z ]*|reset|run|test): `)
	files, _ := filepath.Glob("*.go")
	for _, p := range files {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			if m := own.FindString(line); m != "" {
				t.Errorf("%s:%d: message starts with its command's name: %s", p, i+1, m)
			}
		}
	}
}
