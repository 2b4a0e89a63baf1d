package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/machine/machinetest"
	"github.com/pxos-dev/pxos/internal/pc"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// TestParsePrompt checks the {prompt} forms and the default line: what
// they parse to, that they round-trip, and that only the texts to look for
// and the cursor column count as uses of {prompt}.
func TestParsePrompt(t *testing.T) {
	src := "wait \"{prompt}\"\n" +
		"type \"{prompt}\\n\"\n" +
		"expect-row 1 \"{prompt}abc\"\n" +
		"cursor 1 {prompt}+3\n" +
		"cursor 2 {prompt}\n" +
		"cursor 3 7\n" +
		"default line_max hook_prompt line_max prompt\n"
	sc, err := Parse("p.txt", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"line_max", "hook_prompt", "prompt"}; strings.Join(sc.Defaults, " ") != strings.Join(want, " ") {
		t.Errorf("Defaults = %q, want %q", sc.Defaults, want)
	}
	if len(sc.Steps) != 6 {
		t.Fatalf("%d steps, want 6 (default is no step)", len(sc.Steps))
	}
	uses := []bool{true, false, true, true, true, false}
	canon := []string{`wait "{prompt}"`, `type "{prompt}\n"`, `expect-row 1 "{prompt}abc"`, "cursor 1 {prompt}+3", "cursor 2 {prompt}", "cursor 3 7"}
	for i := range sc.Steps {
		st := &sc.Steps[i]
		if st.UsesPrompt() != uses[i] || st.String() != canon[i] {
			t.Errorf("step %d: %q uses %v, want %q uses %v", i, st.String(), st.UsesPrompt(), canon[i], uses[i])
		}
		back, err := Parse("back.txt", []byte(st.String()))
		if err != nil || len(back.Steps) != 1 || back.Steps[0].String() != st.String() {
			t.Errorf("%q does not round-trip: %v", st.String(), err)
		}
	}
	if c := sc.Steps[3]; !c.ColPrompt || c.Col != 3 || c.Row != 1 {
		t.Errorf("cursor 1 {prompt}+3 = %+v", c)
	}
	if c := sc.Steps[5]; c.ColPrompt || c.Col != 7 {
		t.Errorf("cursor 3 7 = %+v", c)
	}
	// The keys of a type text are the characters as written.
	if k := sc.Steps[1].Keys; len(k) != 9 || k[0].Rune != '{' || k[7].Rune != '}' || k[8].Name != "enter" {
		t.Errorf("type \"{prompt}\\n\" keys = %v", k)
	}
	if !UsesPrompt(sc) {
		t.Error("UsesPrompt = false")
	}
	plain, err := Parse("q.txt", []byte("type \"{prompt}\"\nexpect \"{PROMPT}\"\ncursor 1 2\n"))
	if err != nil {
		t.Fatal(err)
	}
	if UsesPrompt(plain) || plain.Defaults != nil {
		t.Errorf("UsesPrompt = %v, Defaults = %q for a scenario without either", UsesPrompt(plain), plain.Defaults)
	}
	if got := Expand("{prompt}a{prompt}{PROMPT}", "px$ "); got != "px$ apx$ {PROMPT}" {
		t.Errorf("Expand = %q", got)
	}
	// A default line may come anywhere, even before a clock line.
	if sc, err := Parse("d.txt", []byte("default line_max\nclock 10:00:00\nsettle\n")); err != nil || len(sc.Steps) != 2 {
		t.Errorf("default before clock: %v", err)
	}
}

// TestParsePromptErrors checks the bad forms report their line and say what
// is wanted.
func TestParsePromptErrors(t *testing.T) {
	src := "cursor 1 {prompt}+x\n" +
		"cursor 1 {prompt}+99\n" +
		"default\n" +
		"default 9x\n" +
		"default line_max\n" +
		"default line_max\n" +
		"cursor 1 {prompt}-2\n" +
		"nonsense\n"
	_, err := Parse("e.txt", []byte(src))
	var list diag.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v, want a diag.ErrorList", err)
	}
	want := []string{
		`e.txt:1: bad column "{prompt}+x" (want a number, {prompt} or {prompt}+N)`,
		`e.txt:2: column "{prompt}+99": 99 out of range 0..79`,
		`e.txt:3: default needs at least one symbol: a label of the base whose default a feature may change, e.g. line_max`,
		`e.txt:4: bad symbol "9x" (want a label name: a letter or _, then letters, digits or _)`,
		`e.txt:6: second default line`,
		`e.txt:7: bad column "{prompt}-2" (want a number, {prompt} or {prompt}+N)`,
		`e.txt:8: unknown step "nonsense" (want wait, type, key, expect, expect-not, expect-row, expect-attr, cursor, settle, timeout, clock, name or default)`,
	}
	if len(list) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(list), len(want), err)
	}
	for i, e := range list {
		if got := strings.SplitN(e.Error(), "\n", 2)[0]; got != want[i] {
			t.Errorf("error %d = %q, want %q", i, got, want[i])
		}
	}
}

// promptScenario is the brief's scenario: it holds whatever the prompt.
const promptScenario = "wait \"{prompt}\"\ntype \"abc\"\nexpect-row 1 \"{prompt}abc\"\ncursor 1 {prompt}+3\n"

// pxosWithPrompt builds pxOS from its primitives (pxosv1.CommandsFile, the
// base), with the string at its label prompt (NUL-terminated) replaced by
// prompt, which must not be longer; "=" keeps the base's. It returns the
// floppy image and the prompt it shows.
func pxosWithPrompt(t *testing.T, prompt string) ([]byte, string) {
	t.Helper()
	im := machinetest.BuildPxOS(t).Image
	var at []byte
	if sym, ok := im.Program.Symbols["prompt"]; ok {
		at = im.Floppy[sym.Value-build.LoadBase:]
	}
	n := bytes.IndexByte(at, 0)
	if n <= 0 || n > 16 {
		t.Fatalf("no label prompt with a NUL-terminated string in %s", pxosv1.CommandsFile)
	}
	if prompt == "=" {
		return im.Floppy, string(at[:n])
	}
	if len(prompt) > n {
		t.Fatalf("prompt %q is longer than the base's %q", prompt, at[:n])
	}
	copy(at[:n], make([]byte, n))
	copy(at, prompt)
	return im.Floppy, prompt
}

// TestPromptPxOS runs one scenario with {prompt} on the real pxOS v1.0
// (built from its primitives, on the built-in emulator), on the same system
// with another prompt, and on one without a prompt.
func TestPromptPxOS(t *testing.T) {
	sc, err := Parse("prompt.txt", []byte(promptScenario))
	if err != nil {
		t.Fatal(err)
	}
	runOnEmu := func(t *testing.T, img []byte, sc *Scenario) *Result {
		t.Helper()
		m, err := pc.New(img, pc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return sc.Run(ctx, m)
	}
	for _, prompt := range []string{"=", "px$ ", "#"} {
		t.Run(prompt, func(t *testing.T) {
			img, prompt := pxosWithPrompt(t, prompt)
			if prompt != "pxOS> " && t.Name() == "TestPromptPxOS/=" {
				t.Errorf("the base's prompt is %q, want \"pxOS> \"", prompt)
			}
			res := runOnEmu(t, img, sc)
			if !res.Passed || res.Prompt != prompt {
				t.Fatalf("passed %v, prompt %q (want %q): %v", res.Passed, res.Prompt, prompt, res.Err())
			}
		})
	}
	t.Run("failure shows the prompt", func(t *testing.T) {
		bad, err := Parse("bad.txt", []byte(strings.Replace(promptScenario, "{prompt}abc", "{prompt}abd", 1)))
		if err != nil {
			t.Fatal(err)
		}
		img, _ := pxosWithPrompt(t, "px$ ")
		res := runOnEmu(t, img, bad)
		want := `expect-row 1 "px$ abd": row 1 does not contain "px$ abd": it is "px$ abc"`
		if res.Passed || res.Failed != 2 || res.Error != want {
			t.Fatalf("failed step %d, error %q, want step 2, %q", res.Failed, res.Error, want)
		}
		if e := res.Err().Error(); !strings.HasPrefix(e, `bad.txt:3: `+want) || !strings.Contains(e, `expect-row 1 "{prompt}abd"`) {
			t.Errorf("Err() = %q", e)
		}
		var b bytes.Buffer
		res.WriteReport(&b, false)
		if !strings.Contains(b.String(), "\n  {prompt} is \"px$ \"\n") {
			t.Errorf("report does not show the prompt:\n%s", b.String())
		}
		js, err := json.Marshal(res)
		if err != nil || !strings.Contains(string(js), `"prompt":"px$ "`) {
			t.Errorf("JSON %s, %v: no prompt", js, err)
		}
	})
	t.Run("no prompt", func(t *testing.T) {
		img, _ := pxosWithPrompt(t, "")
		res := runOnEmu(t, img, sc)
		want := "no prompt: when the shell first waited for a key the cursor was at row 1, column 0"
		if res.Passed || res.Failed != 0 || res.Error != want || res.Prompt != "" {
			t.Fatalf("failed step %d, error %q, prompt %q; want step 0, %q", res.Failed, res.Error, res.Prompt, want)
		}
		// Steps without {prompt} still run; each that uses it fails.
		mixed, err := Parse("mixed.txt", []byte("type \"abc\"\nexpect-row 1 \"abc\"\ncursor 1 3\ncursor 1 {prompt}+3\n"))
		if err != nil {
			t.Fatal(err)
		}
		res = runOnEmu(t, img, mixed)
		if res.Failed != 3 || res.Error != want {
			t.Errorf("failed step %d, error %q; want step 3, %q", res.Failed, res.Error, want)
		}
	})
}

// TestPromptQEMU runs the scenario on pxOS in QEMU with two prompts.
func TestPromptQEMU(t *testing.T) {
	sc, err := Parse("prompt.txt", []byte(promptScenario))
	if err != nil {
		t.Fatal(err)
	}
	for _, prompt := range []string{"=", "px$ "} {
		img, prompt := pxosWithPrompt(t, prompt)
		m := startQEMU(t, img)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		res := sc.Run(ctx, m)
		cancel()
		if !res.Passed || res.Prompt != prompt {
			t.Errorf("prompt %q: passed %v, read %q: %v", prompt, res.Passed, res.Prompt, res.Err())
		}
	}
}

// logOS records the calls the runner makes.
type logOS struct {
	*fakeOS
	calls []string
}

func (l *logOS) Settle(ctx context.Context) error {
	l.calls = append(l.calls, "settle")
	return l.fakeOS.Settle(ctx)
}

func (l *logOS) WaitText(ctx context.Context, text string) error {
	l.calls = append(l.calls, "wait")
	return l.fakeOS.WaitText(ctx, text)
}

// TestPromptSettle checks the prompt is read by a settle before the first
// step that runs the machine (after timeout lines), only when the scenario
// uses {prompt}; a fault there fails that step.
func TestPromptSettle(t *testing.T) {
	for _, tc := range []struct{ src, calls string }{
		{"wait \"> \"\n", "wait settle"}, // the final settle only
		{"timeout 1s\nwait \"{prompt}\"\n", "settle wait settle"},
		{"timeout 1s\ntype \"{prompt}\"\nwait \"> \"\n", "wait settle"},
	} {
		m := &logOS{fakeOS: newFake("testos")}
		res := run(t, tc.src, m)
		if got := strings.Join(m.calls, " "); !res.Passed || got != tc.calls {
			t.Errorf("%q: passed %v, calls %q, want %q (%s)", tc.src, res.Passed, got, tc.calls, res.Error)
		}
	}
	res := run(t, "timeout 1s\nwait \"{prompt}\"\n", newFake("crash"))
	if res.Passed || res.Failed != 1 || res.Crash == nil {
		t.Errorf("crash before the first step: failed step %d, crash %v, error %q", res.Failed, res.Crash, res.Error)
	}
}

// TestPromptCursorRange checks {prompt}+N past the last column fails the
// step, and that the prompt keeps its blanks and code page 437 characters.
func TestPromptCursorRange(t *testing.T) {
	s := boxScreen() // row 0: "╔═╗ hi"
	s.CursorRow, s.CursorCol = 0, 4
	m := &screenMachine{s: s}
	res := run(t, "expect-row 0 \"{prompt}hi\"\ncursor 0 {prompt}\ncursor 0 {prompt}+75\ncursor 0 {prompt}+76\n", m)
	want := `column {prompt}+76 is 80 with the prompt "╔═╗ " (4 characters): past the last column, 79`
	if res.Failed != 2 || res.Prompt != "╔═╗ " || res.Error != "cursor 0 79: cursor is at 0 4, want 0 79" {
		t.Errorf("failed step %d, prompt %q, error %q", res.Failed, res.Prompt, res.Error)
	}
	res = run(t, "cursor 0 {prompt}+76\n", m)
	if res.Failed != 0 || res.Error != want {
		t.Errorf("error %q, want %q", res.Error, want)
	}
	// A prompt that is all of the row to the cursor, blanks included.
	s.CursorRow, s.CursorCol = 5, 3
	res = run(t, "expect-row 5 \"{prompt}\"\n", &screenMachine{s: s})
	if !res.Passed || res.Prompt != "   " {
		t.Errorf("blank prompt: passed %v, prompt %q, %s", res.Passed, res.Prompt, res.Error)
	}
}

var _ machine.Machine = (*logOS)(nil)
