// Package gen is the primitive generator behind `pxos gen`: a feature
// description in, a validated block of pxOS primitives out.
//
// A Provider proposes a feature — assembly with the hook slots it takes and an
// acceptance scenario (or, in the primitives format, bytes) — and gen checks
// it before anything is written: it must assemble, sit inside one free range,
// overwrite nothing but the hook slots it declares, decode as x86 where it is
// code, branch only to its own instructions or to known code of the base, and
// keep each hook chain (a handler must be able to reach the slot's previous
// handler). A rejected answer becomes a repair prompt quoting the exact error,
// up to MaxAttempts; every attempt and its verdict is recorded in the pixel
// network.
//
// Providers: "openai" asks an OpenAI-compatible server (package llm); "kb"
// answers offline from verified solutions in the network, reassembled at the
// target address with the current hook chain. gen does not run scenarios:
// the build loop (package loop) boots candidates; gen's verdicts are static.
package gen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Format is what the model is asked to write.
type Format string

// The answer formats.
const (
	FormatAsm        Format = "asm"        // NASM assembly, assembled by pxos (default)
	FormatPrimitives Format = "primitives" // the seed's JSON list of WRITE/DEFINE/COMMENT
)

// ErrNoSolution is returned by the kb provider when no verified solution
// matches the feature.
var ErrNoSolution = errors.New("no verified solution matches")

// ErrMalformedAnswer marks an answer that is not the JSON asked for; the
// generator asks again with the error.
var ErrMalformedAnswer = errors.New("malformed answer")

// MalformedError is a model's answer that is not the JSON asked for. It
// wraps ErrMalformedAnswer and keeps the answer, so that what went wrong can
// be summarised (AnswerSummary) without storing the whole text.
type MalformedError struct {
	Err    error // what was wrong, quoting the answer as package llm does
	Answer string
	Model  string
	Tokens int
	// PromptTokens and AnswerTokens are Tokens' two halves.
	PromptTokens, AnswerTokens int
	// TokensEstimated says Tokens is pxos's estimate.
	TokensEstimated bool
}

func (e *MalformedError) Error() string {
	msg := e.Err.Error()
	if !strings.HasPrefix(msg, ErrMalformedAnswer.Error()) { // the server's error says it already
		msg = ErrMalformedAnswer.Error() + ": " + msg
	}
	return fmt.Sprintf("%s; answer with one JSON object with the fields %s", msg, "explanation, name, assembly, hooks, requires, scenario, infeasible")
}

func (e *MalformedError) Unwrap() error { return ErrMalformedAnswer }

// ErrExhausted is returned when every attempt was rejected.
var ErrExhausted = errors.New("no valid answer")

// ErrRepeated is returned (wrapped) when a provider answers exactly what it
// answered before and was rejected for: asking again would only cost time.
var ErrRepeated = errors.New("the answer repeats a rejected one")

// InfeasibleError is the answer of a model that says the goal cannot be done
// within the pxOS API (it needs a change to the base, say), with its reason.
type InfeasibleError struct {
	Reason string
}

func (e *InfeasibleError) Error() string { return "infeasible: " + llm.Printable(e.Reason) }

// Request is one feature to generate.
type Request struct {
	Feature     string   // the feature description, e.g. "Add backspace support to shell"
	Goal        string   // the goal it meets, recorded in the block and the network; Feature when empty
	Name        string   // the feature's name when the answer gives none; else from its command word or the goal
	Solution    string   // kb: install the verified solution with this feature name (a prerequisite), not one for Goal
	SolutionID  uint64   // kb: install the solution of this network record (one Reusable found for Goal)
	Commands    []string // the command words the feature must provide, when the goal names them (GoalCommands)
	Addr        uint32   // where to place it; 0 picks the first free range big enough
	AddrSoft    bool     // Addr is a hint (a plan's): when the feature does not fit there, place it anywhere
	Format      Format   // FormatAsm when empty
	MaxAttempts int      // 3 when 0
	Temperature float64  // for model providers; 0.7 when 0 (use a tiny value for ~0)
	MaxTokens   int      // answer budget; 0 lets the provider choose
	// Repair, when set, is an earlier attempt rejected outside gen (its
	// scenario failed on a machine, say): the first answer is asked as a
	// repair of it.
	Repair *Attempt
	// Rejected holds the fingerprints (Candidate.Fingerprint) of answers
	// rejected so far for this goal, with their attempt numbers; an answer
	// found there ends Generate with ErrRepeated. Generate adds the answers
	// it rejects. May be nil.
	Rejected map[string]int
	// Reserved are feature names a new feature must not take: those of
	// verified solutions for other goals (not those proven for a goal that
	// is equivalent to Goal, see Reusable) (a model's "help" that prints the
	// time would otherwise pass for the help feature later). Generate fills
	// it from the network when nil.
	Reserved map[string]bool
	// Prepare, when set, is called when a valid-looking answer (feature
	// name) needs features the build lacks (missing) that the network has
	// verified solutions for: it installs them and returns the new base,
	// and the same answer is validated again on it (no new provider call).
	// Without Prepare the *MissingError ends Generate.
	Prepare func(ctx context.Context, name string, missing []string) (*feature.Base, error)
}

// Candidate is a provider's proposal for a feature.
type Candidate struct {
	Explanation string
	Name        string            // a label-safe feature name; derived from the request when empty
	Source      string            // assembly (FormatAsm)
	Hooks       map[string]string // slot -> handler label
	Scenario    string            // acceptance scenario
	Primitives  []Primitive       // FormatPrimitives
	Verified    bool              // the kb provider's solutions passed their scenario before
	Keywords    []string          // kb: the solution's keywords, kept in records
	Aliases     []string          // kb: other wordings of the solution's goal
	Requires    []string          // features that must be installed first
	Infeasible  string            // the model says the goal cannot be done within the pxOS API, and why

	// What the provider sent and got, for the record.
	Prompt string
	Answer string
	Model  string
	Tokens int
	// PromptTokens and AnswerTokens are Tokens' two halves: what the
	// model read and what it wrote (llm.Usage).
	PromptTokens, AnswerTokens int
	// TokensEstimated says Tokens is pxos's estimate: the server reported none.
	TokensEstimated bool
	SolutionID      uint64 // the network record a kb answer came from
	SolutionGoal    string // the goal that solution was proven for
}

// Fingerprint identifies what the answer asks to install — its name,
// assembly or primitives, hooks, requirements and scenario, not its
// explanation — so that an answer repeated word for word is recognised.
func (c *Candidate) Fingerprint() string {
	h := sha256.New()
	slots := make([]string, 0, len(c.Hooks))
	for s := range c.Hooks {
		slots = append(slots, s)
	}
	sort.Strings(slots)
	fmt.Fprintf(h, "%q\x00%q\x00", c.Name, strings.TrimSpace(c.Source))
	for _, s := range slots {
		fmt.Fprintf(h, "%q=%q\x00", s, c.Hooks[s])
	}
	fmt.Fprintf(h, "%q\x00%q\x00%q", c.Requires, strings.TrimSpace(c.Scenario), c.Primitives)
	return hex.EncodeToString(h.Sum(nil))
}

// Primitive is one element of the seed's primitives answer format.
type Primitive struct {
	Type    string `json:"type"` // WRITE, DEFINE or COMMENT
	Label   string `json:"label,omitempty"`
	Addr    Value  `json:"addr,omitempty"`
	Byte    Value  `json:"byte,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// Value is a number a model may write as a JSON number or as a string
// ("0x7F00", "31744", "7F00h").
type Value string

// UnmarshalJSON accepts a number or a string.
func (v *Value) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*v = Value(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("want a number or a string, got %s", b)
	}
	*v = Value(n.String())
	return nil
}

// Provider proposes candidates. Propose gets the request, the context of
// this build, and the previous rejected attempt (nil on the first).
type Provider interface {
	Name() string
	Propose(ctx context.Context, req *Request, pc *PromptContext, prev *Attempt) (*Candidate, error)
}

// Attempt is one proposal and its verdict.
type Attempt struct {
	N            int    `json:"n"`
	Provider     string `json:"provider"`
	Model        string `json:"model,omitempty"`
	PromptHash   string `json:"prompt_sha256,omitempty"`
	ResponseHash string `json:"response_sha256,omitempty"`
	Tokens       int    `json:"tokens,omitempty"`
	PromptTokens int    `json:"prompt_tokens,omitempty"` // Tokens' two halves
	AnswerTokens int    `json:"answer_tokens,omitempty"`
	// TokensEstimated says Tokens is pxos's estimate: the server reported none.
	TokensEstimated bool   `json:"tokens_estimated,omitempty"`
	Explanation     string `json:"explanation,omitempty"` // the model's own words about its answer
	Verdict         string `json:"verdict"`               // "valid", "invalid", "error", "infeasible", "repeated"
	// Answered says the provider answered (even with malformed text): for
	// a model, a call that reached it. An attempt refused before it was
	// sent (the prompt did not fit, say) is not a model call.
	Answered bool          `json:"answered,omitempty"`
	Error    string        `json:"error,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	RecordID uint64        `json:"record_id,omitempty"`

	Candidate *Candidate `json:"-"`
}

// Result is a validated feature.
type Result struct {
	Install  *feature.Installation
	Spec     *feature.Spec
	Block    []byte // the primitives block to append
	Attempts []Attempt
	Provider string
	Verified bool // from a kb solution that passed its scenario before
}

// Generator generates features for one base build.
type Generator struct {
	Base     *feature.Base
	API      string        // the pxOS API page given to models
	Network  *pixnet.Store // where attempts are recorded and knowledge retrieved; may be nil
	Provider Provider
	// Embedder, when set, ranks retrieved records by meaning as well as by
	// words (the LLM server's /v1/embeddings).
	Embedder pixnet.Embedder
	Log      io.Writer // progress lines; nil for none
}

// Generate asks the provider for the feature until an answer validates or
// MaxAttempts answers were rejected. Provider failures that are not the
// answer's fault (server unreachable, no model) end the run at once, as do
// an answer that says the goal is infeasible (*InfeasibleError) and one that
// repeats a rejected answer (ErrRepeated).
func (g *Generator) Generate(ctx context.Context, req Request) (*Result, []Attempt, error) {
	if req.MaxAttempts <= 0 {
		req.MaxAttempts = 3
	}
	if req.Format == "" {
		req.Format = FormatAsm
	}
	if req.Goal == "" {
		req.Goal = req.Feature
	}
	if req.Rejected == nil {
		req.Rejected = map[string]int{}
	}
	if err := checkAddr(g.Base, req.Addr); err != nil {
		// The caller's address, not the answer's: no repair can move it.
		return nil, nil, err
	}
	sols := Solutions(g.Network)
	if req.Reserved == nil {
		req.Reserved = map[string]bool{}
		mine := map[uint64]bool{}
		for _, s := range Reusable(sols, req.Goal) {
			mine[s.RecordID] = true // proven for this goal or an equivalent one
		}
		for _, s := range sols {
			if !s.Spec.Serves(req.Goal) && !mine[s.RecordID] {
				req.Reserved[s.Spec.Name] = true
			}
		}
	}
	if bs, ok := g.Provider.(interface{ SetBase(*feature.Base) }); ok {
		bs.SetBase(g.Base) // an Ensemble orders its candidates by their size here
	}
	pc := NewPromptContext(ctx, g.Base, g.API, g.Network, g.Embedder, req.Goal, req.Feature)
	if req.Repair != nil && req.Repair.RecordID != 0 {
		pc.drop(req.Repair.RecordID) // the repair quotes that failure already
	}
	pc.Installable = Installable(g.Base, sols)
	var attempts []Attempt
	prev := req.Repair
	first := 1
	if prev != nil {
		first = prev.N + 1
	}
	reject := func(at Attempt, err error, cand *Candidate) {
		at.Verdict, at.Error = "invalid", err.Error()
		attempts = append(attempts, at)
		g.record(&attempts[len(attempts)-1], req)
		prev = &attempts[len(attempts)-1]
		if cand != nil {
			req.Rejected[cand.Fingerprint()] = at.N
		}
		if errors.Is(err, ErrMalformedAnswer) {
			g.logf("attempt %d rejected: %v\n", at.N, err)
		} else {
			g.logf("attempt %d rejected:\n%s\n", at.N, indent(err.Error()))
		}
	}
	for n := first; n < first+req.MaxAttempts; n++ {
		if err := ctx.Err(); err != nil {
			return nil, attempts, err
		}
		g.logf("attempt %d: asking %s\n", n, g.Provider.Name())
		start := time.Now()
		cand, err := g.Provider.Propose(ctx, &req, pc, prev)
		at := Attempt{N: n, Provider: g.Provider.Name(), Duration: time.Since(start), Answered: err == nil || errors.Is(err, ErrMalformedAnswer)}
		if err != nil {
			if errors.Is(err, ErrMalformedAnswer) {
				// The model's fault, not the server's: ask again with the error.
				var me *MalformedError
				if errors.As(err, &me) {
					at.Candidate = &Candidate{Answer: me.Answer, Model: me.Model, Tokens: me.Tokens, PromptTokens: me.PromptTokens, AnswerTokens: me.AnswerTokens, TokensEstimated: me.TokensEstimated}
					at.Model, at.Tokens, at.TokensEstimated = me.Model, me.Tokens, me.TokensEstimated
					at.PromptTokens, at.AnswerTokens = me.PromptTokens, me.AnswerTokens
				}
				reject(at, err, nil)
				continue
			}
			at.Verdict, at.Error = "error", err.Error()
			attempts = append(attempts, at)
			return nil, attempts, err
		}
		at.Candidate = cand
		at.Model, at.Tokens, at.TokensEstimated = cand.Model, cand.Tokens, cand.TokensEstimated
		at.PromptTokens, at.AnswerTokens = cand.PromptTokens, cand.AnswerTokens
		at.Explanation = cand.Explanation
		at.PromptHash, at.ResponseHash = hash(cand.Prompt), hash(cand.Answer)
		if reason := strings.TrimSpace(cand.Infeasible); reason != "" {
			at.Verdict, at.Error = "infeasible", reason
			attempts = append(attempts, at)
			g.record(&attempts[len(attempts)-1], req)
			return nil, attempts, &InfeasibleError{Reason: reason}
		}
		if was, ok := req.Rejected[cand.Fingerprint()]; ok {
			at.Verdict, at.Error = "repeated", fmt.Sprintf("the same answer as attempt %d, which was rejected", was)
			attempts = append(attempts, at)
			return nil, attempts, fmt.Errorf("%w (attempt %d)", ErrRepeated, was)
		}
		res, verr := Validate(g.Base, &req, cand)
		var missing *MissingError
		for errors.As(verr, &missing) && req.Prepare != nil {
			if unknown := unknownFeatures(sols, missing.Required); len(unknown) > 0 {
				verr = fmt.Errorf("\"requires\" names %s, which is neither installed nor a feature pxos can install (installable: %s); list only those, or nothing", strings.Join(unknown, ", "), listOr(pc.Installable, "none"))
				break
			}
			g.logf("attempt %d: %s needs %s first\n", n, missing.Feature, strings.Join(missing.Required, ", "))
			base, perr := req.Prepare(ctx, missing.Feature, missing.Required)
			if perr != nil {
				at.Verdict, at.Error = "error", perr.Error()
				attempts = append(attempts, at)
				return nil, attempts, perr
			}
			g.Base = base
			res, verr = Validate(g.Base, &req, cand)
		}
		if errors.Is(verr, feature.ErrInstalled) || errors.As(verr, &missing) {
			// The provider named a feature this build has, or one it needs
			// first that nobody installs: not the answer's fault, and no
			// other answer can fix it.
			at.Verdict, at.Error = "error", verr.Error()
			attempts = append(attempts, at)
			return nil, attempts, verr
		}
		if verr != nil {
			reject(at, verr, cand)
			continue
		}
		at.Verdict = "valid"
		attempts = append(attempts, at)
		res.Attempts, res.Provider, res.Verified = attempts, g.Provider.Name(), cand.Verified
		g.logf("attempt %d valid: %s at %s (%d bytes)\n", n, res.Spec.Name, res.Install.Range, res.Install.End-res.Install.Addr)
		return res, attempts, nil
	}
	last := ""
	if prev != nil {
		last = ": " + prev.Error
	}
	return nil, attempts, fmt.Errorf("%w after %d attempt%s%s", ErrExhausted, len(attempts), plural(len(attempts)), last)
}

// unknownFeatures returns the names that none of the solutions has.
func unknownFeatures(sols []Solution, names []string) []string {
	known := map[string]bool{}
	for _, s := range sols {
		known[s.Spec.Name] = true
	}
	var out []string
	for _, n := range names {
		if !known[n] {
			out = append(out, n)
		}
	}
	return out
}

// Installable lists, sorted, the feature names of the solutions (see
// Solutions) that base does not have: what pxos installs when an answer
// requires it.
func Installable(base *feature.Base, sols []Solution) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range sols {
		if n := s.Spec.Name; !seen[n] && !base.Present(n) {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func listOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}

// checkAddr refuses a requested address that is not free in base: every
// answer would be rejected for it, and a model cannot change it.
func checkAddr(base *feature.Base, addr uint32) error {
	if addr == 0 {
		return nil
	}
	var free []string
	for _, r := range base.Image.Summary.Free {
		if addr >= r.Start && addr < r.End {
			return nil
		}
		free = append(free, r.String())
	}
	return fmt.Errorf("address 0x%04X is not free in this build (free ranges: %s)", addr, strings.Join(free, ", "))
}

func (g *Generator) logf(format string, args ...any) {
	if g.Log != nil {
		io.WriteString(g.Log, llm.Printable(fmt.Sprintf(format, args...))) // errors quote the answer
	}
}

func hash(s string) string {
	if s == "" {
		return ""
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(s, "\n", "\n  ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
