package docs

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// testFeatures are features of the tests alone, beside the shipped ones:
// a second key handler, a block with two command entries, and a prompt
// handler that replaces the default.
var testFeatures = []*feature.Spec{
	{Name: "quiet", Goal: "Swallow Esc", Hooks: map[string]string{"hook_key": "quiet_key"}, Source: []byte(`
quiet_key:
        cmp al, 27
        jne .pass
        stc
        ret
.pass:  jmp prev_hook_key
`)},
	{Name: "twins", Goal: "Add two commands in one block", Hooks: map[string]string{"cmd_head": "twins_entry"}, Source: []byte(`
twins_entry:    dw twins_two, twins_one_name, twins_run, twins_one_help
twins_two:      dw prev_cmd_head, twins_two_name, twins_run, 0
twins_one_name: db "one", 0
twins_two_name: db "two", 0
twins_one_help: db "the first twin", 0
twins_run:      ret
`)},
	{Name: "greet", Goal: "Show the prompt hi>", Hooks: map[string]string{"hook_prompt": "greet_prompt"}, Source: []byte(`
greet_prompt:   mov si, greet_text
                jmp print_string
greet_text:     db "hi> ", 0
`)},
}

// grow builds the shipped base with the features a case line names
// ("backspace help; remove help"), the build without them, and the
// blocks.
func grow(t testing.TB, names string) (b, base *feature.Base, blocks []feature.Block) {
	t.Helper()
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		t.Fatal(err)
	}
	base, err = feature.NewBase(pxosv1.CommandsFile, src)
	if err != nil {
		t.Fatal(err)
	}
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	specs = append(specs, testFeatures...)
	install, remove, _ := strings.Cut(names, ";")
	var order []*feature.Spec
	for _, n := range strings.Fields(install) {
		found := false
		for _, s := range specs {
			if s.Name == n {
				order, found = append(order, s), true
			}
		}
		if !found {
			t.Fatalf("no feature %s", n)
		}
	}
	b, _, err = base.InstallAll(order)
	if err != nil {
		t.Fatal(err)
	}
	if f := strings.Fields(remove); len(f) == 2 && f[0] == "remove" {
		if b, _, err = b.Remove(f[1], nil); err != nil {
			t.Fatal(err)
		}
	} else if len(f) > 0 {
		t.Fatalf("bad case %q", names)
	}
	blocks, err = feature.ParseBlocks(b.Src)
	if err != nil {
		t.Fatal(err)
	}
	return b, base, blocks
}

// cases reads the case lines of testdata/NAME: text before sep, text
// after it, and the line number.
func cases(t *testing.T, name, sep string, f func(line int, in, want string)) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		ln := strings.TrimSpace(sc.Text())
		if ln == "" || strings.HasPrefix(ln, "#") {
			continue
		}
		in, want, ok := strings.Cut(ln, sep)
		if !ok {
			t.Fatalf("testdata/%s:%d: no %q", name, n, sep)
		}
		f(n, strings.TrimSpace(in), strings.TrimSpace(want))
	}
}

func TestChains(t *testing.T) {
	cases(t, "chains.txt", "=>", func(line int, in, want string) {
		names, slot, _ := strings.Cut(in, "|")
		slot = strings.TrimSpace(slot)
		b, base, blocks := grow(t, names)
		var got []string
		found := false
		for _, ch := range Chains(b, base, blocks) {
			if ch.Slot != slot {
				continue
			}
			found = true
			if ch.Addr != uint32(b.Symbols()[slot]) {
				t.Errorf("chains.txt:%d: %s at 0x%04X, want 0x%04X", line, slot, ch.Addr, b.Symbols()[slot])
			}
			if ch.Broken != "" {
				t.Errorf("chains.txt:%d: broken: %s", line, ch.Broken)
			}
			for _, l := range ch.Links {
				s := l.Label
				if s == "" {
					s = fmt.Sprintf("0x%04X", l.Addr)
				}
				if l.Feature != "" {
					s += "(" + l.Feature + ")"
				}
				if l.Label != "" && uint16(b.Symbols()[l.Label]) != l.Addr {
					t.Errorf("chains.txt:%d: %s at 0x%04X, but the label is 0x%04X", line, l.Label, l.Addr, b.Symbols()[l.Label])
				}
				got = append(got, s)
			}
		}
		if !found {
			t.Errorf("chains.txt:%d: no chain for %s", line, slot)
		}
		if g := strings.Join(got, " "); g != want {
			t.Errorf("chains.txt:%d: %s:\n got %s\nwant %s", line, in, g, want)
		}
	})
}

// A chain whose recorded previous handlers loop is walked once round, and
// said so.
func TestChainLoop(t *testing.T) {
	b, base, blocks := grow(t, "backspace quiet")
	for i := range blocks {
		for j := range blocks[i].Hooks {
			if blocks[i].Name == "backspace" {
				blocks[i].Hooks[j].Old = uint16(b.Symbols()["quiet_key"])
			}
		}
	}
	for _, ch := range Chains(b, base, blocks) {
		if ch.Slot != "hook_key" {
			continue
		}
		if len(ch.Links) != 2 || !strings.Contains(ch.Broken, "loop") {
			t.Errorf("links %+v, broken %q", ch.Links, ch.Broken)
		}
	}
}

var wordHelpRE = regexp.MustCompile(`(\S+)\((\w+)\) "([^"]*)"`)

func TestCommands(t *testing.T) {
	cases(t, "commands.txt", "=>", func(line int, in, want string) {
		b, _, blocks := grow(t, in)
		var got []string
		for _, c := range Commands(b, blocks) {
			got = append(got, fmt.Sprintf("%s(%s) %q", c.Word, c.Feature, c.Help))
			if c.Feature != "" && c.HandlerL != "" && !strings.HasPrefix(c.HandlerL, c.Feature+"_") {
				t.Errorf("commands.txt:%d: %s: handler label %s", line, c.Word, c.HandlerL)
			}
		}
		var w []string
		for _, m := range wordHelpRE.FindAllStringSubmatch(want, -1) {
			w = append(w, fmt.Sprintf("%s(%s) %q", m[1], m[2], m[3]))
		}
		if strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("commands.txt:%d: %s:\n got %s\nwant %s", line, in, strings.Join(got, " "), strings.Join(w, " "))
		}
	})
}

// blockRangeRE is the range a block's COMMENT line records.
var blockRangeRE = regexp.MustCompile(`(?m)^COMMENT feature (\w+) at 0x([0-9A-F]+)-0x([0-9A-F]+) `)

// The map covers the loadable range without a gap or an overlap, gives
// each feature the range its block records, the base the range up to
// base_end, and is free where the build's summary says so.
func TestMap(t *testing.T) {
	for _, names := range []string{"", "backspace command_parser help clear", "backspace command_parser help clear; remove help", "command_parser help twins greet"} {
		b, base, blocks := grow(t, names)
		regions := Map(b, base, blocks)
		at := uint32(build.LoadBase)
		features := map[string]string{}
		var free []string
		for _, r := range regions {
			if r.Start != at || r.End <= r.Start {
				t.Errorf("%q: region %s (%s) after 0x%04X", names, r, r.Kind, at)
			}
			at = r.End
			switch r.Kind {
			case KindFeature:
				features[r.Feature] = r.String()
			case KindFree:
				free = append(free, r.String())
			case KindBase:
				if r.Start != 0x7E00 || int64(r.End) != base.Symbols()["base_end"] {
					t.Errorf("%q: base %s, want 0x7E00 to base_end 0x%04X", names, r, base.Symbols()["base_end"])
				}
			case KindBoot:
				if r.String() != "0x7C00-0x7DFF" {
					t.Errorf("%q: boot sector %s", names, r)
				}
			default:
				t.Errorf("%q: region %s is %s", names, r, r.Kind)
			}
		}
		if at != build.LoadEnd {
			t.Errorf("%q: the map ends at 0x%04X", names, at)
		}
		want := map[string]string{}
		for _, m := range blockRangeRE.FindAllStringSubmatch(string(b.Src), -1) {
			want[m[1]] = "0x" + m[2] + "-0x" + m[3]
		}
		if fmt.Sprint(features) != fmt.Sprint(want) {
			t.Errorf("%q: features %v, want %v", names, features, want)
		}
		var wantFree []string
		for _, r := range b.Image.Summary.Free {
			if r.Start >= 0x7E00 { // below, the boot sector's unwritten bytes
				wantFree = append(wantFree, Region{Start: r.Start, End: r.End}.String())
			}
		}
		if strings.Join(free, " ") != strings.Join(wantFree, " ") {
			t.Errorf("%q: free %v, want %v", names, free, wantFree)
		}
	}
}

// Bytes written outside the base and every block (a hand edit) are in the
// map, as such.
func TestMapOther(t *testing.T) {
	b, base, _ := grow(t, "backspace")
	src := append(append([]byte{}, b.Src...), "\nWRITE 0x9000 0x90\nWRITE 0x9001 0x90\n"...)
	hand, err := feature.NewBase("hand.txt", src)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := feature.ParseBlocks(hand.Src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range Map(hand, base, blocks) {
		if r.Kind == KindOther {
			got = append(got, r.String())
		}
	}
	if strings.Join(got, " ") != "0x9000-0x9001" {
		t.Errorf("other: %v, want 0x9000-0x9001", got)
	}
}

// keptScenarios writes the shipped features' scenarios as kept ones
// (feature_NAME.txt) into a new directory.
func keptScenarios(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if err := os.WriteFile(filepath.Join(dir, feature.MarkerPrefix+s.Name+".txt"), s.Scenario, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// The manual of the four default features, examples run on the built-in
// emulator: what a reader looks for is where it belongs.
func TestManual(t *testing.T) {
	b, _, _ := grow(t, "backspace command_parser help clear")
	api, _ := fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	m, err := New(context.Background(), b, Options{Source: "cmds.txt", Scenarios: keptScenarios(t), API: api, APIFile: "README.md"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Features {
		if f.Example == nil || !f.Example.Passed || f.Source == "" {
			t.Errorf("feature %s: example %+v, source %d bytes", f.Name, f.Example, len(f.Source))
		}
	}
	var md, page bytes.Buffer
	if err := m.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := m.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	doc := md.String()
	section := func(head string) string {
		i := strings.Index(doc, "\n"+head+"\n")
		if i < 0 {
			t.Fatalf("no section %q:\n%s", head, doc)
		}
		rest := doc[i+len(head)+2:]
		if j := strings.Index(rest, "\n#"); j >= 0 {
			rest = rest[:j]
		}
		return rest
	}
	for head, wants := range map[string][]string{
		"### help":                   {"list the available commands", "```text\n", "  clear - clear the screen"},
		"### clear":                  {"clear the screen", "feature [clear](#feature-clear)"},
		"### feature command_parser": {"Unknown command: foo", "parser_line:", "Goal: Implement command parser"},
		"## Memory map":              {"| 0x81C0-0x81EB | 44 | feature [backspace](#feature-backspace) |"},
		"## Hook chains":             {"`clear_entry` 0x"},
	} {
		s := section(head)
		for _, w := range wants {
			if !strings.Contains(s, w) {
				t.Errorf("section %s lacks %q:\n%s", head, w, s)
			}
		}
	}
	if !strings.Contains(doc, "\n### pxOS v1.1 API\n") || !strings.Contains(doc, "No model wrote any of it.") {
		t.Error("the API page is not at the end, two levels down, or the manual claims a model")
	}
	h := page.String()
	for _, w := range []string{`<h3 id="feature-command_parser">`, "Unknown command: foo", `<pre class="screen">`, "<h4>Hook slots</h4>", "<td><code>hook_key</code></td>"} {
		if !strings.Contains(h, w) {
			t.Errorf("the HTML lacks %q", w)
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "http://", "https://"} {
		if strings.Contains(h, bad) {
			t.Errorf("the HTML holds %q: it should need nothing beside it", bad)
		}
	}
}

// Text from the build reaches the HTML escaped and the Markdown inert.
func TestManualEscapes(t *testing.T) {
	spec := &feature.Spec{Name: "evil", Goal: "Add <script>alert(1)</script> *now*", Hooks: map[string]string{"cmd_head": "evil_entry"}, Source: []byte(`
evil_entry: dw prev_cmd_head, evil_name, evil_run, evil_help
evil_name:  db "<b>", 0
evil_help:  db "a ` + "`tick`" + ` & <i>tag</i> | pipe", 0
evil_run:   ret
`)}
	b, _, _ := grow(t, "")
	b, _, err := b.InstallAll([]*feature.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(context.Background(), b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var md, page bytes.Buffer
	m.WriteMarkdown(&md)
	m.WriteHTML(&page)
	text := regexp.MustCompile("(?s)\n```+nasm\n.*?\n```+\n").ReplaceAllString(md.String(), "\n")
	for _, bad := range []string{"<script>", "<b>", "<i>"} {
		if strings.Contains(page.String(), bad) {
			t.Errorf("the HTML holds %q", bad)
		}
		if strings.Count(text, bad) != strings.Count(text, "`"+bad+"`") {
			t.Errorf("the Markdown holds %q outside code", bad)
		}
	}
	if !strings.Contains(md.String(), `| a \`+"`"+`tick\`+"`"+` &amp; &lt;i&gt;tag&lt;/i&gt; \| pipe |`) {
		t.Errorf("the help text's table cell:\n%s", md.String())
	}
}

// A scenario that fails on the build is shown as failed, with its screen.
func TestExampleFails(t *testing.T) {
	b, _, _ := grow(t, "backspace")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "feature_backspace.txt"), []byte("wait \"{prompt}\"\ntype \"abc\"\nexpect \"xyz\"\n"), 0o644)
	m, err := New(context.Background(), b, Options{Scenarios: dir, ScenarioName: filepath.Base})
	if err != nil {
		t.Fatal(err)
	}
	ex := m.Features[0].Example
	if ex == nil || ex.Passed || ex.Err == "" || len(ex.Rows) == 0 || !strings.HasSuffix(ex.Rows[len(ex.Rows)-1], "abc") {
		t.Fatalf("example %+v", ex)
	}
	var md bytes.Buffer
	m.WriteMarkdown(&md)
	if !strings.Contains(md.String(), "`feature_backspace.txt` on the built-in emulator, its rows that are not blank (the scenario failed on this build)") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

// Examples run through Options.Run; an interrupted run is an error, not
// a manual with holes.
func TestExampleInterrupted(t *testing.T) {
	b, _, _ := grow(t, "backspace")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := New(ctx, b, Options{Scenarios: keptScenarios(t), Run: func(ctx context.Context, img []byte, sc *scenario.Scenario) *scenario.Result {
		cancel()
		return &scenario.Result{}
	}})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("err %v", err)
	}
}

func TestProse(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "Type it.\n\n  <b>Really</b>."}
	}})
	b, _, _ := grow(t, "command_parser help clear")
	m, err := New(context.Background(), b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if errs := m.AddProse(context.Background(), llm.New(llm.Config{URL: srv.URL}), "test-model", llm.Request{MaxTokens: 200}); len(errs) > 0 {
		t.Fatal(errs)
	}
	if m.ProseBy != "test-model" || m.Commands[0].Prose != "Type it. <b>Really</b>." {
		t.Fatalf("prose by %q: %q", m.ProseBy, m.Commands[0].Prose)
	}
	if n := len(srv.Chats()); n != 2 || !strings.Contains(srv.Chats()[0].Last(), `"clear"`) {
		t.Errorf("%d chats", n)
	}
	var md, page bytes.Buffer
	m.WriteMarkdown(&md)
	m.WriteHTML(&page)
	if !strings.Contains(md.String(), "> **Written by test-model, not checked:** Type it. &lt;b&gt;Really&lt;/b&gt;.") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if !strings.Contains(page.String(), `<span class="by">Written by test-model, not checked:</span> Type it. &lt;b&gt;Really&lt;/b&gt;.`) {
		t.Errorf("html lacks the marked prose")
	}
}

// With no server there is no prose, one reason, and the manual says no
// model wrote it.
func TestProseNoServer(t *testing.T) {
	srv := llmtest.Start(llmtest.Options{})
	url := srv.URL
	srv.Close()
	b, _, _ := grow(t, "command_parser help clear")
	m, _ := New(context.Background(), b, Options{})
	errs := m.AddProse(context.Background(), llm.New(llm.Config{URL: url, Tries: 1}), "test-model", llm.Request{MaxTokens: 200})
	if len(errs) != 1 || m.ProseBy != "" || m.Commands[0].Prose != "" {
		t.Errorf("errs %v, prose by %q", errs, m.ProseBy)
	}
}

func TestDemote(t *testing.T) {
	in := "# Title\n\n## Part\n\n    # not a heading\n```\n# nor this\n```\n#nope\n###### six\n"
	want := "### Title\n\n#### Part\n\n    # not a heading\n```\n# nor this\n```\n#nope\n###### six\n"
	if got := demote(in, 2); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderMarkdown(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"# A `b`", "<h1>A <code>b</code></h1>\n"},
		{"<!-- topic: x -->\ntext\n<!-- end -->", "<p>text</p>\n"},
		{"| a | b |\n|---|---|\n| `x\\|y` | **z** |", "<table>\n<tr><th>a</th><th>b</th></tr>\n<tr><td><code>x|y</code></td><td><strong>z</strong></td></tr>\n</table>\n"},
		{"Text\n\n    code <x>\n      more\n\nafter", "<p>Text</p>\n<pre><code>code &lt;x&gt;\n  more</code></pre>\n<p>after</p>\n"},
		{"- one\n  two\n- three", "<ul>\n<li>one two</li>\n<li>three</li>\n</ul>\n"},
		{"[a](https://x.org/) [b](file.md) <script>", "<p><a href=\"https://x.org/\">a</a> b &lt;script&gt;</p>\n"},
	} {
		if got := string(renderMarkdown(tt.in)); got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

// A help text shows in the manual as help prints it: line ends as " / ",
// code page 437 bytes as their characters.
func TestHelpTextAsShown(t *testing.T) {
	b, base, _ := grow(t, "command_parser")
	spec := &feature.Spec{Name: "two", Goal: "two lines of help", Hooks: map[string]string{"cmd_head": "two_entry"}, Requires: []string{"command_parser"},
		Source: []byte("two_entry: dw prev_cmd_head, two_name, two_run, two_help\ntwo_name: db \"two\", 0\ntwo_help: db \"first line\", 13, 10, \"caf\", 0x82, \" <b>\", 0\ntwo_run: ret\n")}
	inst, err := b.Install(spec, 0)
	if err != nil {
		t.Fatal(err)
	}
	grown, err := b.Apply(inst)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := feature.ParseBlocks(grown.Src)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range Commands(grown, blocks) {
		if c.Word == "two" {
			found = true
			if c.Help != "first line / café <b>" {
				t.Errorf("help text %q", c.Help)
			}
		}
	}
	if !found {
		t.Error("no command two")
	}
	_ = base
}
