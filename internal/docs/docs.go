// Package docs makes the manual of a grown pxOS from its build: the
// commands of its command table, the memory map, the hook chains and each
// feature's goal and source, read out of the built image and the feature
// blocks of its commands file; an example screen for each feature, from its
// kept scenario run on the built-in emulator; and the pxOS API page. It
// writes the manual as Markdown and as one self-contained HTML page.
//
// Nothing in the manual comes from a model, with one exception the reader
// is told about: AddProse asks an LLM for a short paragraph per command,
// which the manual shows as written by that model and not checked.
//
// The package owns the manual's content and layout; it does not find
// workspaces, write files (the command does) or decide what pxOS holds
// (package feature reads the blocks, package scenario runs the examples).
package docs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/screen"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Manual is the manual of one build of pxOS.
type Manual struct {
	Source   string    // how the manual names the commands file it was made from
	Banner   string    // the banner the build prints at boot ("" if it has no banner label)
	Used     int       // bytes the build writes, boot signature included
	Free     uint32    // bytes free in the loadable range
	Commands []Command // the command table, in list order (newest first)
	Map      []Region  // the loadable range, every byte in one region, by address
	Chains   []Chain   // one per hook slot of the base, in the order of feature.Slots
	Features []Feature // the feature blocks, in file order
	APIFile  string    // how the manual names the API page
	API      string    // the API page (Markdown), "" when there is none
	// ProseBy is the model that wrote the commands' Prose ("" when none
	// did).
	ProseBy string
}

// Command is one entry of the command table (pxos-v1.0/README.md: dw next,
// dw name, dw handler, dw help).
type Command struct {
	Word     string // the command word ("" when it is not readable text)
	Help     string // its one-line description ("" when the entry has none)
	Entry    uint16 // the entry's address
	Handler  uint16 // the handler's address
	HandlerL string // the handler's label, "" when it has none
	Feature  string // the feature whose block holds the entry, "" for none
	// Prose is a model's paragraph about the command (AddProse), never
	// checked; "" without one.
	Prose string
}

// Region is one range of the memory map.
type Region struct {
	Start, End uint32 // [Start, End)
	Kind       string // KindBoot, KindBase, KindFeature, KindFree or KindOther
	Feature    string // the feature's name, for KindFeature
}

// Kinds of Region.
const (
	KindBoot    = "boot sector"
	KindBase    = "base"
	KindFeature = "feature"
	KindFree    = "free"
	KindOther   = "other"
)

// Len is the number of bytes in the region.
func (r Region) Len() uint32 { return r.End - r.Start }

// String gives the range as the API page and pxos build do: inclusive,
// 0x81C0-0x81EB.
func (r Region) String() string { return fmt.Sprintf("0x%04X-0x%04X", r.Start, r.End-1) }

// Chain is the handlers a hook slot leads to, from the slot's current
// value back to the base's default.
type Chain struct {
	Slot  string
	Addr  uint32 // the slot word's address
	Links []Link
	// Broken says why the walk stopped before reaching a value no block
	// installed (a loop, or too many links); "" when it did not.
	Broken string
}

// Link is one handler of a chain.
type Link struct {
	Addr    uint16
	Label   string // the handler's label: as the feature's block names it, else the base's; "" for none
	Feature string // the feature that installed it; "" for the base's default
}

// Feature is one feature block of the commands file.
type Feature struct {
	Name, Goal string
	Addr, Size uint32
	Hooks      []feature.Hook // with New, the handler's address, filled in
	Requires   []string       // nil when the block does not record them
	Words      []string       // the command words of the entries its block holds
	Source     string         // the source rebuilt from the block (Block.Spec)
	SourceErr  string         // why there is no Source
	Example    *Example       // nil when it has no kept scenario
}

// Region returns the feature's range.
func (f *Feature) Region() Region {
	return Region{Start: f.Addr, End: f.Addr + f.Size, Kind: KindFeature, Feature: f.Name}
}

// Example is a feature's kept scenario run on the build: the rows of its
// final screen that are not blank.
type Example struct {
	Scenario string   // how the manual names the scenario file
	Rows     []string // the final screen's non-blank rows, Unicode, trailing blanks removed
	Passed   bool
	Err      string // why it failed, or why it could not run
}

// Options say where the parts of a manual come from.
type Options struct {
	// Source names the commands file in the manual
	// ("pxos-v1.0/pxos_commands.txt").
	Source string
	// Scenarios is the directory of the kept scenarios
	// (feature_NAME.txt); "" for none. ScenarioName names a file of it in
	// the manual (default: the path as is).
	Scenarios    string
	ScenarioName func(path string) string
	// API is the API page, named APIFile.
	API     []byte
	APIFile string
	// Run runs a scenario on a fresh machine booted from img (default: the
	// built-in emulator, through scenario.RunSuite).
	Run func(ctx context.Context, img []byte, sc *scenario.Scenario) *scenario.Result
}

// New makes the manual of b. The feature blocks must parse (a manual of a
// commands file it cannot read would be wrong); a feature without a kept
// scenario has no example, and one whose scenario fails shows the failure
// with the screen.
func New(ctx context.Context, b *feature.Base, o Options) (*Manual, error) {
	blocks, err := feature.ParseBlocks(b.Src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.File, err)
	}
	base, err := feature.NewBase(b.File, pxosv1.BaseOf(b.Src))
	if err != nil {
		return nil, fmt.Errorf("%s: its base (before the first feature block) does not build: %w", b.File, err)
	}
	m := &Manual{
		Source:   o.Source,
		Used:     b.Image.Summary.BytesUsed,
		Commands: Commands(b, blocks),
		Map:      Map(b, base, blocks),
		Chains:   Chains(b, base, blocks),
		APIFile:  o.APIFile,
		API:      string(o.API),
	}
	if m.Source == "" {
		m.Source = b.File
	}
	for _, r := range b.Image.Summary.Free {
		m.Free += r.Len()
	}
	if a, ok := base.Symbols()["banner"]; ok {
		m.Banner = cString(b, uint32(a), true)
	}
	syms := b.Symbols()
	for _, bl := range blocks {
		f := Feature{Name: bl.Name, Goal: bl.Goal, Addr: bl.Addr, Size: bl.Size, Requires: bl.Requires}
		for _, h := range bl.Hooks {
			if a, ok := syms[h.Slot]; ok {
				h.SlotAddr = uint32(a)
			}
			if a, ok := syms[h.Handler]; ok {
				h.New = uint16(a)
			}
			f.Hooks = append(f.Hooks, h)
		}
		for _, c := range m.Commands {
			if c.Feature == f.Name {
				f.Words = append(f.Words, c.Word)
			}
		}
		if spec, _, err := bl.Spec(); err != nil {
			f.SourceErr = err.Error()
		} else {
			f.Source = string(spec.Source)
		}
		m.Features = append(m.Features, f)
	}
	if err := m.runExamples(ctx, b.Image.Floppy, o); err != nil {
		return nil, err
	}
	return m, nil
}

// runExamples runs each feature's kept scenario, when it has one, and
// keeps its final screen as the feature's example.
func (m *Manual) runExamples(ctx context.Context, img []byte, o Options) error {
	if o.Scenarios == "" {
		return nil
	}
	run := o.Run
	if run == nil {
		run = runEmu
	}
	name := o.ScenarioName
	if name == nil {
		name = func(p string) string { return p }
	}
	for i := range m.Features {
		f := &m.Features[i]
		path := filepath.Join(o.Scenarios, feature.MarkerPrefix+f.Name+".txt")
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			continue
		}
		ex := &Example{Scenario: name(path)}
		f.Example = ex
		sc, err := scenario.ParseFile(path)
		if err != nil {
			ex.Err = err.Error()
			continue
		}
		res := run(ctx, img, sc)
		if ctx.Err() != nil {
			return errors.New("interrupted: not every example ran")
		}
		ex.Passed, ex.Err = res.Passed, res.Error
		if res.HasScr {
			ex.Rows = visibleRows(&res.Screen)
		}
	}
	return nil
}

// exampleTimeout bounds one example's run, boot included.
const exampleTimeout = 60 * time.Second

// runEmu runs sc on the built-in emulator.
func runEmu(ctx context.Context, img []byte, sc *scenario.Scenario) *scenario.Result {
	backends := scenario.Machines([]string{"emu"}, func(ctx context.Context, n string, so scenario.StartOptions) (machine.Machine, error) {
		return backend.Open(ctx, n, img, backend.Options{Clock: so.Clock})
	})
	sr := scenario.RunSuite(ctx, []*scenario.Scenario{sc}, backends, scenario.SuiteOptions{Timeout: exampleTimeout})
	if len(sr.Results) == 0 {
		return &scenario.Result{Error: "the emulator did not start: " + strings.Join(sr.Errors, "; ")}
	}
	return sr.Results[0]
}

// visibleRows returns the rows of s that show something, as a person sees
// them: code page 437 as Unicode, a character drawn in its background
// colour as a blank, trailing blanks removed.
func visibleRows(s *machine.Screen) []string {
	var rows []string
	width := s.Width
	if width != 40 {
		width = machine.Cols
	}
	for r := 0; r < machine.Rows; r++ {
		var b strings.Builder
		for c := 0; c < width; c++ {
			cell := s.Cells[r][c]
			ch := cell.Ch
			if ch == 0 || cell.Attr&0x0F == cell.Attr>>4&0x07 {
				ch = ' '
			}
			b.WriteByte(ch)
		}
		row := strings.TrimRight(screen.Decode(b.String()), " ")
		if row != "" {
			rows = append(rows, row)
		}
	}
	return rows
}
