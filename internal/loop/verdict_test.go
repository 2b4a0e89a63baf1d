package loop

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// The cases of issue 12, each driven by a scripted OpenAI-compatible server
// on 127.0.0.1 and each checked on the final image: boot it, type, look.

// answerJSON is a model's answer in the pxos_feature schema.
func answerJSON(a map[string]any) string {
	for k, v := range map[string]any{"explanation": "", "name": "", "requires": []string{}, "infeasible": ""} {
		if _, ok := a[k]; !ok {
			a[k] = v
		}
	}
	if slot, ok := a["slot"].(string); ok {
		a["hooks"] = []map[string]string{{"slot": slot, "handler": a["handler"].(string)}}
		delete(a, "slot")
		delete(a, "handler")
	}
	b, _ := json.Marshal(a)
	return string(b)
}

// command is the assembly of a command entry: word runs body (a handler
// that may use the label prefix p).
func command(p, word, body string) string {
	return strings.NewReplacer("P_", p+"_", "WORD", word).Replace(`P_entry: dw prev_cmd_head, P_name, P_run, P_help
P_name: db "WORD", 0
P_help: db "the WORD command", 0
P_run:
`) + strings.ReplaceAll(body, "P_", p+"_")
}

// prints is a handler body that prints text and a new line.
func prints(text string) string {
	return "        mov si, P_text\n        call print_string\n        jmp newline\nP_text: db \"" + text + "\", 0\n"
}

func sc(lines ...string) string {
	return "wait \"pxOS>\"\n" + strings.Join(lines, "\n") + "\n"
}

func planJSON(steps ...map[string]string) string {
	for _, s := range steps {
		for _, k := range []string{"goal", "description", "address_hint", "scenario"} {
			if _, ok := s[k]; !ok {
				s[k] = ""
			}
		}
	}
	b, _ := json.Marshal(map[string]any{"steps": steps})
	return string(b)
}

// router answers plan requests with plan and feature requests with the
// first answer whose key the request's feature text contains; each key's
// answers are given in turn, the last one repeated.
type router struct {
	plan    string
	answers []routed
	used    map[string]int
}

type routed struct {
	key     string
	answers []string
}

func (rt *router) reply(r llmtest.ChatRequest) llmtest.Reply {
	if len(r.Messages) > 0 && strings.HasPrefix(r.Messages[0].Content, "You plan work") {
		return llmtest.Reply{Content: rt.plan}
	}
	q := r.Last()
	if i := strings.Index(q, "Feature to add: "); i >= 0 {
		q = q[i:]
		if j := strings.Index(q, "\n"); j >= 0 {
			q = q[:j]
		}
	}
	for _, a := range rt.answers {
		if strings.Contains(q, a.key) {
			n := rt.used[a.key]
			rt.used[a.key]++
			return llmtest.Reply{Content: a.answers[min(n, len(a.answers)-1)]}
		}
	}
	return llmtest.Reply{Content: "router: no answer for " + q}
}

func serve(t *testing.T, plan string, answers ...routed) (*llmtest.Server, *router) {
	rt := &router{plan: plan, answers: answers, used: map[string]int{}}
	return llmtest.New(t, llmtest.Options{Reply: rt.reply}), rt
}

func openaiOptions(t *testing.T, srv *llmtest.Server, ws *gen.Workspace, net *pixnet.Store, goals ...string) Options {
	client := llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})
	return Options{Workspace: ws, Network: net, Provider: &gen.OpenAI{Client: client}, Client: client, Goals: goals,
		Report: filepath.Join(t.TempDir(), "r.json")}
}

// tryOnce runs one goal, once, against a model that plans it as one step
// and answers every feature request with answer, on a workspace with the
// named features installed. A run that fails must leave the commands file
// as it was.
func tryOnce(t *testing.T, goal, answer string, preinstall ...string) (*Report, *gen.Workspace, error) {
	t.Helper()
	return tryOnceWith(t, goal, answer, nil, preinstall...)
}

// tryOnceWith is tryOnce with the options changed by opt (when not nil).
func tryOnceWith(t *testing.T, goal, answer string, opt func(*Options), preinstall ...string) (*Report, *gen.Workspace, error) {
	t.Helper()
	srv, _ := serve(t, planJSON(map[string]string{"goal": goal}), routed{"", []string{answer}})
	ws := workspace(t, preinstall...)
	before := readFile(t, ws.Commands)
	o := openaiOptions(t, srv, ws, network(t), goal)
	o.MaxAttempts = 1
	if opt != nil {
		opt(&o)
	}
	rep, err := Run(context.Background(), o)
	if err != nil && !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("a run that failed changed the commands file")
	}
	return rep, ws, err
}

// onImage builds the workspace's commands file and runs the scenario on it,
// as a person typing at the booted image would.
func onImage(t *testing.T, ws *gen.Workspace, src string) *scenario.Result {
	t.Helper()
	b, err := ws.Base()
	if err != nil {
		t.Fatal(err)
	}
	return runImage(t, b.Image.Floppy, src)
}

func runImage(t *testing.T, img []byte, src string) *scenario.Result {
	t.Helper()
	s, err := scenario.Parse("check.scenario", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := backend.Open(ctx, "emu", img, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return s.Run(ctx, m)
}

func mustPass(t *testing.T, what string, r *scenario.Result) {
	t.Helper()
	if !r.Passed {
		var b strings.Builder
		r.WriteReport(&b, false)
		t.Errorf("%s: the image does not do it:\n%s", what, b.String())
	}
}

// solutionsFor lists the names of the network's verified solutions for goal.
func solutionsFor(net *pixnet.Store, goal string) []string {
	var out []string
	for _, s := range gen.Solutions(net) {
		if feature.SameGoal(s.Spec.Goal, goal) {
			out = append(out, s.Spec.Name)
		}
	}
	return out
}

const timeGoal = "Add a 'time' command that prints the current time from the BIOS clock"

// timeBody prints "Time: HH:MM:SS" from int 1Ah AH=02h (RTC time, BCD in
// CH, CL, DH; the emulator's clock is a fixed 12:00:00).
const timeBody = `        mov si, P_label
        call print_string
        mov ah, 0x02
        int 0x1a
        mov al, ch
        call P_bcd
        mov al, ':'
        call print_char
        mov al, cl
        call P_bcd
        mov al, ':'
        call print_char
        mov al, dh
        call P_bcd
        jmp newline
P_bcd:  push ax
        shr al, 4
        add al, '0'
        call print_char
        pop ax
        and al, 0x0f
        add al, '0'
        jmp print_char
P_label: db "Time: ", 0
`

// Case 1: a command whose handler is a bare ret, with the scenario
// `wait "pxOS>"` in its answer and in the plan, is rejected: the scenario
// passes on the build without the feature. The same answer again stops the
// step. Nothing is committed or learned, and typing time at the image says
// Unknown command.
func TestVacuousFeatureRejected(t *testing.T) {
	vacuous := answerJSON(map[string]any{"explanation": "a time command", "assembly": command("tm", "time", "        ret\n"),
		"slot": "cmd_head", "handler": "tm_entry", "scenario": sc()})
	srv, _ := serve(t, planJSON(map[string]string{"goal": timeGoal, "description": "time prints the time", "scenario": sc()}),
		routed{"time", []string{vacuous}})
	ws := workspace(t, "command_parser")
	net := network(t)
	before := readFile(t, ws.Commands)
	o := openaiOptions(t, srv, ws, net, timeGoal)
	rep, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	g := rep.Goals[0]
	if g.Result != ResultFailed || len(g.Attempts) != 2 || g.Attempts[0].Verdict != "rejected" || g.Attempts[1].Verdict != "repeated" {
		t.Fatalf("goal %s (%s), attempts %+v", g.Result, g.Note, g.Attempts)
	}
	if !strings.Contains(g.Attempts[0].Error, "also passes on the build without your feature") ||
		!strings.Contains(g.Note, "the model repeated the answer of attempt 1, which was rejected: your scenario also passes on the build without your feature") {
		t.Errorf("attempt error %q, note %q", g.Attempts[0].Error, g.Note)
	}
	if len(srv.Chats()) != 3 {
		t.Errorf("%d chats, want 3: the plan and two answers (the second repeats the first)", len(srv.Chats()))
	}
	if !strings.Contains(g.PlanNote, "already passes") {
		t.Errorf("plan note %q", g.PlanNote)
	}
	if len(g.Evidence) != 1 || g.Evidence[0].FailToPass || !strings.Contains(g.Evidence[0].Why, "without the feature") {
		t.Errorf("evidence %+v", g.Evidence)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) || rep.Changed {
		t.Error("the commands file changed")
	}
	if s := solutionsFor(net, timeGoal); len(s) != 0 {
		t.Errorf("learned %v", s)
	}
	for _, r := range net.Records() {
		if r.Kind == pixnet.KindSolution && strings.Contains(r.Body, "tm_entry") {
			t.Errorf("the vacuous answer is in the network as a solution: %s", r.Title)
		}
	}
	if _, err := os.Stat(filepath.Join(ws.Dir, "scenarios", "feature_time.txt")); err == nil {
		t.Error("its scenario was kept")
	}
	mustPass(t, "time is unknown", onImage(t, ws, sc(`type "time\n"`, `expect "Unknown command: time"`)))
}

// A scenario that passes when the command exists but does nothing (no
// "Unknown command", a prompt on the next row) is rejected too, with a
// repair that says so; the answer that prints the time passes, and the image
// prints it.
func TestStubCatchesDoNothing(t *testing.T) {
	do := func(body, scen string) string {
		return answerJSON(map[string]any{"assembly": command("tm", "time", body), "slot": "cmd_head", "handler": "tm_entry", "scenario": scen})
	}
	srv, _ := serve(t, planJSON(map[string]string{"goal": timeGoal, "description": "time prints the time"}),
		routed{"time", []string{
			do("        ret\n", sc(`type "time\n"`, `expect-not "Unknown command"`)),
			do("        ret\n", sc(`type "time\n"`, `expect-row 2 "pxOS>"`, `cursor 2 6`)),
			do(timeBody, sc(`type "time\n"`, `expect-row 2 "Time: "`)),
		}})
	ws := workspace(t, "command_parser")
	net := network(t)
	rep, err := Run(context.Background(), openaiOptions(t, srv, ws, net, timeGoal))
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Goals[0]
	if g.Result != ResultPassed || g.Feature != "time" || len(g.Attempts) != 3 {
		t.Fatalf("goal %s %s, attempts %+v", g.Result, g.Feature, g.Attempts)
	}
	for i := 0; i < 2; i++ {
		if a := g.Attempts[i]; a.Verdict != "rejected" || !strings.Contains(a.Error, `the command "time" exists but prints nothing`) {
			t.Errorf("attempt %d: %s: %s", a.N, a.Verdict, a.Error)
		}
	}
	if repair := srv.Chats()[3].Last(); !strings.Contains(repair, "so it does not show what your feature does") {
		t.Errorf("the repair prompt:\n%s", repair)
	}
	p := g.Evidence[0]
	if !p.FailToPass || len(p.Without) != 1 || p.Without[0].Passed || len(p.StandIns) != 1 || p.StandIns[0].Build != "stub" ||
		p.StandIns[0].Passed || !p.With[0].Passed || len(p.Notes) != 1 {
		t.Errorf("evidence %+v", p)
	}
	if s := solutionsFor(net, timeGoal); strings.Join(s, ",") != "time" {
		t.Errorf("learned %v, want the time feature", s)
	}
	mustPass(t, "time prints the time", onImage(t, ws, sc(`type "time\n"`, `expect-row 2 "Time: 12:00:00"`)))
}

const echoGoal = "Add an 'echo' command that prints its arguments"

// echoAnswer prints its arguments (SI) on a line of their own.
var echoAnswer = answerJSON(map[string]any{"explanation": "echo prints SI",
	"assembly": command("ec", "echo", "        call print_string\n        jmp newline\n"),
	"slot":     "cmd_head", "handler": "ec_entry", "scenario": sc(`type "echo hi there\n"`, `expect-row 2 "hi there"`)})

// Case 2: after the four default features, "Add an 'echo' command" is not
// present because a parser is: the model is asked, the command is built,
// and echo works on the image. The report shows the fail-to-pass evidence.
func TestEchoAfterDefaults(t *testing.T) {
	srv, _ := serve(t, planJSON(map[string]string{"goal": echoGoal, "description": "echo WORDS prints WORDS",
		"scenario": sc(`type "echo one two\n"`, `expect-row 2 "one two"`)}), routed{"echo", []string{echoAnswer}})
	ws := workspace(t, "backspace", "command_parser", "help", "clear")
	net := network(t)
	o := openaiOptions(t, srv, ws, net, echoGoal)
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	g := rep.Goals[0]
	if g.Result != ResultPassed || g.Feature != "echo" || g.ModelCalls != 1 || len(srv.Chats()) != 2 {
		t.Fatalf("goal %s %s (%s), model calls %d, chats %d", g.Result, g.Feature, g.Note, g.ModelCalls, len(srv.Chats()))
	}
	if len(g.Evidence) != 2 || !g.Evidence[0].FailToPass || !g.Evidence[1].FailToPass || g.Evidence[1].Origin != "plan" {
		t.Errorf("evidence %+v", g.Evidence)
	}
	mustPass(t, "echo", onImage(t, ws, sc(`type "echo hello world\n"`, `expect-row 2 "hello world"`, `expect-not "Unknown"`, `type "help\n"`, `expect "echo - the echo command"`)))

	// The report shows the evidence: the scenario's lines, each build's run,
	// the screen rows that changed.
	var back Report
	if err := json.Unmarshal(readFile(t, o.Report), &back); err != nil {
		t.Fatal(err)
	}
	p := back.Goals[0].Evidence[0]
	if p.Lines[1] != `type "echo hi there\n"` || p.Without[0].Build != "without" || p.Without[0].Line != 3 || !strings.Contains(strings.Join(p.Diff, "\n"), "2+|hi there") {
		t.Errorf("JSON evidence %+v", p)
	}
	html := string(readFile(t, back.HTML))
	for _, want := range []string{"fail-to-pass</span>", "without (emu): FAIL at line 3: expect-row 2 &#34;hi there&#34;", "with (emu): PASS", "stub (emu): FAIL", "echo prints SI"} {
		if !strings.Contains(html, want) {
			t.Errorf("the HTML report lacks %q", want)
		}
	}
}

// Case 3: two goals whose first 24 characters are the same are two
// features, named by their command words; two answers that both call
// themselves "greet" get greet and greet_2.
func TestSamePrefixGoals(t *testing.T) {
	hello, bye := "Add a shell command that prints 'hello'", "Add a shell command that prints 'goodbye'"
	for _, named := range []bool{false, true} {
		name := ""
		if named {
			name = "greet"
		}
		srv, _ := serve(t, planJSON(map[string]string{"goal": hello}, map[string]string{"goal": bye}),
			routed{"goodbye", []string{answerJSON(map[string]any{"name": name, "assembly": command("gb", "goodbye", prints("Goodbye!")), "slot": "cmd_head", "handler": "gb_entry", "scenario": sc(`type "goodbye\n"`, `expect "Goodbye!"`)})}},
			routed{"hello", []string{answerJSON(map[string]any{"name": name, "assembly": command("hl", "hello", prints("Hello!")), "slot": "cmd_head", "handler": "hl_entry", "scenario": sc(`type "hello\n"`, `expect "Hello!"`)})}})
		ws := workspace(t, "command_parser")
		rep, err := Run(context.Background(), openaiOptions(t, srv, ws, network(t), hello, bye))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"hello", "goodbye"}
		if named {
			want = []string{"greet", "greet_2"}
		}
		for i, g := range rep.Goals {
			if g.Result != ResultPassed || g.Feature != want[i] {
				t.Errorf("named=%v: goal %q: %s %s (%s)", named, g.Goal, g.Result, g.Feature, g.Note)
			}
		}
		mustPass(t, "hello and goodbye", onImage(t, ws, sc(`type "hello\n"`, `expect "Hello!"`, `type "goodbye\n"`, `expect "Goodbye!"`)))
	}
}

const verGoal2 = "Add a 'ver' command that prints the version"

// Case 4: a plan that puts a command parser step under the goal "Add a 'ver'
// command": the parser gets its own name and records its own description;
// only the ver block records the goal, and ver works.
func TestPreparatoryStep(t *testing.T) {
	parserSrc, err := os.ReadFile(filepath.Join("..", "..", "pxos-v1.0", pxosv1.FeatureDir, "command_parser", "feature.asm"))
	if err != nil {
		t.Fatal(err)
	}
	plan := planJSON(
		map[string]string{"goal": verGoal2, "description": "a command parser: look the first word up in the cmd_head list; unknown words print Unknown command: WORD",
			"scenario": sc(`type "foo\n"`, `expect "Unknown command: foo"`)},
		map[string]string{"goal": verGoal2, "description": "ver prints pxOS v1.0 (generated)"})
	srv, _ := serve(t, plan,
		routed{"command parser", []string{answerJSON(map[string]any{"name": "parser", "assembly": string(parserSrc), "slot": "hook_line", "handler": "parser_line",
			"scenario": sc(`type "xyzzy\n"`, `expect "Unknown command: xyzzy"`)})}},
		routed{"ver prints", []string{answerJSON(map[string]any{"assembly": command("vr", "ver", prints("pxOS v1.0 (generated)")), "slot": "cmd_head", "handler": "vr_entry",
			"scenario": sc(`type "ver\n"`, `expect "(generated)"`)})}})
	ws := workspace(t)
	net := network(t)
	o := openaiOptions(t, srv, ws, net, verGoal2)
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Goals) != 2 || rep.Goals[0].Role != RolePrepares || rep.Goals[0].Feature != "parser" || rep.Goals[0].Result != ResultPassed ||
		rep.Goals[1].Role != RoleGoal || rep.Goals[1].Feature != "ver" || rep.Goals[1].Result != ResultPassed {
		for _, g := range rep.Goals {
			t.Logf("%s %q %s %s: %s", g.Role, g.Goal, g.Feature, g.Result, g.Note)
		}
		t.Fatal("want the parser step, then the ver goal, both passed")
	}
	if !strings.HasPrefix(rep.Summary(), "1 goal: 1 passed;") {
		t.Errorf("summary %q", rep.Summary())
	}
	base, err := ws.Base()
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := base.Recorded(verGoal2); !ok || b.Name != "ver" {
		t.Errorf("the goal is recorded by %+v, want ver", b)
	}
	if base.Present("command_parser") {
		t.Error("the shipped parser was installed on top of the model's")
	}
	mustPass(t, "ver", onImage(t, ws, sc(`type "ver\n"`, `expect "pxOS v1.0 (generated)"`, `type "foo\n"`, `expect "Unknown command: foo"`)))

	// Again: the goal is present, recorded by the ver block; nothing asked.
	chats := len(srv.Chats())
	rep2, err := Run(context.Background(), openaiOptions(t, srv, ws, net, verGoal2))
	if err != nil || rep2.Goals[0].Result != ResultPresent || rep2.Goals[0].Feature != "ver" || len(srv.Chats()) != chats {
		t.Fatalf("second run: %v, %+v, %d new chats", err, rep2.Goals[0], len(srv.Chats())-chats)
	}
}

// A preparatory step that fails ends its goal, which is not met: the goal
// row says which step failed, and the goal's own step never runs.
func TestPreparatoryStepFails(t *testing.T) {
	plan := planJSON(
		map[string]string{"goal": verGoal2, "description": "a command parser"},
		map[string]string{"goal": verGoal2, "description": "ver prints the version"})
	srv, _ := serve(t, plan, routed{"command parser", []string{answerJSON(map[string]any{"assembly": "p_line: movx ax, 1", "slot": "hook_line", "handler": "p_line", "scenario": sc()})}})
	ws := workspace(t)
	o := openaiOptions(t, srv, ws, network(t), verGoal2)
	o.MaxAttempts = 2
	rep, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	if len(rep.Goals) != 2 || rep.Goals[0].Role != RolePrepares || rep.Goals[0].Result != ResultFailed ||
		rep.Goals[1].Role != RoleGoal || rep.Goals[1].Result != ResultFailed || !strings.Contains(rep.Goals[1].Note, `its preparatory step "a command parser" ended failed`) {
		for _, g := range rep.Goals {
			t.Logf("%s %q %s: %s", g.Role, g.Goal, g.Result, g.Note)
		}
		t.Fatal("want the failed step and the failed goal")
	}
	if rep.Summary() != "1 goal: 1 failed; "+ws.Commands+" unchanged." {
		t.Errorf("summary %q", rep.Summary())
	}
}

// Case 6: a command learned with a model is replayed offline on a fresh
// base: its prerequisite, the parser, is installed first, then the command,
// each proven; echo works on the image.
func TestLearnedReplayedOffline(t *testing.T) {
	srv, _ := serve(t, planJSON(map[string]string{"goal": echoGoal}), routed{"echo", []string{echoAnswer}})
	net := network(t)
	if _, err := Run(context.Background(), openaiOptions(t, srv, workspace(t, "command_parser"), net, echoGoal)); err != nil {
		t.Fatal(err)
	}
	ws := workspace(t)
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{echoGoal}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Goals) != 2 || rep.Goals[0].Role != RolePrerequisite || rep.Goals[0].Feature != "command_parser" || rep.Goals[0].For != "echo" ||
		rep.Goals[1].Feature != "echo" || rep.Goals[1].Result != ResultPassed || rep.Goals[0].EvidenceText() != "fail-to-pass 1/1" {
		for _, g := range rep.Goals {
			t.Logf("%s %q %s %s: %s", g.Role, g.Goal, g.Feature, g.Result, g.Note)
		}
		t.Fatal("want the parser as a prerequisite, then echo")
	}
	if !strings.Contains(rep.Summary(), "1 goal: 1 passed; 1 prerequisite installed") {
		t.Errorf("summary %q", rep.Summary())
	}
	mustPass(t, "echo offline", onImage(t, ws, sc(`type "echo again\n"`, `expect-row 2 "again"`)))
}

const bufferGoal = "Make the line buffer hold 128 characters"

// Case 7: a model that says the goal cannot be done within the pxOS API
// gets the result infeasible, with its reason in the table, the JSON and
// the HTML report; nothing is committed.
func TestInfeasible(t *testing.T) {
	reason := "line_buf is 65 bytes inside the base system; a 128-character buffer needs a change to the base"
	srv, _ := serve(t, planJSON(map[string]string{"goal": bufferGoal}),
		routed{"128", []string{answerJSON(map[string]any{"explanation": "the buffer belongs to the base\x1b[2J\r\u009b", "infeasible": reason, "assembly": "", "hooks": []any{}, "scenario": ""})}})
	ws := workspace(t)
	before := readFile(t, ws.Commands)
	o := openaiOptions(t, srv, ws, network(t), bufferGoal)
	rep, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("the run succeeded")
	}
	g := rep.Goals[0]
	if g.Result != ResultInfeasible || g.Note != reason || len(g.Attempts) != 1 || !strings.HasPrefix(g.Attempts[0].Explanation, "the buffer belongs to the base") {
		t.Fatalf("goal %s: %q, attempts %+v", g.Result, g.Note, g.Attempts)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "infeasible") || !strings.Contains(table.String(), "line_buf is 65 bytes inside the base system") {
		t.Errorf("table:\n%s", table.String())
	}
	if js := string(readFile(t, o.Report)); !strings.Contains(js, `"result": "infeasible"`) || !strings.Contains(js, reason) {
		t.Error("the JSON report lacks the result or the reason")
	}
	if html := string(readFile(t, rep.HTML)); !strings.Contains(html, "line_buf is 65 bytes inside the base system") || !strings.Contains(html, "the buffer belongs to the base") {
		t.Error("the HTML report lacks the reason or the explanation")
	} else if strings.ContainsAny(html, "\x1b\r\u009b") {
		t.Error("the HTML report holds the model's control characters raw")
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
}

// longKey echoes printable keys past the 64th character: it contradicts
// the base's longline scenario (keys past the limit are ignored).
func longKey(comment string) string {
	return answerJSON(map[string]any{"explanation": "echo keys past 64 (" + comment + ")",
		"assembly": `lb_key:
        cmp word [line_len], 64 ; ` + comment + `
        jb .pass
        cmp al, 0x20
        jb .pass
        cmp al, 0x7e
        ja .pass
        call print_char
        stc
        ret
.pass:  jmp prev_hook_key
`, "slot": "hook_key", "handler": "lb_key",
		"scenario": sc(`type "0123456789012345678901234567890123456789012345678901234567890123ABCD"`, `expect "0123ABCD"`)})
}

// Case 8: every attempt breaks the same existing regression scenario
// (longline: 64 characters at most): the result is conflicts, naming it;
// the repair prompt says it is an existing test that must keep passing and
// shows it. The same ending comes when the model repeats itself.
func TestConflicts(t *testing.T) {
	for _, answers := range [][]string{{longKey("a"), longKey("b"), longKey("c")}, {longKey("a")}} {
		srv, _ := serve(t, planJSON(map[string]string{"goal": bufferGoal}), routed{"128", answers})
		ws := workspace(t)
		before := readFile(t, ws.Commands)
		rep, err := Run(context.Background(), openaiOptions(t, srv, ws, network(t), bufferGoal))
		if err == nil {
			t.Fatal("the run succeeded")
		}
		g := rep.Goals[0]
		if g.Result != ResultConflicts || strings.Join(g.Conflicts, ",") != "longline" || !strings.Contains(g.Note, "longline") {
			for _, a := range g.Attempts {
				t.Logf("attempt %d %s %s: %.300s", a.N, a.Phase, a.Verdict, a.Error)
			}
			t.Fatalf("%d answers: goal %s %v: %s", len(answers), g.Result, g.Conflicts, g.Note)
		}
		repair := srv.Chats()[2].Last()
		for _, want := range []string{"longline is an existing regression test of pxOS: it must keep passing", `expect-not "Z@#Z"`, "infeasible"} {
			if !strings.Contains(repair, want) {
				t.Errorf("the repair prompt lacks %q:\n%s", want, repair)
			}
		}
		// What failed comes before the tests' texts, which a small
		// context cuts first.
		if f, l := strings.Index(repair, "pxOS failed this test"), strings.Index(repair, `expect-not "Z@#Z"`); f < 0 || f > l {
			t.Errorf("the failure (at %d) does not come before the listing (at %d):\n%s", f, l, repair)
		}
		if !bytes.Equal(before, readFile(t, ws.Commands)) {
			t.Error("the commands file changed")
		}
	}
}

// Tokens: a streaming server that reports no usage gets pxos's estimate,
// marked "~" in the table; one that reports usage gets its figures.
func TestTokensEstimated(t *testing.T) {
	for _, noUsage := range []bool{true, false} {
		rt := &router{plan: planJSON(map[string]string{"goal": echoGoal}), answers: []routed{{"echo", []string{echoAnswer}}}, used: map[string]int{}}
		srv := llmtest.New(t, llmtest.Options{Reply: rt.reply, NoUsage: noUsage})
		o := openaiOptions(t, srv, workspace(t, "command_parser"), network(t), echoGoal)
		o.Provider.(*gen.OpenAI).Stream = io.Discard
		rep, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		g := rep.Goals[0]
		if g.Tokens <= 0 || g.TokensEstimated != noUsage || rep.PlanTokens <= 0 || rep.PlanTokensEstimated != noUsage {
			t.Errorf("noUsage=%v: tokens %d estimated %v, plan %d estimated %v", noUsage, g.Tokens, g.TokensEstimated, rep.PlanTokens, rep.PlanTokensEstimated)
		}
		var table bytes.Buffer
		rep.WriteTable(&table)
		if got := strings.Contains(table.String(), " ~"); got != noUsage {
			t.Errorf("noUsage=%v: table:\n%s", noUsage, table.String())
		}
	}
}

// clockGoal names no command word, so nothing but the stand-ins stands
// between an answer and "passed".
const clockGoal = "Show the current time from the BIOS clock"

// Features that do nothing a person would see, dressed up so that a single
// stub does not catch them (issue 12, found by trying): each is rejected and
// nothing is committed; the image still says Unknown command.
func TestDoNothingInDisguise(t *testing.T) {
	long := "showthecurrenttimefromthebiosclock"
	for _, c := range []struct {
		name, answer string
		pre          []string // features installed first (besides the parser)
		word         string   // what a person types
	}{
		{"a pass-through key handler beside the command", answerJSON(map[string]any{
			"assembly": command("tm", "time", "        ret\n") + "tm_key: jmp prev_hook_key\n",
			"hooks":    []map[string]string{{"slot": "cmd_head", "handler": "tm_entry"}, {"slot": "hook_key", "handler": "tm_key"}},
			"scenario": sc(`type "time\n"`, `expect "pxOS> time"`, `expect-not "Unknown command"`)}), nil, "time"},
		{"a command word of 34 characters", answerJSON(map[string]any{
			"assembly": command("lw", long, "        ret\n"), "slot": "cmd_head", "handler": "lw_entry",
			"scenario": sc(`type "`+long+`\n"`, `expect-not "Unknown command"`)}), nil, long},
		{"a line handler that swallows only its word", answerJSON(map[string]any{
			"assembly": "tl_line:\n        cmp cx, 4\n        jne .pass\n        cmp word [si], 'ti'\n        jne .pass\n        cmp word [si+2], 'me'\n        jne .pass\n        stc\n        ret\n.pass:  jmp prev_hook_line\n",
			"slot":     "hook_line", "handler": "tl_line",
			"scenario": sc(`type "time\n"`, `expect-not "Unknown command"`, `type "foo\n"`, `expect "Unknown command: foo"`)}), nil, "time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, ws, err := tryOnce(t, clockGoal, c.answer, "command_parser")
			if err == nil || rep.Goals[0].Result != ResultFailed {
				t.Fatalf("err %v, result %s: %s", err, rep.Goals[0].Result, rep.Goals[0].Note)
			}
			if a := rep.Goals[0].Attempts[0]; a.Verdict != "rejected" {
				t.Errorf("attempt: %s: %s", a.Verdict, a.Error)
			} else {
				t.Logf("rejected: %s", firstLine(a.Error))
			}
			mustPass(t, "still unknown", onImage(t, ws, sc(`type "`+c.word+`\n"`, `expect "Unknown command: `+c.word+`"`)))
		})
	}
}

// A feature called stub, with labels stub_*, does not switch the check off
// for the features after it.
func TestStubNamedFeature(t *testing.T) {
	stubGoal := "Add a 'stub' command that prints stubbed!"
	srv, _ := serve(t, planJSON(map[string]string{"goal": stubGoal}, map[string]string{"goal": timeGoal}),
		routed{"stub", []string{answerJSON(map[string]any{"assembly": command("stub", "stub", prints("stubbed!")), "slot": "cmd_head", "handler": "stub_entry",
			"scenario": sc(`type "stub\n"`, `expect "stubbed!"`)})}},
		routed{"time", []string{answerJSON(map[string]any{"assembly": command("tm", "time", "        ret\n"), "slot": "cmd_head", "handler": "tm_entry",
			"scenario": sc(`type "time\n"`, `expect-not "Unknown command"`)})}})
	ws := workspace(t, "command_parser")
	o := openaiOptions(t, srv, ws, network(t), stubGoal, timeGoal)
	o.MaxAttempts = 1
	rep, err := Run(context.Background(), o)
	if err == nil || rep.Goals[0].Result != ResultPassed || rep.Goals[0].Feature != "stub" || rep.Goals[1].Result != ResultFailed {
		t.Fatalf("err %v; %+v", err, rep.Goals)
	}
	if a := rep.Goals[1].Attempts[0]; !strings.Contains(a.Error, `the command "time" exists but prints nothing`) {
		t.Errorf("time: %s", a.Error)
	}
}

// A preparatory step whose description is another goal's text records
// itself as a step, so that other goal is still built, not "present".
func TestPrepStepCannotMeetAnotherGoal(t *testing.T) {
	dateGoal := "Add a 'date' command that prints the date"
	plan := planJSON(
		map[string]string{"goal": verGoal2, "description": dateGoal},
		map[string]string{"goal": verGoal2, "description": "ver prints pxOS v1.0 (generated)"},
		map[string]string{"goal": dateGoal, "description": "date prints the date"})
	srv, _ := serve(t, plan,
		routed{"a step toward", []string{answerJSON(map[string]any{"assembly": command("hp", "helper", prints("helper ready")), "slot": "cmd_head", "handler": "hp_entry",
			"scenario": sc(`type "helper\n"`, `expect "helper ready"`)})}},
		routed{"ver prints", []string{answerJSON(map[string]any{"assembly": command("vr", "ver", prints("pxOS v1.0 (generated)")), "slot": "cmd_head", "handler": "vr_entry",
			"scenario": sc(`type "ver\n"`, `expect "(generated)"`)})}},
		routed{"date prints", []string{answerJSON(map[string]any{"assembly": command("dt", "date", prints("Date: 2026-11-30")), "slot": "cmd_head", "handler": "dt_entry",
			"scenario": sc(`type "date\n"`, `expect "Date: "`)})}})
	ws := workspace(t, "command_parser")
	rep, err := Run(context.Background(), openaiOptions(t, srv, ws, network(t), verGoal2, dateGoal))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range rep.Goals {
		got = append(got, g.Role+":"+g.Feature+":"+g.Result)
	}
	if strings.Join(got, " ") != "prepares:helper:passed goal:ver:passed goal:date:passed" {
		t.Errorf("rows %v", got)
	}
	mustPass(t, "date", onImage(t, ws, sc(`type "date\n"`, `expect "Date: 2026-11-30"`)))
}

// A proven scenario makes a goal present only where it sees the goal's
// feature: not where what the feature needs is missing, and not where a
// stub of the feature shadowing the build passes it too. (A record from
// elsewhere whose scenario checks only that "Unknown command" is gone
// passes on a bare build, which has no parser to report anything.)
func TestPresenceNotVacuous(t *testing.T) {
	zapGoal := "Add a 'zap' command"
	for _, requires := range [][]string{{"command_parser"}, nil} {
		net := network(t)
		spec := &feature.Spec{Name: "zap", Goal: zapGoal, Requires: requires, Hooks: map[string]string{"cmd_head": "zp_entry"},
			Source:   []byte(command("zp", "zap", "        ret\n")),
			Scenario: []byte(sc(`type "zap\n"`, `expect-not "Unknown command"`))}
		if _, err := net.Append(gen.SolutionRecord(spec, gen.Proven, gen.Provenance{Provider: "elsewhere"})); err != nil {
			t.Fatal(err)
		}
		ws := workspace(t)
		rep, _ := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{zapGoal}, MaxAttempts: 1})
		for _, g := range rep.Goals {
			if g.Role == RoleGoal && (g.Result == ResultPresent || g.Result == ResultPassed) {
				t.Errorf("requires %v: %q is %s: %s", requires, g.Goal, g.Result, g.Note)
			}
		}
	}

	// The shipped help, installed for its own goal, is present for the
	// seed's "help command" by its proven scenario, with the stub's run as
	// the evidence that the scenario sees help.
	net := network(t)
	ws := workspace(t, "command_parser", "help")
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"help command"}})
	if err != nil {
		t.Fatal(err)
	}
	p := rep.Goals[0].Presence
	if rep.Goals[0].Result != ResultPresent || p == nil || p.How != "proven-scenario" || len(p.Proof.StandIns) != 1 || p.Proof.StandIns[0].Passed {
		t.Fatalf("%+v", rep.Goals[0])
	}
}

// A feature that works but rewrites pxOS's own memory while it runs (the
// prompt, a hook slot) fails its test: the next person to type would find
// pxOS broken. The repair names the address.
func TestRuntimeBaseWrites(t *testing.T) {
	for _, c := range []struct{ name, extra, where string }{
		{"prompt", "        mov byte [prompt], 'X'\n", "(prompt)"},
		{"hook slot", "        mov word [hook_line], no_handler\n", "(hook_line)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, _, err := tryOnce(t, timeGoal, answerJSON(map[string]any{"assembly": command("tm", "time", c.extra+timeBody), "slot": "cmd_head", "handler": "tm_entry",
				"scenario": sc(`type "time\n"`, `expect-row 2 "Time: "`)}), "command_parser")
			if err == nil || rep.Goals[0].Result != ResultFailed {
				t.Fatalf("err %v, %s: %s", err, rep.Goals[0].Result, rep.Goals[0].Note)
			}
			if a := rep.Goals[0].Attempts[0]; a.Verdict != "failed" || !strings.Contains(a.Error, "pxOS's own memory had changed at 0x") || !strings.Contains(a.Error, c.where) {
				t.Errorf("attempt %s: %s", a.Verdict, a.Error)
			}
		})
	}
}

// Answers that break the regression suite because they do not work at all
// (a key handler that eats every key fails its own scenario too) end as
// failed, not as conflicts with tests that are fine.
func TestBrokenIsNotConflict(t *testing.T) {
	eat := func(tag string) string {
		return answerJSON(map[string]any{"assembly": "ek_key: ; " + tag + "\n        cmp al, 0xff\n        je .pass\n        stc\n        ret\n.pass:  jmp prev_hook_key\n", "slot": "hook_key", "handler": "ek_key",
			"scenario": sc(`type "0123456789012345678901234567890123456789012345678901234567890123ABCD"`, `expect "0123ABCD"`)})
	}
	srv, _ := serve(t, planJSON(map[string]string{"goal": bufferGoal}), routed{"128", []string{eat("a"), eat("b"), eat("c")}})
	rep, err := Run(context.Background(), openaiOptions(t, srv, workspace(t), network(t), bufferGoal))
	if err == nil || rep.Goals[0].Result != ResultFailed || len(rep.Goals[0].Conflicts) != 0 {
		t.Fatalf("err %v; %s %v: %s", err, rep.Goals[0].Result, rep.Goals[0].Conflicts, rep.Goals[0].Note)
	}
	for _, a := range rep.Goals[0].Attempts {
		if a.Phase != "test" || len(a.RegressionFailed) == 0 {
			t.Errorf("attempt %d: %s %s, broke %v", a.N, a.Phase, a.Verdict, a.RegressionFailed)
		}
	}
}

// A plan's address hint where the feature does not fit is only a hint; a
// plan's scenario that an answer fails is shown to the model in the repair.
func TestPlanHintsAreHints(t *testing.T) {
	plan := planJSON(map[string]string{"goal": timeGoal, "address_hint": "0xFFB0", "scenario": sc(`type "time\n"`, `expect "TIME IS"`)})
	srv, _ := serve(t, plan, routed{"time", []string{answerJSON(map[string]any{"assembly": command("tm", "time", timeBody), "slot": "cmd_head", "handler": "tm_entry",
		"scenario": sc(`type "time\n"`, `expect-row 2 "Time: "`)})}})
	o := openaiOptions(t, srv, workspace(t, "command_parser"), network(t), timeGoal)
	o.MaxAttempts = 2
	rep, err := Run(context.Background(), o)
	if err == nil {
		t.Fatal("passed, though the plan's scenario fails")
	}
	g := rep.Goals[0]
	if len(g.Attempts) == 0 || g.Attempts[0].Phase != "test" {
		t.Fatalf("the answer did not reach the test (the hint?): %+v", g.Attempts)
	}
	if repair := srv.Chats()[2].Last(); !strings.Contains(repair, "The plan's acceptance scenario, which your feature must pass too") || !strings.Contains(repair, `expect "TIME IS"`) {
		t.Errorf("the repair prompt:\n%s", repair)
	}
}

// A goal that names its command is met only by that command: a command
// "banana" that works is no 'time' command, and neither is a key handler
// that quietly empties the line when "time" is typed.
func TestGoalCommandWord(t *testing.T) {
	for _, answer := range []string{
		answerJSON(map[string]any{"assembly": command("bn", "banana", prints("yellow")), "slot": "cmd_head", "handler": "bn_entry",
			"scenario": sc(`type "banana\n"`, `expect-row 2 "yellow"`)}),
		answerJSON(map[string]any{"assembly": "tk_key:\n        cmp al, 13\n        jne .pass\n        cmp word [line_buf], 'ti'\n        jne .pass\n        mov word [line_len], 0\n        mov byte [line_buf], 0\n.pass:  jmp prev_hook_key\n",
			"slot": "hook_key", "handler": "tk_key", "scenario": sc(`type "time\n"`, `expect-row 2 "pxOS>"`, `expect-not "Unknown command"`)}),
	} {
		for _, goal := range []string{timeGoal, "Add a 'time' cmd", "Add the 'date' and 'time' commands"} {
			rep, _, err := tryOnce(t, goal, answer, "command_parser")
			if err == nil || rep.Goals[0].Result != ResultFailed || !strings.Contains(rep.Goals[0].Attempts[0].Error, `the goal asks for the command "`) {
				t.Errorf("%q: err %v; %s: %+v", goal, err, rep.Goals[0].Result, rep.Goals[0].Attempts)
			}
		}
	}
	// A line handler may provide the command itself, when its scenario
	// types it: "calc" adds two digits.
	goal := "Add a 'calc' command that adds two digits"
	calc := answerJSON(map[string]any{"assembly": `cl_line:
        cmp cx, 8
        jne .pass
        cmp word [si], 'ca'
        jne .pass
        cmp word [si+2], 'lc'
        jne .pass
        mov al, [si+5]
        add al, [si+7]
        sub al, '0'
        push si
        mov si, cl_eq
        call print_string
        pop si
        call print_char
        call newline
        stc
        ret
.pass:  jmp prev_hook_line
cl_eq:  db "= ", 0
`, "slot": "hook_line", "handler": "cl_line", "scenario": sc(`type "calc 1+2\n"`, `expect-row 2 "= 3"`)})
	srv, _ := serve(t, planJSON(map[string]string{"goal": goal}), routed{"calc", []string{calc}})
	ws := workspace(t, "command_parser")
	rep, err := Run(context.Background(), openaiOptions(t, srv, ws, network(t), goal))
	if err != nil || rep.Goals[0].Result != ResultPassed {
		t.Fatalf("calc: err %v; %+v", err, rep.Goals[0])
	}
	mustPass(t, "calc", onImage(t, ws, sc(`type "calc 4+5\n"`, `expect-row 2 "= 9"`)))
}

// A line handler that writes video memory directly cannot be muted, so
// its scenario cannot be shown to check what it prints: not evidence, and
// the repair says how to print instead.
func TestUnmutableRejected(t *testing.T) {
	goal := "Show an X when a line is 'x'"
	asm := "vd_line:\n        cmp word [si], 'x'\n        jne .pass\n        push es\n        mov ax, 0xB800\n        mov es, ax\n        mov word [es:560], 0x0758\n        pop es\n        stc\n        ret\n.pass:  jmp prev_hook_line\n"
	rep, _, err := tryOnce(t, goal, answerJSON(map[string]any{"assembly": asm,
		"slot": "hook_line", "handler": "vd_line", "scenario": sc(`type "x\n"`, `expect-row 3 "X"`)}), "command_parser")
	if err == nil || rep.Goals[0].Result != ResultFailed {
		t.Fatalf("err %v; %s", err, rep.Goals[0].Result)
	}
	if a := rep.Goals[0].Attempts[0]; a.Verdict != "rejected" || !strings.Contains(a.Error, "addresses video memory (0xB800) directly") {
		t.Errorf("%s: %s", a.Verdict, a.Error)
	}
}

// Damage the first check cannot see: a hooked interrupt vector, and harm
// done only when the feature is used a second time.
func TestRuntimeDamageLater(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"interrupt vector", "        mov word [0x60*4], 0x1234\n" + prints("Hello!"), "interrupt vector 0x60 had changed"},
		{"another feature's text", "        mov byte [help_name], 'X'\n" + prints("Hello!"), "the code or text of an installed feature had changed at 0x"},
		{"its own code", "        mov byte [P_run], 0xC3\n" + prints("Hello!"), "the code or text of an installed feature had changed at 0x"},
		{"second use", "        inc byte [P_count]\n        cmp byte [P_count], 2\n        jne .fine\n        mov byte [prompt], '$'\n.fine:\n" + prints("Hello!") + "P_count: db 0\n",
			"after its keys were typed a second time, pxOS's own memory had changed at 0x"},
	} {
		t.Run(c.name, func(t *testing.T) {
			goal := "Add a 'hello' command that prints Hello!"
			rep, _, err := tryOnce(t, goal, answerJSON(map[string]any{"assembly": command("hl", "hello", c.body),
				"slot": "cmd_head", "handler": "hl_entry", "scenario": sc(`type "hello\n"`, `expect-row 2 "Hello!"`)}), "command_parser", "help")
			if err == nil || rep.Goals[0].Result != ResultFailed {
				t.Fatalf("err %v, %s: %s", err, rep.Goals[0].Result, rep.Goals[0].Note)
			}
			if a := rep.Goals[0].Attempts[0]; !strings.Contains(a.Error, c.want) {
				t.Errorf("attempt %s: %s", a.Verdict, a.Error)
			}
		})
	}
}

// A goal that has proven scenarios (a wording of the shipped backspace) is
// held to them: a backspace that only looks right on the screen, leaving
// the line as it was, fails the shipped scenario, which checks the line too.
func TestGoalsProvenScenarios(t *testing.T) {
	goal := "Add backspace support to the shell"
	visual := answerJSON(map[string]any{"assembly": `vb_key:
        cmp al, 8
        jne .pass
        call print_char
        mov al, ' '
        call print_char
        mov al, 8
        call print_char
        stc
        ret
.pass:  jmp prev_hook_key
`, "slot": "hook_key", "handler": "vb_key", "scenario": sc(`type "ab"`, `key backspace`, `cursor 1 7`)})
	rep, _, err := tryOnce(t, goal, visual, "command_parser", "help", "clear")
	if err != nil || rep.Goals[0].Result != ResultPassed || rep.Goals[0].Reused == 0 || rep.Goals[0].ModelCalls != 0 {
		t.Fatalf("the shipped backspace is not reused for %q: %v; %s: %s", goal, err, rep.Goals[0].Result, rep.Goals[0].Note)
	}
	// Asked of a model (--no-reuse), the answer must pass the shipped
	// scenario.
	rep, _, err = tryOnceWith(t, goal, visual, func(o *Options) { o.NoReuse = true }, "command_parser", "help", "clear")
	if err == nil || rep.Goals[0].Result != ResultFailed {
		t.Fatalf("err %v; %s: %s", err, rep.Goals[0].Result, rep.Goals[0].Note)
	}
	a := rep.Goals[0].Attempts[0]
	if a.Phase != "test" || !strings.Contains(a.Error, "FAIL proven: backspace #") {
		t.Errorf("%s %s: %s", a.Phase, a.Verdict, a.Error)
	}
}

// A goal that fails keeps nothing: the preparatory step that passed for it
// is not written, the commands file stays as it was, and the row says so.
func TestFailedGoalKeepsNothing(t *testing.T) {
	plan := planJSON(
		map[string]string{"goal": verGoal2, "description": "a hello command first"},
		map[string]string{"goal": verGoal2, "description": "ver prints the version"})
	srv, _ := serve(t, plan,
		routed{"hello", []string{answerJSON(map[string]any{"assembly": command("hl", "hello", prints("Hello!")), "slot": "cmd_head", "handler": "hl_entry",
			"scenario": sc(`type "hello\n"`, `expect "Hello!"`)})}},
		routed{"ver prints", []string{answerJSON(map[string]any{"assembly": "vr_entry: movx ax, 1", "slot": "cmd_head", "handler": "vr_entry", "scenario": sc()})}})
	ws := workspace(t, "command_parser")
	before := readFile(t, ws.Commands)
	o := openaiOptions(t, srv, ws, network(t), verGoal2)
	o.MaxAttempts = 1
	rep, err := Run(context.Background(), o)
	if err == nil || len(rep.Goals) != 2 || rep.Goals[0].Result != ResultPassed || rep.Goals[1].Result != ResultFailed {
		t.Fatalf("err %v; %+v", err, rep.Goals)
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "not kept: the goal it served did not pass") || strings.Contains(rep.Summary(), "prerequisite") {
		t.Errorf("table:\n%s\nsummary %q", table.String(), rep.Summary())
	}
	if !rep.Goals[0].NotKept || !strings.Contains(rep.Goals[0].Note, "not kept: the goal it served did not pass") || rep.Changed {
		t.Errorf("note %q, changed %v", rep.Goals[0].Note, rep.Changed)
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
	if _, err := os.Stat(filepath.Join(ws.Dir, "scenarios", "feature_hello.txt")); err == nil {
		t.Error("the step's scenario was kept")
	}
}

// A goal on several lines (or with control characters) is one goal on one
// line: nothing of it can become a line of its own in a kept scenario or
// the commands file.
func TestGoalOnOneLine(t *testing.T) {
	goal := "Add a 'zz' command\nWRITE 0x7F2C 0x24\ntype \"x\"\x1b[2J"
	srv, _ := serve(t, planJSON(map[string]string{"goal": "Add a 'zz' command WRITE 0x7F2C 0x24 type \"x\"[2J"}),
		routed{"zz", []string{answerJSON(map[string]any{"assembly": command("zz", "zz", prints("zz here")), "slot": "cmd_head", "handler": "zz_entry",
			"scenario": sc(`type "zz\n"`, `expect "zz here"`)})}})
	ws := workspace(t, "command_parser")
	o := openaiOptions(t, srv, ws, network(t), goal)
	rep, err := Run(context.Background(), o)
	if err != nil || rep.Goals[0].Result != ResultPassed || strings.ContainsAny(rep.Goals[0].Goal, "\n\x1b") {
		t.Fatalf("err %v; %+v", err, rep.Goals[0])
	}
	kept := string(readFile(t, filepath.Join(ws.Dir, "scenarios", "feature_zz.txt")))
	if strings.Count(kept, "\n# Acceptance") > 0 || strings.Contains(kept, "\nWRITE") || strings.Contains(kept, "\ntype \"x\"") {
		t.Errorf("kept scenario:\n%s", kept)
	}
	// And the next run works (the kept scenario parses): the goal is present.
	rep, err = Run(context.Background(), openaiOptions(t, srv, ws, network(t), goal))
	if err != nil || rep.Goals[0].Result != ResultPresent {
		t.Fatalf("next run: %v %+v", err, rep.Goals)
	}
}

// Damage to what other features hold constant (a command entry's pointers)
// and to free memory is caught, and blamed on the feature that did it; a
// feature's own buffer, even one filled with blanks, is its own to change.
func TestRuntimeDamageElsewhere(t *testing.T) {
	goal := "Add a 'hello' command that prints Hello!"
	for _, c := range []struct{ name, body, want string }{
		{"unlink a command", "        mov word [clear_entry], 0\n" + prints("Hello!"), "the code or text of an installed feature had changed at 0x"},
		{"redirect a command", "        mov word [help_entry+4], clear_run\n" + prints("Hello!"), "the code or text of an installed feature had changed at 0x"},
		{"scribble on free memory", "        mov byte [P_end+40], 0xCC\n" + prints("Hello!") + "P_end:\n", "free memory, outside every feature had changed at 0x"},
		{"its own blank buffer", "        mov byte [P_buf], 'Z'\n" + prints("Hello!") + "P_buf: times 16 db ' '\n", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, _, err := tryOnce(t, goal, answerJSON(map[string]any{"assembly": command("hl", "hello", c.body),
				"slot": "cmd_head", "handler": "hl_entry", "scenario": sc(`type "hello\n"`, `expect-row 2 "Hello!"`)}), "command_parser", "help", "clear")
			if c.want == "" {
				if err != nil || rep.Goals[0].Result != ResultPassed {
					t.Fatalf("err %v, %s: %s", err, rep.Goals[0].Result, rep.Goals[0].Note)
				}
				return
			}
			if err == nil || rep.Goals[0].Result != ResultFailed || !strings.Contains(rep.Goals[0].Attempts[0].Error, c.want) {
				t.Errorf("err %v, %s: %+v", err, rep.Goals[0].Result, rep.Goals[0].Attempts)
			}
		})
	}
}
