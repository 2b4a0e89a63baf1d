package feature

import (
	"strings"
	"testing"
)

// twoCommands adds two linked entries through one cmd_head hook.
var twoCommands = &Spec{Name: "pair", Goal: "two commands", Hooks: map[string]string{"cmd_head": "pair_a"}, Source: []byte(`
pair_a: dw pair_b, pair_a_name, pair_run, 0
pair_b: dw prev_cmd_head, pair_b_name, pair_run, 0
pair_a_name: db "ping", 0
pair_b_name: db "pong", 0
pair_run: ret
`)}

func TestCommandWords(t *testing.T) {
	all := allSpecs(t)
	parser, _, err := v1Base(t).InstallAll([]*Spec{byName(t, all, "command_parser")})
	if err != nil {
		t.Fatal(err)
	}
	base := parser
	for _, c := range []struct {
		spec *Spec
		want string
	}{
		{byName(t, all, "help"), "help"},
		{byName(t, all, "echo"), "echo"},
		{byName(t, all, "backspace"), ""},
		{twoCommands, "ping pong"},
	} {
		inst, err := base.Install(c.spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(CommandWords(inst), " "); got != c.want {
			t.Errorf("%s: CommandWords = %q, want %q", c.spec.Name, got, c.want)
		}
	}
}

// A stub takes the same hooks and does nothing: its commands exist (no
// "Unknown command") but print nothing; its key handler eats every key.
func TestStub(t *testing.T) {
	all := allSpecs(t)
	base, _, err := v1Base(t).InstallAll([]*Spec{byName(t, all, "command_parser")})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec     *Spec
		scenario string
	}{
		{byName(t, all, "help"), "wait \"pxOS>\"\ntype \"help\\n\"\nexpect-row 2 \"pxOS>\"\nexpect-not \"Unknown\"\nexpect-not \"Commands\"\n"},
		{twoCommands, "wait \"pxOS>\"\ntype \"pong\\n\"\nexpect-row 2 \"pxOS>\"\ntype \"ping\\n\"\nexpect-row 3 \"pxOS>\"\nexpect-not \"Unknown\"\n"},
		{byName(t, all, "backspace"), "wait \"pxOS>\"\ntype \"abc\"\nexpect-row 1 \"pxOS> \"\nexpect-not \"abc\"\ncursor 1 6\n"},
	} {
		inst, err := base.Install(c.spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		stub := Stub(inst)
		if stub == nil {
			t.Fatalf("%s: no stub", c.spec.Name)
		}
		if got, want := sortedKeys(stub.Hooks), sortedKeys(c.spec.Hooks); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: stub hooks %v, want %v", c.spec.Name, got, want)
		}
		si, err := base.Install(stub, 0)
		if err != nil {
			t.Fatalf("%s: stub: %v\n%s", c.spec.Name, err, stub.Source)
		}
		b, err := base.Apply(si)
		if err != nil {
			t.Fatal(err)
		}
		r := runOn(t, "emu", b.Image.Floppy, parseScenario(t, c.spec.Name+".stub", []byte(c.scenario)))
		if !r.Passed {
			var w strings.Builder
			r.WriteReport(&w, false)
			t.Errorf("%s stub:\n%s", c.spec.Name, w.String())
		}
	}
}

func TestBlocksAndRecorded(t *testing.T) {
	all := allSpecs(t)
	b, _, err := v1Base(t).InstallAll([]*Spec{byName(t, all, "command_parser"), byName(t, all, "help")})
	if err != nil {
		t.Fatal(err)
	}
	bl := Blocks(b.Src)
	if len(bl) != 2 || bl[0].Name != "command_parser" || bl[1].Name != "help" || bl[1].Goal != "Add 'help' command that shows available commands" || bl[1].Line <= bl[0].Line {
		t.Fatalf("Blocks = %+v", bl)
	}
	for goal, want := range map[string]string{
		"Add 'help' command that shows available commands": "help",
		"add HELP command, that shows available commands!": "help",
		"Implement command parser for basic commands":      "command_parser",
		"Add a 'cls' command":                              "",
		"Add 'help' command":                               "", // another goal: its own words
		"help":                                             "",
	} {
		got, ok := b.Recorded(goal)
		if ok != (want != "") || got.Name != want {
			t.Errorf("Recorded(%q) = %+v, %v; want %q", goal, got, ok, want)
		}
	}
}

func TestServes(t *testing.T) {
	all := allSpecs(t)
	for _, c := range []struct {
		feature, goal string
		want          bool
	}{
		{"backspace", "Add backspace support to shell", true},
		{"backspace", "backspace", true},
		{"backspace", "Make the delete key erase characters", false},
		{"clear", "clear screen", true},
		{"clear", "Add a 'cls' command", false},
		{"help", "help command", true},
		{"command_parser", "Add an 'echo' command that prints its arguments", false},
		{"command_parser", "command parser", true},
	} {
		if got := byName(t, all, c.feature).Serves(c.goal); got != c.want {
			t.Errorf("%s.Serves(%q) = %v, want %v", c.feature, c.goal, got, c.want)
		}
	}
}
