package docs

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/llm"
)

// maxProse bounds a paragraph a model writes, in characters: a longer one
// is cut at a word.
const maxProse = 800

// AddProse asks client's model (model names it in the manual) for one
// short paragraph per command, from what the manual knows of it (its word,
// help text, feature goal and example screen), and keeps each as the
// command's Prose: shown as written by that model and not checked. Each
// request is req (its temperature and answer size) with the question. It
// returns why a command got none; when the server cannot answer at all
// (llm.Unavailable) it stops asking and says so once. Prose is made
// printable and plain (one paragraph, no control characters).
func (m *Manual) AddProse(ctx context.Context, client *llm.Client, model string, req llm.Request) []error {
	var errs []error
	for i := range m.Commands {
		c := &m.Commands[i]
		if c.Word == "" {
			continue
		}
		req.Messages = m.prosePrompt(*c)
		resp, err := client.Chat(ctx, req)
		if err != nil {
			errs = append(errs, fmt.Errorf("no prose for %s: %w", c.Word, err))
			if llm.Unavailable(err) || ctx.Err() != nil {
				break
			}
			continue
		}
		if resp.FinishReason == "length" {
			errs = append(errs, fmt.Errorf("no prose for %s: the answer was cut at %d tokens (raise --max-tokens)", c.Word, req.MaxTokens))
			continue
		}
		if resp.FromReasoning {
			errs = append(errs, fmt.Errorf("no prose for %s: the model answered in its reasoning alone", c.Word))
			continue
		}
		text := plainParagraph(resp.Content)
		if text == "" {
			errs = append(errs, fmt.Errorf("no prose for %s: the model's answer was empty", c.Word))
			continue
		}
		c.Prose = text
		m.ProseBy = model
	}
	return errs
}

// prosePrompt asks for the paragraph about c.
func (m *Manual) prosePrompt(c Command) []llm.Message {
	var b strings.Builder
	fmt.Fprintf(&b, "pxOS is a tiny 16-bit real-mode operating system with a command shell. Its command %q", c.Word)
	if c.Help != "" {
		fmt.Fprintf(&b, " is described as %q", c.Help)
	}
	b.WriteString(".\n")
	if f := m.feature(c.Feature); f != nil {
		fmt.Fprintf(&b, "The feature that added it was asked to: %s\n", f.Goal)
		if f.Example != nil && len(f.Example.Rows) > 0 {
			b.WriteString("The screen after a test of it:\n")
			for _, r := range f.Example.Rows {
				b.WriteString("    " + r + "\n")
			}
		}
	}
	b.WriteString("\nWrite one short paragraph (at most three sentences) for the pxOS manual that tells a user what the command does and how to use it. Plain text only: no Markdown, no lists, no code blocks. Say nothing the facts above do not support.")
	return []llm.Message{
		llm.System("You write clear, accurate user documentation."),
		llm.User(b.String()),
	}
}

// plainParagraph makes a model's answer one printable paragraph of at
// most maxProse characters.
func plainParagraph(s string) string {
	s = strings.Join(strings.Fields(llm.Printable(s)), " ")
	if len(s) <= maxProse {
		return s
	}
	cut := strings.LastIndexByte(s[:maxProse], ' ')
	if cut <= 0 {
		for cut = maxProse; cut > 0 && !utf8.RuneStart(s[cut]); cut-- {
		}
	}
	return s[:cut] + " …"
}
