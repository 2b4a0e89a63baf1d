package feature

import (
	"bufio"
	"bytes"
	"strings"
	"unicode"
)

// The quote marks a goal may quote with, opening and closing (straight,
// curly, guillemets, corner brackets, backquote).
const (
	openQuotes  = "'\"‘“«「`"
	closeQuotes = "'\"’”»」`"
)

// GoalPart is a piece of a goal's text: a part it quotes (without the
// quote marks), or the text between quoted parts.
type GoalPart struct {
	Text   string // a quoted part without blanks around it
	Raw    string // a quoted part exactly as quoted (blanks count: ' 42' is not '42')
	Quoted bool
}

// SplitGoal splits a goal into its quoted parts and the text between. A
// quote opens only where a word does not go on ("the user's line" quotes
// nothing) and closes at a closing mark that no word character follows.
func SplitGoal(goal string) []GoalPart {
	rs := []rune(goal)
	var out []GoalPart
	start := 0
	for i := 0; i < len(rs); i++ {
		if !strings.ContainsRune(openQuotes, rs[i]) || i > 0 && isWordRune(rs[i-1]) {
			continue
		}
		j := closeAt(rs, i+1)
		if j <= i+1 {
			continue
		}
		if start < i {
			out = append(out, GoalPart{Text: string(rs[start:i])})
		}
		out = append(out, GoalPart{Text: strings.TrimSpace(string(rs[i+1 : j])), Raw: string(rs[i+1 : j]), Quoted: true})
		start, i = j+1, j
	}
	if start < len(rs) {
		out = append(out, GoalPart{Text: string(rs[start:])})
	}
	return out
}

// NormGoal is a goal's identity: its text on one line with runs of blanks
// as one space, its first word in lower case (the sentence's capital),
// quote marks made alike, and the sentence's final punctuation dropped —
// so "Add 'help' command!" and "add ‘help’ command" are one goal.
// Everything else counts: case ('HELP' is not 'help', and "prints OK" is
// not "prints ok"), what a goal quotes, blanks inside quotes (' 42' is not
// '42'), and symbols ("prints +" is not "prints -"; a final "!" or "?"
// that stands alone is a word: "prints !" is not "prints ?"). Two goals
// that differ in a word are different goals, however many words they
// share; this errs towards two goals, never towards a false "present".
func NormGoal(goal string) string {
	var b strings.Builder
	first := true
	for _, p := range SplitGoal(strings.Join(strings.Fields(goal), " ")) {
		if p.Quoted {
			b.WriteString(`"` + p.Raw + `"`)
			first = false
			continue
		}
		for _, r := range p.Text {
			if strings.ContainsRune(closeQuotes, r) || strings.ContainsRune(openQuotes, r) {
				r = '\'' // an apostrophe: user’s and user's alike
			}
			if first {
				if r == ' ' && b.Len() > 0 {
					first = false
				} else {
					r = unicode.ToLower(r)
				}
			}
			b.WriteRune(r)
		}
	}
	s := strings.TrimSpace(b.String())
	if t := strings.TrimRight(s, ".!?;:,"); t != "" && !strings.HasSuffix(t, " ") {
		s = t // punctuation that ends a word, not a lone "!"
	}
	return s
}

// closeAt returns the index of the first closing quote mark from i that
// ends a quoted part (followed by the end or a character that is not part
// of a word), or -1.
func closeAt(rs []rune, i int) int {
	for j := i; j < len(rs); j++ {
		if strings.ContainsRune(closeQuotes, rs[j]) && (j+1 == len(rs) || !isWordRune(rs[j+1])) {
			return j
		}
	}
	return -1
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

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
