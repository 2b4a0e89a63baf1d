package gen

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func loadBase(t testing.TB) *feature.Base {
	t.Helper()
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		t.Fatal(err)
	}
	b, err := feature.NewBase("pxos_commands.txt", src)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parserBase is the base with the shipped command parser, where commands
// (what most test answers add) run.
func parserBase(t testing.TB) *feature.Base {
	t.Helper()
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := loadBase(t).InstallAll([]*feature.Spec{byName(specs, "command_parser")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func byName(specs []*feature.Spec, name string) *feature.Spec {
	for _, s := range specs {
		if s.Name == name {
			return s
		}
	}
	return nil
}

func api(t *testing.T) string {
	b, err := fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func openNet(t *testing.T) *pixnet.Store {
	t.Helper()
	s, err := OpenNetwork(filepath.Join(t.TempDir(), "net.png"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// runScenario boots the base on the emulator and runs src.
func runScenario(t *testing.T, b *feature.Base, name string, src []byte) *scenario.Result {
	t.Helper()
	sc, err := scenario.Parse(name, src)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := backend.Open(ctx, "emu", b.Image.Floppy, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	return sc.Run(ctx, m)
}

// The offline provider reaches each of the seed's four default goals: the
// block it generates builds and passes the goal's acceptance scenario.
func TestKBDefaultGoals(t *testing.T) {
	base := loadBase(t)
	net := openNet(t)
	goals := []string{
		"Add backspace support to shell",
		"Implement command parser for basic commands",
		"Add 'help' command that shows available commands",
		"Add 'clear' command to clear screen",
	}
	for _, goal := range goals {
		g := &Generator{Base: base, API: api(t), Network: net, Provider: &KB{Network: net}}
		res, attempts, err := g.Generate(context.Background(), Request{Feature: goal})
		if err != nil {
			t.Fatalf("%s: %v (attempts %+v)", goal, err, attempts)
		}
		if !res.Verified || len(attempts) != 1 || attempts[0].Verdict != "valid" {
			t.Errorf("%s: verified=%v attempts=%+v", goal, res.Verified, attempts)
		}
		next, err := base.Apply(res.Install)
		if err != nil {
			t.Fatalf("%s: apply: %v", goal, err)
		}
		r := runScenario(t, next, res.Spec.Name+".scenario", res.Spec.Scenario)
		if !r.Passed {
			var b strings.Builder
			r.WriteReport(&b, true)
			t.Fatalf("%s: scenario failed:\n%s", goal, b.String())
		}
		base = next
	}
	if got := base.Installed(); len(got) != 4 {
		t.Errorf("installed = %v, want four features", got)
	}
	// The seed's short goal texts match too.
	for short, want := range map[string]string{"backspace": "backspace", "help command": "help", "clear screen": "clear", "command parser": "command_parser"} {
		c, err := (&KB{Network: net}).Propose(context.Background(), &Request{Feature: short}, nil, nil)
		if err != nil || c.Name != want {
			t.Errorf("short goal %q: got %v, %v; want %s", short, c, err, want)
		}
	}
}

func TestKBNoSolution(t *testing.T) {
	net := openNet(t)
	g := &Generator{Base: loadBase(t), API: api(t), Network: net, Provider: &KB{Network: net}}
	_, _, err := g.Generate(context.Background(), Request{Feature: "Add a TCP/IP stack"})
	if !errors.Is(err, ErrNoSolution) {
		t.Fatalf("err = %v, want ErrNoSolution", err)
	}
	if !strings.Contains(err.Error(), "Add backspace support to shell") {
		t.Errorf("the error does not list what the provider knows: %v", err)
	}
}

func TestKBAlreadyInstalled(t *testing.T) {
	net := openNet(t)
	base := loadBase(t)
	g := &Generator{Base: base, API: api(t), Network: net, Provider: &KB{Network: net}}
	res, _, err := g.Generate(context.Background(), Request{Feature: "backspace"})
	if err != nil {
		t.Fatal(err)
	}
	next, _ := base.Apply(res.Install)
	g.Base = next
	_, _, err = g.Generate(context.Background(), Request{Feature: "backspace"})
	if !errors.Is(err, feature.ErrInstalled) {
		t.Fatalf("second install: err = %v, want ErrInstalled", err)
	}
}

// A correct answer, as a model writes it: a "ver" command.
const verAsm = `ver_entry:
        dw prev_cmd_head
        dw ver_name
        dw ver_run
        dw ver_help
ver_name: db "ver", 0
ver_help: db "print the version", 0
ver_msg:  db "pxOS v1.0 (generated)", 13, 10, 0
ver_run:
        push si
        mov si, ver_msg
        call print_string
        pop si
        ret
`

const verScenario = "wait \"pxOS>\"\ntype \"ver\\n\"\nexpect \"pxOS v1.0 (generated)\"\n"

func answerJSON(asmSrc string, hooks map[string]string, sc string) string {
	type hook struct {
		Slot    string `json:"slot"`
		Handler string `json:"handler"`
	}
	var hs []hook
	for s, h := range hooks {
		hs = append(hs, hook{s, h})
	}
	b, _ := json.Marshal(map[string]any{"explanation": "adds the feature", "assembly": asmSrc, "hooks": hs, "scenario": sc})
	return string(b)
}

// The model's bad answers each come back as a repair prompt that quotes the
// exact error; the valid answer after them is accepted.
func TestOpenAIRepairs(t *testing.T) {
	verHooks := map[string]string{"cmd_head": "ver_entry"}
	good := answerJSON(verAsm, verHooks, verScenario)
	cases := []struct {
		name, answer, wantErr string
	}{
		{"invalid instruction", answerJSON(strings.Replace(verAsm, "call print_string", "movx ax, 1", 1), verHooks, verScenario), `answer.asm:12: unknown mnemonic "movx"`},
		{"short jump out of range", answerJSON("ver_entry: dw prev_cmd_head, ver_name, ver_run, 0\nver_name: db \"ver\", 0\nver_run:\n jmp short ver_far\n times 200 db 0x90\nver_far: ret\n", verHooks, verScenario), "out of range"},
		{"broken JSON", `{"explanation": "oops", "assembly": "unterminated`, "malformed answer"},
		{"breaks the chain", answerJSON(strings.Replace(verAsm, "dw prev_cmd_head", "dw ver_name", 1), verHooks, verScenario), "must end with dw prev_cmd_head"},
		{"no hook", answerJSON(verAsm, nil, verScenario), "installs no hook"},
		{"bad scenario", answerJSON(verAsm, verHooks, "wait \"pxOS>\"\npress enter\n"), "answer.scenario:2"},
		{"org line", answerJSON("org 0x7E20\n"+verAsm, verHooks, verScenario), "no org line"},
		{"key handler without chain", answerJSON("k_handler:\n cmp al, 'x'\n jne k_done\n stc\n ret\nk_done:\n clc\n ret\n", map[string]string{"hook_key": "k_handler"}, verScenario), "never jumps to prev_hook_key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			answers := []string{"Here you go:\n```json\n" + c.answer + "\n```", good}
			srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
				return llmtest.Reply{Content: answers[min(r.N, len(answers))-1]}
			}})
			net := openNet(t)
			g := &Generator{Base: parserBase(t), API: api(t), Network: net,
				Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
			res, attempts, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version"})
			if err != nil {
				t.Fatalf("err = %v; attempts %+v", err, attempts)
			}
			if len(attempts) != 2 || attempts[0].Verdict != "invalid" || attempts[1].Verdict != "valid" {
				t.Fatalf("attempts = %+v", attempts)
			}
			if !strings.Contains(attempts[0].Error, c.wantErr) {
				t.Errorf("first error %q does not contain %q", attempts[0].Error, c.wantErr)
			}
			chats := srv.Chats()
			if len(chats) != 2 {
				t.Fatalf("%d chat requests, want 2", len(chats))
			}
			if repair := chats[1].Last(); !strings.Contains(repair, attempts[0].Error) {
				t.Errorf("the repair prompt does not quote the error %q:\n%s", attempts[0].Error, repair)
			}
			if bytesContain(chats[0].Body, "json_object") || !bytesContain(chats[0].Body, "json_schema") {
				t.Errorf("request does not ask for json_schema (or asks for json_object): %s", chats[0].Body)
			}
			if !strings.Contains(string(res.Block), "ver_run") {
				t.Errorf("block lacks the feature:\n%s", res.Block)
			}
			// The rejected attempt is in the network as a reflection of
			// its goal; the valid one is not: nothing is learned as a
			// solution before it passed a test.
			r, ok := net.Get(attempts[0].RecordID)
			if !ok || r.Kind != pixnet.KindFailure || !strings.Contains(r.Body, c.wantErr) {
				t.Errorf("attempt 1's record: %v %+v", ok, r)
			}
			if attempts[1].RecordID != 0 || len(ProvenFor(net, "Add a 'ver' command that prints the version")) != 0 {
				t.Errorf("the valid, untested answer was recorded (#%d)", attempts[1].RecordID)
			}
			for _, rec := range net.Records() {
				if rec.Kind == pixnet.KindSolution && !hasTag(rec.Tags, TagShipped) {
					t.Errorf("an untested solution is in the network: #%d %s", rec.ID, rec.Title)
				}
			}
		})
	}
}

// A server that only answers garbage gets at most MaxAttempts calls.
func TestOpenAIGarbage(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "I cannot help with that."}
	}})
	g := &Generator{Base: parserBase(t), API: api(t), Network: openNet(t),
		Provider: &OpenAI{Client: llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})}}
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Add a clock", MaxAttempts: 2})
	if !errors.Is(err, ErrExhausted) {
		t.Fatalf("err = %v, want ErrExhausted", err)
	}
	if n := len(srv.Chats()); n != 2 || len(attempts) != 2 {
		t.Errorf("%d calls, %d attempts; want 2 and 2", n, len(attempts))
	}
}

// A server that cannot be reached ends the run at once with llm's message.
func TestOpenAIUnreachable(t *testing.T) {
	g := &Generator{Base: parserBase(t), API: api(t),
		Provider: &OpenAI{Client: llm.New(llm.Config{URL: "http://127.0.0.1:1/v1", Timeout: 2 * time.Second, ProbeTimeout: time.Second})}}
	_, attempts, err := g.Generate(context.Background(), Request{Feature: "Add a clock"})
	if !errors.Is(err, llm.ErrUnreachable) || len(attempts) != 1 {
		t.Fatalf("err = %v, attempts %d; want ErrUnreachable after 1", err, len(attempts))
	}
}

// The primitives format: the seed's JSON bytes are validated by decoding, and
// may not touch the base.
func TestPrimitivesFormat(t *testing.T) {
	base := parserBase(t)
	free := base.Image.Summary.Free
	start := free[len(free)-1].Start
	// A key handler: cmp al, 'q' (3C 71); jne prev (75 xx); stc; ret.
	mk := func(addr uint32) []Primitive {
		prev := uint32(base.Image.Word(0x7E00))
		rel := uint16(int(prev) - int(addr+5)) // jmp near at addr+2 ends at addr+5
		var ps []Primitive
		ps = append(ps, Primitive{Type: "DEFINE", Label: "q_key", Addr: hexv(addr)})
		for i, b := range []int{0x3C, 'q', 0xE9, int(rel & 0xFF), int(rel >> 8), 0xF9, 0xC3} {
			c := ""
			switch i {
			case 0:
				c = "cmp al, 'q'"
			case 2:
				c = "jmp prev_hook_key"
			case 5:
				c = "stc"
			case 6:
				c = "ret"
			}
			ps = append(ps, Primitive{Type: "WRITE", Addr: hexv(addr + uint32(i)), Byte: hexv(uint32(b)), Comment: c})
		}
		return ps
	}
	c := &Candidate{Primitives: mk(start), Hooks: map[string]string{"hook_key": "q_key"}, Scenario: verScenario}
	if _, err := Validate(base, &Request{Feature: "swallow q", Format: FormatPrimitives}, c); err != nil {
		t.Fatalf("valid primitives rejected: %v", err)
	}
	c.Primitives = mk(0x7E20) // over base code
	if _, err := Validate(base, &Request{Feature: "swallow q", Format: FormatPrimitives}, c); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Fatalf("primitives over base code: err = %v, want an overlap error", err)
	}
	bad := mk(start)
	bad[1].Byte = "0x0F" // 0F 71 E9: not one instruction
	c.Primitives = bad
	if _, err := Validate(base, &Request{Feature: "swallow q", Format: FormatPrimitives}, c); err == nil || !strings.Contains(err.Error(), "do not decode") {
		t.Fatalf("undecodable primitives: err = %v", err)
	}
}

func hexv(v uint32) Value { return Value("0x" + strings.ToUpper(strconvHex(v))) }

func strconvHex(v uint32) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var b []byte
	for v > 0 {
		b = append([]byte{digits[v%16]}, b...)
		v /= 16
	}
	return string(b)
}

func bytesContain(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestNames reads testdata/names.txt: "clean INPUT | WANT" checks
// CleanName, "goal INPUT | WANT" checks GoalName.
func TestNames(t *testing.T) {
	data, err := os.ReadFile("testdata/names.txt")
	if err != nil {
		t.Fatal(err)
	}
	for n, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, rest, _ := strings.Cut(line, " ")
		in, want, ok := strings.Cut(rest, "|")
		if !ok {
			t.Fatalf("names.txt:%d: no |", n+1)
		}
		in, want = strings.TrimSpace(in), strings.TrimSpace(want)
		var got string
		switch kind {
		case "clean":
			got = CleanName(in)
		case "goal":
			got = GoalName(in)
		case "command":
			got = strings.Join(GoalCommands(in), " ")
		default:
			t.Fatalf("names.txt:%d: unknown kind %q", n+1, kind)
		}
		if got != want {
			t.Errorf("names.txt:%d: %s(%q) = %q, want %q", n+1, kind, in, got, want)
		}
	}
}

// Primitives with no instruction comments are still decoded: the walk
// starts at each entry point, here a command entry's handler word.
func TestPrimitivesWalkFromEntries(t *testing.T) {
	base := parserBase(t)
	free := base.Image.Summary.Free
	at := free[len(free)-1].Start
	prevHead := uint32(base.Image.Word(0x7E04))
	mk := func(handler ...int) []Primitive {
		// entry: dw prev_cmd_head, name, handler, 0; name: "x", 0; handler bytes
		name, h := at+8, at+10
		bytes := []int{int(prevHead & 0xFF), int(prevHead >> 8), int(name & 0xFF), int(name >> 8), int(h & 0xFF), int(h >> 8), 0, 0, 'x', 0}
		bytes = append(bytes, handler...)
		ps := []Primitive{{Type: "DEFINE", Label: "x_entry", Addr: hexv(at)}}
		for i, b := range bytes {
			ps = append(ps, Primitive{Type: "WRITE", Addr: hexv(at + uint32(i)), Byte: hexv(uint32(b))})
		}
		return ps
	}
	req := &Request{Feature: "x command", Format: FormatPrimitives}
	ok := &Candidate{Primitives: mk(0xF9, 0xC3), Hooks: map[string]string{"cmd_head": "x_entry"}, Scenario: verScenario} // stc; ret
	if _, err := Validate(base, req, ok); err != nil {
		t.Fatalf("valid command rejected: %v", err)
	}
	bad := &Candidate{Primitives: mk(0x0F, 0xFF, 0xFF), Hooks: map[string]string{"cmd_head": "x_entry"}, Scenario: verScenario}
	if _, err := Validate(base, req, bad); err == nil || !strings.Contains(err.Error(), "do not decode") {
		t.Fatalf("undecodable handler: err = %v, want a decode error", err)
	}
	runaway := &Candidate{Primitives: mk(0x90), Hooks: map[string]string{"cmd_head": "x_entry"}, Scenario: verScenario} // nop, then off the end
	if _, err := Validate(base, req, runaway); err == nil || !strings.Contains(err.Error(), "outside the feature") {
		t.Fatalf("code running off the end: err = %v", err)
	}
}

// When the server offers embeddings, retrieval asks for them (the records
// are ranked by meaning as well as by words).
func TestEmbeddingsUsedForRetrieval(t *testing.T) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	srv := llmtest.New(t, llmtest.Options{EmbeddingModel: "nomic-embed-text", Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: good}
	}})
	client := llm.New(llm.Config{URL: srv.URL, Timeout: 10 * time.Second})
	g := &Generator{Base: parserBase(t), API: api(t), Network: openNet(t), Provider: &OpenAI{Client: client}, Embedder: client}
	if _, _, err := g.Generate(context.Background(), Request{Feature: "Add a 'ver' command that prints the version"}); err != nil {
		t.Fatal(err)
	}
	var embeds int
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/embeddings") {
			embeds++
		}
	}
	if embeds == 0 {
		t.Error("no /v1/embeddings request: retrieval did not use the server's embeddings")
	}
}
