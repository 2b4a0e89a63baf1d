package gen

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/pxos-dev/pxos/internal/feature"
)

// maxName bounds a feature name (it becomes the label feature_<name> and a
// scenario file name).
const maxName = 24

// CleanName turns a name a model wrote ("Echo-Command", "time") into a
// label-safe feature name, or "" when nothing usable is left: lower case,
// runs of other characters become one underscore, a leading digit gets
// "f_", at most 24 characters cut at an underscore when one is near.
func CleanName(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if b.Len() == 0 && r <= '9' {
				b.WriteString("f_")
			}
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		default:
			under = true
		}
	}
	out := b.String()
	if len(out) > maxName {
		out = out[:maxName]
		if i := strings.LastIndexByte(out, '_'); i >= maxName/2 {
			out = out[:i]
		}
	}
	return strings.TrimRight(out, "_")
}

// goalWords are the words of a goal that say nothing about which feature it
// is; GoalName leaves them out.
var goalWords = map[string]bool{
	"a": true, "an": true, "the": true, "add": true, "implement": true, "make": true, "create": true, "write": true,
	"support": true, "command": true, "commands": true, "that": true, "which": true, "to": true, "for": true, "of": true,
	"and": true, "in": true, "on": true, "with": true, "its": true, "it": true, "shell": true, "new": true, "pxos": true,
	"please": true, "so": true, "when": true, "is": true, "be": true, "by": true, "from": true, "into": true,
}

// GoalName suggests a feature name from a goal's text: a quoted word
// ("Add an 'echo' command" -> echo), else up to three of its telling words
// ("Make the delete key erase characters" -> delete_key_erase).
func GoalName(goal string) string {
	for _, p := range feature.SplitGoal(goal) {
		if p.Quoted {
			if n := CleanName(p.Text); n != "" && len(p.Text) <= maxName {
				return n
			}
			break
		}
	}
	var keep []string
	for _, w := range wordRE.FindAllString(strings.ToLower(goal), -1) {
		if !goalWords[w] && len(keep) < 3 {
			keep = append(keep, w)
		}
	}
	if n := CleanName(strings.Join(keep, "_")); n != "" {
		return n
	}
	return "feature"
}

var wordRE = regexp.MustCompile(`[a-z0-9]+`)

// uniqueName returns name, or name_2, name_3, ... : the first that no
// installed feature of base uses and reserved does not hold.
func uniqueName(base *feature.Base, name string, reserved map[string]bool) string {
	if !base.Present(name) && !reserved[name] {
		return name
	}
	for i := 2; ; i++ {
		suffix := fmt.Sprintf("_%d", i)
		n := name
		if len(n)+len(suffix) > maxName {
			n = strings.TrimRight(n[:maxName-len(suffix)], "_")
		}
		if !base.Present(n+suffix) && !reserved[n+suffix] {
			return n + suffix
		}
	}
}

// textVerbs say that the quoted part after them is text to show, not a
// command word.
var textVerbs = map[string]bool{"print": true, "prints": true, "show": true, "shows": true, "display": true, "displays": true,
	"say": true, "says": true, "output": true, "outputs": true, "write": true, "writes": true, "echo": true, "echoes": true}

// commandNouns are the words that make a quoted word a command word.
var commandNouns = map[string]bool{"command": true, "commands": true, "cmd": true, "cmds": true, "builtin": true, "builtins": true}

// goalToken is a word of a goal (lower case), or a part it quotes (as
// written).
type goalToken struct {
	text   string
	quoted bool
}

// goalTokens splits a goal into words and quoted parts (feature.SplitGoal).
func goalTokens(goal string) []goalToken {
	var out []goalToken
	for _, p := range feature.SplitGoal(goal) {
		if p.Quoted {
			out = append(out, goalToken{text: p.Text, quoted: true})
			continue
		}
		for _, w := range strings.FieldsFunc(strings.ToLower(p.Text), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_'
		}) {
			out = append(out, goalToken{text: w})
		}
	}
	return out
}

// GoalCommands returns the command words a goal asks for, in order: each
// quoted word that a command noun (command, cmd, builtin, their plurals)
// follows within a few words ("'time' command", "'date' and 'time'
// commands", "'ls' shell command") or just precedes ("command 'ls'",
// "command called 'ls'"). "Add a command that prints 'hello'" asks for
// none: 'hello' is what it prints. Command words are case-sensitive, as the
// parser compares them, and hold no blanks: a quoted usage ("'color HH'
// command", "'add A B' command") asks for its first word.
func GoalCommands(goal string) []string {
	toks := goalTokens(goal)
	var out []string
	for i, t := range toks {
		if f := strings.Fields(t.text); t.quoted && len(f) > 1 {
			t.text = f[0] // a usage: the command and its arguments
		}
		if !t.quoted || t.text == "" || len(t.text) > feature.MaxCommandWord {
			continue
		}
		if i > 0 && !toks[i-1].quoted && textVerbs[toks[i-1].text] {
			continue // "prints 'hello' and a 'bye' command": 'hello' is text
		}
		found := false
		for j := i + 1; j < len(toks) && j <= i+5 && !found; j++ {
			switch n := toks[j]; {
			case !n.quoted && commandNouns[n.text]:
				found = true
			case n.quoted, n.text == "and", n.text == "or", n.text == "shell", n.text == "cli", n.text == "new":
				continue
			case (n.text == "a" || n.text == "an" || n.text == "the") && j+1 < len(toks) && toks[j+1].quoted:
				continue // "'time' and a 'date' command"
			default:
				j = len(toks) // another word: no command noun for this one
			}
		}
		if !found && i > 0 {
			p := toks[i-1]
			if !p.quoted && (p.text == "called" || p.text == "named") && i > 1 {
				p = toks[i-2]
			}
			found = !p.quoted && commandNouns[p.text]
		}
		if found && !slices.Contains(out, t.text) {
			out = append(out, t.text)
		}
	}
	return out
}
