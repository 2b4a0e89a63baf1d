package feature

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// four installs the shipped features in the seed's order.
func four(t *testing.T) *Base {
	t.Helper()
	specs := v1Specs(t)
	var order []*Spec
	for _, n := range []string{"backspace", "command_parser", "help", "clear"} {
		order = append(order, byName(t, specs, n))
	}
	b, _, err := v1Base(t).InstallAll(order)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Issue 16, item 2: a block's own lines give back the feature it was made
// from, byte for byte, so a block can be installed again elsewhere in a
// chain.
func TestBlockSpecRoundTrip(t *testing.T) {
	b := four(t)
	blocks, err := ParseBlocks(b.Src)
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 4 {
		t.Fatalf("%d blocks, want 4", len(blocks))
	}
	for _, bl := range blocks {
		spec, want, err := bl.Spec()
		if err != nil {
			t.Fatal(err)
		}
		was, err := NewBase(b.File, trimBlank(b.Src[:bl.Start]))
		if err != nil {
			t.Fatal(err)
		}
		inst, err := was.Install(spec, bl.Addr)
		if err != nil {
			t.Fatalf("%s: %v\n%s", bl.Name, err, spec.Source)
		}
		if !sameBytes(inst, want) {
			t.Errorf("%s: its block's source does not give back its bytes:\n%s", bl.Name, spec.Source)
		}
		if !bytes.Equal(inst.Block, bytes.TrimPrefix(bl.Text, nil)) && !bytes.Equal(inst.Block[1:], bl.Text) {
			t.Errorf("%s: re-rendered block differs:\n%s\nwant\n%s", bl.Name, inst.Block, bl.Text)
		}
	}
	if got := blocks[2].Requires; len(got) != 1 || got[0] != "command_parser" {
		t.Errorf("help's block records requires %q, want command_parser", got)
	}
	if got := blocks[0].Requires; got == nil || len(got) != 0 {
		t.Errorf("backspace's block records requires %#v, want none (an empty list)", got)
	}
}

func TestRemove(t *testing.T) {
	b := four(t)
	helpEntry := b.Image.Program.Symbols["help_entry"].Value

	// help in the middle: clear's command entry linked to help's; after
	// the removal it links past it (to what help linked to: none).
	got, again, err := b.Remove("help", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(again, ",") != "clear" {
		t.Errorf("installed again: %v, want clear", again)
	}
	if got.Present("help") || !got.Present("clear") || !got.Present("command_parser") {
		t.Errorf("installed after removing help: %v", got.Installed())
	}
	clearEntry := got.Image.Program.Symbols["clear_entry"].Value
	if w := got.Image.Word(clearEntry); w == uint16(helpEntry) || w != 0 {
		t.Errorf("clear's entry links to 0x%04X, want 0 (help's entry was 0x%04X)", w, helpEntry)
	}
	if w := got.Image.Word(got.Image.Program.Symbols["cmd_head"].Value); w != uint16(clearEntry) {
		t.Errorf("cmd_head holds 0x%04X, want clear's entry 0x%04X", w, clearEntry)
	}
	if bytes.Contains(got.Src, []byte("feature help")) {
		t.Error("help's block is still in the source")
	}
	// The result is what installing the three would give, but with clear
	// where it was.
	if got.Image.Program.Symbols["clear_entry"].Value != b.Image.Program.Symbols["clear_entry"].Value {
		t.Error("clear moved")
	}

	// The last block: the source is the build before it, exactly.
	last, again, err := b.Remove("clear", nil)
	if err != nil || len(again) != 0 {
		t.Fatalf("remove clear: %v, again %v", err, again)
	}
	blocks, _ := ParseBlocks(b.Src)
	if want := trimBlank(b.Src[:blocks[3].Start]); !bytes.Equal(last.Src, want) {
		t.Error("removing the last block does not give the build before it")
	}

	// A feature others require stays, and the error names them.
	_, _, err = b.Remove("command_parser", nil)
	var req *RequiredError
	if !errors.As(err, &req) || strings.Join(req.By, ",") != "help,clear" {
		t.Fatalf("remove command_parser: %v, want required by help, clear", err)
	}
	if !strings.Contains(err.Error(), "command_parser is required by help, clear") {
		t.Errorf("error: %v", err)
	}

	// Not installed.
	if _, _, err := b.Remove("echo", nil); !errors.Is(err, ErrNotInstalled) || !strings.Contains(err.Error(), "installed: backspace, command_parser, help, clear") {
		t.Errorf("remove echo: %v", err)
	}

	// A block from before pxos recorded requirements: requires answers.
	old := bytes.ReplaceAll(b.Src, []byte("; requires command_parser"), nil)
	ob, err := NewBase(b.File, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ob.Remove("command_parser", nil); err != nil {
		// without knowledge of the requirement it is removed...
		t.Fatalf("old blocks, no requires: %v", err)
	}
	shipped := func(name string) []string { return byName(t, v1Specs(t), name).Requires }
	if _, _, err := ob.Remove("command_parser", shipped); !errors.As(err, &req) {
		t.Errorf("old blocks with the shipped requirements: %v, want required", err)
	}
}

// A later feature that calls the removed one's code keeps it installed,
// with the assembler's reason.
func TestRemoveUsedCode(t *testing.T) {
	b := four(t)
	spec := &Spec{Name: "again", Goal: "Add an 'again' command", Hooks: map[string]string{"cmd_head": "again_entry"},
		Source: []byte("again_entry:\n dw prev_cmd_head\n dw again_name\n dw again_run\n dw again_name\nagain_name: db \"again\", 0\nagain_run:\n jmp clear_run\n"),
	}
	inst, err := b.Install(spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err = b.Apply(inst)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = b.Remove("clear", nil)
	if err == nil || !strings.Contains(err.Error(), "feature again") || !strings.Contains(err.Error(), "clear_run") {
		t.Errorf("remove clear under again: %v", err)
	}
}

// A block edited by hand is not silently re-rendered: the edit would be
// lost. Removing the edited block itself is fine.
func TestRemoveKeepsHandEdits(t *testing.T) {
	b := four(t)
	src := bytes.Replace(b.Src, []byte("# ==== end of feature clear"), []byte("COMMENT my hand note\n# ==== end of feature clear"), 1)
	eb, err := NewBase(b.File, src)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = eb.Remove("backspace", nil)
	if err == nil || !strings.Contains(err.Error(), `feature clear's block was edited by hand`) || !strings.Contains(err.Error(), `"COMMENT my hand note"`) {
		t.Errorf("remove under an edited block: %v", err)
	}
	if _, _, err := eb.Remove("clear", nil); err != nil {
		t.Errorf("remove the edited block itself: %v", err)
	}
}
