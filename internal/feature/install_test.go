package feature

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// seedGoals are the seed's four default goals and the features that meet them.
var seedGoals = map[string]string{
	"backspace":      "Add backspace support to shell",
	"command_parser": "Implement command parser for basic commands",
	"help":           "Add 'help' command that shows available commands",
	"clear":          "Add 'clear' command to clear screen",
}

func v1Specs(t testing.TB) []*Spec {
	t.Helper()
	specs, err := LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	return specs
}

// allSpecs are the shipped features plus the test-only ones in testdata.
func allSpecs(t testing.TB) []*Spec {
	t.Helper()
	extra, err := LoadAll(os.DirFS("testdata"), "features")
	if err != nil {
		t.Fatal(err)
	}
	return append(v1Specs(t), extra...)
}

func byName(t testing.TB, specs []*Spec, name string) *Spec {
	t.Helper()
	for _, s := range specs {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no feature %s", name)
	return nil
}

func TestLoadDefaults(t *testing.T) {
	specs := v1Specs(t)
	if len(specs) != len(seedGoals) {
		t.Fatalf("loaded %d features, want %d", len(specs), len(seedGoals))
	}
	base := v1Base(t)
	for _, s := range specs {
		if want, ok := seedGoals[s.Name]; !ok || s.Goal != want {
			t.Errorf("%s: goal %q, want %q", s.Name, s.Goal, want)
		}
		if len(s.Hooks) == 0 || len(s.Keywords) == 0 {
			t.Errorf("%s: no hooks or keywords", s.Name)
		}
		if _, err := scenario.Parse(s.ScenarioFile, s.Scenario); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		inst, err := base.Install(s, 0)
		if err != nil {
			t.Errorf("%s: %v", s.Name, err)
			continue
		}
		if got := len(inst.Result.Bytes); got != s.Size {
			t.Errorf("%s: assembles to %d bytes, feature.json says %d", s.Name, got, s.Size)
		}
	}
}

func TestParseMetaErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"{\n\"name\": \"x\",\n\"goal\": \"g\",\n\"hooks\": {},\n\"hoks\": 1}", "x.json:5: unknown field"},
		{"{\n\"name\": \"Bad Name\",\n\"goal\": \"g\"}", "x.json:2: name \"Bad Name\""},
		{"{\n\"name\": \"x\",\n\"goal\": \"\"}", "x.json:3: goal is empty"},
		{"{\n\"name\": \"x\",\n\"goal\": \"g\",\n\"hooks\": {\"hook_disk\": \"x\"}}", "x.json:4: \"hook_disk\" is not a hook slot"},
		{"{\n\"name\": \"x\",\n\"goal\": \"g\",\n\"hooks\": {\"hook_key\": 5}}", "x.json:4: cannot unmarshal"},
		{"{\n\"name\": \"x\",\n\"goal\": \"g\",\n", "x.json:4: unexpected EOF"},
	} {
		_, err := ParseMeta("x.json", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseMeta(%q) = %v, want an error containing %q", c.src, err, c.want)
		}
	}
}

func TestInstallBlock(t *testing.T) {
	specs := v1Specs(t)
	base := v1Base(t)
	baseEnd := base.Image.Program.Symbols["base_end"].Value
	noHandler := uint16(base.Image.Program.Symbols["no_handler"].Value)

	bs := byName(t, specs, "backspace")
	inst, err := base.Install(bs, 0)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Addr != baseEnd {
		t.Errorf("installed at 0x%04X, want the first free byte 0x%04X", inst.Addr, baseEnd)
	}
	handler := uint16(inst.Result.Symbols["backspace_key"])
	if len(inst.Hooks) != 1 || inst.Hooks[0] != (Hook{"hook_key", 0x7E00, "backspace_key", noHandler, handler}) {
		t.Errorf("hooks %+v", inst.Hooks)
	}
	block := string(inst.Block)
	for _, want := range []string{
		"# ==== feature backspace: Add backspace support to shell\n",
		fmt.Sprintf("DEFINE feature_backspace 0x%04X\n", baseEnd),
		fmt.Sprintf("DEFINE backspace_key 0x%04X\n", handler),
		fmt.Sprintf("COMMENT install hook_key -> backspace_key (previous: 0x%04X)\n", noHandler),
		fmt.Sprintf("WRITE hook_key 0x%02X\nWRITE hook_key+1 0x%02X\n", handler&0xFF, handler>>8),
		"COMMENT cmp al, 8\n",
	} {
		if !strings.Contains(block, want) {
			t.Errorf("block lacks %q:\n%s", want, block)
		}
	}
	b2, err := base.Apply(inst)
	if err != nil {
		t.Fatal(err)
	}
	if !b2.Present("backspace") || base.Present("backspace") || !Present(b2.Image.Program, "backspace") {
		t.Error("Present does not see the installation")
	}
	if got := b2.Installed(); len(got) != 1 || got[0] != "backspace" {
		t.Errorf("Installed() = %v", got)
	}
	if got := b2.Image.Word(0x7E00); got != handler {
		t.Errorf("hook_key holds 0x%04X, want 0x%04X", got, handler)
	}
	off := inst.Addr - 0x7C00
	if !bytes.Equal(b2.Image.Floppy[off:off+uint32(len(inst.Result.Bytes))], inst.Result.Bytes) {
		t.Error("the image does not hold the feature's bytes at its address")
	}
	if p := b2.Image.Summary.Patches; len(p) != 1 || p[0].Range.Start != 0x7E00 || p[0].Range.End != 0x7E02 {
		t.Errorf("patches %v, want only hook_key's word", p)
	}

	// Installing twice is detected.
	if _, err := b2.Install(bs, 0); !errors.Is(err, ErrInstalled) {
		t.Errorf("second install: %v, want ErrInstalled", err)
	}

	// A second key handler chains to the first: prev_hook_key is backspace_key.
	up := &Spec{Name: "shout", Goal: "g", Hooks: map[string]string{"hook_key": "shout_key"}, SourceFile: "shout.asm",
		Source: []byte("shout_key:\n  jmp prev_hook_key\n")}
	i3, err := b2.Install(up, 0)
	if err != nil {
		t.Fatal(err)
	}
	if i3.Addr != inst.End || i3.Hooks[0].Old != handler {
		t.Errorf("second handler at 0x%04X (want 0x%04X), previous 0x%04X (want 0x%04X)", i3.Addr, inst.End, i3.Hooks[0].Old, handler)
	}
	// jmp rel: E9 lo hi or EB rel8, relative to the next instruction.
	code := i3.Result.Bytes
	var target uint32
	switch code[0] {
	case 0xEB:
		target = i3.Addr + 2 + uint32(int8(code[1]))
	case 0xE9:
		target = uint32(uint16(i3.Addr + 3 + (uint32(code[1]) | uint32(code[2])<<8)))
	}
	if target != uint32(handler) {
		t.Errorf("shout_key jumps to 0x%04X, want backspace_key 0x%04X (code % X)", target, handler, code)
	}

	// A fixed address on the base's code, or past the loadable range, is refused.
	if _, err := base.Install(bs, 0x7E20); err == nil || !strings.Contains(err.Error(), "overlaps") {
		t.Errorf("install on base code: %v", err)
	}
	if _, err := base.Install(bs, 0xFFF0); err == nil || !strings.Contains(err.Error(), "outside") {
		t.Errorf("install past 0xFFFF: %v", err)
	}
}

func TestInstallNoRoom(t *testing.T) {
	base := v1Base(t)
	big := &Spec{Name: "big", Goal: "g", SourceFile: "big.asm", Hooks: map[string]string{"hook_key": "big_key"},
		Source: []byte("big_key:\n jmp prev_hook_key\n times 0x9000 db 0\n")}
	if _, err := base.Install(big, 0); err == nil || !strings.Contains(err.Error(), "no free range holds") {
		t.Errorf("oversized feature: %v", err)
	}
}

var errorRE = regexp.MustCompile(`;\s*ERROR\s+"([^"]*)"`)

// TestInstallErrors installs each testdata/errors/*.asm (hooks from its first
// line) and checks that every line marked `; ERROR "text"` gets a positioned
// error (file:line) containing text, and no other line does.
func TestInstallErrors(t *testing.T) {
	base := v1Base(t)
	files, _ := filepath.Glob("testdata/errors/*.asm")
	if len(files) == 0 {
		t.Fatal("no testdata/errors/*.asm")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(src), "\n")
			first = strings.TrimPrefix(first, "; hooks:")
			first, _, _ = strings.Cut(first, ";")
			f := &Spec{Name: "bad", Goal: "g", Source: src, SourceFile: file, MetaFile: file, metaSrc: src}
			if err := json.Unmarshal([]byte(first), &f.Hooks); err != nil {
				t.Fatalf("first line: %v", err)
			}
			want := map[int]string{}
			sc := bufio.NewScanner(bytes.NewReader(src))
			for n := 1; sc.Scan(); n++ {
				if m := errorRE.FindStringSubmatch(sc.Text()); m != nil {
					want[n] = m[1]
				}
			}
			_, err = base.Install(f, 0)
			var list diag.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %v (%T), want a diag.ErrorList", err, err)
			}
			got := map[int]bool{}
			for _, e := range list {
				if e.Pos.File != file {
					t.Errorf("error in %q, want %q: %v", e.Pos.File, file, e)
				}
				w, ok := want[e.Pos.Line]
				if !ok {
					t.Errorf("unexpected error: %v", e)
					continue
				}
				if !strings.Contains(e.Msg, w) {
					t.Errorf("line %d: %q does not contain %q", e.Pos.Line, e.Msg, w)
				}
				got[e.Pos.Line] = true
			}
			for line, w := range want {
				if !got[line] {
					t.Errorf("%s:%d: no error (want %q); got:\n%v", file, line, w, err)
				}
			}
		})
	}
}

func TestMatch(t *testing.T) {
	specs := v1Specs(t)
	data, err := os.ReadFile("testdata/match.txt")
	if err != nil {
		t.Fatal(err)
	}
	for n, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || line[0] == '#' {
			continue
		}
		goal, want, _ := strings.Cut(line, "|")
		want = strings.TrimSpace(want)
		got := "-"
		if s := Match(specs, goal); s != nil {
			got = s.Name
		}
		if got != want {
			t.Errorf("match.txt:%d: Match(%q) = %s, want %s", n+1, strings.TrimSpace(goal), got, want)
		}
	}
}

func TestOrder(t *testing.T) {
	specs := allSpecs(t)
	got, err := WithRequires(specs, "echo", "help")
	if err != nil {
		t.Fatal(err)
	}
	if names := specNames(got); names != "command_parser echo help" {
		t.Errorf("WithRequires(echo, help) = %s", names)
	}
	ordered, err := Order(specs)
	if err != nil {
		t.Fatal(err)
	}
	pos := map[string]int{}
	for i, s := range ordered {
		pos[s.Name] = i
	}
	for _, s := range ordered {
		for _, r := range s.Requires {
			if pos[r] > pos[s.Name] {
				t.Errorf("Order: %s before its requirement %s", s.Name, r)
			}
		}
	}
	a := &Spec{Name: "a", Requires: []string{"b"}}
	b := &Spec{Name: "b", Requires: []string{"a"}}
	if _, err := Order([]*Spec{a, b}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
	if _, err := Order([]*Spec{{Name: "c", Requires: []string{"zzz"}}}); err == nil || !strings.Contains(err.Error(), "zzz") {
		t.Errorf("missing requirement: %v", err)
	}
}

func specNames(specs []*Spec) string {
	var s []string
	for _, x := range specs {
		s = append(s, x.Name)
	}
	return strings.Join(s, " ")
}
