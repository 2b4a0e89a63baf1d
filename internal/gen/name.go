package gen

import (
	"fmt"
	"regexp"
	"strings"

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

var quotedRE = regexp.MustCompile(`['"‘’“”]([A-Za-z][A-Za-z0-9_-]{0,23})['"‘’“”]`)

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
	if m := quotedRE.FindStringSubmatch(goal); m != nil {
		if n := CleanName(m[1]); n != "" {
			return n
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

// commandRE finds the command word a goal names: "Add a 'time' command",
// "a command called 'ls'", "the 'help' shell command".
var commandRE = regexp.MustCompile("(?i)(?:['\"‘“`]([^\\s'\"‘’“”`]{1,32})['\"’”`]\\s+(?:shell\\s+)?command\\b|\\bcommand\\s+(?:called\\s+|named\\s+)?['\"‘“`]([^\\s'\"‘’“”`]{1,32})['\"’”`])")

// GoalCommand returns the command word a goal asks for ("time" for "Add a
// 'time' command that prints the time"), or "" when it names none: a quoted
// word right before "command", or after "command (called|named)". Command
// words are case-sensitive, as the parser compares them.
func GoalCommand(goal string) string {
	m := commandRE.FindStringSubmatch(goal)
	if m == nil {
		return ""
	}
	if m[1] != "" {
		return m[1]
	}
	return m[2]
}
