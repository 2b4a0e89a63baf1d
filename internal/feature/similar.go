package feature

import (
	"strings"
	"unicode"
)

// GoalSimilarity says how alike two goals are in meaning, from 0 (nothing
// in common) to 1 (the same goal, SameGoal, or the same content words): the
// weighted Dice coefficient of their content words. Content words are the
// goal's words, lower-cased and lightly stemmed ("prints" → "print"), with
// words that say nothing about what a feature does left out ("add",
// "command", "implement", "shell", "current", English stop words) and
// synonyms made one ("shows", "displays", "outputs" → "print"). A quoted
// part is one word weighted double: it is a command word or the exact text
// to print, so "prints 'Hello'" and "prints 'Hi'" differ where it matters
// most. It ranks records for a prompt; whether a proven solution may be
// tried for a goal is Covers's question.
func GoalSimilarity(a, b string) float64 {
	if SameGoal(a, b) {
		return 1
	}
	return dice(ContentWords(a), ContentWords(b))
}

// Covers reports whether goal have says everything goal want says: every
// content word of want (see GoalSimilarity) is one of have's. A proven
// solution for have is worth trying for want only then — "Add a 'time'
// command that prints the time" covers "Add a 'time' command that shows
// the current time", but not "... in 12-hour format" nor "Add a 'dots'
// command that prints nine dots" when it was "ten dots" — and even then
// it is proven again for want before it counts: a cover is a reason to
// try, never evidence. An empty want is covered by nothing.
func Covers(have, want string) bool {
	if SameGoal(have, want) {
		return true
	}
	h, w := ContentWords(have), ContentWords(want)
	if len(w) == 0 {
		return false
	}
	for t := range w {
		if _, ok := h[t]; !ok {
			return false
		}
	}
	return true
}

func dice(wa, wb map[string]float64) float64 {
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

// ContentWords returns the content words of a goal with their weights (see
// GoalSimilarity): 1 for a word, 2 for a quoted part. A quoted word is
// the word ('time' and time are one); quoted text of several words is one
// word, as written ("'Hello, world'").
func ContentWords(goal string) map[string]float64 {
	out := map[string]float64{}
	for _, p := range SplitGoal(goal) {
		if p.Quoted {
			if t := p.Text; t != "" {
				if !strings.ContainsFunc(t, func(r rune) bool { return !isWordRune(r) }) {
					t = word(t)
				}
				out[t] = 2
			}
			continue
		}
		for _, w := range strings.FieldsFunc(p.Text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
			if w = word(w); w != "" && !fillerWords[w] && out[w] == 0 {
				out[w] = 1
			}
		}
	}
	return out
}

// word is w lower-cased, stemmed and mapped to its synonyms' word.
func word(w string) string {
	w = stem(strings.ToLower(w))
	if s, ok := synonyms[w]; ok {
		return s
	}
	return w
}

// fillerWords say nothing about what a feature does: stop words and the
// words every goal uses ("add a command", "implement ... support").
var fillerWords = map[string]bool{}

// synonyms map words to the one that stands for them all.
var synonyms = map[string]string{
	"show": "print", "display": "print", "output": "print", "write": "print", "put": "print",
	"erase": "clear", "wipe": "clear", "blank": "clear",
	"restart": "reboot", "reset": "reboot",
	"delete": "remove", "del": "remove",
	"argument": "arg", "parameter": "arg", "param": "arg",
	"character": "char", "letter": "char",
	"keystroke": "key", "keypress": "key",
}

func init() {
	for _, w := range strings.Fields(`a an and are as at be by do does for from how i if in into is it its of on or so
		that the their then there these this to was what when where which who why will with you your can should
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
