package llm

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// EstimateTokens estimates how many tokens s costs, without a tokenizer.
// BPE vocabularies (Llama, Qwen, Mistral) give common words of up to about
// eight letters one token and split longer ones every four or so, split
// digit runs into groups of up to three, and spend a token on most
// punctuation and on each non-Latin character. This errs high on plain
// English (about 1.2× real counts) and close on code and hex, which is
// the safe side for a budget, where plain chars/4 undercounts code such as
// "mov ax, 0x7C00" by about half.
func EstimateTokens(s string) int {
	n := 0
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || r == '_'):
			j := i
			for j < len(s) && s[j] < utf8.RuneSelf && (unicode.IsLetter(rune(s[j])) || s[j] == '_') {
				j++
			}
			l := j - i
			if l <= 8 {
				n++
			} else {
				n += 1 + (l-8+3)/4
			}
			i = j
		case r >= '0' && r <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			n += (j - i + 2) / 3
			i = j
		case r == ' ' || r == '\t':
			// A single space joins the next word's token; runs of
			// indentation cost about one token per four columns.
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j-i > 1 {
				n += (j - i + 3) / 4
			}
			i = j
		case r == '\n' || r == '\r':
			j := i
			for j < len(s) && (s[j] == '\n' || s[j] == '\r') {
				j++
			}
			n++
			i = j
		default:
			n++
			i += size
		}
	}
	return n
}

// perMessage is the chat template's cost around each message (role markers).
const perMessage = 4

// EstimateMessages estimates the prompt tokens of a chat request.
func EstimateMessages(msgs []Message) int {
	n := 3 // the assistant turn's opening
	for _, m := range msgs {
		n += perMessage + EstimateTokens(m.Content)
	}
	return n
}

// ContextItem is one piece of retrieved knowledge offered to a prompt.
type ContextItem struct {
	// Label heads the item in the prompt, e.g. "#12 reference: BIOS int 10h".
	Label string
	Text  string
}

// Prompt is a request in parts: Instructions (the system message) and
// Question (the user's request) are always sent whole; Context items, best
// first, are added while they fit. Fit builds the messages.
type Prompt struct {
	Instructions string
	Context      []ContextItem
	// ContextHeading introduces the context in the user message;
	// empty means "Context:".
	ContextHeading string
	// ContextBudget, when above 0, is the most tokens the context items
	// (with their heading) may take, however large the model's context:
	// retrieved knowledge helps up to a point, and every token of it is
	// paid for on every request.
	ContextBudget int
	Question      string
}

// Fitted is a prompt cut to a budget.
type Fitted struct {
	Messages []Message
	// Used lists the indexes of the Context items sent, in order; Trimmed
	// those of them that were shortened; Dropped those left out.
	Used, Trimmed, Dropped []int
	// PromptTokens is the estimate for Messages; Budget the most it could be.
	PromptTokens, Budget int
}

// minTrimmed is the smallest useful piece of a trimmed context item.
const minTrimmed = 48

// Fit builds the messages for a model with contextLength tokens that must
// leave room for maxTokens of answer (0: a quarter of the context, at most
// 1024). It keeps the instructions and the question whole and fails with
// ErrContextLength if they alone do not fit; context items are taken in
// order, the first one that does not fit is trimmed to the room left (when
// that is worth it), and the rest are dropped. A safety margin of 5% covers
// the estimate's error.
func (p Prompt) Fit(contextLength, maxTokens int) (*Fitted, error) {
	if contextLength <= 0 {
		contextLength = DefaultContextLength
	}
	if maxTokens <= 0 {
		maxTokens = min(contextLength/4, 1024)
	}
	budget := contextLength - maxTokens - contextLength/20
	f := &Fitted{Budget: budget}
	base := p.messages(nil)
	cost := EstimateMessages(base)
	if cost > budget {
		return nil, &Error{Kind: ErrContextLength, Msg: fmt.Sprintf(
			"the instructions and question alone need about %d tokens, but the model's context is %d tokens with %d kept for the answer — shorten them, lower --max-tokens, or load the model with a larger context (--context-length)",
			cost, contextLength, maxTokens)}
	}
	var kept []ContextItem
	ctxBudget := budget
	if len(p.Context) > 0 {
		cost += EstimateTokens(p.heading()) + 1
		if p.ContextBudget > 0 {
			ctxBudget = min(budget, cost+p.ContextBudget)
		}
	}
	for i, it := range p.Context {
		c := itemCost(it)
		room := ctxBudget - cost
		switch {
		case c <= room:
			kept = append(kept, it)
			f.Used = append(f.Used, i)
			cost += c
		case room >= minTrimmed && len(f.Trimmed) == 0:
			t := trimItem(it, room)
			if t.Text == "" {
				f.Dropped = append(f.Dropped, i)
				continue
			}
			kept = append(kept, t)
			f.Used = append(f.Used, i)
			f.Trimmed = append(f.Trimmed, i)
			cost += itemCost(t)
		default:
			f.Dropped = append(f.Dropped, i)
		}
	}
	f.Messages = p.messages(kept)
	f.PromptTokens = EstimateMessages(f.Messages)
	return f, nil
}

const trimMark = " …[trimmed]"

func itemCost(it ContextItem) int {
	return EstimateTokens(renderItem(it)) + 1
}

// trimItem cuts it.Text so the item costs at most room tokens, at a line or
// word boundary when one is near.
func trimItem(it ContextItem, room int) ContextItem {
	lo, hi := 0, len(it.Text)
	for lo < hi { // largest prefix length that fits
		mid := (lo + hi + 1) / 2
		t := it
		t.Text = it.Text[:mid] + trimMark
		if itemCost(t) <= room {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	cut := lo
	for cut > 0 && cut < len(it.Text) && !utf8.RuneStart(it.Text[cut]) {
		cut-- // don't split a UTF-8 sequence
	}
	text := it.Text[:cut]
	if k := strings.LastIndexAny(text, "\n "); k > len(text)*3/4 {
		text = text[:k]
	}
	text = strings.TrimRight(text, " \n")
	if text == "" {
		return ContextItem{Label: it.Label}
	}
	return ContextItem{Label: it.Label, Text: text + trimMark}
}

func renderItem(it ContextItem) string {
	return "### " + it.Label + "\n" + it.Text + "\n"
}

func (p Prompt) heading() string {
	if p.ContextHeading != "" {
		return p.ContextHeading
	}
	return "Context:"
}

// messages lays out the prompt: one system message (the instructions) and
// one user message (the context items, then the question). One system
// message and strictly alternating roles suit every chat template,
// including those that reject a second system message.
func (p Prompt) messages(items []ContextItem) []Message {
	var msgs []Message
	if p.Instructions != "" {
		msgs = append(msgs, System(p.Instructions))
	}
	var b strings.Builder
	if len(items) > 0 {
		b.WriteString(p.heading())
		b.WriteString("\n\n")
		for _, it := range items {
			b.WriteString(renderItem(it))
			b.WriteString("\n")
		}
		b.WriteString("Question: ")
	}
	b.WriteString(p.Question)
	return append(msgs, User(b.String()))
}
