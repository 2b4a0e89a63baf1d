package feature

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"
)

// goalWordRE is a word of a goal in any script: "Удалить backspace" has two.
var goalWordRE = regexp.MustCompile(`[\p{L}\p{M}\p{N}_]+`)

// quotedRE is a quoted part of a goal: 'help', "ls -l", ‘cls’. The quote
// must open after a blank or punctuation and close before one, so the
// apostrophe in "the user's line" quotes nothing.
var quotedRE = regexp.MustCompile("(?:^|[^\\p{L}\\p{N}])['\"‘“`]([^'\"‘’“”`\\n]{1,60})['\"’”`](?:$|[^\\p{L}\\p{N}])")

// NormGoal is a goal's identity: its words (letters and digits of any
// script), lower case, joined by single spaces, so that "Add 'help'
// command!" and "add 'help' command" are one goal; what it quotes stays as
// written, since a command word is case-sensitive and may be punctuation
// ('HELP' and '?' are not 'help'). It ignores only case outside quotes,
// punctuation and spacing: two goals that differ in a word are different
// goals, however many words they share. A goal written in symbols alone
// ("!!!") has an identity of its own: its text, trimmed.
func NormGoal(goal string) string {
	var parts []string
	words := func(s string) {
		parts = append(parts, goalWordRE.FindAllString(strings.ToLower(s), -1)...)
	}
	rest := goal
	for {
		m := quotedRE.FindStringSubmatchIndex(rest)
		if m == nil {
			break
		}
		words(rest[:m[2]])
		parts = append(parts, `"`+strings.TrimSpace(rest[m[2]:m[3]])+`"`)
		_, q := utf8.DecodeRuneInString(rest[m[3]:]) // the closing quote
		rest = rest[m[3]+q:]
	}
	words(rest)
	if n := strings.Join(parts, " "); n != "" && n != `""` {
		return n
	}
	return strings.Join(strings.Fields(goal), " ")
}

// SameGoal reports whether a and b are the same goal (see NormGoal). An
// empty goal is no goal and matches nothing.
func SameGoal(a, b string) bool {
	na := NormGoal(a)
	return na != "" && na == NormGoal(b)
}

// Serves reports whether the feature's acceptance scenario was written for
// goal: goal is the feature's Goal or one of its Aliases (the same goal, see
// SameGoal). Word overlap is not enough: "Add a 'cls' command" is not served
// by the clear feature, although both are about clearing the screen.
func (s *Spec) Serves(goal string) bool {
	if SameGoal(s.Goal, goal) {
		return true
	}
	for _, a := range s.Aliases {
		if SameGoal(a, goal) {
			return true
		}
	}
	return false
}

// Block is the header of one installed feature block in a commands file:
//
//	# ==== feature NAME: GOAL
//
// written by Install (render). GOAL is the goal the block meets.
type Block struct {
	Name string
	Goal string
	Line int // 1-based line of the header
}

// blockPrefix starts a block header line.
const blockPrefix = "# ==== feature "

// Blocks lists the feature block headers in src, in file order.
func Blocks(src []byte) []Block {
	var out []Block
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		rest, ok := strings.CutPrefix(sc.Text(), blockPrefix)
		if !ok {
			continue
		}
		name, goal, ok := strings.Cut(rest, ": ")
		if !ok || !nameRE.MatchString(name) {
			continue
		}
		out = append(out, Block{Name: name, Goal: strings.TrimSpace(goal), Line: n})
	}
	return out
}

// Recorded returns the installed block that records goal as the goal it
// meets (its header names the goal and its marker is defined), if any.
func (b *Base) Recorded(goal string) (Block, bool) {
	for _, bl := range Blocks(b.Src) {
		if SameGoal(bl.Goal, goal) && b.Present(bl.Name) {
			return bl, true
		}
	}
	return Block{}, false
}
