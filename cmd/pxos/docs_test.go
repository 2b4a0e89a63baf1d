package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// grownWorkspace makes a workspace in a new directory, with the four
// default features, and moves into it.
func grownWorkspace(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	t.Setenv("PXOS_LLM_URL", closedURL)
	for _, args := range [][]string{{"init"}, {"feature", "install", "backspace", "command_parser", "help", "clear"}} {
		if code, _, stderr := runPxosInProcess(args...); code != 0 {
			t.Fatalf("pxos %s: exit status %d: %s", strings.Join(args, " "), code, stderr)
		}
	}
}

var (
	defineFeatureRE = regexp.MustCompile(`(?m)^DEFINE feature_(\w+) 0x([0-9A-F]+)$`)
	blockSizeRE     = regexp.MustCompile(`(?m)^COMMENT feature (\w+) at 0x([0-9A-F]+)-0x([0-9A-F]+) \((\d+) bytes\)`)
	mapRowRE        = regexp.MustCompile(`(?m)^\| 0x([0-9A-F]{4})-0x([0-9A-F]{4}) \| (\d+) \| (?:feature \[(\w+)\]|(free))`)
	freeRE          = regexp.MustCompile(`0x([0-9A-F]+)-0x([0-9A-F]+) \(\d+\)`)
)

// The manual's memory map has the addresses of the build: each feature
// where its DEFINE feature_NAME line and block put it, free what pxos
// build says is free; its commands are the help command's list.
func TestDocsMatchesBuild(t *testing.T) {
	grownWorkspace(t)
	code, stdout, stderr := runPxosInProcess("docs", "-o", "-")
	if code != 0 || stderr != "" {
		t.Fatalf("pxos docs: exit status %d: %s", code, stderr)
	}
	manual := stdout
	src, err := os.ReadFile(filepath.Join("pxos-v1.0", "pxos_commands.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]string{} // feature or "free" -> first, last address
	for _, m := range mapRowRE.FindAllStringSubmatch(manual, -1) {
		name := m[4] + m[5]
		if m[5] == "free" {
			name += "@" + m[1]
		}
		rows[name] = [2]string{m[1], m[2]}
	}
	defines := defineFeatureRE.FindAllStringSubmatch(string(src), -1)
	if len(defines) != 4 {
		t.Fatalf("%d DEFINE feature_ lines, want 4", len(defines))
	}
	for _, d := range defines {
		if got := rows[d[1]]; got[0] != d[2] {
			t.Errorf("feature %s starts at 0x%s in the manual, at 0x%s in the build", d[1], got[0], d[2])
		}
	}
	for _, b := range blockSizeRE.FindAllStringSubmatch(string(src), -1) {
		if got := rows[b[1]]; got != [2]string{b[2], b[3]} {
			t.Errorf("feature %s at 0x%s-0x%s in the manual, its block says 0x%s-0x%s", b[1], got[0], got[1], b[2], b[3])
		}
	}

	code, stdout, stderr = runPxosInProcess("build", "-o", filepath.Join(t.TempDir(), "x.img"))
	if code != 0 {
		t.Fatalf("pxos build: %s", stderr)
	}
	i := strings.Index(stdout, "free:")
	if i < 0 {
		t.Fatalf("pxos build names no free range:\n%s", stdout)
	}
	free := freeRE.FindAllStringSubmatch(stdout[i:], -1)
	if len(free) == 0 {
		t.Fatalf("no free ranges in %q", stdout[i:])
	}
	for _, f := range free {
		if got := rows["free@"+f[1]]; got != [2]string{f[1], f[2]} {
			t.Errorf("free 0x%s-0x%s in the build, %v in the manual", f[1], f[2], got)
		}
	}

	for _, want := range []string{
		"| `clear` | clear the screen | [clear](#feature-clear) |\n| `help` | list the available commands | [help](#feature-help) |\n",
		"\nUnknown command: foo\n",
	} {
		if !strings.Contains(manual, want) {
			t.Errorf("the manual lacks %q", want)
		}
	}
}

// --prose asks the model for a paragraph per command and marks it as the
// model's; everything else is as without it.
func TestDocsProse(t *testing.T) {
	grownWorkspace(t)
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "A paragraph about it."}
	}})
	code, _, stderr := runPxosInProcess("docs", "-o", "plain")
	if code != 0 {
		t.Fatalf("pxos docs: %s", stderr)
	}
	code, _, stderr = runPxosInProcess("docs", "-o", "prose", "--prose", "--url", srv.URL)
	if code != 0 {
		t.Fatalf("pxos docs --prose: %s", stderr)
	}
	if !strings.Contains(stderr, "pxos docs: prose by test-model, marked in the manual as not checked") {
		t.Errorf("stderr: %s", stderr)
	}
	if n := len(srv.Chats()); n != 2 {
		t.Errorf("%d chats, want one per command (2)", n)
	}
	md, err := os.ReadFile(filepath.Join("prose", "manual.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(md), "> **Written by test-model, not checked:** A paragraph about it.\n"); n != 2 {
		t.Errorf("%d marked paragraphs, want 2:\n%s", n, md)
	}
	if !strings.Contains(string(md), "“Written by `test-model`, not checked” are a model's; nothing else is.") {
		t.Error("the introduction does not say which paragraphs are the model's")
	}
	plain, err := os.ReadFile(filepath.Join("plain", "manual.md"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, ln := range strings.Split(string(md), "\n") {
		if !strings.HasPrefix(ln, "> **Written by") {
			kept = append(kept, ln)
		}
	}
	// The introduction says whether a model wrote anything: compared
	// without it, and without the blank lines the paragraphs left.
	norm := func(s string) string {
		s = regexp.MustCompile(`(?m)^The manual of .*\n`).ReplaceAllString(s, "")
		return regexp.MustCompile(`\n{3,}`).ReplaceAllString(s, "\n\n")
	}
	if norm(strings.Join(kept, "\n")) != norm(string(plain)) {
		t.Error("with the model's paragraphs taken out, the manual differs from the one without --prose")
	}
	page, err := os.ReadFile(filepath.Join("prose", "manual.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<p class="prose"><span class="by">Written by test-model, not checked:</span> A paragraph about it.</p>`) {
		t.Error("the HTML does not mark the model's paragraph")
	}
}
