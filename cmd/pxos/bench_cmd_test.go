package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pxos-dev/pxos/internal/bench"
	"github.com/pxos-dev/pxos/internal/bench/benchtest"
)

// TestBenchScripts runs the scripts of pxos bench in testdata/bench, as
// TestScripts runs testdata/script: offline, with no LLM server.
func TestBenchScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/bench",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PXOS_LLM_URL", closedURL)
			e.Setenv("PXOS_MODEL", "")
			return nil
		},
	})
}

// pxos bench against a scripted server with two models, two samples each
// on the 'ver' goal: model-a passes (pass@1 and pass@2 1.00), model-b's
// answer passes the loop by its own scenario and fails the hidden one
// (0.00). --json carries the scores, --html writes the page.
func TestBenchTwoModels(t *testing.T) {
	all, err := bench.Goals()
	if err != nil {
		t.Fatal(err)
	}
	srv := benchtest.TwoModels(t, all[0].Text)
	dir := t.TempDir()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := run([]string{"bench", "--provider", "openai", "--url", srv.URL, "--model", benchtest.ModelA + "," + benchtest.ModelB,
		"--goals", "ver", "--samples", "2", "--max-attempts", "1", "--json", "--html", "bench.html"}, strings.NewReader(""), &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, errb.String())
	}
	var res bench.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("stdout is no JSON result: %v\n%s", err, out.String())
	}
	want := map[string][2]float64{benchtest.ModelA: {1, 1}, benchtest.ModelB: {0, 0}}
	if len(res.Cells) != 2 {
		t.Fatalf("cells %+v", res.Cells)
	}
	for _, c := range res.Cells {
		if w := want[c.Model]; c.Goal != "01-ver" || c.N != 2 || c.Pass1 != w[0] || c.PassK != w[1] {
			t.Errorf("%s: %+v, want pass@1 %v, pass@2 %v", c.Model, c, w[0], w[1])
		}
		if c.Model == benchtest.ModelB && c.Outcomes != "hidden-failed ×2" {
			t.Errorf("model-b's outcomes: %q", c.Outcomes)
		}
	}
	for _, want := range []string{"[1/4] model-a · 01-ver (grade 1) · sample 1/2", "[4/4] model-b · 01-ver (grade 1) · sample 2/2",
		`hidden-failed: 1 attempt`, `hidden scenario "ver prints pxOS v1.1" (emu): row 2 does not contain "pxOS v1.1": it is "pxOS v9.9"`} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	page, err := os.ReadFile(filepath.Join(dir, "bench.html"))
	if err != nil || !bytes.Contains(page, []byte("<td>model-b</td>")) {
		t.Errorf("bench.html: %v", err)
	}

	// A model the server does not have is refused before anything runs.
	out.Reset()
	errb.Reset()
	code = run([]string{"bench", "--url", srv.URL, "--model", "model-c", "--goals", "ver"}, strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), `has no model "model-c"; it has model-a, model-b`) || out.Len() != 0 {
		t.Errorf("unknown model: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}
