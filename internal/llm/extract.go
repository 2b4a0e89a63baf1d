package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	thinkOpen  = "<think>"
	thinkClose = "</think>"
)

// SplitThink separates reasoning from the answer. It understands two
// shapes:
//
//   - <think>...</think> blocks (DeepSeek R1, Qwen3 and their kin): every
//     block is removed from content and returned in reasoning. An unclosed
//     <think> runs to the end; a </think> without an opening tag (templates
//     that put <think> in the prompt) ends reasoning that began at the start.
//
//   - OpenAI harmony channels (gpt-oss; "OpenAI harmony response format",
//     https://cookbook.openai.com/articles/openai-harmony), as servers that
//     do not parse them pass them on:
//     "<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…<|return|>".
//     Content is the final channel; analysis and commentary messages are
//     reasoning; the special tokens (<|start|>, <|end|>, <|message|>,
//     <|channel|>, <|constrain|>, <|return|>, <|call|>, <|endoftext|>) are
//     removed wherever they occur. An answer cut off in its analysis has
//     empty content. Servers that strip the special tokens leave
//     "analysis…assistantfinal…": a text that starts with "analysis"
//     (after white space) and contains "assistantfinal" is read as that
//     form, the final channel being what follows the first
//     "assistantfinal"; a text that starts "analysis" glued to a capital
//     ("analysisThe user…") and has no "assistantfinal" is an analysis cut
//     off before its final channel (reasoning, empty content); any other
//     text is left alone, so prose that merely mentions an analysis or a
//     final answer is not touched.
//
// Harmony is undone first, then <think> blocks within what is left.
// Content is trimmed of surrounding white space; reasoning joins the
// pieces with newlines.
func SplitThink(s string) (content, reasoning string) {
	h := harmonyStage{collect: true}
	c := h.write(s) + h.flush()
	content, r := splitThinkTags(c)
	return content, joinNonEmpty(h.reason.String(), r)
}

// splitThinkTags is SplitThink for <think> blocks alone.
func splitThinkTags(s string) (content, reasoning string) {
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

// ThinkFilter hides reasoning from a stream of tokens: <think>...</think>
// blocks and harmony analysis channels, in the shapes SplitThink reads,
// even when a tag or token is split across tokens. Feed each token to
// Write and show what it returns; call Flush at the end. The zero value is
// ready to use.
//
// A stream that starts with "analysis" may be the stripped harmony form:
// it is held back until "assistantfinal" shows it is (and what follows is
// shown) or the stream ends without it (and Flush returns all of it).
type ThinkFilter struct {
	h harmonyStage
	t thinkStage
}

// Write takes the next token and returns the text to show now.
func (f *ThinkFilter) Write(tok string) string {
	return f.t.write(f.h.write(tok))
}

// Flush returns what is held back at the end of the stream.
func (f *ThinkFilter) Flush() string {
	s := f.t.write(f.h.flush())
	return s + f.t.flush()
}

// thinkStage removes <think>...</think> blocks from a stream.
type thinkStage struct {
	pending string
	inThink bool
	trimNL  bool // drop the newlines that follow a </think>
}

func (f *thinkStage) write(tok string) string {
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

func (f *thinkStage) flush() string {
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

// Harmony's stripped form: what is left of
// "<|channel|>analysis<|message|>…<|end|><|start|>assistant<|channel|>final<|message|>…"
// when a server drops the special tokens.
const (
	harmonyAnalysis = "analysis"
	harmonyFinal    = "assistantfinal"
)

// harmonyTokens are the special tokens of the harmony format that can
// appear in generated text. None is a prefix of another.
var harmonyTokens = [...]string{"<|start|>", "<|end|>", "<|message|>", "<|channel|>", "<|constrain|>", "<|return|>", "<|call|>", "<|endoftext|>"}

// maxHeader bounds the part of a message header kept to read its channel.
const maxHeader = 64

const (
	harmonyUndecided = iota // not yet known whether the text starts with "analysis"
	harmonyHeld             // it does: held until "assistantfinal" or the end
	harmonyPlain            // tokens are read as they come
)

// harmonyStage removes harmony channels other than final from a stream
// (see SplitThink). With collect set it keeps them in reason.
type harmonyStage struct {
	mode     int
	held     []byte // the text held in the undecided and held modes
	lead     int    // white space at the start of held
	searched int    // bytes of held already searched for "assistantfinal"
	pending  string // a possible special token cut by the end of a write
	header   bool   // between <|start|> or <|channel|> and <|message|>
	channel  bool   // the header has a <|channel|>
	hdr      []byte // the header's text after <|channel|>, at most maxHeader bytes
	hidden   bool   // in an analysis or commentary message
	trim     bool   // drop the white space that opens a shown message
	collect  bool
	reason   strings.Builder // hidden messages, one per line (collect only)
	cur      strings.Builder // the hidden message being read (collect only)
}

func (h *harmonyStage) write(tok string) string {
	var out strings.Builder
	if h.mode == harmonyPlain {
		h.plain(tok, &out)
		return out.String()
	}
	h.held = append(h.held, tok...)
	if h.mode == harmonyUndecided {
		for h.lead < len(h.held) && isSpace(h.held[h.lead]) {
			h.lead++
		}
		t := h.held[h.lead:]
		n := min(len(t), len(harmonyAnalysis))
		if string(t[:n]) != harmonyAnalysis[:n] {
			h.release(&out)
			return out.String()
		}
		if n < len(harmonyAnalysis) {
			return ""
		}
		h.mode = harmonyHeld
		h.searched = h.lead + len(harmonyAnalysis)
	}
	from := max(h.searched-len(harmonyFinal)+1, h.lead+len(harmonyAnalysis))
	i := bytes.Index(h.held[from:], []byte(harmonyFinal))
	if i < 0 {
		h.searched = len(h.held)
		return ""
	}
	i += from
	if h.collect {
		h.cur.Write(h.held[h.lead+len(harmonyAnalysis) : i])
		h.endMessage()
	}
	rest := string(h.held[i+len(harmonyFinal):])
	h.held, h.mode, h.trim = nil, harmonyPlain, true
	h.plain(rest, &out)
	return out.String()
}

func (h *harmonyStage) flush() string {
	var out strings.Builder
	switch t := h.held[min(h.lead, len(h.held)):]; {
	case h.mode == harmonyHeld && len(t) > len(harmonyAnalysis) && t[len(harmonyAnalysis)] >= 'A' && t[len(harmonyAnalysis)] <= 'Z':
		// "analysisThe user wants…" with no "assistantfinal" after it: the
		// stripped form's analysis glued to its first word, and no final
		// channel. It is reasoning, not an answer.
		if h.collect {
			h.cur.Write(t[len(harmonyAnalysis):])
		}
		h.held, h.mode = nil, harmonyPlain
	case h.mode != harmonyPlain:
		h.release(&out)
	}
	if p := h.pending; p != "" {
		h.pending = ""
		h.emit(p, &out)
	}
	h.endMessage()
	return out.String()
}

// release gives up on the stripped form: what was held is ordinary text.
func (h *harmonyStage) release(out *strings.Builder) {
	s := string(h.held)
	h.held, h.mode = nil, harmonyPlain
	h.plain(s, out)
}

// plain reads text with special tokens in it.
func (h *harmonyStage) plain(s string, out *strings.Builder) {
	if h.pending != "" {
		s, h.pending = h.pending+s, ""
	}
	for {
		i := strings.Index(s, "<|")
		if i < 0 {
			if strings.HasSuffix(s, "<") {
				h.emit(s[:len(s)-1], out)
				h.pending = "<"
				return
			}
			h.emit(s, out)
			return
		}
		h.emit(s[:i], out)
		s = s[i:]
		tok, n := harmonyToken(s)
		switch {
		case n > 0:
			h.token(tok)
			s = s[n:]
		case n < 0:
			h.pending = s
			return
		default:
			h.emit(s[:2], out)
			s = s[2:]
		}
	}
}

// harmonyToken reports the special token s starts with and its length;
// the length is -1 when s is too short to tell and 0 when it is none.
func harmonyToken(s string) (string, int) {
	partial := false
	for _, t := range harmonyTokens {
		if strings.HasPrefix(s, t) {
			return t, len(t)
		}
		if len(s) < len(t) && strings.HasPrefix(t, s) {
			partial = true
		}
	}
	if partial {
		return "", -1
	}
	return "", 0
}

func (h *harmonyStage) token(t string) {
	switch t {
	case "<|start|>", "<|channel|>":
		h.endMessage()
		h.header, h.channel, h.hdr = true, t == "<|channel|>", h.hdr[:0]
	case "<|message|>":
		if !h.header {
			return
		}
		ch := ""
		if f := strings.Fields(string(h.hdr)); h.channel && len(f) > 0 {
			ch = f[0]
		}
		h.header = false
		h.hidden = ch == "analysis" || ch == "commentary"
		h.trim = !h.hidden
	case "<|constrain|>": // within a header: <|channel|>final <|constrain|>json<|message|>
		if h.header && len(h.hdr) < maxHeader {
			h.hdr = append(h.hdr, ' ')
		}
	default: // <|end|>, <|return|>, <|call|>, <|endoftext|>
		h.endMessage()
		h.header = false
	}
}

// emit routes text by the state: a header's text is read for its channel,
// a hidden message's kept as reasoning, anything else shown.
func (h *harmonyStage) emit(s string, out *strings.Builder) {
	switch {
	case s == "":
	case h.header:
		if h.channel && len(h.hdr) < maxHeader {
			h.hdr = append(h.hdr, s[:min(len(s), maxHeader-len(h.hdr))]...)
		}
	case h.hidden:
		if h.collect {
			h.cur.WriteString(s)
		}
	default:
		if h.trim {
			if s = strings.TrimLeft(s, " \t\r\n"); s == "" {
				return
			}
			h.trim = false
		}
		out.WriteString(s)
	}
}

// endMessage ends a hidden message, keeping it as reasoning.
func (h *harmonyStage) endMessage() {
	h.hidden = false
	if !h.collect {
		return
	}
	if t := strings.TrimSpace(h.cur.String()); t != "" {
		if h.reason.Len() > 0 {
			h.reason.WriteByte('\n')
		}
		h.reason.WriteString(t)
	}
	h.cur.Reset()
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ExtractJSON finds the JSON value (RFC 8259) in a model's answer, as
// written: it never changes the text it returns. Models that ignore
// response_format answer in many shapes; it accepts, in order:
//
//   - the whole answer, once reasoning is removed (SplitThink: <think>
//     blocks, harmony analysis channels), when it is valid JSON;
//   - otherwise the outermost {...} objects and [...] arrays in the text
//     and in ``` fenced blocks (each fence's body read on its own, so a
//     broken block cannot swallow the text after it), of which it takes the
//     largest; a value that is a fence's whole body wins over one in prose,
//     and on a tie the earlier wins. A value nested in another, or in a
//     broken object, is never taken on its own: in {"a": "x" oops, "hooks":
//     [...]} the "hooks" array is not the answer.
//
// When the largest candidate is broken, the error (wrapping a *JSONError)
// names the defect with its line and column in the answer and an excerpt,
// e.g. `the JSON in the answer is broken: unterminated string starting at
// line 4, column 15 (a missing closing quote?): "mov ax, 1…"`, so that a
// repair prompt can say what to fix. The defects ExtractJSONFor repairs are
// errors here. Other errors: "the answer is empty" (nothing but
// reasoning), and "no JSON value in the answer: …" when there is nothing
// that looks like JSON (braces in prose, such as "{name}", are not taken
// for broken JSON).
//
// The time is linear in the length of the answer; nesting deeper than 512
// levels is reported as a defect.
func ExtractJSON(answer string) (json.RawMessage, error) {
	return extractJSON(answer, false, false)
}

// ExtractJSONFor is ExtractJSON for an answer that ought to be one JSON
// object (wantObject) or any value, from a model that may not write strict
// JSON. Where a candidate is not valid, it repairs the defects small models
// make and that have one reading, taken from JSON5 (https://spec.json5.org):
//
//   - raw control characters in strings (a line break, a tab) are escaped;
//   - a comma before '}' or ']' is removed;
//   - // line comments and /* block comments */ are removed;
//   - 'single-quoted' keys and strings get double quotes, where the closing
//     quote is followed by ',', ':', '}', ']' or the end (so "it's" inside
//     one is kept as an apostrophe); \' becomes ';
//   - a key written as an identifier ({name: "ver"}) gets double quotes;
//   - an invalid escape such as \d keeps its backslash as \\.
//
// A value that needed no repair is returned as written; a repaired one is
// the repaired text (valid JSON, not a substring of the answer). With
// wantObject, an object is preferred to any array: a broken object is
// reported rather than an array found beside it. Errors are ExtractJSON's,
// for defects it cannot repair (an unterminated string, an unescaped quote
// inside a string, a missing comma, "0x7E00" as a number, True for true,
// an unclosed bracket...).
func ExtractJSONFor(answer string, wantObject bool) (json.RawMessage, error) {
	return extractJSON(answer, wantObject, true)
}

// wantsObject reports whether out, as given to json.Unmarshal, is filled
// from a JSON object (a struct or a map), for ExtractJSONFor's wantObject.
func wantsObject(out any) bool {
	t := reflect.TypeOf(out)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t != nil && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map)
}

// JSONError is a defect in the JSON of a model's answer.
type JSONError struct {
	Line, Column int    // 1-based, in the answer; the column counts bytes, as Go's tools do
	Msg          string // e.g. "unterminated string starting", "unexpected ']'"
	Hint         string // a likely cause, or ""
	Excerpt      string // the answer's text there, cut short with "…"
}

// Error gives the defect, its place, the likely cause and the excerpt:
// `unexpected ']' at line 9, column 3 (an extra comma before it): "…"`.
func (e *JSONError) Error() string {
	s := fmt.Sprintf("%s at line %d, column %d", e.Msg, e.Line, e.Column)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	if e.Excerpt != "" {
		s += ": " + strconv.Quote(e.Excerpt)
	}
	return s
}

// maxJSONDepth bounds the nesting followed, keeping the recursion small on
// adversarial input ("[[[[…"). Real answers nest a few levels.
const maxJSONDepth = 512

// jsonCand is an outermost value found in the text, or a broken one.
type jsonCand struct {
	start, end int // in the searched text; for a broken value, the extent guessed from its brackets
	kind       byte
	whole      bool // the whole body of a fenced block
	raw        []byte
	fault      *jsonFault
}

func extractJSON(answer string, wantObject, repair bool) (json.RawMessage, error) {
	s, _ := SplitThink(answer)
	if s == "" {
		return nil, errors.New("the answer is empty")
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s), nil
	}
	x := extractor{s: s, wantObject: wantObject, repair: repair}
	x.scan()
	b := x.best
	switch {
	case b == nil:
		return nil, errors.New("no JSON value in the answer: " + strings.TrimSpace(shorten(s, 120)))
	case b.fault != nil:
		return nil, fmt.Errorf("the JSON in the answer is broken: %w", b.fault.locate(answer, s))
	}
	return json.RawMessage(b.raw), nil
}

type extractor struct {
	s          string
	wantObject bool
	repair     bool
	best       *jsonCand
}

// scan reads the fenced blocks and the text around them, each on its own.
func (x *extractor) scan() {
	s := x.s
	pos := 0 // the text from pos on is not yet read
	for pos < len(s) {
		i := strings.Index(s[pos:], "```")
		if i < 0 {
			break
		}
		open := pos + i + 3
		x.segment(pos, pos+i, false)
		end := strings.Index(s[open:], "```")
		if end < 0 {
			end = len(s) // an unclosed fence runs to the end
		} else {
			end += open
		}
		body := open
		// Skip the info string (json, JSON, javascript...) up to the newline.
		if nl := strings.IndexByte(s[open:end], '\n'); nl >= 0 {
			body = open + nl + 1
		}
		x.segment(body, end, true)
		pos = min(end+3, len(s))
	}
	x.segment(pos, len(s), false)
}

// segment considers the values in s[a:b].
func (x *extractor) segment(a, b int, fenced bool) {
	seg := x.s[a:b]
	if fenced {
		if t := strings.TrimSpace(seg); t != "" && json.Valid([]byte(t)) {
			start := a + strings.Index(seg, t)
			x.consider(&jsonCand{start: start, end: start + len(t), kind: t[0], whole: true, raw: []byte(t)})
			return
		}
	}
	for i := 0; i < len(seg); {
		k := strings.IndexAny(seg[i:], "{[")
		if k < 0 {
			return
		}
		start := i + k
		p := jsonParser{s: seg, repair: x.repair, mark: start}
		end := p.value(start)
		c := &jsonCand{start: a + start, kind: seg[start]}
		switch {
		case p.err != nil && p.err.weak:
			// "{name}" in prose: not JSON at all; look on from where it failed.
			i = max(p.reach, start+1)
			continue
		case p.err != nil:
			c.fault = p.err
			end = skipBrackets(seg, p.reach, p.failDepth)
		case p.fix != nil && !x.repair:
			c.fault = p.fix
		case p.fix != nil:
			p.out = append(p.out, seg[p.mark:end]...)
			if json.Valid(p.out) {
				c.raw = p.out
			} else { // cannot happen: the parser writes only valid JSON
				c.fault = &jsonFault{pos: start, ex: start, msg: "a value that could not be repaired"}
			}
		default:
			c.raw = []byte(seg[start:end])
		}
		if c.fault != nil {
			c.fault.shift(a)
		}
		c.end = a + end
		c.whole = fenced && c.fault == nil && strings.TrimSpace(seg[:start]) == "" && strings.TrimSpace(seg[end:]) == ""
		x.consider(c)
		i = max(end, start+1)
	}
}

// consider keeps c if it is a better answer than the best so far: first an
// object when one is wanted, then a fence's whole body, then the larger.
func (x *extractor) consider(c *jsonCand) {
	if b := x.best; b == nil || x.better(c, b) {
		x.best = c
	}
}

func (x *extractor) better(c, b *jsonCand) bool {
	if co, bo := !x.wantObject || c.kind == '{', !x.wantObject || b.kind == '{'; co != bo {
		return co
	}
	if c.whole != b.whole {
		return c.whole
	}
	return c.end-c.start > b.end-b.start
}

// skipBrackets guesses where a broken value ends: from i, with depth
// brackets open, to where they balance (strings honoured, bracket kinds
// not matched), or the end of s.
func skipBrackets(s string, i, depth int) int {
	inStr, esc := false, false
	for ; i < len(s); i++ {
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
			if depth--; depth <= 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// jsonFault is a defect at an offset in the text being read.
type jsonFault struct {
	pos, ex int // the defect and the start of the excerpt
	msg     string
	hint    string
	weak    bool // the value's first token is not JSON: prose in braces
}

func (f *jsonFault) shift(by int) { f.pos += by; f.ex += by }

// locate turns f, an offset in content (the answer without its
// reasoning), into a JSONError positioned in the answer when content is a
// part of it as written, else in content.
func (f *jsonFault) locate(answer, content string) *JSONError {
	text, off := content, 0
	if i := strings.Index(answer, content); i >= 0 {
		text, off = answer, i
	}
	pos := min(f.pos+off, len(text))
	line := 1 + strings.Count(text[:pos], "\n")
	col := pos - (strings.LastIndexByte(text[:pos], '\n') + 1) + 1
	return &JSONError{Line: line, Column: col, Msg: f.msg, Hint: f.hint, Excerpt: excerpt(content, f.ex, f.ex < f.pos)}
}

// excerpt is about 32 bytes of s from ex (from ex-16 when around), cut at
// UTF-8 boundaries and marked "…" where cut.
func excerpt(s string, ex int, around bool) string {
	const n = 32
	ex = min(max(ex, 0), len(s))
	for ex > 0 && ex < len(s) && !utf8.RuneStart(s[ex]) {
		ex--
	}
	end := min(ex+n, len(s))
	for end < len(s) && !utf8.RuneStart(s[end]) {
		end--
	}
	e := s[ex:end]
	if around && ex > 0 {
		e = "…" + e
	}
	if end < len(s) {
		e += "…"
	}
	return e
}

// jsonParser reads one JSON value, noting the defects ExtractJSONFor
// repairs and, when repair is set, writing the repaired text to out.
type jsonParser struct {
	s      string
	repair bool
	out    []byte
	mark   int // s[:mark] is written to out, or dropped
	depth  int
	fix    *jsonFault // the first repairable defect
	err    *jsonFault // the defect that stopped the parse
	// reach is where the parse stopped, failDepth the brackets then open.
	reach, failDepth int
}

// replace writes s[mark:i] and with to out, and skips s[i:j].
func (p *jsonParser) replace(i, j int, with string) {
	if !p.repair {
		return
	}
	p.out = append(p.out, p.s[p.mark:i]...)
	p.out = append(p.out, with...)
	p.mark = j
}

// fixed notes a repairable defect; the first in the text is kept.
func (p *jsonParser) fixed(pos int, msg, hint string) {
	if p.fix == nil || pos < p.fix.pos {
		p.fix = &jsonFault{pos: pos, ex: pos - 16, msg: msg, hint: hint}
	}
}

// fail notes the defect that stops the parse; it returns -1 for the
// callers to return.
func (p *jsonParser) fail(pos int, msg, hint string) int {
	if p.err == nil {
		p.err = &jsonFault{pos: pos, ex: pos - 16, msg: msg, hint: hint}
		p.reach, p.failDepth = pos, p.depth
	}
	return -1
}

// failOpen notes a string, comment or bracket opened at pos and never
// closed; the excerpt starts at ex.
func (p *jsonParser) failOpen(pos, ex int, msg, hint string) int {
	p.fail(pos, msg, hint)
	p.err.ex = ex
	p.reach = len(p.s)
	return -1
}

// value reads the value at s[i], which is not white space.
func (p *jsonParser) value(i int) int {
	if i >= len(p.s) {
		return p.fail(i, "the text ends where a value should be", "")
	}
	switch c := p.s[i]; {
	case c == '{':
		return p.container(i, '}')
	case c == '[':
		return p.container(i, ']')
	case c == '"' || c == '\'':
		return p.str(i)
	case c == '-' || '0' <= c && c <= '9':
		return p.number(i)
	case isWordByte(c):
		return p.word(i)
	}
	return p.fail(i, "unexpected "+describe(p.s, i)+" where a value should be", "")
}

// container reads an object (close '}') or an array (close ']') opened at
// s[open].
func (p *jsonParser) container(open int, close byte) int {
	what, member := "object", "member"
	if close == ']' {
		what, member = "array", "element"
	}
	if p.depth >= maxJSONDepth {
		return p.fail(open, fmt.Sprintf("nesting deeper than %d levels", maxJSONDepth), "")
	}
	p.depth++
	defer func() { p.depth-- }()
	i := p.space(open + 1)
	if i < 0 {
		return -1
	}
	if i < len(p.s) && p.s[i] == close {
		return i + 1
	}
	for first := true; ; first = false {
		at := i
		if close == '}' && i < len(p.s) {
			i = p.key(open, i)
		}
		if i >= len(p.s) {
			return p.unclosed(open, what, close)
		}
		if i >= 0 {
			i = p.value(i)
		}
		if i < 0 {
			// A first token that is not JSON at all, as in "{name}" or
			// "[see below]", makes the whole thing prose.
			if first && p.depth == 1 && p.err.pos == at && p.reach == at {
				p.err.weak = true
			}
			return -1
		}
		if i = p.space(i); i < 0 {
			return -1
		}
		if i >= len(p.s) {
			return p.unclosed(open, what, close)
		}
		switch p.s[i] {
		case close:
			return i + 1
		case ',':
			if k := p.peek(i + 1); k < len(p.s) && p.s[k] == close {
				p.fixed(k, fmt.Sprintf("unexpected '%c'", close), "an extra comma before it")
				p.replace(i, i+1, "")
			}
			if i = p.space(i + 1); i < 0 {
				return -1
			}
			if i < len(p.s) && p.s[i] == close {
				return i + 1
			}
		default:
			return p.fail(i, fmt.Sprintf("expected ',' or '%c' after an %s %s, found %s", close, what, member, describe(p.s, i)), afterValueHint(p.s, i, close))
		}
	}
}

// key reads the key at s[i] of the object opened at s[open], and its
// colon; it returns where the value starts (or len(s), or -1).
func (p *jsonParser) key(open, i int) int {
	switch c := p.s[i]; {
	case c == '"' || c == '\'':
		if i = p.str(i); i < 0 {
			return -1
		}
	case c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		// An identifier followed by ':' is a key without quotes (JSON5);
		// anything else, such as "{name}", is not a key.
		j := i
		for j < len(p.s) && (isWordByte(p.s[j]) || p.s[j] == '$') {
			j++
		}
		k := j
		for k < len(p.s) && isSpace(p.s[k]) {
			k++
		}
		if k >= len(p.s) || p.s[k] != ':' {
			return p.fail(i, "expected a key in double quotes, found "+describe(p.s, i), "")
		}
		p.fixed(i, "a key without quotes", "keys need double quotes")
		p.replace(i, j, strconv.Quote(p.s[i:j]))
		i = j
	default:
		return p.fail(i, "expected a key in double quotes, found "+describe(p.s, i), "")
	}
	if i = p.space(i); i < 0 || i >= len(p.s) {
		return i
	}
	if p.s[i] != ':' {
		return p.fail(i, "expected ':' after a key, found "+describe(p.s, i), "")
	}
	return p.space(i + 1)
}

func (p *jsonParser) unclosed(open int, what string, close byte) int {
	return p.failOpen(open, open-16, "unterminated "+what+" starting", fmt.Sprintf("cut off, or a missing '%c'?", close))
}

// afterValueHint guesses why s[i] follows a value where ',' or close
// should.
func afterValueHint(s string, i int, close byte) string {
	c := s[i]
	switch {
	case c == '"' || c == '\'' || c == '{' || c == '[':
		return "a missing comma?"
	case c == '}' || c == ']':
		return fmt.Sprintf("a missing '%c'?", close)
	}
	j := i
	for j > 0 && isSpace(s[j-1]) && i-j < 8 {
		j--
	}
	if j > 0 && s[j-1] == '"' {
		return "an unescaped quote in the string before it?"
	}
	return ""
}

// str reads a string opened by the quote at s[open] (" or ').
func (p *jsonParser) str(open int) int {
	q := p.s[open]
	if q == '\'' {
		p.fixed(open, "a single-quoted string", "JSON strings use double quotes")
		p.replace(open, open+1, `"`)
	}
	for j := open + 1; j < len(p.s); {
		switch c := p.s[j]; {
		case c == q:
			if q == '\'' {
				if !p.closesSingle(j) {
					j++ // an apostrophe
					continue
				}
				p.replace(j, j+1, `"`)
			}
			return j + 1
		case c == '"': // in a single-quoted string
			p.replace(j, j+1, `\"`)
			j++
		case c == '\\':
			if j+1 >= len(p.s) {
				j++
				continue
			}
			switch e := p.s[j+1]; {
			case strings.IndexByte(`"\/bfnrt`, e) >= 0:
				j += 2
			case e == 'u' && isHex4(p.s[j+2:]):
				j += 6
			case e == '\'':
				if q != '\'' {
					p.fixed(j, `an invalid escape \' inside a string`, "JSON writes ' as it is")
				}
				p.replace(j, j+2, "'")
				j += 2
			default:
				p.fixed(j, "an invalid escape "+strconv.Quote(p.s[j:j+2])+" inside a string", `a backslash is written \\`)
				p.replace(j, j+1, `\\`)
				j++
			}
		case c < 0x20:
			e := controlEscape(c)
			p.fixed(j, controlName(c)+" inside a string", "write it as "+e)
			p.replace(j, j+1, e)
			j++
		default:
			j++
		}
	}
	return p.failOpen(open, open+1, "unterminated string starting", "a missing closing quote?")
}

// closesSingle reports whether the ' at s[j] ends a single-quoted string:
// what follows is ',', ':', '}', ']' or the end.
func (p *jsonParser) closesSingle(j int) bool {
	k := j + 1
	for k < len(p.s) && isSpace(p.s[k]) {
		k++
	}
	return k == len(p.s) || strings.IndexByte(",:}]", p.s[k]) >= 0
}

func isHex4(s string) bool {
	if len(s) < 4 {
		return false
	}
	for _, c := range []byte(s[:4]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func controlEscape(c byte) string {
	switch c {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	}
	return fmt.Sprintf(`\u%04x`, c)
}

func controlName(c byte) string {
	switch c {
	case '\n':
		return "a raw line break"
	case '\r':
		return "a raw carriage return"
	case '\t':
		return "a raw tab"
	}
	return fmt.Sprintf("a raw control character U+%04X", c)
}

// space skips white space and, noting them, comments. It returns -1 on an
// unterminated /* comment.
func (p *jsonParser) space(i int) int {
	for i < len(p.s) {
		switch p.s[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		case '/':
			if i+1 < len(p.s) && p.s[i+1] == '/' {
				p.fixed(i, "a // comment", "JSON has no comments")
				end := len(p.s)
				if e := strings.IndexByte(p.s[i:], '\n'); e >= 0 {
					end = i + e
				}
				p.replace(i, end, "")
				i = end
				continue
			}
			if i+1 < len(p.s) && p.s[i+1] == '*' {
				e := strings.Index(p.s[i+2:], "*/")
				if e < 0 {
					return p.failOpen(i, i, "unterminated /* comment starting", "")
				}
				p.fixed(i, "a /* */ comment", "JSON has no comments")
				end := i + 2 + e + 2
				p.replace(i, end, "")
				i = end
				continue
			}
		}
		return i
	}
	return i
}

// peek is where space(i) will stop, without noting or dropping anything.
func (p *jsonParser) peek(i int) int {
	for i < len(p.s) {
		switch {
		case isSpace(p.s[i]):
			i++
		case strings.HasPrefix(p.s[i:], "//"):
			e := strings.IndexByte(p.s[i:], '\n')
			if e < 0 {
				return len(p.s)
			}
			i += e
		case strings.HasPrefix(p.s[i:], "/*"):
			e := strings.Index(p.s[i+2:], "*/")
			if e < 0 {
				return len(p.s)
			}
			i += 2 + e + 2
		default:
			return i
		}
	}
	return i
}

// number reads the number at s[i]: a JSON number, followed by neither a
// letter nor a digit.
func (p *jsonParser) number(i int) int {
	j := i
	for j < len(p.s) && (isWordByte(p.s[j]) || p.s[j] == '.' || p.s[j] == '+' || p.s[j] == '-') {
		j++
	}
	if w := p.s[i:j]; !isJSONNumber(w) {
		hint := ""
		if h := strings.TrimPrefix(w, "-"); len(h) > 2 && (h[:2] == "0x" || h[:2] == "0X") {
			hint = "JSON numbers are decimal"
			if v, err := strconv.ParseUint(h[2:], 16, 64); err == nil {
				hint += fmt.Sprintf(": write %s for %s, or a string", strings.TrimSuffix(w, h)+strconv.FormatUint(v, 10), w)
			}
		}
		return p.fail(i, strconv.Quote(shorten(w, 24))+" is not a JSON number", hint)
	}
	return j
}

// isJSONNumber: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	digits := func() bool {
		n := 0
		for n < len(s) && '0' <= s[n] && s[n] <= '9' {
			n++
		}
		s = s[n:]
		return n > 0
	}
	s = strings.TrimPrefix(s, "-")
	if strings.HasPrefix(s, "0") {
		s = s[1:]
	} else if !digits() {
		return false
	}
	if strings.HasPrefix(s, ".") {
		if s = s[1:]; !digits() {
			return false
		}
	}
	if len(s) > 0 && (s[0] == 'e' || s[0] == 'E') {
		s = s[1:]
		if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
			s = s[1:]
		}
		if !digits() {
			return false
		}
	}
	return s == ""
}

// word reads true, false or null.
func (p *jsonParser) word(i int) int {
	j := i
	for j < len(p.s) && isWordByte(p.s[j]) {
		j++
	}
	switch w := p.s[i:j]; w {
	case "true", "false", "null":
		return j
	case "True", "False", "None", "TRUE", "FALSE", "NULL", "nil", "undefined":
		return p.fail(i, "unexpected word "+strconv.Quote(w)+" where a value should be", "JSON writes true, false and null")
	default:
		return p.fail(i, "unexpected word "+strconv.Quote(shorten(w, 24))+" where a value should be", "strings need double quotes")
	}
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// describe names the character at s[i] for an error: 'x', '\n', 'é'.
func describe(s string, i int) string {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return strconv.QuoteRune(r)
}
