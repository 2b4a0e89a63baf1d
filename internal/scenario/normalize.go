package scenario

import (
	"strings"
)

// DefaultPrompt is pxOS's prompt unless a feature changes it.
const DefaultPrompt = "pxOS> "

// PromptTexts rewrites a scenario that writes the prompt literally so that
// it holds for any prompt: in the texts to look for that must be on the
// screen (wait, expect, expect-row) every literal (with or without its
// trailing blank: "pxOS> help", wait "pxOS>") becomes {prompt}. An
// expect-not keeps its literal: "pxOS>" is gone is not "the prompt is
// gone" (a feature that changes the prompt checks just that). Other lines, and
// the texts typed, are left as written (comments too); a line that does
// not parse is left alone, so the result parses wherever src did. A
// cursor column after a prompt stays a number: a literal prompt's length
// cannot be told from a column.
//
// Scenarios a model writes say "pxOS> "; kept with this, they still hold
// after a later feature changes the prompt (see package loop's SetAside
// for the scenarios that check the prompt itself).
func PromptTexts(src []byte, literal string) []byte {
	short := strings.TrimRight(literal, " ")
	if short == "" {
		return src
	}
	lines := strings.Split(string(src), "\n")
	for i, line := range lines {
		trimmed := strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if trimmed == "" || trimmed[0] == '#' || !strings.Contains(trimmed, short) {
			continue
		}
		sc, err := Parse("line", []byte(trimmed))
		if err != nil || len(sc.Steps) != 1 {
			continue
		}
		st := sc.Steps[0]
		switch st.Op {
		case OpWait, OpExpect, OpExpectRow:
		default:
			continue
		}
		text := strings.ReplaceAll(st.Text, literal, Prompt)
		if strings.HasPrefix(text, short) && strings.TrimRight(text[len(short):], " ") == "" {
			text = Prompt // wait "pxOS>": the whole prompt
		}
		if text == st.Text {
			continue
		}
		st.Text = text
		lines[i] = st.String()
		if strings.HasSuffix(line, "\r") {
			lines[i] += "\r"
		}
	}
	return []byte(strings.Join(lines, "\n"))
}
