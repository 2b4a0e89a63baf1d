package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// optimizeAnswer is a model's answer with a new version of a feature, in
// the JSON schema of code requests.
func optimizeAnswer(t *testing.T, name, slot, handler, asm string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"explanation": "a smaller " + name,
		"name":        name,
		"assembly":    asm,
		"hooks":       []map[string]string{{"slot": slot, "handler": handler}},
		"requires":    []string{"command_parser"},
		"scenario":    "wait \"{prompt}\"\ntype \"" + name + "\\n\"\n",
		"infeasible":  "",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// brokenClear is smaller than clear and clears nothing.
const brokenClear = `clear_entry:
        dw prev_cmd_head, clear_name, clear_run, clear_text
clear_name:     db "clear", 0
clear_text:     db "clear the screen", 0
clear_run:
        ret
`

// smallerHelp is the shipped help with CR LF in its title instead of a
// call to newline after it: one byte smaller, the same screen.
func smallerHelp(t *testing.T) string {
	t.Helper()
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.FeatureDir+"/help/feature.asm")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	for _, r := range [][2]string{
		{`db "Commands:", 0`, `db "Commands:", 13, 10, 0`},
		{"call print_string\n        call newline\n        mov bx, [cmd_head]", "call print_string\n        mov bx, [cmd_head]"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("the shipped help lacks %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return s
}

// The cases, with a scripted model (an LLM test server on
// 127.0.0.1) and the built binary in a fresh workspace holding the four
// default features: a new version that breaks the feature's scenario is
// refused and nothing is written; one that is smaller and passes every
// scenario is kept, the features after it installed again, and the report
// shows the bytes and instructions before and after.
func TestOptimizeModel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pxos binary")
	}
	bin := buildPxos(t)
	dir := t.TempDir()
	pxos, expect := binRunner(t, bin, dir)
	for _, args := range [][]string{{"init"}, {"feature", "install", "backspace", "command_parser", "help", "clear"}} {
		if out, errs, code := pxos(nil, args...); code != 0 {
			t.Fatalf("pxos %s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errs)
		}
	}
	answers := map[string]string{
		"clear": optimizeAnswer(t, "clear", "cmd_head", "clear_entry", brokenClear),
		"help":  optimizeAnswer(t, "help", "cmd_head", "help_entry", smallerHelp(t)),
	}
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		for name, a := range answers {
			if strings.Contains(r.Last(), "the installed feature "+name+" ") {
				return llmtest.Reply{Content: a}
			}
		}
		return llmtest.Reply{Content: "no answer scripted for this request"}
	}})
	cmds := filepath.Join(dir, "pxos-v1.0", "pxos_commands.txt")
	img := filepath.Join(dir, "pxos.img")
	read := func(p string) []byte {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before, beforeImg := read(cmds), read(img)

	// (1) The model's clear does nothing: its scenario fails, it is refused.
	out, errs, code := pxos(nil, "optimize", "clear", "--provider", "openai", "--url", srv.URL)
	if code != 0 {
		t.Fatalf("pxos optimize clear: exit %d\n%s\n%s", code, out, errs)
	}
	expect("optimize clear", out, `(?m)^clear: refused: the new version fails feature_clear: .*feature_clear\.txt:\d+: `)
	expect("optimize clear", out, `(?m)^no smaller or faster version of clear; nothing was changed$`)
	expect("optimize clear's stderr", errs, `FAIL feature_clear \[emu\]`)
	if !bytes.Equal(read(cmds), before) || !bytes.Equal(read(img), beforeImg) {
		t.Error("a refused version changed the commands file or the image")
	}
	chats := srv.Chats()
	if len(chats) != 1 {
		t.Fatalf("%d chat requests, want 1", len(chats))
	}
	for _, want := range []string{"the installed feature clear (", "call clear_screen", "takes hooks cmd_head -> clear_entry", "expect-not \"some text\""} {
		if !strings.Contains(chats[0].Last(), want) {
			t.Errorf("the request lacks %q:\n%s", want, chats[0].Last())
		}
	}

	// (2) The model's help is a byte smaller and passes: kept, clear
	// after it installed again where it was, and the build still passes.
	out, errs, code = pxos(nil, "optimize", "help", "--provider", "openai", "--url", srv.URL)
	if code != 0 {
		t.Fatalf("pxos optimize help: exit %d\n%s\n%s", code, out, errs)
	}
	m := regexp.MustCompile(`(?m)^help: 113 -> 112 bytes, ([\d,]+) -> ([\d,]+) instructions \(scenario feature_help\)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("pxos optimize help reports no figures:\n%s\n%s", out, errs)
	}
	for _, n := range m[1:] {
		if v, err := strconv.Atoi(strings.ReplaceAll(n, ",", "")); err != nil || v < 1000 {
			t.Errorf("instructions %s: not a count of a whole run", n)
		}
	}
	expect("optimize help", out, `(?m)^  kept \(openai\): the regression suite passed, 13 scenarios$`)
	expect("optimize help", out, `(?m)^optimized 1 of 1 features \(113 -> 112 bytes\); wrote pxos-v1.0/pxos_commands.txt and pxos.img$`)
	after := string(read(cmds))
	expect("the commands file", after, `(?m)^COMMENT feature help at 0x828A-0x82F9 \(112 bytes\), hooks cmd_head; requires command_parser$`)
	expect("the commands file", after, `(?m)^COMMENT feature clear at 0x82FB-0x831D \(35 bytes\), hooks cmd_head; requires command_parser$`)
	expect("the commands file", after, `(?m)^# ==== feature help: Add 'help' command that shows available commands$`)
	if bytes.Equal(read(img), beforeImg) {
		t.Error("the image was not written")
	}
	out, _, code = pxos(nil, "test")
	if code != 0 {
		t.Errorf("pxos test after the optimization: exit %d\n%s", code, out)
	}
	expect("pxos test", out, `ok: 13 of 13 runs passed`)
}
