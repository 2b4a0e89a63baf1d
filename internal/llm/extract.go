package llm

import (
	"encoding/json"
	"errors"
	"strings"
)

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// SplitThink separates reasoning from the answer: every <think>...</think>
// block is removed from content and returned in reasoning. An unclosed
// <think> runs to the end; a </think> without an opening tag (templates
// that put <think> in the prompt) ends reasoning that began at the start.
func SplitThink(s string) (content, reasoning string) {
	var c, r strings.Builder
	if i := strings.Index(s, thinkClose); i >= 0 && !strings.Contains(s[:i], thinkOpen) {
		r.WriteString(strings.TrimSpace(s[:i]))
		s = s[i+len(thinkClose):]
	}
	for {
		i := strings.Index(s, thinkOpen)
		if i < 0 {
			c.WriteString(s)
			break
		}
		c.WriteString(s[:i])
		s = s[i+len(thinkOpen):]
		j := strings.Index(s, thinkClose)
		if r.Len() > 0 {
			r.WriteByte('\n')
		}
		if j < 0 {
			r.WriteString(strings.TrimSpace(s))
			break
		}
		r.WriteString(strings.TrimSpace(s[:j]))
		s = s[j+len(thinkClose):]
	}
	return strings.TrimSpace(c.String()), r.String()
}

// ThinkFilter hides <think>...</think> blocks from a stream of tokens, even
// when a tag is split across tokens. Feed each token to Write and show what
// it returns; call Flush at the end.
type ThinkFilter struct {
	pending string
	inThink bool
	trimNL  bool // drop the newlines that follow a </think>
}

// Write takes the next token and returns the text to show now.
func (f *ThinkFilter) Write(tok string) string {
	f.pending += tok
	var out strings.Builder
	for {
		if f.inThink {
			if j := strings.Index(f.pending, thinkClose); j >= 0 {
				f.pending = f.pending[j+len(thinkClose):]
				f.inThink, f.trimNL = false, true
				continue
			}
			// Keep a possible partial "</think>" at the end.
			if k := len(f.pending) - (len(thinkClose) - 1); k > 0 {
				f.pending = f.pending[k:]
			}
			return out.String()
		}
		if f.trimNL {
			f.pending = strings.TrimLeft(f.pending, "\r\n")
			f.trimNL = f.pending == ""
		}
		if i := strings.Index(f.pending, thinkOpen); i >= 0 {
			out.WriteString(f.pending[:i])
			f.pending = f.pending[i+len(thinkOpen):]
			f.inThink = true
			continue
		}
		keep := partialSuffix(f.pending, thinkOpen)
		out.WriteString(f.pending[:len(f.pending)-keep])
		f.pending = f.pending[len(f.pending)-keep:]
		return out.String()
	}
}

// Flush returns what is held back at the end of the stream.
func (f *ThinkFilter) Flush() string {
	if f.inThink {
		f.pending = ""
		return ""
	}
	s := f.pending
	f.pending = ""
	return s
}

// partialSuffix is the length of the longest suffix of s that is a proper
// prefix of tag.
func partialSuffix(s, tag string) int {
	for n := min(len(tag)-1, len(s)); n > 0; n-- {
		if strings.HasSuffix(s, tag[:n]) {
			return n
		}
	}
	return 0
}

// ExtractJSON finds the JSON value in a model's answer. It accepts, in
// order: the whole answer (after removing <think> blocks); the first
// ```json (or bare ```) fenced block that holds valid JSON; then the first
// balanced {...} object or [...] array in the text that is valid JSON. Models that ignore response_format answer in all
// these shapes.
func ExtractJSON(answer string) (json.RawMessage, error) {
	s, _ := SplitThink(answer)
	if s == "" {
		return nil, errors.New("the answer is empty")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s), nil
	}
	// Fenced blocks.
	rest := s
	for {
		i := strings.Index(rest, "```")
		if i < 0 {
			break
		}
		rest = rest[i+3:]
		// Skip the info string (json, JSON, javascript...) up to the newline.
		nl := strings.IndexByte(rest, '\n')
		end := strings.Index(rest, "```")
		if end < 0 {
			break
		}
		body := rest[:end]
		if nl >= 0 && nl < end {
			body = rest[nl+1 : end]
		}
		if b := strings.TrimSpace(body); json.Valid([]byte(b)) {
			return json.RawMessage(b), nil
		}
		rest = rest[end+3:]
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '{' && s[i] != '[' {
			continue
		}
		if end := balanced(s, i); end > 0 && json.Valid([]byte(s[i:end])) {
			return json.RawMessage(s[i:end]), nil
		}
	}
	return nil, errors.New("no JSON value in the answer: " + strings.TrimSpace(shorten(s, 120)))
}

// balanced returns the end (exclusive) of the bracketed value starting at
// s[start], honouring JSON strings and escapes, or -1.
func balanced(s string, start int) int {
	depth := 0
	inStr, esc := false, false
	for i := start; i < len(s); i++ {
		ch := s[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case ch == '\\':
				esc = true
			case ch == '"':
				inStr = false
			}
			continue
		}
		switch ch {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
