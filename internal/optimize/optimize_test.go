package optimize

import (
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
)

func TestBetter(t *testing.T) {
	for _, c := range []struct {
		before, after Figures
		want          bool
	}{
		{Figures{35, 100}, Figures{34, 100}, true},  // smaller
		{Figures{35, 100}, Figures{34, 120}, true},  // smaller counts first
		{Figures{35, 100}, Figures{35, 99}, true},   // as small, faster
		{Figures{35, 100}, Figures{35, 100}, false}, // no change
		{Figures{35, 100}, Figures{36, 50}, false},  // larger
		{Figures{35, 0}, Figures{35, 0}, false},     // not counted, as small
	} {
		if got := better(c.before, c.after); got != c.want {
			t.Errorf("better(%v, %v) = %v, want %v", c.before, c.after, got, c.want)
		}
	}
}

func TestOutcomeString(t *testing.T) {
	for _, c := range []struct {
		o    Outcome
		want string
	}{
		{Outcome{Name: "clear", Scenario: "feature_clear", Before: Figures{35, 1234567}, After: Figures{34, 1234566}, Kept: true},
			"clear: 35 -> 34 bytes, 1,234,567 -> 1,234,566 instructions (scenario feature_clear)"},
		{Outcome{Name: "echo", Before: Figures{Bytes: 20}, After: Figures{Bytes: 19}, Kept: true},
			"echo: 20 -> 19 bytes (no kept scenario: instructions not counted)"},
		{Outcome{Name: "clear", Scenario: "feature_clear", Before: Figures{Bytes: 35}, After: Figures{Bytes: 32}, Made: true, Reason: "the new version fails feature_clear"},
			"clear: refused: the new version fails feature_clear"},
		{Outcome{Name: "help", Before: Figures{Bytes: 113}, Reason: "no smaller version: no peephole rule applies"},
			"help: no smaller version: no peephole rule applies"},
	} {
		if got := c.o.String(); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
	for n, want := range map[uint64]string{0: "0", 999: "999", 1000: "1,000", 6504: "6,504", 12345678: "12,345,678"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// The model is asked for the feature as its block has it: source, goal,
// address, size, hooks, requirements and scenario.
func TestRequest(t *testing.T) {
	spec := &feature.Spec{Name: "clear", Goal: "Add 'clear' command to clear screen", Requires: []string{"command_parser"},
		Source: []byte("clear_run:\ncall clear_screen\nret\n")}
	bl := feature.Block{Name: "clear", Addr: 0x82FB, Size: 35, Hooks: []feature.Hook{{Slot: "cmd_head", Handler: "clear_entry"}}}
	got := request(spec, bl, []byte("wait \"{prompt}\"\ntype \"clear\\n\"\n"))
	for _, want := range []string{
		`a smaller or faster version of the installed feature clear ("Add 'clear' command to clear screen")`,
		"installed at 0x82FB (35 bytes) and takes hooks cmd_head -> clear_entry; it requires command_parser.",
		"Its source now:\nclear_run:\ncall clear_screen\nret\n\nIts scenario:\nwait \"{prompt}\"\ntype \"clear\\n\"",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the request lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(request(spec, bl, nil), "Its scenario") {
		t.Error("a feature with no kept scenario is asked with one")
	}
}

// A version that prints other text is no optimisation: the strings of the
// two sources are compared as multisets.
func TestTextDiff(t *testing.T) {
	old := []byte("e: dw prev_cmd_head, n, r, h\nn: db \"ver\", 0\nh: db \"show the pxOS version\", 0 ; help\nr: mov al, 'x'\n")
	for _, c := range []struct {
		src, gone, added string
	}{
		{"n: db \"ver\", 0\nh: db \"show the pxOS version\", 0\n", "", ""},
		{"h: db \"show the pxOS version\", 0\nn: db \"ver\", 0\nmov al, 'y'\n", "", ""},
		{"n: db \"ver\", 0\nh: db \"version\", 0\n", "show the pxOS version", "version"},
		{"h: db \"show the pxOS version\", 0\n", "ver", ""},
	} {
		gone, added := textDiff(old, []byte(c.src))
		if gone != c.gone || added != c.added {
			t.Errorf("%q: gone %q added %q, want %q %q", c.src, gone, added, c.gone, c.added)
		}
	}
}
