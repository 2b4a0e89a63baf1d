package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/bench/benchtest"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

func selectGoals(t *testing.T, names ...string) []*Goal {
	t.Helper()
	all, err := Goals()
	if err != nil {
		t.Fatal(err)
	}
	gs, err := Select(all, names)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

func cell(t *testing.T, r *Result, model, goal string) Cell {
	t.Helper()
	for _, c := range r.Cells {
		if c.Model == model && c.Goal == goal {
			return c
		}
	}
	t.Fatalf("no cell for %s on %s in %+v", model, goal, r.Cells)
	return Cell{}
}

// Offline, the kb provider passes the goal a shipped solution meets (help,
// hidden scenario included) and says no-solution for one it has none for.
func TestRunKB(t *testing.T) {
	var progress bytes.Buffer
	tmp := t.TempDir()
	res, err := Run(context.Background(), Options{Goals: selectGoals(t, "ver", "help"), Models: []Model{{Name: "kb"}},
		TempDir: tmp, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if c := cell(t, res, "kb", "02-help"); c.C != 1 || c.Pass1 != 1 || c.Outcomes != OutcomePassed {
		t.Errorf("help: %+v", c)
	}
	if c := cell(t, res, "kb", "01-ver"); c.C != 0 || c.Pass1 != 0 || c.Outcomes != "no-solution" {
		t.Errorf("ver: %+v", c)
	}
	for _, s := range res.Runs {
		if s.Goal == "02-help" && (len(s.Hidden) != 1 || !s.Hidden[0].Passed) {
			t.Errorf("help's hidden runs: %+v", s.Hidden)
		}
	}
	if sum := res.Summaries[0]; sum.GoalsPassed != 1 || sum.Goals != 2 || sum.MeanPass1 != 0.5 {
		t.Errorf("summary %+v", sum)
	}
	for _, want := range []string{"[1/2] kb · 01-ver (grade 1) · sample 1/1", "no-solution: 1 attempt", "[2/2] kb · 02-help", "passed: 1 attempt"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	var table bytes.Buffer
	res.WriteTable(&table)
	checkTable(t, table.String(), "01-ver 1 kb 0/1 0.00 1.0 0 - ", "02-help 1 kb 1/1 1.00 1.0 0 - ")
	if !strings.Contains(table.String(), "kb: 1 of 2 goals passed, mean pass@1 0.50 (by grade 1: 0.50)") {
		t.Errorf("table lacks the summary:\n%s", table.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("samples left %d entries in the temporary directory", len(left))
	}
}

// checkTable finds each row, given with its columns separated by single
// spaces, in the table (columns padded with spaces).
func checkTable(t *testing.T, table string, rows ...string) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(table, "\n") {
		got = append(got, strings.Join(strings.Fields(line), " "))
	}
	for _, want := range rows {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		if !found {
			t.Errorf("no row %q in the table:\n%s", want, table)
		}
	}
}

func models(url string, names ...string) []Model {
	var out []Model
	for _, n := range names {
		out = append(out, Model{Name: n, Client: llm.New(llm.Config{URL: url, Model: n, Timeout: 20 * time.Second})})
	}
	return out
}

// Two models on 'ver', two samples each: model-a passes both (pass@1 and
// pass@2 1.0), model-b's answer passes the loop by its own scenario but
// fails the hidden one (0.0). Every sample asked its own model, and the
// server's token counts were read.
func TestRunTwoModels(t *testing.T) {
	gs := selectGoals(t, "ver")
	srv := benchtest.TwoModels(t, gs[0].Text)
	res, err := Run(context.Background(), Options{Goals: gs, Models: models(srv.URL, benchtest.ModelA, benchtest.ModelB), Samples: 2, MaxAttempts: 1, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if a := cell(t, res, benchtest.ModelA, "01-ver"); a.N != 2 || a.C != 2 || a.Pass1 != 1 || a.PassK != 1 || !a.Metered || a.Prompt <= 0 || a.Answer <= 0 {
		t.Errorf("model-a: %+v", a)
	}
	if b := cell(t, res, benchtest.ModelB, "01-ver"); b.N != 2 || b.C != 0 || b.Pass1 != 0 || b.PassK != 0 || b.Outcomes != OutcomeHiddenFailed+" ×2" {
		t.Errorf("model-b: %+v", b)
	}
	for _, s := range res.Runs {
		if s.LoopResult != "passed" || s.Attempts != 1 || s.Tokens == 0 || s.ModelCalls < 2 {
			t.Errorf("%s sample %d: loop %s, %d attempts, %d tokens, %d calls", s.Model, s.N, s.LoopResult, s.Attempts, s.Tokens, s.ModelCalls)
		}
		if s.Model == benchtest.ModelB && !strings.Contains(s.Note, "ver prints pxOS v1.1") {
			t.Errorf("model-b's note does not name the hidden scenario: %s", s.Note)
		}
	}
	byModel := map[string]int{}
	for _, c := range srv.Chats() {
		byModel[c.Model]++
	}
	if byModel[benchtest.ModelA] != 4 || byModel[benchtest.ModelB] != 4 {
		t.Errorf("chat requests by model: %v, want a plan and an answer per sample", byModel)
	}
	var table bytes.Buffer
	res.WriteTable(&table)
	checkTable(t, table.String(), "01-ver 1 model-a 2/2 1.00 1.00 1.0", "01-ver 1 model-b 0/2 0.00 0.00 1.0")
	var page bytes.Buffer
	if err := res.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<td>model-a</td>", "hidden-failed", "ver prints pxOS v1.1"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// Stopped while the model thinks about the second goal, Run returns what
// was done (the first goal's sample, scored) with the context's error; the
// sample it stopped is left out and its workspace removed.
func TestRunInterrupted(t *testing.T) {
	gs := selectGoals(t, "ver", "echo")
	ver := benchtest.Replies(t, gs[0].Text)
	srv := llmtest.New(t, llmtest.Options{Models: []string{benchtest.ModelA}, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.Contains(r.Last(), "echo") {
			return llmtest.Reply{Hang: true}
		}
		return ver(r)
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			for _, c := range srv.Chats() {
				if strings.Contains(c.Last(), "echo") {
					cancel()
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	tmp := t.TempDir()
	res, err := Run(ctx, Options{Goals: gs, Models: models(srv.URL, benchtest.ModelA), MaxAttempts: 1, TempDir: tmp})
	if !errors.Is(err, context.Canceled) || res == nil || !res.Interrupted {
		t.Fatalf("Run: %v, %+v", err, res)
	}
	if len(res.Runs) != 1 || res.Runs[0].Goal != "01-ver" || !res.Runs[0].Passed || len(res.Cells) != 1 || res.Planned != 2 {
		t.Errorf("runs %+v, cells %+v", res.Runs, res.Cells)
	}
	var table bytes.Buffer
	res.WriteTable(&table)
	if !strings.Contains(table.String(), "interrupted: 1 of 2 samples done") {
		t.Errorf("table:\n%s", table.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the stopped sample left %d entries", len(left))
	}
}

// The loop's own machines boot the floppy with the test volume (loop
// Options.Disk): a model's 'dir' whose scenario lists the volume's files
// passes the loop, and the hidden scenario, through pxos bench.
func TestRunDirSeesVolume(t *testing.T) {
	gs := selectGoals(t, "dir")
	src, err := os.ReadFile("testdata/ref/dir/feature.asm")
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(map[string]any{"steps": []map[string]string{{"goal": gs[0].Text, "description": "", "address_hint": "", "scenario": ""}}})
	answer, _ := json.Marshal(map[string]any{"explanation": "dir", "name": "dir", "assembly": string(src),
		"hooks": []map[string]string{{"slot": "cmd_head", "handler": "dir_entry"}}, "requires": []string{"command_parser"},
		"scenario": "wait \"{prompt}\"\ntype \"dir\\n\"\nexpect \"README.TXT\"\nexpect-not \"No volume\"\n", "infeasible": ""})
	srv := llmtest.New(t, llmtest.Options{Models: []string{"m"}, Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if strings.HasPrefix(r.Messages[0].Content, "You plan work") {
			return llmtest.Reply{Content: string(plan)}
		}
		return llmtest.Reply{Content: string(answer)}
	}})
	res, err := Run(context.Background(), Options{Goals: gs, Models: models(srv.URL, "m"), Samples: 1, MaxAttempts: 1, TempDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if c := cell(t, res, "m", "17-dir"); c.C != 1 {
		t.Errorf("dir: %+v; runs %+v", c, res.Runs)
	}
}
