package loop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// workspace copies the shipped pxOS v1.0 (commands, API page, scenarios) to
// a temporary directory, optionally with features preinstalled.
func workspace(t testing.TB, preinstall ...string) *gen.Workspace {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pxos-v1.0")
	err := fs.WalkDir(pxosv1.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, pxosv1.FeatureDir+"/") {
			return err
		}
		b, err := fs.ReadFile(pxosv1.FS, p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	ws, err := gen.OpenWorkspace(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(preinstall) > 0 {
		base, err := ws.Base()
		if err != nil {
			t.Fatal(err)
		}
		all, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
		if err != nil {
			t.Fatal(err)
		}
		specs, err := feature.WithRequires(all, preinstall...)
		if err != nil {
			t.Fatal(err)
		}
		next, _, err := base.InstallAll(specs)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ws.Commands, next.Src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

func network(t testing.TB) *pixnet.Store {
	t.Helper()
	s, err := gen.OpenNetwork(filepath.Join(t.TempDir(), "net.png"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// From a clean copy with no LLM server, the loop reaches the four default
// goals through the offline provider, proves each with its scenario, writes
// both reports, and a second run changes nothing.
func TestOfflineDefaultGoals(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	out := t.TempDir()
	o := Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net},
		Report: filepath.Join(out, "build_report.json"), Image: filepath.Join(out, "pxos.img")}
	before := readFile(t, ws.Commands)
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if len(rep.Goals) != 4 {
		t.Fatalf("%d goals reported", len(rep.Goals))
	}
	for _, g := range rep.Goals {
		if g.Result != ResultPassed || len(g.Attempts) != 1 || g.Attempts[0].Verdict != "passed" {
			t.Errorf("goal %q: %s, attempts %+v", g.Goal, g.Result, g.Attempts)
		}
		// The verdict comes from scenarios that ran: the acceptance one first.
		sc := g.Attempts[0].Scenarios
		if len(sc) < 7 || !strings.HasPrefix(sc[0].Scenario, "acceptance: ") || !sc[0].Passed {
			t.Errorf("goal %q: scenarios %+v", g.Goal, sc)
		}
	}
	after := readFile(t, ws.Commands)
	if bytes.Equal(before, after) || !rep.Changed {
		t.Fatal("the commands file did not change")
	}
	base, err := feature.NewBase(ws.Commands, after)
	if err != nil {
		t.Fatalf("the committed commands file does not build: %v", err)
	}
	if got := strings.Join(base.Installed(), ","); got != "backspace,command_parser,help,clear" {
		t.Errorf("installed = %s", got)
	}
	if img := readFile(t, o.Image); !bytes.Equal(img, base.Image.Floppy) {
		t.Error("the written image is not the committed build")
	}
	for _, name := range []string{"backspace", "command_parser", "help", "clear"} {
		if _, err := os.Stat(filepath.Join(ws.Dir, "scenarios", "feature_"+name+".txt")); err != nil {
			t.Errorf("scenario of %s not kept: %v", name, err)
		}
	}
	checkReports(t, o.Report)

	// A second run finds every goal present and changes nothing.
	rep2, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	for _, g := range rep2.Goals {
		if g.Result != ResultPresent || len(g.Attempts) != 0 {
			t.Errorf("second run: goal %q: %s", g.Goal, g.Result)
		}
	}
	if !bytes.Equal(after, readFile(t, ws.Commands)) || rep2.Changed {
		t.Error("the second run changed the commands file")
	}
}

// checkReports: the JSON report parses, and every image the HTML report
// references exists and is a PNG.
func checkReports(t *testing.T, jsonPath string) {
	t.Helper()
	var rep Report
	if err := json.Unmarshal(readFile(t, jsonPath), &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	html := string(readFile(t, rep.HTML))
	srcs := regexp.MustCompile(`<img src="([^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(srcs) < 3*len(rep.Goals) {
		t.Errorf("the HTML report references %d images, want before/after/byte map for each of %d steps", len(srcs), len(rep.Goals))
	}
	for _, m := range srcs {
		b := readFile(t, filepath.Join(filepath.Dir(rep.HTML), m[1]))
		if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s is not a PNG", m[1])
		}
	}
	for _, g := range rep.Goals {
		if !strings.Contains(html, g.Goal) && !strings.Contains(html, strings.ReplaceAll(g.Goal, "'", "&#39;")) {
			t.Errorf("the HTML report does not name goal %q", g.Goal)
		}
	}
}

// A goal the offline provider knows nothing about fails honestly and leaves
// the commands file alone.
func TestOfflineUnknownGoal(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	before := readFile(t, ws.Commands)
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"Add a TCP/IP stack"}})
	if err == nil || rep.Goals[0].Result != ResultNoSolution {
		t.Fatalf("err = %v, result %s; want a no-solution failure", err, rep.Goals[0].Result)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
}

const verAsm = `ver_entry:
        dw prev_cmd_head, ver_name, ver_run, ver_help
ver_name: db "ver", 0
ver_help: db "print the version", 0
ver_msg:  db "%s", 13, 10, 0
ver_run:
        push si
        mov si, ver_msg
        call print_string
        pop si
        ret
`

func verAnswer(prints, expects string) string {
	b, _ := json.Marshal(map[string]any{
		"explanation": "a ver command",
		"assembly":    strings.Replace(verAsm, "%s", prints, 1),
		"hooks":       []map[string]string{{"slot": "cmd_head", "handler": "ver_entry"}},
		"scenario":    "wait \"pxOS>\"\ntype \"ver\\n\"\nexpect \"" + expects + "\"\n",
	})
	return string(b)
}

const verGoal = "Add a ver command"

func verPlan() string {
	b, _ := json.Marshal(map[string]any{"steps": []map[string]string{{
		"goal": verGoal, "description": "typing ver prints pxOS v1.0", "address_hint": "",
		"scenario": "wait \"pxOS>\"\ntype \"ver\\n\"\nexpect \"pxOS v1.\"\n"}}})
	return string(b)
}

// Against a scripted model: a plan, a bad answer, an answer whose scenario
// passes without the feature (the banner says "pxOS v1.1"), a pass.
func TestScriptedPlanRepairPass(t *testing.T) {
	answers := []string{verPlan(), `{"explanation": "x", "assembly": "ver_entry: movx ax, 1", "hooks": [{"slot": "cmd_head", "handler": "ver_entry"}], "scenario": "wait \"pxOS>\""}`,
		verAnswer("pxOS v1.0 (generated)", "pxOS v1."), verAnswer("pxOS v1.0 (generated)", "v1.0 (generated)")}
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: answers[min(r.N, len(answers))-1]}
	}})
	ws := workspace(t, "command_parser")
	net := network(t)
	client := llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.OpenAI{Client: client}, Client: client,
		Goals: []string{verGoal}, Report: filepath.Join(t.TempDir(), "r.json")})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	g := rep.Goals[0]
	if g.Result != ResultPassed || len(g.Attempts) != 3 || g.Attempts[0].Verdict != "invalid" || g.Attempts[1].Verdict != "rejected" || g.Attempts[2].Verdict != "passed" {
		t.Fatalf("goal: %s, attempts %+v", g.Result, g.Attempts)
	}
	if g.ModelCalls != 3 || rep.PlanCalls != 1 || len(srv.Chats()) != 4 {
		t.Errorf("model calls %d, plan calls %d, chats %d; want 3, 1, 4", g.ModelCalls, rep.PlanCalls, len(srv.Chats()))
	}
	if repair := srv.Chats()[2].Last(); !strings.Contains(repair, `unknown mnemonic "movx"`) {
		t.Errorf("the repair prompt does not quote the error:\n%s", repair)
	}
	if repair := srv.Chats()[3].Last(); !strings.Contains(repair, "your scenario also passes on the build without your feature, so it does not test it") {
		t.Errorf("the repair prompt does not say the scenario is vacuous:\n%s", repair)
	}
	// The plan's scenario (expect "pxOS v1.") passes without the feature:
	// it is set aside, not counted as evidence.
	if !strings.Contains(g.PlanNote, "already passes on the build without the feature") || len(g.Evidence) != 1 || !g.Evidence[0].FailToPass {
		t.Errorf("plan note %q, evidence %+v", g.PlanNote, g.Evidence)
	}
	for _, c := range srv.Chats() {
		if bytes.Contains(c.Body, []byte("json_object")) || !bytes.Contains(c.Body, []byte("json_schema")) {
			t.Errorf("chat %d: request does not use json_schema only", c.N)
		}
	}
	if !strings.Contains(string(readFile(t, ws.Commands)), "DEFINE ver_run ") {
		t.Error("the ver feature was not committed")
	}
	// The verified solution is in the network for next time.
	var found bool
	for _, s := range gen.Solutions(net) {
		if strings.Contains(string(s.Spec.Source), "ver_run") {
			found = true
		}
	}
	if !found {
		t.Error("no verified solution recorded")
	}

	// A second run finds the goal present (the block records it) before it
	// plans, and asks the model nothing.
	cmds := readFile(t, ws.Commands)
	chats := len(srv.Chats())
	rep2, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.OpenAI{Client: client}, Client: client,
		Goals: []string{verGoal}})
	if err != nil || rep2.Goals[0].Result != ResultPresent || rep2.Goals[0].Presence.How != "recorded" || rep2.Goals[0].Feature != "ver" {
		t.Fatalf("second run: %v, %+v", err, rep2.Goals[0])
	}
	if n := len(srv.Chats()) - chats; n != 0 {
		t.Errorf("second run sent %d chats, want none", n)
	}
	if !bytes.Equal(cmds, readFile(t, ws.Commands)) {
		t.Error("second run changed the commands file")
	}
}

// A goal that never passes its scenario stops at the attempt limit, each
// repair quoting the failed test, and leaves the commands file untouched.
func TestScriptedNeverPasses(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		if r.N == 1 {
			return llmtest.Reply{Content: verPlan()}
		}
		return llmtest.Reply{Content: verAnswer("version unknown", "pxOS version 1.0.0")}
	}})
	ws := workspace(t, "command_parser")
	before := readFile(t, ws.Commands)
	net := network(t)
	client := llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.OpenAI{Client: client}, Client: client,
		Goals: []string{verGoal}, MaxAttempts: 2})
	if err == nil {
		t.Fatal("run succeeded")
	}
	g := rep.Goals[0]
	if g.Result != ResultFailed || len(g.Attempts) != 2 {
		t.Fatalf("goal: %s, attempts %d", g.Result, len(g.Attempts))
	}
	if n := len(srv.Chats()); n != 3 {
		t.Errorf("%d chats, want 3 (plan + 2 attempts)", n)
	}
	if repair := srv.Chats()[2].Last(); !strings.Contains(repair, "failed this test") || !strings.Contains(repair, "version unknown") {
		t.Errorf("the repair prompt does not quote the failed test and screen:\n%s", repair)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
}

// Cancelling mid-step (what SIGINT does) leaves the commands file as it was
// and the network intact.
func TestCancelMidStep(t *testing.T) {
	arrived := make(chan struct{}, 10)
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		arrived <- struct{}{}
		return llmtest.Reply{Hang: true}
	}})
	ws := workspace(t, "command_parser")
	before := readFile(t, ws.Commands)
	net := network(t)
	client := llm.New(llm.Config{URL: srv.URL, Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	report := filepath.Join(t.TempDir(), "r.json")
	rep, err := Run(ctx, Options{Workspace: ws, Network: net, Provider: &gen.OpenAI{Client: client}, Client: client,
		Goals: []string{verGoal, "Add a 'date' command", "Implement command parser for basic commands"}, Report: report})
	if err == nil || !rep.Interrupted {
		t.Fatalf("err = %v, interrupted = %v", err, rep.Interrupted)
	}
	// The goal never reached is reported too, and the one found present
	// before the stop as present.
	if len(rep.Goals) != 3 || rep.Goals[0].Result != ResultInterrupted || rep.Goals[1].Result != ResultInterrupted || rep.Goals[2].Result != ResultPresent {
		t.Errorf("goals %+v", rep.Goals)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
	if _, err := net.Verify(); err != nil {
		t.Errorf("network: %v", err)
	}
	if _, err := os.Stat(report); err != nil {
		t.Errorf("no report after an interrupted run: %v", err)
	}
}

// Stopped while the regression suite of the analysis runs, the run is
// interrupted — not a build that fails its suite — and every goal says so;
// the network keeps the run's figures.
func TestCancelDuringAnalyze(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{verGoal, echoGoal}})
	if !errors.Is(err, context.Canceled) || !rep.Interrupted || strings.Contains(fmt.Sprint(err), "fails its regression suite") {
		t.Fatalf("err = %v, interrupted = %v", err, rep.Interrupted)
	}
	if len(rep.Goals) != 2 || rep.Goals[0].Result != ResultInterrupted || rep.Goals[1].Result != ResultInterrupted || rep.RegressionBefore != "not run (interrupted)" {
		t.Errorf("regression %q, goals %+v", rep.RegressionBefore, rep.Goals)
	}
	if runs := Runs(net); len(runs) != 1 || !runs[0].Interrupted || runs[0].Goals != 2 {
		t.Errorf("recorded runs %+v", runs)
	}
}

// cancelOn is a log that cancels a run when a line starting with prefix is
// written.
type cancelOn struct {
	prefix string
	cancel context.CancelFunc
}

func (c cancelOn) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), c.prefix) {
		c.cancel()
	}
	return len(p), nil
}

// Stopped while the final regression suite runs (after the last commit),
// the run is interrupted; the suite's cut runs are not a regression.
func TestCancelDuringFinalSuite(t *testing.T) {
	ws := workspace(t)
	net := network(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep, err := Run(ctx, Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"Add backspace support to shell"},
		Log: cancelOn{"final: ", cancel}})
	if !errors.Is(err, context.Canceled) || !rep.Interrupted || rep.RegressionAfter != "not run (interrupted)" || strings.Contains(fmt.Sprint(err), "regression") {
		t.Fatalf("err = %v, interrupted = %v, regression after %q", err, rep.Interrupted, rep.RegressionAfter)
	}
	if rep.Goals[0].Result != ResultPassed || !rep.Changed {
		t.Errorf("goal %s, changed %v", rep.Goals[0].Result, rep.Changed)
	}
}

// Offline, a goal nothing proven meets is no-solution without using up
// --max-iterations: the eleventh is no-solution too, not "stopped".
func TestNoSolutionIsNoIteration(t *testing.T) {
	net := network(t)
	var goals []string
	for i := range 11 {
		goals = append(goals, fmt.Sprintf("Add a 'zz%d' command that prints %d", i, i))
	}
	rep, _ := Run(context.Background(), Options{Workspace: workspace(t), Network: net, Provider: &gen.KB{Network: net}, Goals: goals})
	for _, g := range rep.Goals {
		if g.Result != ResultNoSolution {
			t.Errorf("%q: %s: %s", g.Goal, g.Result, g.Note)
		}
	}
}

// Goals that say nothing (control characters only), too long, or not
// UTF-8 are refused before anything runs.
func TestBadGoalsRefused(t *testing.T) {
	net := network(t)
	for _, goals := range [][]string{{"\x01\x02"}, {strings.Repeat("x", 1001)}, {"Add a \xff command"}} {
		rep, err := Run(context.Background(), Options{Workspace: workspace(t), Network: net, Provider: &gen.KB{Network: net}, Goals: goals})
		if err == nil || rep != nil {
			t.Errorf("%.20q: err %v", goals[0], err)
		}
	}
}

// Issue 15, item 7: the run's error names each goal not met with its
// reason, so the terminal says why (a full disk at commit, say), not only
// which.
func TestFailedGoalsSayWhy(t *testing.T) {
	net := network(t)
	_, err := Run(context.Background(), Options{Workspace: workspace(t), Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"Add a 'zz' command"}})
	if err == nil || !strings.Contains(err.Error(), "Add a 'zz' command (no-solution: no verified solution matches") {
		t.Errorf("err = %v", err)
	}
}
