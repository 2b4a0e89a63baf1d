package feature

import (
	"math"
	"strings"
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
		// The same meaning in other words.
		{"Add a time command that prints the time", "Add a 'time' command that shows the current time", true},
		{"Add a 'ver' command that prints the version", `add a "ver" command that prints the version.`, true},
		{"Add a 'ver' command that prints the version", `add a "ver" command that shows the version.`, false},
		{"Add a 'd' command that prints the date", "Add a 'd' command that displays the current date.", true},
		{"Add a 'c' command that prints the clock", "Add a 'c' command that shows the clock", false},
		{"Add a 'ver' command that prints the version", `add a "ver" command, which shows the version!`, false},
		{"Add a dots command that prints ten dots", "Add a 'dots' command that prints ten dots", true},
		// An unquoted word before "command" may describe it: a goal that
		// does not quote it is not met by a command of that name.
		{"Add a 'dots' command that prints ten dots", "Add a dots command that prints ten dots", false},
		{"Add a 'hidden' command that prints 42", "Add a hidden command that prints 42", false},
		{"Add a 'sum' command that prints 2+3", "Implement a 'sum' command that prints 2+3", true},
		{"Add a 'sum' command that prints 2+3", "Implement a 'sum' command that displays 2+3", false},
		{"Add a 'sum' command that prints 2+3", "Add a 'sum' command that prints 2+3.", false},
		{"Add a 'sum' command that prints 2+3", "Add the 'sum' command that displays 2+3", false},
		{"Add a 'pad' command that prints '42'", "Add a ‘pad’ command that prints «42»", true},
		// Any word more, less or other.
		{"Add a 'time' command that prints the time", "Add a 'time' command that shows the current time in 12-hour format", false},
		{"Add a 'dots' command that prints ten dots", "Add a 'dots' command that prints nine dots", false},
		{"Add a 'dots' command that prints ten dots", "Add a 'dots' command that prints 10 dots", false},
		{"Add 'clear' command to clear screen", "Add a 'cls' command", false},
		{"Add 'clear' command to clear screen", "Add a 'clears' command to clear screen", false},
		{"Add 'clear' command to clear screen", "add 'clear' command to clear screen.", true},
		{"clear", "Add an erase command", false},
		{"Add a reboot command", "Add a restart command", false},
		{"Add a reboot command", "Add a command that restarts the shell", false},
		{"Add a 'hello' command that prints 'Hello, world'", "Add a 'hello' command that prints 'Hello world'", false},
		{"Add a 'greet' command that prints Hello and never Goodbye", "Add a 'greet' command that prints Goodbye", false},
		{"Add a 'time' command that prints the date and time", "Add a date command that prints the date", false},
		{"Add a 'clock' command that prints the time in 24-hour format, not 12-hour", "Add a 'clock' command that prints the time in 12-hour format", false},
		{"Add a 'ver' command that prints the version", "ADD A 'VER' COMMAND THAT DISPLAYS THE VERSION.", false},
		{"Add a 'show' command", "Add a 'print' command", false},
		{"Make backspace delete the last character", "Add backspace support to shell", false},
		// Word order and small words.
		{"Add a 'count' command that counts down from 10 to 1", "Add a 'count' command that counts from 1 to 10", false},
		{"Add a 'count' command that counts from 10 to 1", "Add a 'count' command that counts to 10 from 1", false},
		{"Add a 'conv' command that converts decimal to hex", "Add a 'conv' command that converts hex to decimal", false},
		{"Add a 'conv' command that converts decimal to hex", "Add a 'conv' command that converts to decimal from hex", false},
		{"Add a 'div' command that divides 3 by 6", "Add a 'div' command that divides 3 into 6", false},
		{"Add a 'up' command that switches to uppercase", "Add a 'up' command that switches from uppercase", false},
		{"Add a 'hi' command that prints hello in red", "Add a 'hi' command that prints hello on red", false},
		{"Add a 'beep' command that beeps for 1 second", "Add a 'beep' command that beeps in 1 second", false},
		{"Add a 'bs' command that shows the boot sector", "Add a 'bs' command that writes the boot sector", false},
		{"Add a 'pos' command that prints where the cursor is", "Add a 'pos' command that prints what is at the cursor", false},
		{"Add a 'date' command that prints the date in US format", "Add a 'date' command that prints the date in IT format", false},
		{"Add a 'hi' command that prints hello", "Add a 'hi' command that prints hello there", false},
		// Numbers, symbols and case.
		{"Add a 'calc' command that prints 2+3", "Add a 'calc' command that prints 2*3", false},
		{"Add a 'calc' command that prints 2+3*4", "Add a 'calc' command that prints (2+3)*4", false},
		{"Add a 'calc' command that prints 6×3", "Add a 'calc' command that prints 6÷3", false},
		{"Add a 'n' command that prints -5", "Add a 'n' command that prints 5", false},
		{"Add a 'pi' command that prints 3.14", "Add a 'pi' command that prints 3:14", false},
		{"Add a 'x' command that prints !", "Add a 'x' command that prints ?", false},
		{"Add a 'w' command that waits 500ms", "Add a 'w' command that waits 500m", false},
		{"Add a 'c' command that counts from -3 to 3", "Add a 'c' command that counts from 3 to -3", false},
		{"Add a 'ok' command that prints OK", "Add a 'ok' command that prints ok", false},
		{"Add a 'shout' command that prints 'Hello'", "Add a 'shout' command that prints 'HELLO'", false},
		{"Add a 'ver' command", "Add a 'VER' command", false},
		// Quoted text is exact.
		{"Add a 's' command that prints 'started'", "Add a 's' command that prints 'starting'", false},
		{"Add a 'v' command that prints the version", "Add a 'v' command that prints 'version'", false},
		{"Add a 'pad' command that prints '42'", "Add a 'pad' command that prints '   42'", false},
		{"Add a command", "Implement a new command", false},
		{"Add a 'c' command that can add and subtract", "Add a 'c' command that can subtract", false},
		{"Add a 'c' command that adds 1", "Add a 'c' command that add 1", false},
		// The break tests' third round.
		{"Add a print command that prints hello", "Add a show command that shows hello", false},
		{"Add a print command that prints hello", "Add a display command that displays hello", false},
		{"Add a command that prints the path of a command", "Add a which command that prints the path of a command", false},
		{"OK is printed by an 'ok' command", "ok is printed by an 'ok' command", false},
		{"Hello is shown at boot", "HELLO is shown at boot", false},
		{"Add a 'letter' command that prints the letter A", "Add a 'letter' command that prints the letter a", false},
		{"Add a 'e' command that prints The End", "Add a 'e' command that prints End", false},
		{"Add a 'p' command that prints A B C", "Add a 'p' command that prints B C", false},
		{"Add a 'w' command that prints Please wait", "Add a 'w' command that prints wait", false},
		{"Add a 'k' command that prints that a key was pressed", "Add a 'k' command that prints which key was pressed", false},
		{"Add a 'ls' command that lists the files that are hidden", "Add a 'ls' command that lists the files, which are hidden", false},
		{"Add a 'c' command that prints hello in the current color", "Add a 'c' command that prints hello in color", false},
		{"Add a 'scr' command that turns off the display", "Add a 'scr' command that turns off printing", false},
		{"Add a 'fact' command that prints 5", "Add a 'fact' command that prints 5!", false},
		{"Add a 'h' command that prints hello", "Add a 'h' command that prints hello...", false},
		{"Add a 'hw' command that prints Hello World", "Add a 'hw' command that prints Hello, World", false},
		{"Add a 'n' command that prints 1, 2, 3", "Add a 'n' command that prints 1 2 3", false},
		{"Add a 'sp' command that prints 'a  b'", "Add a 'sp' command that prints 'a b'", false},
		{"Add a 'sp' command that prints 'a\u00a0b'", "Add a 'sp' command that prints 'a b'", false},
		// The fourth round.
		{"Add a 'ft' command that prints 5'", "Add a 'ft' command that prints 5\"", false},
		{"Add a 'sq' command that prints \"'\"", "Add a 'sq' command that prints '\"'", false},
		{"Add a 'q' command that prints «", "Add a 'q' command that prints `", false},
		{"Add an 'hh' command that prints 'hello'", "Add an 'hh' command that prints 'hello", false},
		{"Add an 'xx' command that prints Unknown foo command", "Add an 'xx' command that prints Unknown 'foo' command", false},
		{"Add a 'r' command that repeats the last command", "Add a 'r' command that repeats the 'last' command", false},
		{"Add a new command that prints hello", "Add a 'new' command that prints hello", false},
		{"Add a shell command that prints hello", "Add a 'shell' command that prints hello", false},
		{"Add a 'c' command that shows the cursor", "Add a 'c' command that prints the cursor", false},
		{"Add a 'l' command that prints Current Time", "Add a 'l' command that prints Time", false},
		{"Add a 'n' command that prints 3.", "Add a 'n' command that prints 3", false},
		{"Add a 'v' command that prints v1.", "Add a 'v' command that prints v1", false},
		{"Add a 'c' command that clears the screen.", "Add a 'c' command that clears the screen", true},
		{"Make the user’s line longer", "Make the user's line longer", true},
		{"Make the users' line longer", "Make the user's line longer", false},
		// The fifth round.
		{"Add a 'q' command that prints \" and '", "Add a 'q' command that prints ' and \"", false},
		{"Add a 'q' command that prints « and »", "Add a 'q' command that prints \" and \"", false},
		{"Add a 'q' command that prints ' or '", "Add a 'q' command that prints \" or \"", false},
		{"Add a Hello command", "Add a 'Hello' command", false},
		{"Add a 'c' command that shows the text cursor", "Add a 'c' command that prints the text cursor", false},
		{"Add a 'c' command that shows its cursor,", "Add a 'c' command that prints its cursor,", false},
		// The sixth round.
		{"Add a 'pad' command that prints ' 42'", "Add a 'pad' command that prints '  42'", false},
		{"Add a 'pad' command that prints '42 '", "Add a 'pad' command that prints '42   '", false},
		{"Add a 'pad' command that prints '\t42'", "Add a 'pad' command that prints ' 42'", false},
		{"Add a 'cw' command that prints the word current time", "Add a 'cw' command that prints the word time", false},
		{"Add a 'w' command that prints the word displays", "Add a 'w' command that prints the word prints", false},
		{"Add a 'w' command that prints: shows", "Add a 'w' command that prints: prints", false},
		{"Add a 'c' command that shows the big blinking underline cursor", "Add a 'c' command that prints the big blinking underline cursor", false},
		{"Add a \"time” command that prints clock A", "Add a 'time' command that prints clock A", true},
		{"Add a „time“ command that prints clock A", "Add a 'time' command that prints clock A", true},
		{"Add a 'q' command that prints « and »", "Add a 'q' command that prints \" and \"", false},
		// The seventh round.
		{"Add a 'tv' command that prints which shows are on", "Add a 'tv' command that prints which displays are on", false},
		{"Add a 'wake' command that takes a time like 07:30 and prints the time", "Add a 'wake' command that takes a time like 07:30 and prints the current time", false},
		{"Add a 'caret' command that prints the caret", "Add a 'caret' command that shows the caret", false},
		{"Add a 'f' command that lists films and prints", "Add a 'f' command that lists films and shows", false},
		{"Add a time command that prints the time.", "Add a 'time' command that shows the current time.", true},
		{"Add a 'abcdefghijabcdefghijabcdefghijabc' command", "Add a abcdefghijabcdefghijabcdefghijabc command", false},
		{"Add a abcdefghijabcdefghijabcdefghijabc command", "Add a 'abcdefghijabcdefghijabcdefghijabc' command", false},
		{"", "", false},
	} {
		if got := Equivalent(c.a, c.b); got != c.want {
			t.Errorf("Equivalent(%q, %q) = %v, want %v (%q vs %q)", c.a, c.b, got, c.want, MeaningWords(c.a), MeaningWords(c.b))
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

// OneLine keeps what a goal quotes as written and puts the rest on one
// line.
func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"Add a  'sp' command\tthat prints 'a  b'\n": "Add a 'sp' command that prints 'a  b'",
		"  prints ‘ 42’  now ":                      "prints ‘ 42’ now",
		"a\x1b[2Jb":                                 "a [2Jb",
		"x 'a\tb' y":                                "x 'a\tb' y",
		"x 'a\nb' y":                                "x 'a b' y",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkSplitGoalOpenQuotes is a goal of 20 KB of opening quote marks
// that never close (a break test found SplitGoal quadratic on it).
func BenchmarkSplitGoalOpenQuotes(b *testing.B) {
	goal := "Add a " + strings.Repeat("« ", 10000) + "command"
	b.ReportAllocs()
	for b.Loop() {
		if len(SplitGoal(goal)) != 1 {
			b.Fatal("split")
		}
	}
}

// Quote marks and apostrophes: what SplitGoal quotes.
func TestSplitGoalQuotes(t *testing.T) {
	for goal, want := range map[string]string{
		"Add a command that plays '80s hits and a 'ver' command":     "ver",
		"Add a 'quote' command that prints 'tis and a 'ver' command": "quote|ver",
		"Add a ”time” command":                                       "time",
		"Add a »time» command":                                       "time",
		"Add a ’time’ command":                                       "time",
		"Add a 『time』 command":                                       "time",
		"Add a 《time》 command":                                       "time",
		"Add a „time“ command":                                       "time",
		"Make the user's line longer":                                "",
		"prints rock'n'roll and 80's":                                "",
		"Add a 'time' and a 'date' command":                          "time|date",
	} {
		var got []string
		for _, p := range SplitGoal(goal) {
			if p.Quoted {
				got = append(got, p.Text)
			}
		}
		if strings.Join(got, "|") != want {
			t.Errorf("SplitGoal(%q) quotes %q, want %q", goal, got, want)
		}
	}
}
