package feature

import (
	"strings"
	"testing"

	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// codeBlock returns the indented code block of the markdown page that
// contains marker, unindented.
func codeBlock(t *testing.T, page, marker string) string {
	t.Helper()
	var block []string
	for _, para := range strings.Split(page, "\n\n") {
		lines := strings.Split(para, "\n")
		ok := true
		for _, l := range lines {
			if !strings.HasPrefix(l, "    ") {
				ok = false
			}
		}
		if ok && strings.Contains(para, marker) {
			for _, l := range lines {
				block = append(block, strings.TrimPrefix(l, "    "))
			}
			return strings.Join(block, "\n") + "\n"
		}
	}
	t.Fatalf("API page: no code block with %q", marker)
	return ""
}

// TestAPIExample installs the command example of the API page (README.md)
// with the command parser and runs it: the page the model learns from shows
// code that works.
func TestAPIExample(t *testing.T) {
	src := codeBlock(t, string(readV1(t, pxosv1.APIFile)), "hello_entry:")
	hello := &Spec{Name: "hello", Goal: "say hello", SourceFile: "README.md(hello)", Source: []byte(src),
		Hooks: map[string]string{"cmd_head": "hello_entry"}}
	b, _, err := v1Base(t).InstallAll([]*Spec{byName(t, v1Specs(t), "command_parser"), hello})
	if err != nil {
		t.Fatal(err)
	}
	sc := parseScenario(t, "hello", []byte(`wait "pxOS>"
type "hello\n"
expect-row 2 "Hello!"
expect-row 3 "pxOS>"
cursor 3 6
`))
	if r := runOn(t, "emu", b.Image.Floppy, sc); !r.Passed {
		var s strings.Builder
		r.WriteReport(&s, false)
		t.Error(s.String())
	}
}
