package loop

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// The cases of issue 13: what the network learns, what a prompt retrieves,
// and whether the second run of the same goals is cheaper.

// learnGoal is one goal of the learning measurement and how the scripted
// model answers it.
type learnGoal struct {
	goal, key string
	answers   []string // in turn, the last repeated
}

// cmdAnswer is a command word that prints text, with a scenario that types
// the word and expects what shows.
func cmdAnswer(p, word, text, expects string) string {
	return answerJSON(map[string]any{"name": word, "assembly": command(p, word, prints(text)), "slot": "cmd_head", "handler": p + "_entry",
		"requires": []string{"command_parser"}, "scenario": sc(`type "`+word+`\n"`, `expect "`+expects+`"`)})
}

const (
	dotsGoal = "Add a 'dots' command that prints ten dots"
	hiGoal   = "Add a 'hi' command that prints 'Hi there'"
	// hiWrong calls a routine pxOS does not have: the assembler rejects it
	// with "undefined symbol print_str".
	hiWrongMarker = "print_str"
)

func learnGoals() []learnGoal {
	hiWrong := answerJSON(map[string]any{"name": "hi", "assembly": strings.Replace(command("hi", "hi", prints("Hi there")), "call print_string", "call print_str", 1),
		"slot": "cmd_head", "handler": "hi_entry", "scenario": sc(`type "hi\n"`, `expect "Hi there"`)})
	return []learnGoal{
		{echoGoal, "echo", []string{echoAnswer}},
		{verGoal2, "'ver'", []string{cmdAnswer("ver", "ver", "pxOS version 1.1", "version 1.1")}},
		{timeGoal, "'time'", []string{answerJSON(map[string]any{"name": "time", "assembly": command("tm", "time", timeBody), "slot": "cmd_head", "handler": "tm_entry",
			"scenario": sc(`type "time\n"`, `expect "Time: 12:00:00"`)})}},
		// The first answer prints nine dots and fails its own scenario.
		{dotsGoal, "'dots'", []string{cmdAnswer("dots", "dots", ".........", ".........."), cmdAnswer("dots", "dots", "..........", "..........")}},
		{"Add a 'hello' command that prints 'Hello, world'", "'hello'", []string{cmdAnswer("hello", "hello", "Hello, world", "Hello, world")}},
		{"Add a 'name' command that prints the system's name", "'name'", []string{cmdAnswer("nm", "name", "System: pxOS", "System: pxOS")}},
		{hiGoal, "'hi'", []string{hiWrong}},
	}
}

// learnServer answers plans with one step per goal and each feature request
// by its goal's script; in the second run (second is set) the 'hi' goal is
// answered right.
type learnServer struct {
	goals  []learnGoal
	used   map[string]int
	second bool
	hiOK   string
}

func (ls *learnServer) reply(r llmtest.ChatRequest) llmtest.Reply {
	if len(r.Messages) > 0 && strings.HasPrefix(r.Messages[0].Content, "You plan work") {
		var steps []map[string]string
		for _, g := range ls.goals {
			if strings.Contains(r.Last(), g.goal) {
				steps = append(steps, map[string]string{"goal": g.goal})
			}
		}
		return llmtest.Reply{Content: planJSON(steps...)}
	}
	q := r.Last()
	if i := strings.Index(q, "Feature to add: "); i >= 0 {
		q, _, _ = strings.Cut(q[i:], "\n")
	}
	for _, g := range ls.goals {
		if strings.Contains(q, g.key) {
			if g.goal == hiGoal && ls.second {
				return llmtest.Reply{Content: ls.hiOK}
			}
			n := ls.used[g.key]
			ls.used[g.key]++
			return llmtest.Reply{Content: g.answers[min(n, len(g.answers)-1)]}
		}
	}
	return llmtest.Reply{Content: "learnServer: no answer for " + q}
}

// learnRun is one run's figures.
type learnRun struct {
	calls, tokens int
	dur           time.Duration
	rep           *Report
	chats         []llmtest.ChatRequest
}

func runLearn(t *testing.T, net *pixnet.Store, ls *learnServer) learnRun {
	t.Helper()
	srv := llmtest.New(t, llmtest.Options{Reply: ls.reply, ContextLength: 8192})
	ws := workspace(t, "backspace", "command_parser", "help", "clear")
	var goals []string
	for _, g := range ls.goals {
		goals = append(goals, g.goal)
	}
	o := openaiOptions(t, srv, ws, net, goals...)
	o.MaxIterations = 100
	start := time.Now()
	rep, _ := Run(context.Background(), o)
	lr := learnRun{dur: time.Since(start), rep: rep, chats: srv.Chats()}
	lr.calls = len(lr.chats)
	lr.tokens = rep.PlanTokens
	for _, g := range rep.Goals {
		lr.tokens += g.Tokens
	}
	return lr
}

// The second run of the same goals on a fresh base with the learned network
// asks the model for nothing that passed; a goal that failed carries its
// reflection into the second run's prompt; no failed answer is ever a
// solution.
func TestLearningCompounds(t *testing.T) {
	net := network(t)
	ls := &learnServer{goals: learnGoals(), used: map[string]int{},
		hiOK: cmdAnswer("hi", "hi", "Hi there", "Hi there")}
	first := runLearn(t, net, ls)
	for _, g := range first.rep.Goals {
		want := ResultPassed
		if strings.Contains(g.Goal, "'hi'") {
			want = ResultFailed
		}
		if g.Result != want {
			t.Errorf("run 1: %q: %s (%s), want %s", g.Goal, g.Result, g.Note, want)
		}
	}
	ls.second = true
	second := runLearn(t, net, ls)
	t.Logf("run 1: %d model calls, %d tokens, %s; run 2: %d model calls, %d tokens, %s",
		first.calls, first.tokens, first.dur.Round(time.Millisecond), second.calls, second.tokens, second.dur.Round(time.Millisecond))
	for _, g := range second.rep.Goals {
		t.Logf("run 2: %s %q %s %s calls %d: %s", g.Role, g.Goal, g.Feature, g.Result, g.ModelCalls, g.Note)
		if g.Result != ResultPassed {
			t.Errorf("run 2: %q: %s (%s)", g.Goal, g.Result, g.Note)
		}
		if !strings.Contains(g.Goal, "'hi'") && g.ModelCalls != 0 {
			t.Errorf("run 2: %q passed in run 1 but asked the model %d times", g.Goal, g.ModelCalls)
		}
	}
	if second.calls*5 > first.calls {
		t.Errorf("run 2 made %d model calls, more than 20%% of run 1's %d", second.calls, first.calls)
	}
	// The hi goal's reflection (the exact error of run 1) is in run 2's
	// request for it, in the knowledge part, before the question.
	found := false
	for _, c := range second.chats {
		know, _, ok := strings.Cut(c.Last(), "Question: ")
		if ok && strings.Contains(c.Last(), "Feature to add: "+hiGoal) && strings.Contains(know, hiWrongMarker) {
			found = true
		}
	}
	if !found {
		t.Error("run 2's request for the hi goal does not carry the reflection of its failure in run 1")
	}
	// A repair quotes its error once: not again as a retrieved reflection.
	for _, c := range first.chats {
		if know, _, ok := strings.Cut(c.Last(), "Question: "); ok && strings.Contains(c.Last(), "'dots'") && strings.Contains(c.Last(), "Your previous answer (attempt 1)") &&
			strings.Contains(know, "failure: attempt 1") {
			t.Errorf("the dots repair carries its own failure twice:\n%s", c.Last())
		}
	}
	// The network keeps each run's figures (pxos net stats shows them).
	runs := Runs(net)
	if len(runs) != 2 || runs[0].ModelCalls != first.calls || runs[1].ModelCalls != second.calls || runs[1].Reused != len(ls.goals)-1 || runs[1].Met != len(ls.goals) {
		t.Errorf("recorded runs %+v; want %d then %d model calls", runs, first.calls, second.calls)
	}
	// No failed answer is a solution: the nine-dots answer never.
	for _, s := range gen.Solutions(net) {
		if strings.Contains(string(s.Spec.Source), `".........", 0`) {
			t.Errorf("the failed nine-dots answer is learned as solution #%d", s.RecordID)
		}
	}
	for _, r := range net.Records() {
		if strings.Count(r.Title, "solution:") > 1 {
			t.Errorf("record #%d title %q", r.ID, r.Title)
		}
	}
	// A first code request fits 3,000 tokens at an 8,192-token context;
	// the instructions and the API page come first, the same in every
	// code request (a server's prompt cache reuses them).
	var system string
	most, mostRepair := 0, 0
	for _, run := range []learnRun{first, second} {
		for _, c := range run.chats {
			if strings.HasPrefix(c.Messages[0].Content, "You plan work") {
				continue
			}
			api := c.Messages[0].Content[:strings.Index(c.Messages[0].Content, "The current build:")]
			api, _, _ = strings.Cut(api, "For this goal:") // the API topics the goal names
			if system == "" {
				system = api
			} else if api != system {
				t.Errorf("the instructions and API page differ between code requests")
			}
			n := llm.EstimateMessages(c.Messages)
			if strings.Contains(c.Last(), "Your previous answer") {
				mostRepair = max(mostRepair, n)
				continue
			}
			most = max(most, n)
			if n > 3000 {
				t.Errorf("a code request of %d estimated prompt tokens (over 3,000): %.80q", n, c.Last())
			}
		}
	}
	t.Logf("largest code request: %d estimated tokens (repairs: %d); instructions and API page: %d", most, mostRepair, llm.EstimateTokens(system))
}

// Offline reuse by meaning: a 'time' command learned for "prints the time"
// meets "shows the current time" on a fresh base, without a model, with its
// prerequisite; "prints nine dots" is not met by the ten-dots solution: the
// model is asked, and sees that solution as a near miss.
func TestReuseByMeaning(t *testing.T) {
	learned := "Add a time command that prints the time"
	tm := answerJSON(map[string]any{"name": "time", "assembly": command("tm", "time", timeBody), "slot": "cmd_head", "handler": "tm_entry",
		"requires": []string{"command_parser"}, "scenario": sc(`type "time\n"`, `expect "Time: 12:00:00"`)})
	ten := cmdAnswer("dots", "dots", "..........", "..........")
	srv, _ := serve(t, planJSON(map[string]string{"goal": learned}, map[string]string{"goal": dotsGoal}),
		routed{"time", []string{tm}}, routed{"dots", []string{ten}})
	net := network(t)
	if _, err := Run(context.Background(), openaiOptions(t, srv, workspace(t, "command_parser"), net, learned, dotsGoal)); err != nil {
		t.Fatal(err)
	}

	// Offline, on a bare base: the parser comes first, as a prerequisite.
	goal := "Add a 'time' command that shows the current time"
	ws := workspace(t)
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{goal}})
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Goals[len(rep.Goals)-1]
	if last.Result != ResultPassed || last.Feature != "time" || last.Reused == 0 || rep.Goals[0].Feature != "command_parser" {
		for _, g := range rep.Goals {
			t.Logf("%s %q %s %s: %s", g.Role, g.Goal, g.Feature, g.Result, g.Note)
		}
		t.Fatal("want the learned time command, reused, after its parser")
	}
	mustPass(t, "time offline", onImage(t, ws, sc(`type "time\n"`, `expect "Time: 12:00:00"`)))

	// With a model: nothing to plan, no call at all.
	before := len(srv.Chats())
	rep, err = Run(context.Background(), openaiOptions(t, srv, workspace(t, "command_parser"), net, goal))
	if err != nil || rep.Goals[0].Reused == 0 || len(srv.Chats()) != before {
		t.Fatalf("err %v, reused #%d, %d model calls", err, rep.Goals[0].Reused, len(srv.Chats())-before)
	}

	// Nine dots: not covered by ten dots. The model is asked, and its
	// request shows the ten-dots solution as a near miss.
	nine := "Add a 'dots' command that prints nine dots"
	srv2, _ := serve(t, planJSON(map[string]string{"goal": nine}), routed{"dots", []string{cmdAnswer("dots", "dots", ".........", ".........")}})
	rep, err = Run(context.Background(), openaiOptions(t, srv2, workspace(t, "command_parser"), net, nine))
	if err != nil || rep.Goals[0].Reused != 0 || rep.Goals[0].ModelCalls != 1 {
		t.Fatalf("nine dots: err %v, reused #%d, %d model calls", err, rep.Goals[0].Reused, rep.Goals[0].ModelCalls)
	}
	req := srv2.Chats()[len(srv2.Chats())-1].Last()
	if !strings.Contains(req, "solution: dots — "+dotsGoal) {
		t.Errorf("the request for nine dots does not show the ten-dots solution:\n%s", req)
	}
}

// A proven solution that does not prove itself on this build (it breaks a
// scenario the workspace keeps) is not kept; the model is asked, and the
// report shows the reuse attempt first.
func TestReuseFailsThenModel(t *testing.T) {
	ver := cmdAnswer("ver", "ver", "pxOS version 1.1", "version 1.1")
	srv, _ := serve(t, planJSON(map[string]string{"goal": verGoal2}), routed{"'ver'", []string{ver}})
	net := network(t)
	if _, err := Run(context.Background(), openaiOptions(t, srv, workspace(t, "command_parser"), net, verGoal2)); err != nil {
		t.Fatal(err)
	}
	// A workspace whose own regression test says "ver" never prints "pxOS
	// version".
	ws := workspace(t, "command_parser")
	if err := os.WriteFile(filepath.Join(ws.Dir, "scenarios", "my_ver.txt"), []byte(sc(`type "ver\n"`, `expect-not "pxOS version"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv2, _ := serve(t, planJSON(map[string]string{"goal": verGoal2}), routed{"'ver'", []string{cmdAnswer("v2", "ver", "ver: version 1.1", "ver: version 1.1")}})
	o := openaiOptions(t, srv2, ws, net, verGoal2)
	var log strings.Builder
	o.Log = &log
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	g := rep.Goals[len(rep.Goals)-1]
	if g.Result != ResultPassed || g.Reused != 0 || g.ModelCalls != 1 || len(g.Attempts) < 2 || g.Attempts[0].Phase != "reuse" ||
		!strings.Contains(g.Note, "tried first without a model: solution #") {
		t.Fatalf("%s %s reused #%d, %d model calls, attempts %+v; note %q", g.Result, g.Feature, g.Reused, g.ModelCalls, g.Attempts, g.Note)
	}
	if len(rep.Goals) != 1 {
		t.Errorf("%d rows; the reuse attempt belongs to the goal's row", len(rep.Goals))
	}
	mustPass(t, "ver", onImage(t, ws, sc(`type "ver\n"`, `expect "ver: version 1.1"`, `expect-not "pxOS version"`)))
}

// A proven solution is never reused for a goal that means something else
// (the break test's cases: order, logic words, symbols, case, a command
// named only in words): offline each is no-solution and nothing changes;
// none is present either.
func TestReuseNeverChangesMeaning(t *testing.T) {
	learned := map[string]string{
		"Add a 'count' command that counts down from 10 to 1":       cmdAnswer("cnt", "count", "10 9 8 7 6 5 4 3 2 1", "10 9 8 7 6 5 4 3 2 1"),
		"Add a 'greet' command that prints Hello and never Goodbye": cmdAnswer("gr", "greet", "Hello", "Hello"),
		"Add a 'calc' command that prints 2+3":                      cmdAnswer("calc", "calc", "5", "5"),
		"Add a 'time' command that prints the date and time":        cmdAnswer("tm", "time", "2026-11-30 12:00", "2026-11-30 12:00"),
	}
	var goals []string
	var routes []routed
	for g, a := range learned {
		goals = append(goals, g)
		w := g[strings.Index(g, "'"):]
		routes = append(routes, routed{w[:strings.Index(w[1:], "'")+2], []string{a}})
	}
	var steps []map[string]string
	for _, g := range goals {
		steps = append(steps, map[string]string{"goal": g})
	}
	srv, _ := serve(t, planJSON(steps...), routes...)
	net := network(t)
	if _, err := Run(context.Background(), openaiOptions(t, srv, workspace(t, "command_parser"), net, goals...)); err != nil {
		t.Fatal(err)
	}
	ws := workspace(t, "command_parser")
	before := readFile(t, ws.Commands)
	others := []string{"Add a 'count' command that counts from 1 to 10", "Add a 'greet' command that prints Goodbye",
		"Add a 'calc' command that prints 2*3", "Add a date command that prints the date"}
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: others})
	if err == nil {
		t.Error("offline, goals nothing proven meets were met")
	}
	for _, g := range rep.Goals {
		if g.Result != ResultNoSolution || g.Reused != 0 {
			t.Errorf("%q: %s %s (reused #%d): %s", g.Goal, g.Result, g.Feature, g.Reused, g.Note)
		}
	}
	if !bytes.Equal(before, readFile(t, ws.Commands)) {
		t.Error("the commands file changed")
	}
}

// A goal that names its command is present only through a feature that
// adds that command: "Add a greeting command", met by a command hello, does
// not make "Add a 'greeting' command" present (typing greeting at the image
// says Unknown command), and offline it is not met either.
func TestPresenceNeedsTheCommand(t *testing.T) {
	learned := "Add a greeting command that prints Hello"
	srv, _ := serve(t, planJSON(map[string]string{"goal": learned}), routed{"greeting", []string{cmdAnswer("hello", "hello", "Hello", "Hello")}})
	net := network(t)
	ws := workspace(t, "command_parser")
	if _, err := Run(context.Background(), openaiOptions(t, srv, ws, net, learned)); err != nil {
		t.Fatal(err)
	}
	goal := "Add a 'greeting' command that prints Hello"
	rep, err := Run(context.Background(), Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}, Goals: []string{goal}})
	if err == nil || rep.Goals[len(rep.Goals)-1].Result == ResultPresent || rep.Goals[len(rep.Goals)-1].Result == ResultPassed {
		g := rep.Goals[len(rep.Goals)-1]
		t.Fatalf("%q: %s (%s)", goal, g.Result, g.Note)
	}
	r := onImage(t, ws, sc(`type "greeting\n"`, `expect "Unknown command: greeting"`))
	mustPass(t, "greeting is no command", r)
}

// Asked again with --no-reuse, a model that answers what it answered
// before does not make the network record the solution twice; repeated
// goals run once and the log says so.
func TestNoReuseRecordsOnce(t *testing.T) {
	srv, _ := serve(t, planJSON(map[string]string{"goal": verGoal2}), routed{"'ver'", []string{cmdAnswer("ver", "ver", "pxOS version 1.1", "version 1.1")}})
	net := network(t)
	for range 2 {
		o := openaiOptions(t, srv, workspace(t, "command_parser"), net, verGoal2)
		o.NoReuse = true
		if _, err := Run(context.Background(), o); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(gen.ProvenFor(net, verGoal2)); n != 1 {
		t.Errorf("%d solutions for the goal, want 1", n)
	}
	n := 0
	for _, r := range net.Records() {
		if r.Kind == pixnet.KindSolution && strings.Contains(r.Title, verGoal2) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d solution records, want 1", n)
	}
	var log strings.Builder
	o := Options{Workspace: workspace(t), Network: net, Provider: &gen.KB{Network: net}, Goals: []string{"backspace", "backspace.", "backspace"}, Log: &log}
	rep, _ := Run(context.Background(), o)
	if len(rep.Goals) != 1 || !strings.Contains(log.String(), `goal "backspace." is "backspace" again: it runs once`) {
		t.Errorf("%d rows; log:\n%s", len(rep.Goals), log.String())
	}
}
