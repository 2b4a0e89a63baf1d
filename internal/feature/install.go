package feature

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/prim"
)

// Slots are the hook slots of pxOS: words holding a handler address (or,
// for cmd_head, the first command entry). They are the only addresses a
// feature may overwrite. pxOS v1.0 has the first three (CoreSlots), v1.1
// adds hook_init, hook_prompt and hook_idle; a build has those its base
// defines (Base.Slots). See pxos-v1.0/README.md.
var Slots = []string{"hook_key", "hook_line", "cmd_head", "hook_init", "hook_prompt", "hook_idle"}

// CoreSlots are the slots every pxOS base defines, v1.0 on.
var CoreSlots = Slots[:3]

// Slots returns the hook slots b's base defines, in the order of Slots.
func (b *Base) Slots() []string {
	var out []string
	for _, s := range Slots {
		if _, ok := b.Image.Program.Symbols[s]; ok {
			out = append(out, s)
		}
	}
	return out
}

// IsSlot reports whether name is one of Slots.
func IsSlot(name string) bool {
	for _, s := range Slots {
		if s == name {
			return true
		}
	}
	return false
}

// PrevPrefix prefixes the slot name in the symbol that holds the slot's value
// before the feature is installed: a handler chains with "jmp prev_hook_key".
const PrevPrefix = "prev_"

// MarkerPrefix prefixes the feature name in the DEFINE that marks a feature as
// installed: "DEFINE feature_backspace 0x7F76".
const MarkerPrefix = "feature_"

// ErrInstalled is returned (wrapped) when a feature is installed twice.
var ErrInstalled = errors.New("already installed")

// InstalledError is the error (wrapping ErrInstalled) for a feature that
// is installed already: Name is the feature, Detail where it comes from.
type InstalledError struct{ Name, Detail string }

func (e *InstalledError) Error() string {
	return fmt.Sprintf("%v: %s (%s)", ErrInstalled, e.Name, e.Detail)
}

func (e *InstalledError) Unwrap() error { return ErrInstalled }

// Base is a built pxOS program that features are installed into.
type Base struct {
	File  string       // names Src in errors
	Src   []byte       // the primitives source
	Image *build.Image // Src built
}

// NewBase parses and builds the primitives src (named file in errors).
func NewBase(file string, src []byte) (*Base, error) {
	im, err := build.FromSource(file, src, build.Options{})
	if err != nil {
		return nil, err
	}
	return &Base{File: file, Src: src, Image: im}, nil
}

// Symbols returns every DEFINE label of the build with its value: what a
// feature's source may refer to.
func (b *Base) Symbols() map[string]int64 {
	m := make(map[string]int64, len(b.Image.Program.Symbols))
	for name, s := range b.Image.Program.Symbols {
		m[name] = int64(s.Value)
	}
	return m
}

// Present reports whether the feature called name is installed in b (its
// marker label feature_<name> is defined).
func (b *Base) Present(name string) bool {
	_, ok := b.Image.Program.Symbols[MarkerPrefix+name]
	return ok
}

// Installed lists the names of the features installed in b, by address.
func (b *Base) Installed() []string {
	var syms []*prim.Symbol
	for name, s := range b.Image.Program.Symbols {
		if strings.HasPrefix(name, MarkerPrefix) {
			syms = append(syms, s)
		}
	}
	sort.Slice(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	names := make([]string, len(syms))
	for i, s := range syms {
		names[i] = strings.TrimPrefix(s.Name, MarkerPrefix)
	}
	return names
}

// Present reports whether the feature called name is installed in the
// primitives program p.
func Present(p *prim.Program, name string) bool {
	_, ok := p.Symbols[MarkerPrefix+name]
	return ok
}

// Hook is one slot patch made by an installation.
type Hook struct {
	Slot     string // the slot label, e.g. hook_line
	SlotAddr uint32 // its address
	Handler  string // the feature label written into it
	Old, New uint16 // the slot word before and after
}

// Installation is a feature assembled at an address and rendered as
// primitives, ready to append to the base.
type Installation struct {
	Spec   *Spec
	Addr   uint32        // first byte
	End    uint32        // one past the last byte
	Result *asm.Result   // the assembled feature
	Hooks  []Hook        // slot patches, sorted by slot name
	Block  []byte        // the primitives block: header, DEFINEs, WRITEs, slot patches
	Base   *Base         // what it was installed into
	Range  build.Range   // [Addr, End)
	Free   []build.Range // the free ranges of the base, for reports
}

// Install assembles f at addr in b and renders the primitives block. addr 0
// picks the first free range of the build that is big enough. The error is a
// diag.ErrorList (file:line, from the assembler or the checks) for problems
// in the feature, wraps ErrInstalled when f is already present, and otherwise
// names what is wrong.
func (b *Base) Install(f *Spec, addr uint32) (*Installation, error) {
	if b.Present(f.Name) {
		s := b.Image.Program.Symbols[MarkerPrefix+f.Name]
		return nil, &InstalledError{Name: f.Name, Detail: fmt.Sprintf("DEFINE %s at %s", s.Name, s.Pos)}
	}
	if len(bytes.TrimSpace(f.Source)) == 0 {
		return nil, fmt.Errorf("%s: no source", f.Name)
	}
	syms := b.Symbols()
	prevs := map[string]int64{}
	for _, slot := range sortedKeys(f.Hooks) {
		s, ok := b.Image.Program.Symbols[slot]
		if !IsSlot(slot) || !ok {
			err := fmt.Errorf("%s: %q is not a hook slot of this build (slots: %s)", f.Name, slot, strings.Join(b.Slots(), ", "))
			if IsSlot(slot) {
				err = fmt.Errorf("%w; its pxOS is older than v1.1, which has it (pxos reset --shipped moves a workspace to v1.1)", err)
			}
			return nil, err
		}
		prevs[PrevPrefix+slot] = int64(b.Image.Word(s.Value))
	}
	for k, v := range prevs {
		syms[k] = v
	}

	var res *asm.Result
	var err error
	if addr == 0 {
		res, addr, err = b.place(f, syms)
	} else {
		res, err = assemble(f, addr, syms)
	}
	if err != nil {
		return nil, err
	}
	inst := &Installation{Spec: f, Addr: addr, End: addr + uint32(len(res.Bytes)), Result: res, Base: b, Free: b.Image.Summary.Free}
	inst.Range = build.Range{Start: inst.Addr, End: inst.End}
	if err := b.check(inst, syms); err != nil {
		return nil, err
	}
	for _, slot := range sortedKeys(f.Hooks) {
		label := f.Hooks[slot]
		v := res.Symbols[label]
		inst.Hooks = append(inst.Hooks, Hook{
			Slot: slot, SlotAddr: b.Image.Program.Symbols[slot].Value, Handler: label,
			Old: uint16(prevs[PrevPrefix+slot]), New: uint16(v),
		})
	}
	inst.Block = render(inst)
	if err := b.verify(inst); err != nil {
		return nil, err
	}
	return inst, nil
}

// Apply returns the base with inst's block appended, rebuilt.
func (b *Base) Apply(inst *Installation) (*Base, error) {
	return NewBase(b.File, Append(b.Src, inst.Block))
}

// Append returns src followed by block, with a newline between them when src
// does not end with one.
func Append(src, block []byte) []byte {
	out := make([]byte, 0, len(src)+len(block)+1)
	out = append(out, src...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, block...)
}

// InstallAll installs specs one after the other, each at the first free range,
// and returns the final base and the installations.
func (b *Base) InstallAll(specs []*Spec) (*Base, []*Installation, error) {
	var insts []*Installation
	for _, f := range specs {
		inst, err := b.Install(f, 0)
		if err != nil {
			return nil, nil, err
		}
		if b, err = b.Apply(inst); err != nil {
			return nil, nil, fmt.Errorf("%s: the installed block does not build: %w", f.Name, err)
		}
		insts = append(insts, inst)
	}
	return b, insts, nil
}

var orgRE = regexp.MustCompile(`(?im)^\s*\[?\s*org\b`)

func assemble(f *Spec, addr uint32, syms map[string]int64) (*asm.Result, error) {
	if loc := orgRE.FindIndex(f.Source); loc != nil {
		var errs diag.ErrorList
		line := bytes.Count(f.Source[:loc[0]], []byte("\n")) + 1
		errs.Add(diag.Pos{File: f.SourceFile, Line: line}, lineText(f.Source, line), "a feature has no org line: it is assembled at its install address")
		return nil, errs.Err()
	}
	return asm.Assemble(f.SourceFile, f.Source, asm.Options{Org: addr, Symbols: syms})
}

// place assembles f at the start of each free range in turn (its size can
// depend on the address: short or near jumps) and returns the first fit.
func (b *Base) place(f *Spec, syms map[string]int64) (*asm.Result, uint32, error) {
	largest := uint32(0)
	size := 0
	for _, r := range b.Image.Summary.Free {
		if r.Start < build.LoadBase+build.SectorSize {
			continue // never inside the boot sector
		}
		res, err := assemble(f, r.Start, syms)
		if err != nil {
			return nil, 0, err
		}
		size = len(res.Bytes)
		if uint32(size) <= r.Len() {
			return res, r.Start, nil
		}
		largest = max(largest, r.Len())
	}
	return nil, 0, fmt.Errorf("%s: no free range holds %d bytes (largest free range: %d bytes)", f.Name, size, largest)
}

// check verifies the assembled feature against the base: its labels are new,
// its hook labels exist, and its bytes land on free, loadable addresses.
func (b *Base) check(inst *Installation, syms map[string]int64) error {
	f, res := inst.Spec, inst.Result
	var errs diag.ErrorList
	if len(res.Bytes) == 0 {
		errs.Add(diag.Pos{File: f.SourceFile}, "", "%s assembles to no bytes", f.Name)
	}
	if res.Org != inst.Addr {
		errs.Add(diag.Pos{File: f.SourceFile}, "", "assembled at 0x%04X, not the install address 0x%04X", res.Org, inst.Addr)
	}
	for _, l := range res.Labels {
		if v, ok := syms[l.Name]; ok {
			errs.Add(l.Pos, lineText(f.Source, l.Pos.Line), "label %s is already defined by the build (0x%04X); pick a name starting with %s_", l.Name, v, f.Name)
		}
		if strings.HasPrefix(l.Name, MarkerPrefix) || strings.HasPrefix(l.Name, PrevPrefix) {
			errs.Add(l.Pos, lineText(f.Source, l.Pos.Line), "label %s uses a reserved prefix (%s, %s)", l.Name, MarkerPrefix, PrevPrefix)
		}
	}
	labels := map[string]bool{}
	for _, l := range res.Labels {
		labels[l.Name] = true
	}
	for _, slot := range sortedKeys(f.Hooks) {
		if h := f.Hooks[slot]; !labels[h] {
			line := 0
			if f.MetaFile != "" {
				line = lineOf(metaBytes(f), `"`+slot+`"`)
			}
			file := f.MetaFile
			if file == "" {
				file = f.SourceFile
			}
			errs.Add(diag.Pos{File: file, Line: line}, "", "hook %s names %q, which is not a label in %s", slot, h, f.SourceFile)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	if inst.Addr < build.LoadBase+build.SectorSize || inst.End > build.LoadEnd {
		return fmt.Errorf("%s at %s is outside the feature area 0x7E00-0xFFFF", f.Name, inst.Range)
	}
	for a := inst.Addr; a < inst.End; a++ {
		if b.Image.Written[a-build.LoadBase] {
			return fmt.Errorf("%s at %s overlaps the build at 0x%04X (line %d of %s); free ranges: %s",
				f.Name, inst.Range, a, b.Image.Line[a-build.LoadBase], b.File, rangesString(b.Image.Summary.Free))
		}
	}
	return nil
}

// verify builds base+block and checks that the only patches are the slot
// words of the hooks, so no feature ever rewrites base code.
func (b *Base) verify(inst *Installation) error {
	im, err := build.FromSource(b.File, Append(b.Src, inst.Block), build.Options{})
	if err != nil {
		return fmt.Errorf("%s: the installed block does not build: %w", inst.Spec.Name, err)
	}
	allowed := map[uint32]bool{}
	for _, h := range inst.Hooks {
		allowed[h.SlotAddr], allowed[h.SlotAddr+1] = true, true
	}
	// An address the base wrote and a line of the block rewrote is an
	// overwrite; only the declared slot words may be overwritten.
	baseLines := int32(bytes.Count(b.Src, []byte("\n")))
	if len(b.Src) > 0 && b.Src[len(b.Src)-1] != '\n' {
		baseLines++
	}
	for i, w := range b.Image.Written {
		a := build.LoadBase + uint32(i)
		if w && im.Line[i] > baseLines && !allowed[a] {
			return fmt.Errorf("%s overwrites 0x%04X (line %d of the block), which is not a slot it declares", inst.Spec.Name, a, im.Line[i]-baseLines)
		}
	}
	for _, h := range inst.Hooks {
		if got := im.Word(h.SlotAddr); got != h.New {
			return fmt.Errorf("%s: slot %s holds 0x%04X after installation, want 0x%04X", inst.Spec.Name, h.Slot, got, h.New)
		}
	}
	return nil
}

// render writes the primitives block for inst.
func render(inst *Installation) []byte {
	f := inst.Spec
	var w bytes.Buffer
	fmt.Fprintf(&w, "\n# ==== feature %s: %s\n", f.Name, OneLine(f.Goal))
	fmt.Fprintf(&w, "COMMENT feature %s at 0x%04X-0x%04X (%d bytes)", f.Name, inst.Addr, inst.End-1, inst.End-inst.Addr)
	if len(inst.Hooks) > 0 {
		var hs []string
		for _, h := range inst.Hooks {
			hs = append(hs, h.Slot)
		}
		fmt.Fprintf(&w, ", hooks %s", strings.Join(hs, ", "))
	}
	if len(f.Requires) == 0 {
		fmt.Fprintf(&w, "; requires %s", noRequires)
	} else {
		fmt.Fprintf(&w, "; requires %s", strings.Join(f.Requires, ", "))
	}
	w.WriteString("\n")
	fmt.Fprintf(&w, "DEFINE %s%s 0x%04X\n", MarkerPrefix, f.Name, inst.Addr)
	inst.Result.Primitives(&w) // a bytes.Buffer does not fail
	for _, h := range inst.Hooks {
		fmt.Fprintf(&w, "COMMENT install %s -> %s (previous: 0x%04X)\n", h.Slot, h.Handler, h.Old)
		fmt.Fprintf(&w, "WRITE %s 0x%02X\n", h.Slot, h.New&0xFF)
		fmt.Fprintf(&w, "WRITE %s+1 0x%02X\n", h.Slot, h.New>>8)
	}
	fmt.Fprintf(&w, "# ==== end of feature %s\n", f.Name)
	return w.Bytes()
}

func lineText(src []byte, line int) string {
	if line < 1 {
		return ""
	}
	lines := bytes.Split(src, []byte("\n"))
	if line > len(lines) {
		return ""
	}
	return string(lines[line-1])
}

func rangesString(rs []build.Range) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.String())
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// metaBytes is f's metadata as read (nil for a Spec built in memory).
func metaBytes(f *Spec) []byte { return f.metaSrc }
