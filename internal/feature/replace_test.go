package feature

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// replaced returns spec's source with old replaced by new, once.
func replaced(t *testing.T, spec *Spec, old, new string) *Spec {
	t.Helper()
	if !bytes.Contains(spec.Source, []byte(old)) {
		t.Fatalf("%s's source lacks %q:\n%s", spec.Name, old, spec.Source)
	}
	s := *spec
	s.Source = bytes.Replace(spec.Source, []byte(old), []byte(new), 1)
	return &s
}

// sym is the value of a label of b.
func sym(t *testing.T, b *Base, name string) uint32 {
	t.Helper()
	s, ok := b.Image.Program.Symbols[name]
	if !ok {
		t.Fatalf("no label %s in the build", name)
	}
	return s.Value
}

// A feature's own source, put back in its place, gives back the file
// byte for byte: Replace changes nothing but the feature.
func TestReplaceSameSource(t *testing.T) {
	b := four(t)
	for _, name := range []string{"backspace", "command_parser", "help", "clear"} {
		spec, err := b.Source(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.Replace(name, spec)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Src, b.Src) {
			t.Errorf("%s put back from its own source changes the file", name)
		}
	}
}

// The same size: help says "Commandz:"; clear, after it, stays where it
// was, and the chains are as before (clear's entry links to help's).
func TestReplaceSameSize(t *testing.T) {
	b := four(t)
	spec, err := b.Source("help")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Replace("help", replaced(t, spec, `"Commands:"`, `"Commandz:"`))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got.Src, []byte(`COMMENT help_title: db "Commandz:", 0`)) {
		t.Error("the new help is not in the file")
	}
	if strings.Join(got.Installed(), ",") != "backspace,command_parser,help,clear" {
		t.Errorf("installed: %v", got.Installed())
	}
	for _, l := range []string{"help_entry", "help_run", "clear_entry", "clear_run"} {
		if sym(t, got, l) != sym(t, b, l) {
			t.Errorf("%s moved from 0x%04X to 0x%04X", l, sym(t, b, l), sym(t, got, l))
		}
	}
	if w := got.Image.Word(sym(t, got, "clear_entry")); w != uint16(sym(t, got, "help_entry")) {
		t.Errorf("clear's entry links to 0x%04X, want help's 0x%04X", w, sym(t, got, "help_entry"))
	}
	if w := got.Image.Word(sym(t, got, "cmd_head")); w != uint16(sym(t, got, "clear_entry")) {
		t.Errorf("cmd_head holds 0x%04X, want clear's entry", w)
	}
}

// A smaller version whose label moves: a later feature that jumps to it
// is installed again against the new address; it stays where it was.
func TestReplaceSmaller(t *testing.T) {
	b := four(t)
	again := &Spec{Name: "again", Goal: "Add an 'again' command", Hooks: map[string]string{"cmd_head": "again_entry"},
		Source: []byte("again_entry:\n dw prev_cmd_head\n dw again_name\n dw again_run\n dw again_name\nagain_name: db \"again\", 0\nagain_run:\n jmp clear_run\n"),
	}
	inst, err := b.Install(again, 0)
	if err != nil {
		t.Fatal(err)
	}
	if b, err = b.Apply(inst); err != nil {
		t.Fatal(err)
	}
	small := &Spec{Name: "clear", Goal: "Add 'clear' command to clear screen", Hooks: map[string]string{"cmd_head": "clear_entry"}, Requires: []string{"command_parser"},
		Source: []byte("clear_entry:\n dw prev_cmd_head, clear_name, clear_run, clear_text\nclear_run:\n jmp clear_screen\nclear_name: db \"clear\", 0\nclear_text: db \"clear the screen\", 0\n"),
	}
	got, err := b.Replace("clear", small)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := ParseBlocks(got.Src)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 5 || blocks[3].Name != "clear" || blocks[3].Size != 34 || blocks[4].Name != "again" {
		t.Fatalf("blocks after the replacement: %+v", blocks)
	}
	if !strings.Contains(string(blocks[3].Text), "requires command_parser") {
		t.Errorf("the new block lost its requirement:\n%s", blocks[3].Text)
	}
	run := sym(t, got, "clear_run")
	if run == sym(t, b, "clear_run") {
		t.Fatal("clear_run did not move: the test proves nothing")
	}
	if sym(t, got, "again_entry") != sym(t, b, "again_entry") {
		t.Error("again moved")
	}
	// again_run: jmp clear_run, E9 rel16 (or EB rel8) to the new address.
	at := sym(t, got, "again_run")
	code := got.Image.Floppy[at-0x7C00:]
	var target uint32
	switch code[0] {
	case 0xE9:
		target = at + 3 + uint32(uint16(code[1])|uint16(code[2])<<8)
	case 0xEB:
		target = at + 2 + uint32(int8(code[1]))
	default:
		t.Fatalf("again_run starts with %02X, not a jmp", code[0])
	}
	if target&0xFFFF != run {
		t.Errorf("again jumps to 0x%04X, want the new clear_run 0x%04X", target&0xFFFF, run)
	}
	if w := got.Image.Word(sym(t, got, "again_entry")); w != uint16(sym(t, got, "clear_entry")) {
		t.Errorf("again's entry links to 0x%04X, want clear's", w)
	}
}

// A version that grows into the next block is refused, and one that grows
// into free space (the last block) is fine.
func TestReplaceLarger(t *testing.T) {
	b := four(t)
	help, err := b.Source("help")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Replace("help", replaced(t, help, `"list the available commands"`, `"list the available commands of this fine system"`))
	if err == nil || !strings.Contains(err.Error(), "would overlap feature clear at 0x82FB-0x831D") || !strings.Contains(err.Error(), "the installed one has 113 bytes") {
		t.Errorf("a help that grows into clear: %v", err)
	}
	clear, err := b.Source("clear")
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Replace("clear", replaced(t, clear, `"clear the screen"`, `"clear the whole screen"`))
	if err != nil {
		t.Fatalf("the last feature grows into free space: %v", err)
	}
	if !got.Present("clear") {
		t.Error("clear is gone")
	}
}

func TestReplaceRefusals(t *testing.T) {
	b := four(t)
	help, err := b.Source("help")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Replace("echo", help); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "installed: backspace, command_parser, help, clear") {
		t.Errorf("replace echo: %v", err)
	}
	other := *help
	other.Name = "help2"
	if _, err := b.Replace("help", &other); err == nil || !strings.Contains(err.Error(), "called help2") {
		t.Errorf("a version with another name: %v", err)
	}
	slots := *help
	slots.Hooks = map[string]string{"cmd_head": "help_entry", "hook_key": "help_run"}
	if _, err := b.Replace("help", &slots); err == nil || !strings.Contains(err.Error(), "takes hooks cmd_head, hook_key, the installed one cmd_head") {
		t.Errorf("a version with other hooks: %v", err)
	}
	if _, err := b.Replace("help", replaced(t, help, "call newline", "call no_such_label")); err == nil || !strings.Contains(err.Error(), "no_such_label") {
		t.Errorf("a version that does not assemble: %v", err)
	}

	// A later block edited by hand would lose the edit.
	src := bytes.Replace(b.Src, []byte("# ==== end of feature clear"), []byte("COMMENT my hand note\n# ==== end of feature clear"), 1)
	eb, err := NewBase(b.File, src)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.Replace("help", help); err == nil || !strings.Contains(err.Error(), "feature clear's block was edited by hand") || !strings.Contains(err.Error(), "so help cannot be replaced under it") {
		t.Errorf("replace under an edited block: %v", err)
	}
	// A line after the blocks that is in none.
	lb, err := NewBase(b.File, append(bytes.Clone(b.Src), "COMMENT a loose line\n"...))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Replace("help", help); err == nil || !strings.Contains(err.Error(), "are not a feature block") {
		t.Errorf("replace with a loose line after the blocks: %v", err)
	}
}

// Before is the build help was written for: without help and clear.
func TestBefore(t *testing.T) {
	b := four(t)
	was, bl, err := b.Before("help")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(was.Installed(), ",") != "backspace,command_parser" || bl.Name != "help" || bl.Addr != sym(t, b, "help_entry") {
		t.Errorf("before help: %v, block %s at 0x%04X", was.Installed(), bl.Name, bl.Addr)
	}
	if _, _, err := b.Before("echo"); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("before echo: %v", err)
	}
}
