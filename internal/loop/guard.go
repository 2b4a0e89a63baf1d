package loop

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/prim"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// The part of pxOS that no feature may change while it runs: from the hook
// slots (hook_key) up to the base's variables (base_vars in v1.1: text_attr,
// line_max, line_len, line_buf; line_len in a v1.0 base), that is the
// slots, the base's routines, its shell and its strings (the memory map of
// pxos-v1.0/README.md). The install check sees only the bytes a block
// writes; this sees what its code does.
const guardFrom = "hook_key"

// guardTo lists the labels that end the guarded part, first found wins.
var guardTo = []string{"base_vars", "line_len"}

// ivtSize is the real-mode interrupt vector table: 256 far pointers at 0.
const ivtSize = 0x400

// replayTimeout bounds typing a scenario's keys a second time and the
// checks after it.
const replayTimeout = 20 * time.Second

// region is memory that must hold what the build wrote when a run ends.
type region struct {
	build.Range
	what, rule string
	own        bool // checked only after the step's own scenarios (see guard)
}

// guard returns a scenario hook that fails a run which passed but left pxOS
// damaged: memory that must not change while pxOS runs different from what
// build b wrote, or the interrupt vectors different from a freshly booted
// machine's (a feature that hooks int 16h eats keys for everyone). It
// looks once after the scenario, and again after typing the scenario's
// keys a second time, since a feature may do its damage only when used
// again. After every run it checks pxOS's base (hook slots, routines,
// shell, strings) and the free memory (no feature writes outside its
// block); after the step's own scenarios (own, by name), which exercise
// the new feature, also the code, text and pointers of the features
// installed before it and the code of the new one (at mine) — not after
// the regression scenarios, where an installed feature may legitimately
// change what looks constant in its own block. It is nil when b lacks the
// symbols that bound the base.
func (r *runner) guard(b *feature.Base, scs []*scenario.Scenario, own map[string]bool, mine build.Range) func(ctx context.Context, res *scenario.Result, m machine.Machine) error {
	syms := b.Image.Program.Symbols
	from, ok1 := syms[guardFrom]
	var to *prim.Symbol
	for _, name := range guardTo {
		if to = syms[name]; to != nil {
			break
		}
	}
	ok2 := to != nil
	if !ok1 || !ok2 || to.Value <= from.Value || to.Value > build.LoadEnd || from.Value < build.LoadBase+build.SectorSize {
		return nil
	}
	regions := []region{{Range: build.Range{Start: from.Value, End: to.Value}, what: "pxOS's own memory",
		rule: fmt.Sprintf("A feature may change its own variables and pxOS's variables (from %s on), never pxOS's hook slots, routines, shell or strings (0x%04X-0x%04X)", to.Name, from.Value, to.Value-1)}}
	for _, f := range b.Image.Summary.Free {
		if f.Start >= to.Value {
			regions = append(regions, region{Range: f, what: "free memory, outside every feature",
				rule: "A feature may write only inside its own block"})
		}
	}
	blocks := to.Value // where feature blocks start: base_end, after the base's variables
	if end, ok := syms["base_end"]; ok && end.Value > blocks {
		blocks = end.Value
	}
	for _, c := range featureConstants(b, blocks, mine) {
		regions = append(regions, region{Range: c, what: "the code or text of an installed feature", own: true,
			rule: "A feature may change its own variables, never code (its own or another feature's), nor another feature's text or pointers"})
	}
	lo := from.Value
	byName := map[string]*scenario.Scenario{}
	for _, sc := range scs {
		byName[sc.Name] = sc
	}
	check := func(ctx context.Context, mr machine.MemoryReader, backendName, when string, ownRun bool) (string, error) {
		got, err := mr.ReadMemory(ctx, lo, int(build.LoadEnd-lo))
		if err != nil {
			return "", err
		}
		for _, rg := range regions {
			if rg.own && !ownRun {
				continue
			}
			for a := rg.Start; a < rg.End; a++ {
				if w, g := b.Image.Floppy[a-build.LoadBase], got[a-lo]; w != g {
					return fmt.Sprintf("%s, %s had changed at 0x%04X (%s): the build holds 0x%02X there, the machine 0x%02X. %s",
						when, rg.what, a, where(b, a), w, g, rg.rule), nil
				}
			}
		}
		ref, err := r.bootIVT(ctx, backendName)
		if err != nil {
			return "", err
		}
		ivt, err := mr.ReadMemory(ctx, 0, ivtSize)
		if err != nil {
			return "", err
		}
		for i := 0; i < ivtSize; i += 4 {
			if !bytes.Equal(ivt[i:i+4], ref[i:i+4]) {
				return fmt.Sprintf("%s, interrupt vector 0x%02X had changed (%04X:%04X, at boot %04X:%04X): a feature may not hook BIOS interrupts; it works through pxOS's hook slots",
					when, i/4, binary.LittleEndian.Uint16(ivt[i+2:]), binary.LittleEndian.Uint16(ivt[i:]), binary.LittleEndian.Uint16(ref[i+2:]), binary.LittleEndian.Uint16(ref[i:])), nil
			}
		}
		return "", nil
	}
	return func(ctx context.Context, res *scenario.Result, m machine.Machine) error {
		mr, ok := m.(machine.MemoryReader)
		if !ok || !res.Passed {
			return nil
		}
		ctx, cancel := context.WithTimeout(ctx, replayTimeout)
		defer cancel()
		fail := func(msg string) {
			res.Passed, res.Failed, res.Error = false, -1, msg
		}
		ownRun := own[res.Scenario]
		msg, err := check(ctx, mr, res.Machine, "the scenario passed, but afterwards", ownRun)
		if err != nil {
			return fmt.Errorf("could not check that pxOS is intact after %s: %w", res.Scenario, err)
		}
		if msg != "" {
			fail(msg)
			return nil
		}
		// Use the feature again: the scenario's keys once more.
		var keys []machine.Key
		if sc := byName[res.Scenario]; sc != nil {
			for _, st := range sc.Steps {
				if st.Op == scenario.OpType || st.Op == scenario.OpKey {
					keys = append(keys, st.Keys...)
				}
			}
		}
		if len(keys) == 0 {
			return nil
		}
		err = m.Press(ctx, keys...)
		if err == nil {
			err = m.Settle(ctx)
		}
		var crash *machine.Crash
		switch {
		case errors.As(err, &crash):
			fail("the scenario passed, but when its keys were typed a second time the machine crashed: " + crash.Error())
			return nil
		case err != nil:
			return fmt.Errorf("could not type %s's keys a second time: %w", res.Scenario, err)
		}
		msg, err = check(ctx, mr, res.Machine, "the scenario passed, but after its keys were typed a second time", ownRun)
		if err != nil {
			return fmt.Errorf("could not check that pxOS is intact after %s: %w", res.Scenario, err)
		}
		if msg != "" {
			fail(msg)
		}
		return nil
	}
}

// bootIVT returns the interrupt vector table of a freshly booted pxOS on
// the named backend (read once per run: pxOS itself never changes it).
func (r *runner) bootIVT(ctx context.Context, name string) ([]byte, error) {
	if ivt, ok := r.ivt[name]; ok {
		return ivt, nil
	}
	m, err := backend.Open(ctx, name, r.disk(r.base.Image.Floppy), backend.Options{})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	// Booted and waiting for a key, whatever its prompt says.
	if err := m.Settle(ctx); err != nil {
		return nil, err
	}
	mr, ok := m.(machine.MemoryReader)
	if !ok {
		return nil, fmt.Errorf("the %s machine cannot read memory", name)
	}
	ivt, err := mr.ReadMemory(ctx, 0, ivtSize)
	if err != nil {
		return nil, err
	}
	if r.ivt == nil {
		r.ivt = map[string][]byte{}
	}
	r.ivt[name] = ivt
	return ivt, nil
}

// dataDirectives start the source lines that are data, not code.
var dataDirectives = map[string]bool{"db": true, "dw": true, "dd": true, "dq": true, "times": true,
	"resb": true, "resw": true, "resd": true, "resq": true, "align": true, "equ": true}

// featureConstants returns the ranges of b's feature blocks (from the
// address from up) that must not change while pxOS runs: their code, and,
// outside mine (the new feature, whose data is its own business), their
// text (data lines with a quoted string, but not a times fill) and their
// pointers (dw/dd lines that name labels only, like a command entry). It
// reads the source line each WRITE carries as its COMMENT (package feature
// writes one on the first byte of every assembled line; the bytes after it
// belong to the same line).
func featureConstants(b *feature.Base, from uint32, mine build.Range) []build.Range {
	var out []build.Range
	keep := false
	for _, st := range b.Image.Program.Stmts {
		if st.Op != prim.OpWrite || st.Bad || st.Addr < from || st.Addr >= build.LoadEnd {
			if st.Op == prim.OpWrite {
				keep = false
			}
			continue
		}
		if c := strings.TrimSpace(st.Comment); c != "" {
			code, constData := classifyLine(c)
			ours := st.Addr >= mine.Start && st.Addr < mine.End
			keep = code || constData && !ours
		}
		if !keep {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == st.Addr {
			out[n-1].End++
		} else {
			out = append(out, build.Range{Start: st.Addr, End: st.Addr + 1})
		}
	}
	return out
}

var numberRE = regexp.MustCompile(`^(0x[0-9a-fA-F]+|[0-9][0-9a-fA-F]*[hH]?|'.*'|".*")$`)

// classifyLine says whether an assembled source line is code, or data that
// is constant: text (a quoted string, not a times fill) or pointers (dw/dd
// whose operands are all labels).
func classifyLine(line string) (code, constData bool) {
	f := strings.Fields(line)
	for len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:] // labels
	}
	if len(f) == 0 {
		return false, false
	}
	if len(f) > 1 && dataDirectives[strings.ToLower(f[1])] {
		f = f[1:] // "name db ..." without a colon
	}
	d := strings.ToLower(f[0])
	if !dataDirectives[d] {
		return true, false // an instruction
	}
	rest := strings.Join(f[1:], " ")
	switch d {
	case "db":
		return false, strings.ContainsAny(rest, "\"'`")
	case "dw", "dd":
		ops := strings.Split(rest, ",")
		for _, o := range ops {
			if o = strings.TrimSpace(o); o == "" || numberRE.MatchString(o) {
				return false, false
			}
		}
		return false, true
	}
	return false, false
}

// where names address a by the nearest global label at or below it:
// "prompt+2".
func where(b *feature.Base, a uint32) string {
	type sym struct {
		name string
		v    uint32
	}
	var best *sym
	var all []sym
	for name, s := range b.Image.Program.Symbols {
		if strings.Contains(name, ".") || strings.HasPrefix(name, feature.MarkerPrefix) {
			continue
		}
		all = append(all, sym{name, s.Value})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v < all[j].v || all[i].v == all[j].v && all[i].name < all[j].name })
	for i := range all {
		if all[i].v <= a {
			best = &all[i]
		}
	}
	if best == nil {
		return "no label"
	}
	if best.v == a {
		return best.name
	}
	return fmt.Sprintf("%s+%d", best.name, a-best.v)
}
