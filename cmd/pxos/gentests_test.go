package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/workspace"
)

// pxos gen --tests FEATURE: the model's proposals and the offline ones are
// kept only when fail-to-pass, and join the regression suite.
func TestGenTests(t *testing.T) {
	tests := []map[string]string{
		{"name": "With Args", "why": "help ignores its arguments", "scenario": "wait \"{prompt}\"\ntype \"help a b c\\n\"\nexpect \"Commands:\"\n"},
		{"name": "vacuous", "why": "the prompt comes back", "scenario": "wait \"{prompt}\"\ntype \"\\n\"\nexpect \"{prompt}\"\n"},
		{"name": "wrong", "why": "help lists a command that is not there", "scenario": "wait \"{prompt}\"\ntype \"help\\n\"\nexpect \"  frobnicate\"\n"},
		{"name": "broken", "why": "not a scenario", "scenario": "wait {prompt}\n"},
		// Needs clear, installed after help: no test of help.
		{"name": "needs_clear", "why": "help then clear", "scenario": "wait \"{prompt}\"\ntype \"help\\nclear\\n\"\nexpect-not \"Unknown command\"\n"},
	}
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if !strings.Contains(r.Messages[0].Content, "You write test scenarios") {
			return llmtest.Reply{Content: "unexpected request"}
		}
		b, _ := json.Marshal(map[string]any{"tests": tests})
		return llmtest.Reply{Content: string(b)}
	}})
	dir := t.TempDir()
	if code, _, errs := runPxosInProcess("init", dir); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	pxdir := filepath.Join(dir, "pxos-v1.0")
	net := filepath.Join(dir, "net.png")
	if code, _, errs := runPxosInProcess("auto", "--pxos-dir", pxdir, "--network", net, "--reports", "", "--image", "", "--provider", "kb"); code != 0 {
		t.Fatalf("auto: %s", errs)
	}
	code, out, errs := runPxosInProcess("gen", "--tests", "help", "--pxos-dir", pxdir, "--network", net, "--provider", "openai", "--url", srv.URL, "--count", "5")
	if code != 0 {
		t.Fatalf("gen --tests: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{
		`(?m)^with_args +test-model +yes +help ignores its arguments +fail-to-pass on emu$`,
		`(?m)^vacuous +test-model +no .*passes without the feature \(emu\): it does not test it$`,
		`(?m)^wrong +test-model +no .*fails with the feature \(emu\)`,
		`(?m)^broken +test-model +no .*does not parse`,
		`(?m)^empty_args +offline +yes`,
		`(?m)^needs_clear +test-model +no .*fails with the feature \(emu\)`,
		`(?m)^8 proposed, 4 kept \(fail-to-pass\), 4 written to `,
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	kept, _ := filepath.Glob(filepath.Join(pxdir, "scenarios", "feature_help.*.txt"))
	if len(kept) != 4 {
		t.Errorf("kept files: %v", kept)
	}
	if b, err := os.ReadFile(filepath.Join(pxdir, "scenarios", "feature_help.with_args.txt")); err != nil || !strings.Contains(string(b), "# Written by test-model") {
		t.Errorf("feature_help.with_args.txt: %q %v", b, err)
	}
	// They are in the regression suite now, and go with the feature.
	w := workspace.At(pxdir)
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	suite, orphans, err := workspace.Suite(w.Scenarios(), b)
	if err != nil || len(orphans) != 0 || !slices.Contains(suite, filepath.Join(pxdir, "scenarios", "feature_help.with_args.txt")) {
		t.Errorf("suite %v, orphans %v, %v", suite, orphans, err)
	}
	if _, err := w.RemoveFeature("help", nil, func(cur, next *feature.Base, suite []string) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(pxdir, "scenarios", "feature_help.*")); len(left) != 0 {
		t.Errorf("removing help left %v", left)
	}
	if code, out, errs := runPxosInProcess("gen", "--tests", "nosuch", "--pxos-dir", pxdir, "--network", net, "--provider", "kb"); code != 1 || !strings.Contains(errs, "feature nosuch is not installed") {
		t.Errorf("gen --tests nosuch: exit %d\n%s%s", code, out, errs)
	}
	if code, _, _ = runPxosInProcess("gen", "--tests", "help", "--feature", "x", "--pxos-dir", pxdir); code != 2 {
		t.Errorf("--tests with --feature: exit %d, want 2", code)
	}
}
