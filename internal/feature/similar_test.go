package feature

import (
	"math"
	"testing"
)

func TestGoalSimilarity(t *testing.T) {
	for _, c := range []struct {
		have, want string
		sim        float64
		covers     bool
	}{
		{"Add a time command that prints the time", "Add a 'time' command that shows the current time", 1, true},
		{"Add a 'time' command that prints the time", "Add a 'time' command that shows the current time in 12-hour format", 6.0 / 9, false},
		{"Add a 'time' command that shows the current time in 12-hour format", "Add a 'time' command that prints the time", 6.0 / 9, true},
		{"Add a 'dots' command that prints ten dots", "Add a 'dots' command that prints nine dots", 6.0 / 8, false},
		{"Add a 'dots' command that prints ten dots", "add a ‘dots’ command that prints ten dots!", 1, true},
		{"Add 'clear' command to clear screen", "Add a 'clear' command that clears the screen", 1, true},
		{"Add 'clear' command to clear screen", "Add a 'cls' command", 0, false},
		{"Add a 'hello' command that prints 'Hello, world'", "Add a 'hello' command that prints 'Hello world'", 6.0 / 10, false},
		{"Make backspace delete the last character", "Add backspace support to shell", 2.0 / 5, true},
		{"Add a command", "Implement a new command", 0, false},
		{"", "", 0, false},
	} {
		if got := GoalSimilarity(c.have, c.want); math.Abs(got-c.sim) > 1e-9 {
			t.Errorf("GoalSimilarity(%q, %q) = %.3f, want %.3f (%v vs %v)", c.have, c.want, got, c.sim, ContentWords(c.have), ContentWords(c.want))
		}
		if a, b := GoalSimilarity(c.have, c.want), GoalSimilarity(c.want, c.have); a != b {
			t.Errorf("not symmetric: %q %q: %v %v", c.have, c.want, a, b)
		}
		if got := Covers(c.have, c.want); got != c.covers {
			t.Errorf("Covers(%q, %q) = %v, want %v", c.have, c.want, got, c.covers)
		}
	}
}
