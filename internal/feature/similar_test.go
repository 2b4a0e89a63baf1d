package feature

import (
	"math"
	"testing"
)

// Equivalent goals say the same thing in other words; anything that
// changes the meaning (a number, a symbol, word order, a word of logic,
// the case of quoted text, a word more or less) makes them different. The
// cases that are not equivalent are those a break test found reused.
func TestEquivalent(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"Add a time command that prints the time", "Add a 'time' command that shows the current time", true},
		{"Add 'clear' command to clear screen", "Add a 'clear' command that clears the screen", true},
		{"Add a 'ver' command that prints the version", `add a "ver" command, which shows the version!`, true},
		{"Add a 'ver' command that prints the version", "ADD A 'ver' COMMAND THAT DISPLAYS THE VERSION.", true},
		{"Add a 'dots' command that prints ten dots", "Add a dots command that prints ten dots", true},
		{"Add a 'time' command that prints the time", "Add a 'time' command that shows the current time in 12-hour format", false},
		{"Add a 'dots' command that prints ten dots", "Add a 'dots' command that prints nine dots", false},
		{"Add 'clear' command to clear screen", "Add a 'cls' command", false},
		{"Add a 'hello' command that prints 'Hello, world'", "Add a 'hello' command that prints 'Hello world'", false},
		{"Add a 'count' command that counts down from 10 to 1", "Add a 'count' command that counts from 1 to 10", false},
		{"Add a 'conv' command that converts decimal to hex", "Add a 'conv' command that converts hex to decimal", false},
		{"Add a 'greet' command that prints Hello and never Goodbye", "Add a 'greet' command that prints Goodbye", false},
		{"Add a 'time' command that prints the date and time", "Add a date command that prints the date", false},
		{"Add a 'calc' command that prints 2+3", "Add a 'calc' command that prints 2*3", false},
		{"Add a 'shout' command that prints 'Hello'", "Add a 'shout' command that prints 'HELLO'", false},
		{"Add a 'clock' command that prints the time in 24-hour format, not 12-hour", "Add a 'clock' command that prints the time in 12-hour format", false},
		{"Add a 'ver' command", "Add a 'VER' command", false},
		{"Add a 'show' command", "Add a 'print' command", false},
		{"Add a 'sum' command that prints a + b", "Add a 'sum' command that prints a - b", false},
		{"Make backspace delete the last character", "Add backspace support to shell", false},
		{"Add a command", "Implement a new command", false},
		{"", "", false},
	} {
		if got := Equivalent(c.a, c.b); got != c.want {
			t.Errorf("Equivalent(%q, %q) = %v, want %v (%q vs %q)", c.a, c.b, got, c.want, ContentWords(c.a), ContentWords(c.b))
		}
		if Equivalent(c.a, c.b) != Equivalent(c.b, c.a) {
			t.Errorf("not symmetric: %q %q", c.a, c.b)
		}
	}
}

func TestGoalSimilarity(t *testing.T) {
	for _, c := range []struct {
		a, b string
		sim  float64
	}{
		{"Add a time command that prints the time", "Add a 'time' command that shows the current time", 1},
		{"Add a 'dots' command that prints ten dots", "Add a 'dots' command that prints nine dots", 4.0 / 6},
		{"Add a 'hello' command that prints 'Hello, world'", "Add a 'hello' command that prints 'Hello world'", 4.0 / 8},
		{"Make backspace delete the last character", "Add backspace support to shell", 2.0 / 5},
		{"Add 'clear' command to clear screen", "Add a 'cls' command", 0},
		{"", "", 0},
	} {
		if got := GoalSimilarity(c.a, c.b); math.Abs(got-c.sim) > 1e-9 {
			t.Errorf("GoalSimilarity(%q, %q) = %.3f, want %.3f (%q vs %q)", c.a, c.b, got, c.sim, ContentWords(c.a), ContentWords(c.b))
		}
		if a, b := GoalSimilarity(c.a, c.b), GoalSimilarity(c.b, c.a); a != b {
			t.Errorf("not symmetric: %q %q: %v %v", c.a, c.b, a, b)
		}
	}
}
