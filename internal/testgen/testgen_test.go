package testgen

import (
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
)

func TestOffline(t *testing.T) {
	spec := &feature.Spec{Name: "ver", Scenario: []byte("wait \"{prompt}\"\ntype \"ver\\n\"\nexpect-row 2 \"v1\"\nexpect \"v1\"\ncursor 3 6\n")}
	props := Offline(spec, []string{"ver", "version"})
	var names []string
	for _, p := range props {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "again empty_args longest_line empty_args_version longest_line_version" {
		t.Errorf("names: %s", got)
	}
	again := props[0].Scenario
	// The keys again, and only the row-free checks.
	if !strings.HasSuffix(again, "# The same keys again:\ntype \"ver\\n\"\nexpect \"v1\"\n") {
		t.Errorf("again:\n%s", again)
	}
	if !strings.Contains(props[2].Scenario, `type "ver aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"`) {
		t.Errorf("longest line:\n%s", props[2].Scenario)
	}
	if len(Offline(&feature.Spec{Scenario: []byte("wait \"x\"\n")}, nil)) != 0 {
		t.Error("a scenario that types nothing has no 'again'")
	}
}

func TestCleanName(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range [][2]string{{"Empty Args!", "empty_args"}, {"empty args", "empty_args_2"}, {"", "def"}, {"a-very-long-name-that-goes-on-and-on", "a_very_long_name_that_go"}} {
		if got := cleanName(c[0], "def", seen); got != c[1] {
			t.Errorf("cleanName(%q) = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestJudgeRefusesWithoutRunning(t *testing.T) {
	props := []Proposal{{Name: "bad", Scenario: "wait {prompt}\n"}, {Name: "nocheck", Scenario: "wait \"{prompt}\"\ntype \"x\"\n"}}
	Judge(t.Context(), nil, nil, props, nil)
	if props[0].Kept || !strings.HasPrefix(props[0].Reason, "does not parse") || props[1].Kept || props[1].Reason != "checks nothing (no expect, cursor or wait for a text)" {
		t.Errorf("%+v", props)
	}
}
