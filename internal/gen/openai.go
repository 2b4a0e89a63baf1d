package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
)

// OpenAI is the provider that asks an OpenAI-compatible server (LM Studio,
// Ollama, llama.cpp) through package llm.
type OpenAI struct {
	Client *llm.Client
	// Stream, when set, receives the answer's tokens as they arrive
	// (reasoning blocks hidden).
	Stream io.Writer
	// Used, when set, is told which network records went into each prompt.
	Used func(labels []string)
	// Waiting, when set, is called as a request goes out; the function it
	// returns is called when the first token (or the answer) arrives. A
	// terminal uses it to show a spinner while the model thinks.
	Waiting func() (done func())

	lastCtx int // the context length the last request was fitted to
}

// Name implements Provider.
func (o *OpenAI) Name() string { return "openai" }

// answer is the JSON a model returns.
type answer struct {
	Explanation string      `json:"explanation"`
	Name        string      `json:"name"`
	Assembly    string      `json:"assembly"`
	Hooks       hookList    `json:"hooks"`
	Requires    []string    `json:"requires"`
	Scenario    string      `json:"scenario"`
	Infeasible  string      `json:"infeasible"`
	Primitives  []Primitive `json:"primitives"`
}

// hookList accepts [{"slot":..,"handler":..}] as the schema asks, and the
// {"slot": "handler"} object some models write instead.
type hookList map[string]string

func (h *hookList) UnmarshalJSON(b []byte) error {
	var list []struct{ Slot, Handler string }
	if err := json.Unmarshal(b, &list); err == nil {
		*h = hookList{}
		for _, e := range list {
			(*h)[e.Slot] = e.Handler
		}
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return errors.New(`"hooks" must be a list of {"slot": ..., "handler": ...}`)
	}
	*h = m
	return nil
}

// Schema returns the json_schema the model's answer must follow; slots are
// the hook slots the build has (nil: feature.Slots).
func Schema(f Format, slots []string) *llm.Schema {
	if slots == nil {
		slots = feature.Slots
	}
	hooks := map[string]any{
		"type": "array",
		"items": map[string]any{
			"type":                 "object",
			"additionalProperties": false,
			"properties": map[string]any{
				"slot":    map[string]any{"type": "string", "enum": slots},
				"handler": map[string]any{"type": "string"},
			},
			"required": []string{"slot", "handler"},
		},
	}
	props := map[string]any{
		"explanation": map[string]any{"type": "string"},
		"name":        map[string]any{"type": "string", "description": "short lower-case feature name, e.g. the command word"},
		"hooks":       hooks,
		"requires":    map[string]any{"type": "array", "items": map[string]any{"type": "string"}, "description": "features to install first, e.g. command_parser"},
		"scenario":    map[string]any{"type": "string"},
		"infeasible":  map[string]any{"type": "string", "description": "empty, or why the goal cannot be done within the pxOS API"},
	}
	required := []string{"explanation", "name", "hooks", "requires", "scenario", "infeasible"}
	name := "pxos_feature"
	if f == FormatPrimitives {
		name = "pxos_primitives"
		props["primitives"] = map[string]any{
			"type": "array",
			"items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"properties": map[string]any{
					"type":    map[string]any{"type": "string", "enum": []string{"WRITE", "DEFINE", "COMMENT"}},
					"label":   map[string]any{"type": "string"},
					"addr":    map[string]any{"type": "string"},
					"byte":    map[string]any{"type": "string"},
					"comment": map[string]any{"type": "string"},
				},
				"required": []string{"type"},
			},
		}
		required = append(required, "primitives")
	} else {
		props["assembly"] = map[string]any{"type": "string"}
		required = append(required, "assembly")
	}
	return &llm.Schema{Name: name, Schema: map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"properties":           props,
		"required":             required,
	}}
}

// KnowledgeBudget is the most prompt tokens a code request spends on what
// the network offers (PromptContext.Knowledge) for a model with ctxLen
// tokens of context: a tenth of it, at least 300 and at most 1,500. At
// 8,192 tokens that is 744, which keeps a code request for a new command
// under 3,000 tokens with the instructions and the API page's core (about
// 2,000 with pxOS v1.1's routine library; 1,600 with v1.0's).
func KnowledgeBudget(ctxLen int) int {
	return min(max(ctxLen/11, 300), 1500)
}

// minAnswerTokens is the smallest answer budget Propose lowers a request's
// budget to when the prompt does not fit the model's context otherwise.
const minAnswerTokens = 512

// Propose implements Provider. An answer cut at its budget is asked once
// more with twice the room when the context allows; a prompt the server
// refused with a smaller context than it reported is fitted to that and
// sent once more.
func (o *OpenAI) Propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt) (*Candidate, error) {
	cand, err := o.propose(ctx, req, pc, prev, req.MaxTokens)
	var le *llm.Error
	switch {
	case errors.As(err, &le) && le.Kind == llm.ErrCutOff:
		// Cut at the answer budget: once more with twice the room, when
		// the context has it (propose lowers it otherwise).
		budget := req.MaxTokens
		if budget == 0 {
			budget = defaultAnswerTokens(o.Client.ContextLength(ctx))
		}
		if more := 2 * budget; more < o.Client.ContextLength(ctx)/2 {
			o.note(fmt.Sprintf("the answer was cut at %d tokens: asking once more with room for %d", budget, more))
			return o.propose(ctx, req, pc, prev, more)
		}
	case errors.As(err, &le) && le.Kind == llm.ErrContextLength && o.Client.ContextLength(ctx) < o.lastCtx:
		// The server said its context is smaller than pxos planned with:
		// once more, fitted to what it said.
		return o.propose(ctx, req, pc, prev, req.MaxTokens)
	}
	return cand, err
}

// MinContext is the least context, in tokens, pxos works well in (see
// llm.MinContext).
const MinContext = llm.MinContext

// minAnswerBudget is the answer budget pxos keeps at MinContext: correct
// features took 510–1,049 tokens of JSON with real models.
const minAnswerBudget = 1024

// defaultAnswerTokens is the answer budget for a model with ctxLen tokens
// of context when the caller gives none: a quarter of it, at least
// minAnswerBudget and at most 2,048.
func defaultAnswerTokens(ctxLen int) int {
	return min(2048, max(minAnswerBudget, ctxLen/4))
}

func (o *OpenAI) note(msg string) {
	if o.Stream != nil {
		fmt.Fprintf(o.Stream, "(%s)\n", msg)
	}
}

// propose asks once with an answer budget of maxTokens (0: the default).
func (o *OpenAI) propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt, maxTokens int) (*Candidate, error) {
	ctxLen := o.Client.ContextLength(ctx)
	o.lastCtx = ctxLen
	if maxTokens == 0 {
		maxTokens = defaultAnswerTokens(ctxLen)
	}
	p := llm.Prompt{
		Instructions:   pc.System(),
		Context:        pc.Knowledge,
		ContextHeading: "From the pixel network (proven solutions of similar goals, this goal's failed attempts, references):",
		ContextBudget:  KnowledgeBudget(ctxLen),
		Question:       Question(req, prev),
	}
	fitted, err := p.Fit(ctxLen, maxTokens)
	if errors.Is(err, llm.ErrContextLength) && maxTokens > minAnswerTokens {
		// In a small context (LM Studio loads many models with 4096 tokens)
		// the instructions — mostly the API page — plus a repair's error
		// leave less than the answer budget the caller allowed. A feature's
		// JSON is a few hundred tokens: cap the answer lower rather than
		// fail before asking.
		maxTokens = minAnswerTokens
		fitted, err = p.Fit(ctxLen, maxTokens)
	}
	for _, limit := range []int{2000, 1000, 500, 250} {
		if !errors.Is(err, llm.ErrContextLength) || prev == nil || len(prev.Error) <= limit {
			break
		}
		// A repair quotes the error, screens and failing tests included;
		// in a small context its head (what is wrong) is what matters.
		cut := *prev
		cut.Error = prev.Error[:limit] + fmt.Sprintf("\n…[%d more characters cut to fit the model's context]", len(prev.Error)-limit)
		p.Question = Question(req, &cut)
		fitted, err = p.Fit(ctxLen, maxTokens)
	}
	if err != nil {
		if errors.Is(err, llm.ErrContextLength) {
			// Nothing was sent: say how to give this server more room.
			return nil, fmt.Errorf("%w; %s", err, o.Client.ContextAdvice(ctx))
		}
		return nil, err
	}
	if o.Used != nil {
		var labels []string
		for _, i := range fitted.Used {
			labels = append(labels, p.Context[i].Label)
		}
		o.Used(labels)
	}
	t := req.Temperature
	if t == 0 {
		t = llm.DefaultTemperature
	}
	r := llm.Request{Messages: fitted.Messages, Temperature: llm.Temp(t), MaxTokens: maxTokens, Schema: Schema(req.Format, pc.Slots)}
	var ans answer
	var resp *llm.Response
	done := func() {}
	if o.Waiting != nil {
		done = sync.OnceFunc(o.Waiting())
	}
	if o.Stream != nil {
		var tf llm.ThinkFilter
		show := &shown{w: o.Stream}
		resp, err = o.Client.ChatStream(ctx, r, func(s string) {
			done()
			show.write(tf.Write(s))
		})
		done()
		show.write(tf.Flush())
		show.end()
		if err == nil {
			err = o.Client.DecodeJSON(resp.Content, &ans)
		}
	} else {
		resp, err = o.Client.ChatJSON(ctx, r, *r.Schema, &ans)
		done()
	}
	if err != nil {
		if errors.Is(err, llm.ErrMalformed) {
			me := &MalformedError{Err: err}
			if resp != nil {
				me.Answer, me.Model, me.Tokens, me.TokensEstimated = resp.Content, resp.Model, resp.Usage.TotalTokens, resp.Usage.Estimated
				me.PromptTokens, me.AnswerTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
			}
			return nil, me
		}
		return nil, err
	}
	prompt, _ := json.Marshal(fitted.Messages)
	return &Candidate{
		Explanation:     ans.Explanation,
		Name:            ans.Name,
		Source:          ans.Assembly,
		Hooks:           ans.Hooks,
		Requires:        ans.Requires,
		Scenario:        ans.Scenario,
		Infeasible:      ans.Infeasible,
		Primitives:      ans.Primitives,
		Prompt:          string(prompt),
		Answer:          resp.Raw,
		Model:           resp.Model,
		Tokens:          resp.Usage.TotalTokens,
		PromptTokens:    resp.Usage.PromptTokens,
		AnswerTokens:    resp.Usage.CompletionTokens,
		TokensEstimated: resp.Usage.Estimated,
	}, nil
}

// maxShown bounds how much of one streamed answer is shown on the terminal.
const maxShown = 64 << 10

// shown writes a streamed answer for a person: made printable (an answer
// is untrusted text; escape sequences would reach the terminal), and cut
// after maxShown bytes with a note of how much was left out.
type shown struct {
	w       io.Writer
	n, over int
}

func (s *shown) write(text string) {
	if room := maxShown - s.n; len(text) > room {
		s.over += len(text) - max(room, 0)
		text = text[:max(room, 0)]
	}
	s.n += len(text)
	io.WriteString(s.w, llm.Printable(text))
}

func (s *shown) end() {
	if s.over > 0 {
		fmt.Fprintf(s.w, "\n… (%d more bytes of the answer not shown)", s.over)
	}
	fmt.Fprintln(s.w)
}
