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
		{&Spec{Name: "long", Goal: "long", Hooks: map[string]string{"cmd_head": "long_entry"}, Source: []byte("long_entry: dw prev_cmd_head, long_name, long_run, 0\nlong_name: db \"showthecurrenttimefromthebiosclock\", 0\nlong_run: ret\n")}, "showthecurrenttimefromthebiosclock"},
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

// The stand-ins take the same hooks and do nothing: their commands exist
// (no "Unknown command") but print nothing; the stub's key handler passes
// keys on, the swallowing one eats them; the muted feature works but shows
// nothing.
func TestStandIns(t *testing.T) {
	all := allSpecs(t)
	base, _, err := v1Base(t).InstallAll([]*Spec{byName(t, all, "command_parser")})
	if err != nil {
		t.Fatal(err)
	}
	// A feature that takes a key and a command, and one called "stub" with
	// labels stub_*: the stand-ins' labels must not clash with it.
	keyAndCmd := &Spec{Name: "kc", Goal: "key and command", Hooks: map[string]string{"cmd_head": "kc_entry", "hook_key": "kc_key"}, Source: []byte(`
kc_entry: dw prev_cmd_head, kc_name, kc_run, 0
kc_name: db "kc", 0
kc_run: mov si, kc_name
        jmp print_string
kc_key: jmp prev_hook_key
`)}
	stubNamed := &Spec{Name: "stub", Goal: "a stub command", Hooks: map[string]string{"cmd_head": "stub_entry"}, Source: []byte(`
stub_entry: dw prev_cmd_head, stub_name, stub_run, 0
stub_name: db "stub", 0
stub_run: ret
`)}
	si, err := base.Install(stubNamed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if base, err = base.Apply(si); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec      *Spec
		scenarios map[string]string // build -> a scenario that passes on it
	}{
		{byName(t, all, "help"), map[string]string{
			"stub":  "wait \"pxOS>\"\ntype \"help\\n\"\nexpect-row 2 \"pxOS>\"\nexpect-not \"Unknown\"\nexpect-not \"Commands\"\n",
			"muted": "wait \"pxOS>\"\ntype \"help\\n\"\nexpect-row 2 \"pxOS>\"\nexpect-not \"Unknown\"\nexpect-not \"Commands\"\n"}},
		{twoCommands, map[string]string{
			"stub": "wait \"pxOS>\"\ntype \"pong\\n\"\nexpect-row 2 \"pxOS>\"\ntype \"ping\\n\"\nexpect-row 3 \"pxOS>\"\nexpect-not \"Unknown\"\n"}},
		{byName(t, all, "backspace"), map[string]string{
			"swallow": "wait \"pxOS>\"\ntype \"abc\"\nexpect-row 1 \"pxOS> \"\nexpect-not \"abc\"\ncursor 1 6\n"}},
		{byName(t, all, "command_parser"), nil},
		{keyAndCmd, map[string]string{
			"stub":    "wait \"pxOS>\"\ntype \"kc\\n\"\nexpect-row 1 \"pxOS> kc\"\nexpect-row 2 \"pxOS>\"\nexpect-not \"Unknown\"\n",
			"swallow": "wait \"pxOS>\"\ntype \"kc\\n\"\nexpect-row 1 \"pxOS>\"\nexpect-not \"kc\"\n",
			"muted":   "wait \"pxOS>\"\ntype \"kc\\n\"\nexpect-row 1 \"pxOS> kc\"\nexpect-row 2 \"pxOS>\"\nexpect-not \"Unknown\"\n"}},
	} {
		b := base
		if c.spec.Name == "command_parser" {
			b = v1Base(t)
		}
		inst, err := b.Install(c.spec, 0)
		if err != nil {
			t.Fatal(err)
		}
		variants, err := Stubs(inst, inst.Base)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := Muted(inst); m != nil {
			variants = append(variants, Variant{Build: "muted", Spec: m})
		}
		var got []string
		for _, v := range variants {
			got = append(got, v.Build)
			if hs, want := sortedKeys(v.Spec.Hooks), sortedKeys(c.spec.Hooks); strings.Join(hs, ",") != strings.Join(want, ",") {
				t.Errorf("%s %s: hooks %v, want %v", c.spec.Name, v.Build, hs, want)
			}
			vi, err := b.Install(v.Spec, 0)
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", c.spec.Name, v.Build, err, v.Spec.Source)
			}
			vb, err := b.Apply(vi)
			if err != nil {
				t.Fatal(err)
			}
			if src, ok := c.scenarios[v.Build]; ok {
				r := runOn(t, "emu", vb.Image.Floppy, parseScenario(t, c.spec.Name+"."+v.Build, []byte(src)))
				if !r.Passed {
					var w strings.Builder
					r.WriteReport(&w, false)
					t.Errorf("%s %s:\n%s", c.spec.Name, v.Build, w.String())
				}
			}
		}
		t.Logf("%s: %v", c.spec.Name, got)
	}
	// A command whose word is not text has no stub: no stand-in, an error.
	bad := &Spec{Name: "bad", Goal: "bad", Hooks: map[string]string{"cmd_head": "bad_entry"}, Source: []byte("bad_entry: dw prev_cmd_head, bad_name, bad_run, 0\nbad_name: db 1, 2, 3, 0\nbad_run: ret\n")}
	inst, err := base.Install(bad, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Stubs(inst, inst.Base); err == nil {
		t.Error("a stub for an unreadable command word")
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
		"Add 'help' command that shows available commands":    "help",
		"add ‘help’ command that shows   available commands.": "help",
		"ADD ‘help’ COMMAND that shows available commands":    "", // case counts after the first word
		"add 'help' command, that shows available commands":   "", // a comma is a difference
		"add HELP command, that shows available commands":     "", // quoted words keep their case
		"Implement command parser for basic commands":         "command_parser",
		"Add a 'cls' command":                                 "",
		"Add 'help' command":                                  "", // another goal: its own words
		"help":                                                "",
		"Удалить backspace":                                   "",
		"删除 help 命令":                                          "",
	} {
		got, ok := b.Recorded(goal)
		if ok != (want != "") || got.Name != want {
			t.Errorf("Recorded(%q) = %+v, %v; want %q", goal, got, ok, want)
		}
	}
}

func TestNormGoal(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Add 'help' command.", "add 'help' command", true},
		{"Add 'help' command!", "add 'help' command", false},
		{"Add 'help' command", "add help command", false},
		{"Добавить команду, которая показывает время.", "Добавить команду, которая показывает время", true},
		{"Добавить команду, которая показывает время", "добавить команду, которая показывает время", false},
		{"Add a command that prints +", "Add a command that prints -", false},
		{"Add a command that prints ☺", "Add a command that prints %", false},
		{"Add a 'hi' command that prints 'привет'", "Add a 'hi' command that prints 'пока'", false},
		{"Удалить backspace", "backspace", false},
		{"删除 help 命令", "help", false},
		{"!!!", "???", false},
		{"Add a 'HELP' command", "Add a 'help' command", false},
		{"Add a 'help' command", "add a ‘help’ command.", true},
		{"Add a '?' help command", "Add a help command", false},
		{"Add '/clear' command", "Add 'clear' command", false},
		{"Add 'a' and 'b' commands", "add 'a' and 'b' commands", true},
		{"Add 'a' and 'b' commands", "add 'a' and ' ' commands", false},
		{"Make the user's line longer", "make the users line longer", false},
		{"Make the user's line longer", "Make the user’s line longer.", true},
		{"Add a command that prints !", "Add a command that prints ?", false},
		{"Add a 'ok' command that prints OK", "Add a 'ok' command that prints ok", false},
		{"Add a 'pad' command that prints '42'", "Add a 'pad' command that prints ' 42'", false},
		{"ADD a 'ver' command", "add a 'ver' command", true},
		{"OK is printed by an 'ok' command", "ok is printed by an 'ok' command", false},
		{"Add a 'sp' command that prints 'a  b'", "Add a 'sp' command that prints 'a b'", false},
		{"Add a 'fact' command that prints 5", "Add a 'fact' command that prints 5!", false},
		{"Add a 'h' command that prints hello...", "Add a 'h' command that prints hello", false},
		{"", "", false},
	} {
		if got := SameGoal(c.a, c.b); got != c.same {
			t.Errorf("SameGoal(%q, %q) = %v, want %v", c.a, c.b, got, c.same)
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

// Muting is refused, with the reason, where it cannot hide the output: code
// that writes video memory, a source with %define; a comment or a message
// that mentions 0xB800 is no reason. Only line handlers are muted.
func TestMutedRefuses(t *testing.T) {
	base, _, err := v1Base(t).InstallAll([]*Spec{byName(t, allSpecs(t), "command_parser")})
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(body string) *Spec {
		return &Spec{Name: "vm", Goal: "vm", Hooks: map[string]string{"hook_line": "vm_line"},
			Source: []byte("vm_name: db \"vm\", 0\nvm_line:\n" + body + "        jmp prev_hook_line\n")}
	}
	for _, c := range []struct {
		spec *Spec
		why  string // "-" for muted, "" for not applicable
	}{
		{cmd("        push es\n        mov ax, 0xB800\n        mov es, ax\n        mov byte [es:0], 'X'\n        pop es\n"), "video memory"},
		{cmd("        mov ax, 0b800h\n"), "video memory"},
		{cmd("%define VM_X 1\n"), "%define"},
		{cmd("        nop ; not 0xB800, not %define\n"), "-"},
		{cmd("        mov si, vm_name ; 'quoted; still a comment' 0xB800\n        call print_string\n"), "-"},
		{cmd("        mov si, vm_seg\n        call print_string\n        jmp prev_hook_line\nvm_seg: db \"segment B800h\", 0\n"), "-"},
		{&Spec{Name: "kk", Goal: "kk", Hooks: map[string]string{"hook_key": "kk_key"}, Source: []byte("kk_key: jmp prev_hook_key\n")}, ""},
		{&Spec{Name: "cc", Goal: "cc", Hooks: map[string]string{"cmd_head": "cc_entry"}, Source: []byte("cc_entry: dw prev_cmd_head, cc_n, cc_r, 0\ncc_n: db \"cc\", 0\ncc_r: ret\n")}, ""},
	} {
		inst, err := base.Install(c.spec, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.spec.Source, err)
		}
		m, why := Muted(inst)
		switch {
		case c.why == "-" && (m == nil || why != ""):
			t.Errorf("%q: not muted: %s", c.spec.Source, why)
		case c.why == "" && (m != nil || why != ""):
			t.Errorf("%q: muted %v, why %q; want not applicable", c.spec.Source, m != nil, why)
		case c.why != "-" && c.why != "" && (m != nil || !strings.Contains(why, c.why)):
			t.Errorf("%q: muted %v, why %q; want %q", c.spec.Source, m != nil, why, c.why)
		}
	}
}

// A block header records a goal as written: blanks inside quotes stay, so
// a goal that differs only there is not recorded by it.
func TestHeaderKeepsQuotedBlanks(t *testing.T) {
	help := *byName(t, allSpecs(t), "help")
	help.Goal = "Add a 'sp' command that prints 'a  b'\tnow"
	b, _, err := v1Base(t).InstallAll([]*Spec{byName(t, allSpecs(t), "command_parser"), &help})
	if err != nil {
		t.Fatal(err)
	}
	bl := Blocks(b.Src)
	if got := bl[len(bl)-1].Goal; got != "Add a 'sp' command that prints 'a  b' now" {
		t.Errorf("header goal %q", got)
	}
	if _, ok := b.Recorded("Add a 'sp' command that prints 'a b' now"); ok {
		t.Error("'a b' is recorded by the block of 'a  b'")
	}
	if _, ok := b.Recorded("Add a 'sp' command that prints 'a  b' now"); !ok {
		t.Error("the goal is not recorded by its own block")
	}
}
