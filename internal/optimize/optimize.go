// Package optimize makes installed pxOS features smaller or faster and
// keeps a new version only when it is proven: every scenario of the build
// passes on it (the feature's kept scenario among them) and it takes fewer
// bytes, or as many and fewer instructions when its kept scenario runs on
// the built-in emulator.
//
// A new version comes from a model (gen.Generator with the model's
// provider: the feature's source, goal, hooks and scenario in the request,
// the answer validated as any generated feature) or, offline, from the
// deterministic peephole pass (Peephole, Rules) over the source the
// feature's block holds. feature.Base.Replace puts it in the old one's
// place, and workspace.ReplaceFeature proves and writes it under the
// workspace's lock.
//
// The package owns the rewrite rules and the verdict (smaller or faster,
// proven); it does not choose the machines a suite runs on or print.
package optimize

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/workspace"
)

// Suite runs scenarios on an image, each on a fresh machine of each named
// backend ("emu", "qemu"); opts.After sees every run's machine.
type Suite func(ctx context.Context, img []byte, scs []*scenario.Scenario, machines []string, opts scenario.SuiteOptions) (*scenario.SuiteResult, error)

// Options configure Run.
type Options struct {
	Workspace *workspace.Workspace
	// Names are the features to optimize, in order; none: every installed
	// feature, in the order they were installed.
	Names []string
	// Model, when set, writes each new version (a gen.OpenAI); nil: the
	// peephole pass does.
	Model       gen.Provider
	API         string // the API page given to the model
	MaxAttempts int    // answers asked per feature (a rejected one is repaired); 0: 3
	Temperature float64
	MaxTokens   int
	// Run runs the suites, on Machines (the regression suite) and on
	// "emu" (the kept scenario, to count its instructions).
	Run      Suite
	Machines []string
	DryRun   bool      // prove, and write nothing
	Log      io.Writer // the model's attempts and failing scenarios' reports; nil: none
}

// Figures are what one version of a feature costs.
type Figures struct {
	Bytes int
	// Instructions are those the emulator ran for the feature's kept
	// scenario on the whole build (pc.PC.Instructions); 0: not measured.
	Instructions uint64
}

// Outcome is what Run did with one feature.
type Outcome struct {
	Name     string
	By       string   // who wrote the new version: "peephole" or the provider's name
	Changes  []Change // the peephole's rewrites
	Scenario string   // the kept scenario counted ("feature_clear"), "" for none
	Before   Figures
	After    Figures // of the new version; zero when none was built
	Suite    int     // regression scenarios the new build passed
	Made     bool    // a new version was made (then refused or kept)
	Kept     bool    // proven and better: written (or, on a dry run, would be)
	Reason   string  // why it was not kept
}

// refusal is a reason not to keep a new version: said, then the next
// feature is tried.
type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

func refuse(format string, args ...any) error { return &refusal{fmt.Sprintf(format, args...)} }

// Run tries to optimize each feature in turn and returns what became of
// each. A feature that gets no better version is an Outcome with its
// reason, not an error; the error is for what stops the run (the
// workspace locked by another pxos, the model unreachable, an interrupt),
// with the outcomes so far.
func Run(ctx context.Context, o Options) ([]Outcome, error) {
	b, err := o.Workspace.Build()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, n := range o.Names { // each once; all installed before anything changes
		if slices.Contains(names, n) {
			continue
		}
		if !b.Present(n) {
			return nil, fmt.Errorf("feature %s is not installed in %s (installed: %s)", n, o.Workspace.Commands(), strings.Join(installOrder(b), ", "))
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		if names = installOrder(b); len(names) == 0 {
			return nil, fmt.Errorf("%s holds no feature to optimize (pxos feature install or pxos auto adds some)", o.Workspace.Commands())
		}
	}
	var outs []Outcome
	for _, name := range names {
		out, err := o.one(ctx, name)
		if err != nil {
			return outs, err
		}
		outs = append(outs, out)
	}
	return outs, nil
}

// installOrder returns the features b holds in the order of their blocks.
func installOrder(b *feature.Base) []string {
	blocks, _ := feature.ParseBlocks(b.Src)
	var names []string
	for _, bl := range blocks {
		if b.Present(bl.Name) {
			names = append(names, bl.Name)
		}
	}
	return names
}

// one optimizes the feature called name.
func (o *Options) one(ctx context.Context, name string) (Outcome, error) {
	out := Outcome{Name: name, By: "peephole"}
	if o.Model != nil {
		out.By = o.Model.Name()
	}
	kept := filepath.Join(o.Workspace.Scenarios(), feature.MarkerPrefix+name+".txt")
	if _, err := os.Stat(kept); err != nil {
		kept = ""
	} else {
		out.Scenario = feature.MarkerPrefix + name
	}
	replacing := false // a version was made and is not proving yet: an error now is Replace's refusal
	_, err := o.Workspace.ReplaceFeature(name, func(cur *feature.Base) (*feature.Spec, error) {
		spec, err := o.version(ctx, cur, name, kept, &out)
		out.Made, replacing = err == nil, err == nil
		return spec, err
	}, func(cur, next *feature.Base, suite []string) error {
		replacing = false
		return o.prove(ctx, cur, next, suite, kept, &out)
	}, o.DryRun)
	var rf *refusal
	switch {
	case errors.As(err, &rf):
		out.Reason = rf.reason
	case err != nil && replacing:
		out.Reason = err.Error()
	case err != nil:
		return out, err
	default:
		out.Kept = true
	}
	return out, nil
}

// version makes the new version of name from the build cur: the
// peephole's rewrite of its source, or the model's answer.
func (o *Options) version(ctx context.Context, cur *feature.Base, name, kept string, out *Outcome) (*feature.Spec, error) {
	old, err := cur.Source(name)
	if errors.Is(err, feature.ErrNotInstalled) {
		return nil, err
	}
	if err != nil {
		return nil, refuse("%v", err)
	}
	out.Before.Bytes = old.Size
	if o.Model == nil {
		src, changes := Peephole(old.Source)
		if len(changes) == 0 {
			return nil, refuse("no smaller version: no peephole rule applies")
		}
		out.Changes = changes
		old.Source = src
		return old, nil
	}
	was, bl, err := cur.Before(name)
	if err != nil {
		return nil, err
	}
	var scen []byte
	if kept != "" {
		if scen, err = os.ReadFile(kept); err != nil {
			return nil, err
		}
	}
	req := gen.Request{
		Feature:     request(old, bl, scen),
		Goal:        old.Goal,
		Name:        name,
		Addr:        bl.Addr,
		MaxAttempts: o.MaxAttempts,
		Temperature: o.Temperature,
		MaxTokens:   o.MaxTokens,
	}
	g := &gen.Generator{Base: was, API: o.API, Provider: o.Model, Log: o.Log}
	res, _, err := g.Generate(ctx, req)
	if err != nil {
		if ctx.Err() != nil || llm.Unavailable(err) {
			return nil, err
		}
		return nil, refuse("the model gave no version that installs: %v", err)
	}
	spec := res.Spec
	// Faster or smaller, not different: what it prints (its strings, its
	// command words and help texts among them) stays as it was.
	if gone, added := textDiff(old.Source, spec.Source); gone != "" || added != "" {
		return nil, refuse("the model's version changes what the feature prints (%s): an optimisation keeps its text", describeDiff(gone, added))
	}
	// The same feature, written anew: its name, goal and requirements
	// stay the installed one's.
	spec.Name, spec.Goal, spec.Requires, spec.Aliases, spec.Keywords = name, old.Goal, old.Requires, nil, nil
	return spec, nil
}

// prove runs the regression suite of next (the kept scenario of name
// among it) on the chosen machines, counts the kept scenario's
// instructions on the emulator on both builds, and refuses a new version
// that fails a scenario or is no better.
func (o *Options) prove(ctx context.Context, cur, next *feature.Base, paths []string, kept string, out *Outcome) error {
	if out.After.Bytes = blockSize(next, out.Name); out.After.Bytes < 0 {
		return fmt.Errorf("%s is not in the new build", out.Name)
	}
	scs, err := scenario.LoadPaths(paths)
	if err != nil {
		return err
	}
	scs, _ = loop.SetAside(next, scs)
	after := counts{}
	sr, err := o.Run(ctx, next.Image.Floppy, scs, o.Machines, scenario.SuiteOptions{After: after.record})
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return errors.New("interrupted before the regression suite ran to its end; nothing was changed")
	}
	if !sr.Passed {
		return o.failed(ctx, cur, scs, sr)
	}
	out.Suite = len(scs)
	if kept != "" {
		sc, err := scenario.ParseFile(kept)
		if err != nil {
			return err
		}
		n, ok := after[kept]
		if !ok {
			if n, err = o.count(ctx, next, sc, "the new build"); err != nil {
				return err
			}
		}
		out.After.Instructions = n
		if out.Before.Instructions, err = o.count(ctx, cur, sc, "the current build"); err != nil {
			return err
		}
	}
	if !better(out.Before, out.After) {
		return refuse("no smaller version: %s", out.Figures())
	}
	return nil
}

// failed is the refusal of a new build that failed scenarios of sr: they
// are run on the current build too, to tell a failure the new version
// causes from one that was there before it.
func (o *Options) failed(ctx context.Context, cur *feature.Base, scs []*scenario.Scenario, sr *scenario.SuiteResult) error {
	var failing []*scenario.Scenario
	var names []string
	var first *scenario.Result
	for i, r := range sr.Results {
		if r.Passed {
			continue
		}
		failing = append(failing, scs[i/len(o.Machines)])
		names = append(names, r.Scenario)
		if first == nil {
			first = r
		}
		if o.Log != nil {
			r.WriteReport(o.Log, false)
		}
	}
	if first == nil { // every run passed, and the machines disagreed
		return refuse("the machines disagree on the new version: %s", sr.Disagreements[0].Reason)
	}
	before, err := o.Run(ctx, cur.Image.Floppy, failing, o.Machines, scenario.SuiteOptions{})
	if err == nil && ctx.Err() == nil && !before.Passed {
		return refuse("the current build fails %s already: that is not the new version's doing (pxos test shows the suite)", strings.Join(names, ", "))
	}
	return refuse("the new version fails %s: %v", strings.Join(names, ", "), first.Err())
}

// count runs sc on the emulator on b (what names it) and returns the
// instructions it ran; a run that fails is refused: its figure would be no
// measure.
func (o *Options) count(ctx context.Context, b *feature.Base, sc *scenario.Scenario, what string) (uint64, error) {
	if n, ok := loop.Instructions(ctx, b.Image.Floppy, sc); ok {
		return n, nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	return 0, refuse("its scenario %s fails on the emulator on %s (pxos test shows why)", sc.File, what)
}

// counts are the instructions each scenario file's passing run took, on
// a machine that counts them (the emulator).
type counts map[string]uint64

func (c counts) record(_ context.Context, res *scenario.Result, m machine.Machine) error {
	if ic, ok := m.(interface{ Instructions() uint64 }); ok && res.Passed {
		c[res.File] = ic.Instructions()
	}
	return nil
}

// better reports whether after improves on before: fewer bytes, or as
// many and fewer instructions.
func better(before, after Figures) bool {
	return after.Bytes < before.Bytes || after.Bytes == before.Bytes && after.Instructions < before.Instructions
}

// blockSize returns the size of name's block in b, or -1.
func blockSize(b *feature.Base, name string) int {
	blocks, _ := feature.ParseBlocks(b.Src)
	for _, bl := range blocks {
		if bl.Name == name {
			return int(bl.Size)
		}
	}
	return -1
}

// textDiff compares the quoted strings of two assembly sources, as
// multisets: the first string of old that new lacks, and the first of new
// that old lacks ("" for none).
func textDiff(old, new []byte) (gone, added string) {
	a, b := quoted(old), quoted(new)
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, s := range a {
		if count[s] > 0 && gone == "" {
			gone = s
		}
	}
	for _, s := range b {
		if count[s] < 0 && added == "" {
			added = s
		}
	}
	return gone, added
}

func describeDiff(gone, added string) string {
	switch {
	case gone != "" && added != "":
		return fmt.Sprintf("%q became %q", gone, added)
	case gone != "":
		return fmt.Sprintf("%q is gone", gone)
	}
	return fmt.Sprintf("%q is new", added)
}

var quotedRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)

// quoted returns the quoted strings of the data lines (db) of src.
func quoted(src []byte) []string {
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		code, _, _ := strings.Cut(line, ";")
		if !strings.Contains(strings.ToLower(code), "db") {
			continue
		}
		for _, q := range quotedRE.FindAllString(code, -1) {
			if len(q) > 3 { // a string, not a character constant
				out = append(out, q[1:len(q)-1])
			}
		}
	}
	return out
}
