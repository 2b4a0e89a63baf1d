package gen

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Tags on solution records. A solution is "verified" only when its
// acceptance scenario passed on a machine; the offline provider uses nothing
// else. "proven" marks a verified solution whose scenario also failed on the
// build without it (fail-to-pass): only such scenarios can show that a goal
// is present. "shipped" marks the default features that come with pxos
// (their fail-to-pass is a test: TestShippedScenariosFailToPass).
const (
	TagVerified  = "verified"
	TagProven    = "proven"
	TagValidated = "validated" // passed gen's static checks, not yet run
	TagShipped   = "shipped"
)

// Solution states for SolutionRecord.
type SolutionState int

const (
	Validated SolutionState = iota // passed gen's static checks only
	Verified                       // its scenario passed on a machine
	Proven                         // and failed without the feature (fail-to-pass)
)

// solutionPayload is the structured part of a solution record: enough to
// reassemble the feature anywhere, and where it came from.
type solutionPayload struct {
	Name     string            `json:"name"`
	Goal     string            `json:"goal"`
	Aliases  []string          `json:"aliases,omitempty"`
	Keywords []string          `json:"keywords,omitempty"`
	Hooks    map[string]string `json:"hooks"`
	Requires []string          `json:"requires,omitempty"`
	Source   string            `json:"source"`
	Scenario string            `json:"scenario"`
	Verified bool              `json:"verified"`
	Proven   bool              `json:"proven,omitempty"`
	Provider string            `json:"provider,omitempty"`
	Model    string            `json:"model,omitempty"`
	Attempts int               `json:"attempts,omitempty"`
	Addr     uint32            `json:"addr,omitempty"`
	Size     int               `json:"size,omitempty"`
	Evidence []string          `json:"evidence,omitempty"`
}

// Solution is a solution record decoded back into a feature.
type Solution struct {
	RecordID uint64
	Spec     *feature.Spec
	Verified bool
	Proven   bool // its scenario passed fail-to-pass (or it shipped, whose scenarios are tested so)
}

// Provenance is where a solution came from and what it took.
type Provenance struct {
	Provider string   // "openai", "kb", "shipped"
	Model    string   // the model that wrote it, when a model did
	Attempts int      // the answers it took (1: the first passed); 0 when not counted
	Addr     uint32   // where it was installed; 0 for anywhere
	Size     int      // its bytes, when installed
	Evidence []string // one line per scenario that proved it (evidence.Proof.Summary)
}

// SolutionRecord renders a feature as a solution record: its goal, name,
// hooks, requirements, size, assembly and scenario, and where it came from.
// The loop records a solution once, after it passed (Proven); only shipped
// and test code record other states.
func SolutionRecord(s *feature.Spec, state SolutionState, pv Provenance, tags ...string) pixnet.Record {
	p := solutionPayload{Name: s.Name, Goal: s.Goal, Aliases: s.Aliases, Keywords: s.Keywords, Hooks: s.Hooks, Requires: s.Requires,
		Source: string(s.Source), Scenario: string(s.Scenario), Verified: state >= Verified, Proven: state >= Proven,
		Provider: pv.Provider, Model: pv.Model, Attempts: pv.Attempts, Addr: pv.Addr, Size: pv.Size, Evidence: pv.Evidence}
	payload, _ := json.Marshal(p)
	tags = append([]string{"feature:" + s.Name}, tags...)
	switch state {
	case Proven:
		tags = append(tags, TagVerified, TagProven)
	case Verified:
		tags = append(tags, TagVerified)
	default:
		tags = append(tags, TagValidated)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Goal: %s\n", s.Goal)
	if len(s.Aliases) > 0 {
		fmt.Fprintf(&b, "Also for: %s\n", strings.Join(s.Aliases, "; "))
	}
	fmt.Fprintf(&b, "Feature: %s", s.Name)
	if pv.Size > 0 {
		fmt.Fprintf(&b, ", %d bytes", pv.Size)
	}
	fmt.Fprintf(&b, "; hooks: %s; requires: %s\n", hookText(s.Hooks), listOr(s.Requires, "nothing"))
	if by := pv.by(); by != "" {
		fmt.Fprintf(&b, "Written by: %s\n", by)
	}
	for _, e := range pv.Evidence {
		fmt.Fprintf(&b, "Evidence: %s\n", e)
	}
	fmt.Fprintf(&b, "\nAssembly:\n%s\nScenario:\n%s", strings.TrimRight(string(s.Source), "\n")+"\n", s.Scenario)
	return pixnet.Record{Kind: pixnet.KindSolution, Tags: tags, Title: "solution: " + s.Name + " — " + feature.OneLine(s.Goal), Body: b.String(), Payload: payload}
}

// by says who wrote a solution and in how many attempts.
func (pv Provenance) by() string {
	who := pv.Model
	switch {
	case who != "" && pv.Provider != "":
		who += " (" + pv.Provider + ")"
	case who == "":
		who = pv.Provider
	}
	if pv.Attempts > 0 {
		who += fmt.Sprintf(", attempt %d", pv.Attempts)
	}
	return strings.TrimPrefix(who, ", ")
}

// hookText lists a feature's hooks as "slot -> handler", sorted.
func hookText(h map[string]string) string {
	var hooks []string
	for slot, l := range h {
		hooks = append(hooks, slot+" -> "+l)
	}
	sort.Strings(hooks)
	return listOr(hooks, "none")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Solutions returns the verified solutions in the network, newest first; of
// several records of one feature for one goal only the newest is kept
// (features of the same name for different goals are different solutions).
func Solutions(net *pixnet.Store) []Solution {
	if net == nil {
		return nil
	}
	recs := net.Records()
	if len(recs) == 0 {
		return nil
	}
	memo := &solutionsMemo
	memo.Lock()
	defer memo.Unlock()
	if memo.net == net && memo.n == len(recs) && memo.last == recs[len(recs)-1].ID {
		return slices.Clone(memo.sols)
	}
	memo.net, memo.n, memo.last, memo.sols = net, len(recs), recs[len(recs)-1].ID, decodeSolutions(recs)
	return slices.Clone(memo.sols)
}

// solutionsMemo keeps the last network's decoded solutions: a step asks
// for them several times (presence, reuse, generation, prerequisites), and
// a network changes only by appends, which change its count and last id.
// The specs are shared; nothing changes them after decoding.
var solutionsMemo struct {
	sync.Mutex
	net  *pixnet.Store
	n    int
	last uint64
	sols []Solution
}

// decodeSolutions is Solutions over the records recs.
func decodeSolutions(recs []pixnet.Record) []Solution {
	seen := map[string]bool{}
	var out []Solution
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		if r.Kind != pixnet.KindSolution || len(r.Payload) == 0 {
			continue
		}
		var p solutionPayload
		if err := json.Unmarshal(r.Payload, &p); err != nil || !p.Verified || p.Name == "" || p.Source == "" || CleanName(p.Name) != p.Name {
			// A name that is not [a-z][a-z0-9_]* (a hand-made or damaged
			// record) would become labels and file names: not a solution.
			continue
		}
		key := p.Name + "\x00" + feature.NormGoal(p.Goal)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, Solution{RecordID: r.ID, Verified: true, Proven: p.Proven || hasTag(r.Tags, TagShipped), Spec: &feature.Spec{
			Name: p.Name, Goal: p.Goal, Aliases: p.Aliases, Keywords: p.Keywords, Hooks: p.Hooks, Requires: p.Requires,
			Source: []byte(p.Source), SourceFile: p.Name + ".asm", Scenario: []byte(p.Scenario), ScenarioFile: p.Name + ".scenario",
		}})
	}
	return out
}

// ProvenFor returns the proven solutions (see Solution.Proven) whose
// scenario was written for goal (feature.Spec.Serves), newest first.
func ProvenFor(net *pixnet.Store, goal string) []Solution {
	var out []Solution
	for _, s := range Solutions(net) {
		if s.Proven && s.Spec.Serves(goal) {
			out = append(out, s)
		}
	}
	return out
}

// ShippedSolutions are the default features of the shipped pxOS as verified
// solution records (their scenarios pass in the test suite).
func ShippedSolutions() ([]pixnet.Record, error) {
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		return nil, err
	}
	var out []pixnet.Record
	for _, s := range specs {
		out = append(out, SolutionRecord(s, Proven, Provenance{Provider: "shipped"}, TagShipped))
	}
	api, err := fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	if err != nil {
		return nil, err
	}
	out = append(out, pixnet.Record{Kind: pixnet.KindReference, Tags: []string{"pxos", "api", "hooks", "memory-map", TagShipped},
		Title: "pxOS v" + pxosv1.Version + " API: memory map, hook slots, calling convention, routines", Body: string(api)})
	return out, nil
}

// OpenNetwork opens the pixel network at path. A network that does not
// exist yet is created from the built-in knowledge and the shipped
// solutions, atomically: built in a temporary file beside it and linked
// into place, so a process killed while creating it leaves nothing half
// made (and of two processes creating it, one wins). A network that lacks
// any of the built-in knowledge or of this binary's shipped records (one
// made by an older pxos, or a file left empty or bare by a crash before
// this) gets them appended once.
func OpenNetwork(path string) (*pixnet.Store, error) {
	shipped, err := ShippedSolutions()
	if err != nil {
		return nil, err
	}
	cleanCreating(path)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := createNetwork(path, shipped); err != nil {
			return nil, err
		}
	}
	s, err := pixnet.Open(path)
	if err != nil {
		return nil, err
	}
	// A damaged network lacks records it holds on disk; topping it up
	// would add the seed again on every open. It is read as it is (the
	// caller says so; pxos net verify names the damage).
	if s.Stats().Damaged > 0 {
		return s, nil
	}
	if missing := missingRecords(s, append(pixnet.SeedRecords(), shipped...)); len(missing) > 0 {
		if _, err := s.AppendBatch(missing); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// MissingSeed returns how many of the built-in knowledge and shipped
// records s lacks, and how many there are: what the next OpenNetwork
// appends (a network a crash left empty, or one an older pxos made).
func MissingSeed(s *pixnet.Store) (missing, total int, err error) {
	shipped, err := ShippedSolutions()
	if err != nil {
		return 0, 0, err
	}
	want := append(pixnet.SeedRecords(), shipped...)
	return len(missingRecords(s, want)), len(want), nil
}

// OpenNetworkRead opens the network at path for reading: read-only when it
// exists (a read-only file or mount works, and nothing is changed), else
// created as OpenNetwork does.
func OpenNetworkRead(path string) (*pixnet.Store, error) {
	cleanCreating(path) // best effort: on a read-only mount it does nothing
	if _, err := os.Stat(path); err == nil {
		return pixnet.OpenWith(path, pixnet.Options{ReadOnly: true})
	}
	return OpenNetwork(path)
}

// createNetwork seeds a new network in a temporary file beside path and
// links it into place; when another process got there first, its network
// stays.
func createNetwork(path string, shipped []pixnet.Record) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.creating-%d.png", filepath.Base(path), os.Getpid()))
	defer os.Remove(tmp)
	st, err := pixnet.SeedNew(tmp, true, shipped...)
	if err != nil {
		return err
	}
	if err := st.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("creating the network %s: %w", path, err)
	}
	return nil
}

// cleanCreating removes what createNetwork left beside path when its
// process was killed: ".NAME.creating-PID.png" whose PID is gone.
func cleanCreating(path string) {
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+".creating-"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSuffix(rest, ".png"))
		if err == nil && pid > 0 && pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// missingRecords returns the records of want that s does not hold (by kind,
// title, body and payload).
func missingRecords(s *pixnet.Store, want []pixnet.Record) []pixnet.Record {
	key := func(r pixnet.Record) string {
		return string(r.Kind) + "\x00" + r.Title + "\x00" + string(r.Payload) + "\x00" + r.Body
	}
	have := map[string]bool{}
	for _, r := range s.Records() {
		have[key(r)] = true
	}
	var out []pixnet.Record
	for _, r := range want {
		if !have[key(r)] {
			out = append(out, r)
		}
	}
	return out
}

// Reflection is what one failed attempt at a goal teaches, kept short for
// later prompts: what was tried, the exact error (the failing check, or the
// failing scenario step), and only the screen rows that matter.
type Reflection struct {
	Goal     string `json:"goal"`
	Attempt  int    `json:"attempt"`
	Provider string `json:"provider,omitempty"`
	Model    string `json:"model,omitempty"`
	// Phase is where it failed: "answer" (not the JSON asked for),
	// "validate" (gen's checks), "test" (a scenario failed), "prove" (its
	// scenario is not evidence) or "infeasible" (the model said so).
	Phase  string   `json:"phase"`
	Tried  string   `json:"tried"`            // one line: the feature, its hooks and size, or a summary of the answer
	Error  string   `json:"error"`            // the exact error, cut to maxReflectionError bytes
	Screen []string `json:"screen,omitempty"` // the rows that matter, "NN|text"

	RecordID uint64 `json:"-"` // set by Reflections
	body     string // the record's body, set by Reflections
}

// Bounds of a reflection's parts.
const (
	maxReflectionError = 800
	maxReflectionRows  = 8
	maxAnswerHead      = 160
)

// FailureRecord renders a failed attempt as a failure record of its goal.
// Error and Screen are cut to their bounds, and every text made printable.
func FailureRecord(r Reflection) pixnet.Record {
	// Errors quote the answer, and screens are guest memory: what a
	// person may read must not move their terminal.
	r.Goal, r.Tried, r.Error = llm.Printable(feature.OneLine(r.Goal)), llm.Printable(r.Tried), llm.Printable(r.Error)
	r.Screen = slices.Clone(r.Screen)
	for i, row := range r.Screen {
		r.Screen[i] = llm.Printable(row)
	}
	r.Error = diag.Cut(r.Error, maxReflectionError)
	if len(r.Screen) > maxReflectionRows {
		r.Screen = r.Screen[len(r.Screen)-maxReflectionRows:] // the end of the screen is where the attempt acted
	}
	payload, _ := json.Marshal(r)
	var b strings.Builder
	fmt.Fprintf(&b, "Goal: %s\nAttempt %d", r.Goal, r.Attempt)
	if by := (Provenance{Provider: r.Provider, Model: r.Model}).by(); by != "" {
		fmt.Fprintf(&b, " by %s", by)
	}
	fmt.Fprintf(&b, " failed at %s.\nTried: %s\nError: %s\n", r.Phase, r.Tried, strings.TrimRight(r.Error, "\n"))
	if len(r.Screen) > 0 {
		fmt.Fprintf(&b, "Screen:\n  %s\n", strings.Join(r.Screen, "\n  "))
	}
	tags := []string{r.Phase, "attempt-" + fmt.Sprint(r.Attempt)}
	if r.Provider != "" {
		tags = append(tags, r.Provider)
	}
	return pixnet.Record{Kind: pixnet.KindFailure, Tags: tags, Title: fmt.Sprintf("failure: %s (attempt %d, %s)", r.Goal, r.Attempt, r.Phase),
		Body: b.String(), Payload: payload}
}

// Reflections returns the reflections recorded for goal or an equivalent
// one (feature.Equivalent), newest first, each error once.
func Reflections(net *pixnet.Store, goal string) []Reflection {
	if net == nil {
		return nil
	}
	recs := net.Records()
	seen := map[string]bool{}
	want := feature.MeaningWords(goal) // feature.Equivalent, the goal's side once
	if len(want) == 0 {
		return nil
	}
	var out []Reflection
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Kind != pixnet.KindFailure || len(recs[i].Payload) == 0 {
			continue
		}
		var r Reflection
		if json.Unmarshal(recs[i].Payload, &r) != nil || r.Phase == "" || !slices.Equal(feature.MeaningWords(r.Goal), want) || seen[r.Error] {
			continue
		}
		seen[r.Error] = true
		r.RecordID, r.body = recs[i].ID, recs[i].Body
		out = append(out, r)
	}
	return out
}

// Tried says in one line what a candidate tried: its feature, hooks,
// requirements and size; for an answer that is not the JSON asked for, its
// size and first line.
func (c *Candidate) Tried() string {
	if c == nil {
		return "nothing (no answer)"
	}
	if c.Name == "" && c.Source == "" && len(c.Primitives) == 0 {
		return AnswerSummary(c.Answer)
	}
	s := fmt.Sprintf("feature %s; hooks: %s; requires: %s; %d lines of assembly", orUnnamed(c.Name), hookText(c.Hooks),
		listOr(c.Requires, "nothing"), strings.Count(strings.TrimSpace(c.Source), "\n")+1)
	if len(c.Primitives) > 0 {
		s = fmt.Sprintf("feature %s; %d primitives", orUnnamed(c.Name), len(c.Primitives))
	}
	if e := oneLine(c.Explanation); e != "" {
		s += "; the model said: " + cutUTF8(e, maxAnswerHead)
	}
	return llm.Printable(s)
}

// AnswerSummary describes an answer that is not the JSON asked for: its
// size and its first line, never the whole text.
func AnswerSummary(answer string) string {
	head := oneLine(answer)
	if len(head) > maxAnswerHead {
		head = cutUTF8(head, maxAnswerHead) + "…"
	}
	return llm.Printable(fmt.Sprintf("an answer of %d bytes that begins %q", len(answer), head))
}

func orUnnamed(n string) string {
	if n == "" {
		return "(unnamed)"
	}
	return n
}

// cutUTF8 returns the longest prefix of s of at most n bytes that does not
// split a character.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// record writes a rejected attempt to the network as a reflection of its
// goal. Valid answers are not recorded here: a solution is learned only
// after it passed its test (package loop).
func (g *Generator) record(at *Attempt, req Request) {
	if g.Network == nil {
		return
	}
	phase := "validate"
	switch {
	case at.Verdict == "infeasible":
		phase = "infeasible"
	case at.Candidate == nil || at.Candidate.Name == "" && at.Candidate.Source == "" && len(at.Candidate.Primitives) == 0:
		phase = "answer"
	}
	r := FailureRecord(Reflection{Goal: req.Goal, Attempt: at.N, Provider: at.Provider, Model: at.Model, Phase: phase,
		Tried: at.Candidate.Tried(), Error: at.Error})
	if rec, err := g.Network.Append(r); err == nil {
		at.RecordID = rec.ID
	} else {
		g.logf("warning: could not record attempt %d in the network: %v\n", at.N, err)
	}
}
