package feature

import (
	"bufio"
	"bytes"
	"sort"
	"strings"
	"unicode"
)

// The quote marks a goal may quote with, opening and closing (straight,
// curly, guillemets, corner brackets, backquote).
const (
	openQuotes  = "'\"‘’‚“”„«»‹›「『《`"
	closeQuotes = "'\"‘’“”«»‹›」』》`"
)

// GoalPart is a piece of a goal's text: a part it quotes (without the
// quote marks), or the text between quoted parts.
type GoalPart struct {
	Text   string // a quoted part without blanks around it
	Raw    string // a quoted part exactly as quoted (blanks count: ' 42' is not '42')
	Quoted bool
	Marks  [2]rune // a quoted part's opening and closing quote marks
}

// SplitGoal splits a goal into its quoted parts and the text between. A
// quote opens only where a word does not go on ("the user's line" quotes
// nothing) and closes at the first closing mark of its kind (see
// quotePairs: ' or ‘ with ' or ’, " “ or „ with " ” or “, « with », » with
// « or », 「 with 」 and the like) that no word character follows, unless
// the mark opens again inside ("plays '80s hits and a 'ver' command": the
// first ' is an apostrophe). It takes time about linear in the goal's
// length.
func SplitGoal(goal string) []GoalPart {
	rs := []rune(goal)
	// closes[c] lists, in order, where closing mark c may end a quoted
	// part; at[c] is how far the scan has used it. One pass each way, so a
	// goal of many opening marks without their closing ones costs no more
	// than a plain one.
	var closes map[rune][]int
	for i, r := range rs {
		if strings.ContainsRune(closeQuotes, r) && (i+1 == len(rs) || !isWordRune(rs[i+1])) {
			if closes == nil {
				closes = map[rune][]int{}
			}
			closes[r] = append(closes[r], i)
		}
	}
	// reopen[c] lists where mark c opens a word after a blank (see
	// opensInside).
	var reopen map[rune][]int
	for k := 1; k+1 < len(rs); k++ {
		if _, ok := quotePairs[rs[k]]; ok && unicode.IsSpace(rs[k-1]) && isWordRune(rs[k+1]) {
			if reopen == nil {
				reopen = map[rune][]int{}
			}
			reopen[rs[k]] = append(reopen[rs[k]], k)
		}
	}
	at := map[rune]int{}
	firstAfter := func(c rune, i int) int {
		ps := closes[c]
		k := at[c]
		for k < len(ps) && ps[k] <= i {
			k++
		}
		at[c] = k
		if k < len(ps) {
			return ps[k]
		}
		return -1
	}
	var out []GoalPart
	start := 0
	for i := 0; i < len(rs); i++ {
		closers, ok := quotePairs[rs[i]]
		if !ok || i > 0 && isWordRune(rs[i-1]) {
			continue
		}
		j := -1
		for _, c := range closers {
			if k := firstAfter(c, i); k >= 0 && (j < 0 || k < j) {
				j = k
			}
		}
		if j <= i+1 || opensInside(reopen[rs[i]], i, j) {
			continue
		}
		if start < i {
			out = append(out, GoalPart{Text: string(rs[start:i])})
		}
		out = append(out, GoalPart{Text: strings.TrimSpace(string(rs[i+1 : j])), Raw: string(rs[i+1 : j]), Quoted: true, Marks: [2]rune{rs[i], rs[j]}})
		start, i = j+1, j
	}
	if start < len(rs) {
		out = append(out, GoalPart{Text: string(rs[start:])})
	}
	return out
}

// opensInside reports whether the mark that would open a quote at i and
// close it at j opens a word after a blank in between (at, its sorted
// places): then the first mark was an apostrophe ("plays '80s hits and a
// 'ver' command", "'tis"), not a quote, and the second opens the quote.
func opensInside(at []int, i, j int) bool {
	k := sort.SearchInts(at, i+1)
	return k < len(at) && at[k] < j
}

// MaxCommandWord is the longest word, in bytes, a goal may name as a
// command ('time' command).
const MaxCommandWord = 32

// quotePairs maps each opening quote mark to the closing marks that end
// what it opens: its own kind, straight or curly, as people and their
// keyboards mix them; never another kind (in "prints " and '" the marks
// are text).
var quotePairs = map[rune]string{'\'': "'’", '‘': "’'", '’': "’", '‚': "‘’'", '"': "\"”“", '“': "”\"“", '”': "”", '„': "“”\"",
	'«': "»", '»': "«»", '‹': "›", '›': "‹", '「': "」", '『': "』", '《': "》", '`': "`"}

// MaxGoal is the longest goal, in bytes, pxos takes: a goal is a sentence
// or two, recorded on one line of the commands file.
const MaxGoal = 1000

// OneLine puts a goal on one line as it is recorded: line breaks and other
// control characters but tabs become spaces, and runs of blanks outside
// quotes one space; what a goal quotes keeps its blanks and tabs (' 42',
// '  42' and 'a<TAB>b' are different goals).
func OneLine(goal string) string {
	goal = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, goal)
	var b strings.Builder
	for _, p := range SplitGoal(goal) {
		if p.Quoted {
			b.WriteRune(p.Marks[0])
			b.WriteString(p.Raw)
			b.WriteRune(p.Marks[1])
			continue
		}
		rs := []rune(p.Text)
		if len(rs) > 0 && unicode.IsSpace(rs[0]) {
			b.WriteByte(' ')
		}
		b.WriteString(strings.Join(strings.Fields(p.Text), " "))
		if len(rs) > 0 && unicode.IsSpace(rs[len(rs)-1]) && strings.TrimSpace(p.Text) != "" {
			b.WriteByte(' ')
		}
	}
	return strings.TrimSpace(b.String())
}

// goalWord is a word of a goal: a run of non-blank characters outside
// quotes, or a quoted part exactly as quoted.
type goalWord struct {
	text   string
	quoted bool
	// marks are a quoted part's quote marks when what it quotes starts or
	// ends with a blank: then the marks may be text to print ("prints «
	// and »" is not "prints " and ""), so they count.
	marks string
}

// goalWords splits a goal into words (strings.Fields outside quotes) and
// quoted parts (SplitGoal's Raw), each as written — except that a curly
// apostrophe between two letters is a straight one (user’s is user's):
// quote marks that stand for themselves ("prints 5\"", "prints «") count.
func goalWords(goal string) []goalWord {
	var out []goalWord
	for _, p := range SplitGoal(goal) {
		if p.Quoted {
			w := goalWord{text: p.Raw, quoted: true}
			if p.Raw != p.Text {
				w.marks = string(p.Marks[:])
			}
			out = append(out, w)
			continue
		}
		for _, w := range strings.Fields(p.Text) {
			rs := []rune(w)
			for i := 1; i+1 < len(rs); i++ {
				if rs[i] == '’' && unicode.IsLetter(rs[i-1]) && unicode.IsLetter(rs[i+1]) {
					rs[i] = '\''
				}
			}
			out = append(out, goalWord{text: string(rs)})
		}
	}
	return out
}

// openingWords begin a goal without saying what it is: "Add a 'time'
// command" and "Implement a 'time' command" ask for one thing.
var openingWords = map[string]bool{"add": true, "implement": true, "create": true}

// identityWords are a goal's words as its identity (NormGoal) compares
// them: an opening word lower-cased ("Add", "add"), a full stop after a
// final word of letters dropped (the sentence's end: "screen." is screen;
// "3.", "v1." and "..." stay), everything else as written.
func identityWords(goal string) []goalWord {
	ws := goalWords(goal)
	if len(ws) > 0 && !ws[0].quoted && openingWords[strings.ToLower(ws[0].text)] {
		ws[0].text = strings.ToLower(ws[0].text)
	}
	if n := len(ws) - 1; n >= 0 && !ws[n].quoted {
		if t, ok := strings.CutSuffix(ws[n].text, "."); ok && t != "" && !strings.ContainsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) }) {
			ws[n].text = t
		}
	}
	return ws
}

// key is a word as identity and equivalence compare it: tagged with what
// it is, so that no unquoted word ("'hello", an unclosed quote) can equal
// a quoted part ('hello').
func (w goalWord) key() string {
	if w.quoted {
		if w.marks != "" {
			return "q\x1f" + w.marks + "\x1f" + w.text
		}
		return "q\x1f" + w.text
	}
	return "w\x1f" + w.text
}

// NormGoal is a goal's identity, a key to compare goals by (not to show):
// its words and quoted parts (blanks outside quotes are one space, the
// marks around a quoted part are alike), an opening "Add", "Implement" or
// "Create" in any case, and a full stop after a final word of letters set
// aside — so "Add 'help' command." and "add ‘help’ command" are one goal. Everything else counts:
// case ('HELP' is not 'help', "prints OK" is not "prints ok", "OK is
// printed" is not "ok is printed"), blanks inside quotes (' 42' is not
// '42', 'a  b' is not 'a b'), punctuation ("prints 5!" is not "prints 5",
// "Hello, World" is not "Hello World", "prints 3." is not "prints 3"),
// quote marks that stand for themselves ("prints 5\"" is not "prints 5'")
// and symbols ("prints +" is not "prints -"). Two goals that differ in a word are different goals,
// however many words they share; this errs towards two goals, never
// towards a false "present".
func NormGoal(goal string) string {
	var keys []string
	for _, w := range identityWords(goal) {
		keys = append(keys, w.key())
	}
	return strings.Join(keys, "\x1e")
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

// Block is one installed feature block in a commands file, as Install
// renders it: the lines from its header to its end line,
//
//	# ==== feature NAME: GOAL
//	...
//	# ==== end of feature NAME
//
// GOAL is the goal the block meets. Blocks fills in the header fields only;
// ParseBlocks all of them.
type Block struct {
	Name string
	Goal string
	Line int // 1-based line of the header

	Start    int      // byte offset of the header line in the source
	End      int      // byte offset just past the end line (and its newline)
	Addr     uint32   // first byte of its code
	Size     uint32   // bytes of code
	Requires []string // features it needs, from its COMMENT line; nil when it does not say
	Hooks    []Hook   // the slot patches its "COMMENT install" lines record (Slot, Handler, Old)
	Text     []byte   // the block's lines
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
