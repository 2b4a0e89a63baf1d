package feature

import (
	"strings"
	"unicode"
)

// GoalSimilarity says how alike two goals are in wording, from 0 (nothing
// in common) to 1 (the same goal, or the same content words): the weighted
// Dice coefficient of their content words (see ContentWords), a quoted
// part weighted double. It ranks records for a prompt — the near misses a
// model learns from — and decides nothing: whether a proven solution may
// meet a goal is Equivalent's question.
func GoalSimilarity(a, b string) float64 {
	if SameGoal(a, b) {
		return 1
	}
	wa, wb := weights(ContentWords(a)), weights(ContentWords(b))
	var total, common float64
	for w, x := range wa {
		total += x
		if _, ok := wb[w]; ok {
			common += x
		}
	}
	for w, x := range wb {
		total += x
		if _, ok := wa[w]; ok {
			common += x
		}
	}
	if total == 0 {
		return 0
	}
	return common / total
}

// Equivalent reports whether a proven solution for goal have may meet goal
// want: their words are the same, in the same order, as MeaningWords gives
// them — "Add a time command that prints the time" and "Add a 'time'
// command that shows the current time". One difference is allowed in one
// direction only: have may leave unquoted the command word want quotes
// (want's quoted command words are then checked against what the solution
// adds, as for any answer); want may not, since an unquoted word before
// "command" may describe it ("a hidden command") rather than name it. The
// same goal (SameGoal) is equivalent. The solution is then proven again
// for want; its scenario shows want present. This errs towards "different"
// only: a goal found different costs one model call (or, offline, a
// no-solution), a wrong "equivalent" would be a wrong verdict.
func Equivalent(have, want string) bool {
	wh, ww := MeaningWords(have), MeaningWords(want)
	if len(ww) == 0 || len(wh) != len(ww) {
		return false
	}
	for i := range wh {
		if wh[i] != ww[i] && !(strings.HasPrefix(wh[i], "u\x1f") && ww[i] == "c\x1f"+wh[i][2:]) {
			return false
		}
	}
	return true
}

// MeaningWords returns a goal's words as Equivalent compares them, in
// order: its identity's words (see NormGoal: every word as written — case,
// punctuation, numbers, symbols, quote marks that stand for themselves —
// and every quoted part with its blanks; an opening "Add", "Implement" or
// "Create" and a sentence's final full stop aside), where only these
// differences of wording are set aside, none of which can change what is
// asked:
//   - the command word a goal opens with (the word right before "command"
//     or "commands" as the goal's second or third word, after the opening
//     word and an article) is tagged as such, quoted ("c") or not ("u",
//     only in lower case and not a describing word such as "new"); see
//     Equivalent for how the two compare. Elsewhere ("prints Unknown 'foo'
//     command", "repeats the last command") quotes are what they say;
//   - when a goal ends "command that prints the time" (or date), the verb
//     may be "prints", "shows" or "displays" and the time "the current
//     time": showing the time on a text screen is printing it, and the
//     time is the current one when nothing else is said. Anywhere else
//     ("shows the clock", "prints which shows are on", "takes a time and
//     prints the time") the words are what they say.
//
// Each word is tagged with what it is (quoted part, word, command word),
// so an unclosed quote ("'hello") never equals a quoted part ('hello').
func MeaningWords(goal string) []string {
	ws := identityWords(goal)
	cmd := -1 // the index of the opening command word, if any
	if len(ws) > 1 && !ws[0].quoted && openingWords[ws[0].text] {
		i := 1
		if !ws[1].quoted && (ws[1].text == "a" || ws[1].text == "an" || ws[1].text == "the") {
			i = 2
		}
		if i+1 < len(ws) && !ws[i+1].quoted && commandNoun(ws[i+1].text) && ws[i].text != "" && !strings.ContainsFunc(ws[i].text, unicode.IsSpace) &&
			len(ws[i].text) <= MaxCommandWord &&
			(ws[i].quoted || ws[i].text == strings.ToLower(ws[i].text) && !notNames[ws[i].text]) {
			cmd = i
		}
	}
	word := func(i int) string { // the unquoted word at i, or ""
		if i < 0 || i >= len(ws) || ws[i].quoted {
			return ""
		}
		return ws[i].text
	}
	var out []string
	for i, w := range ws {
		switch {
		case i == 0 && !w.quoted && openingWords[w.text]:
			continue
		case i == cmd && w.quoted:
			out = append(out, "c\x1f"+w.text)
		case i == cmd:
			out = append(out, "u\x1f"+w.text)
		case !w.quoted && showVerbs[w.text] && verbAfter[word(i-1)] && commandNoun(word(i-2)) && timeEnd(ws[i+1:]):
			out = append(out, "w\x1fprints")
		case !w.quoted && w.text == "current" && word(i-1) == "the" && showVerbs[word(i-2)] && verbAfter[word(i-3)] && commandNoun(word(i-4)) &&
			timeEnd(ws[i-1:]):
			continue
		default:
			out = append(out, w.key())
		}
	}
	return out
}

// verbAfter are the words between "command" and the verb of its clause
// ("a command that shows ...").
var verbAfter = map[string]bool{"that": true, "which": true}

// commandNoun reports whether w is "command" or "commands" (a comma or
// semicolon after it aside).
func commandNoun(w string) bool {
	w = strings.ToLower(strings.TrimRight(w, ",;"))
	return w == "command" || w == "commands"
}

// notNames are words that, unquoted before "command", describe it rather
// than name it ("Add a new command that ...").
var notNames = map[string]bool{"new": true, "shell": true, "simple": true, "basic": true, "this": true, "that": true, "another": true,
	"custom": true, "single": true, "small": true, "builtin": true, "built-in": true, "extra": true, "second": true, "first": true}

// timeEnd reports whether ws, the rest of a goal, is "the time", "the
// date", "the current time" or "the current date": what a command that
// prints, shows or displays it does is the same.
func timeEnd(ws []goalWord) bool {
	var t []string
	for _, w := range ws {
		if w.quoted {
			return false
		}
		t = append(t, w.text)
	}
	switch strings.Join(t, " ") {
	case "the time", "the date", "the current time", "the current date":
		return true
	}
	return false
}

// showVerbs are the verbs of showing text in the third person, one meaning
// on a text screen.
var showVerbs = map[string]bool{"prints": true, "shows": true, "displays": true}

// ContentWords returns the words of a goal that say what it is about, in
// order, loosely: for ranking (GoalSimilarity) and search queries, never
// for a verdict. Words outside quotes are lower-cased, lightly stemmed
// ("prints" → "print") and mapped to one word per meaning ("shows",
// "displays" → "print"), with the words every goal uses ("add", "a",
// "command", "implement", "shell", "current") left out but words of logic
// ("not", "never", "and", "or", "only") kept; symbols other than sentence
// punctuation ("+", "*", "=", a lone "-") are words; and each quoted part
// is one word: a single lower-case word as that word, stemmed, anything
// else as written and marked with a leading quote ("'Hello, world").
func ContentWords(goal string) []string {
	var out []string
	for _, p := range SplitGoal(goal) {
		if p.Quoted {
			t := p.Text
			if t == "" {
				continue
			}
			if strings.ToLower(t) == t && !strings.ContainsFunc(t, func(r rune) bool { return !isWordRune(r) }) {
				// 'time' is the word time ('dots' is dots), but no
				// synonym: a 'show' command is not a 'print' command.
				out = append(out, stem(t))
				continue
			}
			out = append(out, "'"+t)
			continue
		}
		out = append(out, plainWords(p.Text)...)
	}
	return out
}

// plainWords returns the content words of text outside quotes.
func plainWords(text string) []string {
	var out []string
	rs := []rune(text)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			w := stem(strings.ToLower(string(rs[i:j])))
			if s, ok := synonyms[w]; ok {
				w = s
			}
			if !fillerWords[w] {
				out = append(out, w)
			}
			i = j
		case strings.ContainsRune(symbolWords, r) || r == '-' && (i == 0 || rs[i-1] == ' ') && (i+1 == len(rs) || rs[i+1] == ' '):
			out = append(out, string(r))
			i++
		default:
			i++
		}
	}
	return out
}

// symbolWords are the characters that are words of a goal when they stand
// outside quotes: operators and the like, not sentence punctuation.
const symbolWords = "+*/=<>%^&|~#@$\\"

// weights turns content words into a set with a weight per word: 2 for
// quoted text (exact text to print), 1 for any other.
func weights(words []string) map[string]float64 {
	out := map[string]float64{}
	for _, w := range words {
		x := 1.0
		if q, ok := strings.CutPrefix(w, "'"); ok {
			w, x = q, 2
		}
		out[w] = max(out[w], x)
	}
	return out
}

// fillerWords say nothing about what a feature does: articles and other
// stop words, and the words every goal uses ("add a command", "implement
// ... support"). Words of logic ("not", "no", "never", "and", "or",
// "only", "without", "but", "unless", "if") are not filler.
var fillerWords = map[string]bool{}

// synonyms map words to the one that stands for them all.
var synonyms = map[string]string{
	"show": "print", "display": "print", "output": "print", "write": "print",
	"erase": "clear", "wipe": "clear",
	"restart":  "reboot",
	"delete":   "remove",
	"argument": "arg", "parameter": "arg", "param": "arg",
	"character": "char", "keystroke": "key", "keypress": "key",
}

func init() {
	for _, w := range strings.Fields(`a an are as at be by do does for from in into is it its of on so
		that the their there these this to was what when where which who why will with you your can should
		would my me we our us let lets please just also
		add adding added implement implementing create make makes new support supporting feature features
		command commands shell pxos current simple basic`) {
		fillerWords[stem(w)] = true
	}
}

// stem strips the common English endings a goal's words take ("prints",
// "cleared", "clearing", "clears"), enough to make inflections alike; it
// is not a full stemmer.
func stem(w string) string {
	switch {
	case len(w) > 5 && strings.HasSuffix(w, "ing"):
		w = w[:len(w)-3]
	case len(w) > 4 && strings.HasSuffix(w, "ed"):
		w = w[:len(w)-2]
	case len(w) > 4 && (strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes")):
		w = w[:len(w)-2]
	case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:len(w)-1]
	}
	return w
}
