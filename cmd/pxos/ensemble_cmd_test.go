package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// pxos auto --model a,b --samples k asks both models at once, keeps the
// smallest answer that passes and proves itself, and reports every
// candidate with its model; pxos gen takes the same flags.
func TestEnsembleCommand(t *testing.T) {
	const goal = "Add a 'ver' command that prints the version"
	ver := func(text, pad string) string {
		b, _ := json.Marshal(map[string]any{"explanation": "", "name": "ver", "requires": []string{}, "infeasible": "",
			"assembly": "ver_entry: dw prev_cmd_head, ver_name, ver_run, ver_help\nver_name: db \"ver\", 0\nver_help: db \"the version\", 0\n" +
				"ver_run:\n        mov si, ver_text\n        call print_string\n        jmp newline\nver_text: db \"" + text + "\", 0\n" + pad,
			"hooks":    []map[string]string{{"slot": "cmd_head", "handler": "ver_entry"}},
			"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\nexpect \"" + text + "\"\n"})
		return string(b)
	}
	answers := map[string]string{"small": ver("version 1.1, ensemble", ""), "big": ver("version 1.1, ensemble", "ver_pad: times 64 db 0\n")}
	srv := llmtest.New(t, llmtest.Options{Models: []string{"big", "small"}, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.HasPrefix(r.Messages[0].Content, "You plan work") {
			b, _ := json.Marshal(map[string]any{"steps": []map[string]string{{"goal": goal, "description": "", "address_hint": "", "scenario": ""}}})
			return llmtest.Reply{Content: string(b)}
		}
		return llmtest.Reply{Content: answers[r.Model]}
	}})
	dir := t.TempDir()
	if code, _, errs := runPxosInProcess("init", dir); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	pxdir := filepath.Join(dir, "pxos-v1.0")
	net := filepath.Join(dir, "net.png")
	code, out, errs := runPxosInProcess("auto", "--pxos-dir", pxdir, "--network", net, "--reports", "", "--image", "", "--json",
		"--provider", "openai", "--url", srv.URL, "--model", "big,small", "--samples", "2", "--goals", goal)
	if code != 0 {
		t.Fatalf("auto: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "ensemble: big, small, 2 answers each per round, asked at once") {
		t.Errorf("stderr lacks the ensemble line:\n%s", errs)
	}
	var rep struct {
		Goals []struct {
			Goal     string `json:"goal"`
			Result   string `json:"result"`
			Attempts []struct {
				Model   string `json:"model"`
				Verdict string `json:"verdict"`
			} `json:"attempts"`
		} `json:"goals"`
		Models []struct {
			Model   string `json:"model"`
			Answers int    `json:"answers"`
			Passed  int    `json:"passed"`
		} `json:"models"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	g := rep.Goals[len(rep.Goals)-1]
	verdicts := map[string][]string{}
	for _, a := range g.Attempts {
		verdicts[a.Model] = append(verdicts[a.Model], a.Verdict)
	}
	// Two identical answers per model are one candidate each, the other
	// reported as the same answer: small's passed; big's, larger, was not
	// needed. Every answer asked for is in the report.
	if g.Result != "passed" || strings.Join(verdicts["small"], ",") != "passed,untested" || strings.Join(verdicts["big"], ",") != "untested,untested" {
		t.Errorf("goal %s, verdicts by model %v", g.Result, verdicts)
	}
	if len(rep.Models) != 2 || rep.Models[0].Answers != 2 || rep.Models[1].Answers != 2 {
		t.Errorf("models in the report: %+v", rep.Models)
	}

	// Flags that cannot work.
	for _, args := range [][]string{
		{"auto", "--pxos-dir", pxdir, "--samples", "0"},
		{"auto", "--pxos-dir", pxdir, "--url", "http://127.0.0.1:1/v1,ftp://x"},
	} {
		if code, _, errs := runPxosInProcess(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errs)
		}
	}
}
