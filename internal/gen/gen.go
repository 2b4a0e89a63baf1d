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
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/feature"
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
var ErrNoSolution = errors.New("gen: no verified solution matches")

// ErrMalformedAnswer marks an answer that is not the JSON asked for; the
// generator asks again with the error.
var ErrMalformedAnswer = errors.New("gen: malformed answer")

// ErrExhausted is returned when every attempt was rejected.
var ErrExhausted = errors.New("gen: no valid answer")

// Request is one feature to generate.
type Request struct {
	Feature     string  // the feature description, e.g. "Add backspace support to shell"
	Goal        string  // the goal it serves, recorded in the block and the network; Feature when empty
	Name        string  // the feature's name when the provider gives none; Slug(Goal) when empty
	Addr        uint32  // where to place it; 0 picks the first free range big enough
	Format      Format  // FormatAsm when empty
	MaxAttempts int     // 3 when 0
	Temperature float64 // for model providers; 0.7 when 0 (use a tiny value for ~0)
	MaxTokens   int     // answer budget; 0 lets the provider choose
	// Repair, when set, is an earlier attempt rejected outside gen (its
	// scenario failed on a machine, say): the first answer is asked as a
	// repair of it.
	Repair *Attempt
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
	Requires    []string          // features that must be installed first

	// What the provider sent and got, for the record.
	Prompt     string
	Answer     string
	Model      string
	Tokens     int
	SolutionID uint64 // the network record a kb answer came from
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
		return fmt.Errorf("gen: want a number or a string, got %s", b)
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
	N            int           `json:"n"`
	Provider     string        `json:"provider"`
	Model        string        `json:"model,omitempty"`
	PromptHash   string        `json:"prompt_sha256,omitempty"`
	ResponseHash string        `json:"response_sha256,omitempty"`
	Tokens       int           `json:"tokens,omitempty"`
	Verdict      string        `json:"verdict"` // "valid", "invalid", "error"
	Error        string        `json:"error,omitempty"`
	Duration     time.Duration `json:"duration_ns"`
	RecordID     uint64        `json:"record_id,omitempty"`

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
// answer's fault (server unreachable, no model) end the run at once.
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
	if req.Name == "" {
		req.Name = Slug(req.Goal)
	}
	if g.Base.Present(req.Name) {
		return nil, nil, fmt.Errorf("%w: %s (%q)", feature.ErrInstalled, req.Name, req.Goal)
	}
	if err := checkAddr(g.Base, req.Addr); err != nil {
		// The caller's address, not the answer's: no repair can move it.
		return nil, nil, err
	}
	pc := NewPromptContext(ctx, g.Base, g.API, g.Network, g.Embedder, req.Feature)
	var attempts []Attempt
	prev := req.Repair
	first := 1
	if prev != nil {
		first = prev.N + 1
	}
	for n := first; n < first+req.MaxAttempts; n++ {
		if err := ctx.Err(); err != nil {
			return nil, attempts, err
		}
		g.logf("attempt %d: asking %s\n", n, g.Provider.Name())
		start := time.Now()
		cand, err := g.Provider.Propose(ctx, &req, pc, prev)
		at := Attempt{N: n, Provider: g.Provider.Name(), Duration: time.Since(start)}
		if err != nil {
			at.Verdict, at.Error = "error", err.Error()
			attempts = append(attempts, at)
			if errors.Is(err, ErrMalformedAnswer) {
				// The model's fault, not the server's: ask again with the error.
				at.Verdict = "invalid"
				attempts[len(attempts)-1] = at
				g.record(&attempts[len(attempts)-1], req, nil)
				prev = &attempts[len(attempts)-1]
				g.logf("attempt %d rejected: %v\n", n, err)
				continue
			}
			return nil, attempts, err
		}
		at.Candidate = cand
		at.Model, at.Tokens = cand.Model, cand.Tokens
		at.PromptHash, at.ResponseHash = hash(cand.Prompt), hash(cand.Answer)
		res, verr := Validate(g.Base, &req, cand)
		var missing *missingError
		if errors.Is(verr, feature.ErrInstalled) || errors.As(verr, &missing) {
			// The provider named a feature this build has, or one it needs
			// first (the kb provider answers with the solution's own name and
			// requirements, which the check of the request's slug above does
			// not see): not the answer's fault, and no other answer can fix it.
			at.Verdict, at.Error = "error", verr.Error()
			attempts = append(attempts, at)
			return nil, attempts, verr
		}
		if verr != nil {
			at.Verdict, at.Error = "invalid", verr.Error()
			attempts = append(attempts, at)
			g.record(&attempts[len(attempts)-1], req, nil)
			prev = &attempts[len(attempts)-1]
			g.logf("attempt %d rejected:\n%s\n", n, indent(verr.Error()))
			continue
		}
		at.Verdict = "valid"
		attempts = append(attempts, at)
		g.record(&attempts[len(attempts)-1], req, res)
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
	return fmt.Errorf("gen: address 0x%04X is not free in this build (free ranges: %s)", addr, strings.Join(free, ", "))
}

func (g *Generator) logf(format string, args ...any) {
	if g.Log != nil {
		fmt.Fprintf(g.Log, format, args...)
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

// Slug turns a feature description into a label-safe feature name:
// "Add 'help' command" -> "add_help_command" (at most 24 characters).
func Slug(s string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if b.Len() == 0 && r <= '9' {
				b.WriteString("f_")
			}
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		default:
			under = true
		}
		if b.Len() >= 24 {
			break
		}
	}
	out := strings.TrimRight(b.String(), "_")
	if len(out) > 24 {
		out = strings.TrimRight(out[:24], "_")
	}
	if out == "" {
		out = "feature"
	}
	return out
}
