package feature

import (
	"slices"
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

// Equivalent reports whether two goals say the same thing in other words:
// the same words in the same order once what carries no meaning is set
// aside (MeaningWords; the same goal, SameGoal, is equivalent) — "Add a time command that
// prints the time" and "Add a 'time' command that shows the current time".
// A proven solution for one goal is reused for an equivalent one, and its
// scenario shows the other present, so this errs towards "different":
// erring the other way would be a wrong verdict, while a goal found
// different costs one model call (or, offline, a no-solution).
func Equivalent(a, b string) bool {
	wa, wb := MeaningWords(a), MeaningWords(b)
	return len(wa) > 0 && slices.Equal(wa, wb)
}

// MeaningWords returns a goal's words as Equivalent compares them, in
// order. The goal is split at blanks; each word keeps its case and every
// character in it ("2+3*4", "3.14", "-5", "(2+3)*4", "ten", "dots", "on",
// "from", "US" all count as written), except that:
//   - a comma or semicolon after a word, the goal's final full stop, "!"
//     or "?", and the capital of its first word are punctuation, not words
//     (a lone "!" or "," is a word);
//   - words that say nothing in any goal go: "a", "an", "the", "please",
//     "that", "which", "current", and a first word "add", "implement" or
//     "create";
//   - these words are compared in lower case, and the verbs of showing are
//     one word ("prints", "shows", "displayed" → "print");
//   - a part quoted with ' " or other quote marks is one word, exactly as
//     quoted (blanks and case count), marked as quoted — except a single
//     quoted word right before "command" or "commands", which is the
//     command word: 'time' command is time command.
func MeaningWords(goal string) []string {
	parts := SplitGoal(strings.Join(strings.Fields(goal), " "))
	var words []string
	quoted := map[int]bool{}
	for _, p := range parts {
		if p.Quoted {
			quoted[len(words)] = true
			words = append(words, p.Raw)
			continue
		}
		words = append(words, strings.Fields(p.Text)...)
	}
	var out []string
	for i, w := range words {
		if quoted[i] {
			next := ""
			if i+1 < len(words) && !quoted[i+1] {
				next = strings.ToLower(strings.TrimRight(words[i+1], ",;"))
			}
			if (next == "command" || next == "commands") && w != "" && !strings.ContainsFunc(w, unicode.IsSpace) {
				out = append(out, w)
			} else {
				out = append(out, "'"+w)
			}
			continue
		}
		if t := strings.TrimRight(w, ",;"); t != "" {
			w = t
		}
		if t := strings.TrimRight(w, ".!?"); i == len(words)-1 && t != "" {
			w = t // the sentence's end; a lone "!" is a word
		}
		if i == 0 {
			w = strings.ToLower(w) // the sentence's capital
		}
		lw := strings.ToLower(w)
		switch {
		case w == "":
		case emptyWords[lw], i == 0 && openingWords[lw]:
		case showVerbs[lw]:
			out = append(out, "print")
		case lw == "command" || lw == "commands":
			out = append(out, lw)
		default:
			out = append(out, w)
		}
	}
	return out
}

// emptyWords say nothing in any goal (MeaningWords); openingWords nothing
// as a goal's first word ("Add a ..."; "adds 2 and 3" says something).
var (
	emptyWords   = map[string]bool{"a": true, "an": true, "the": true, "please": true, "that": true, "which": true, "current": true}
	openingWords = map[string]bool{"add": true, "implement": true, "create": true, "please": true}
)

// showVerbs are the forms of the verbs of showing text, one meaning on a
// text screen.
var showVerbs = map[string]bool{}

func init() {
	for _, v := range []string{"print", "show", "display"} {
		for _, f := range []string{"", "s", "ed", "ing"} {
			showVerbs[v+f] = true
		}
	}
	showVerbs["shown"] = true
}

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
