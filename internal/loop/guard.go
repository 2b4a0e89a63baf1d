package loop

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
)

// The part of pxOS that no feature may change while it runs: from the hook
// slots (hook_key) up to the line buffer's length (line_len), that is the
// slots, the base's routines, its shell and its strings (the memory map of
// pxos-v1.0/README.md). The install check sees only the bytes a block
// writes; this sees what its code does.
const guardFrom, guardTo = "hook_key", "line_len"

// guard returns a scenario hook that fails a run which passed but left the
// guarded part of the base different from what build b wrote (a handler
// that rewrites the prompt, or resets hook_line, breaks pxOS for whoever
// types next). It is nil when b lacks the symbols that bound the part.
func guard(b *feature.Base) func(ctx context.Context, res *scenario.Result, m machine.Machine) error {
	syms := b.Image.Program.Symbols
	from, ok1 := syms[guardFrom]
	to, ok2 := syms[guardTo]
	if !ok1 || !ok2 || to.Value <= from.Value || to.Value > build.LoadEnd || from.Value < build.LoadBase {
		return nil
	}
	lo, hi := from.Value, to.Value
	want := b.Image.Floppy[lo-build.LoadBase : hi-build.LoadBase]
	return func(ctx context.Context, res *scenario.Result, m machine.Machine) error {
		mr, ok := m.(machine.MemoryReader)
		if !ok || !res.Passed {
			return nil
		}
		got, err := mr.ReadMemory(ctx, lo, int(hi-lo))
		if err != nil {
			return fmt.Errorf("loop: could not check that pxOS's base is intact after %s: %w", res.Scenario, err)
		}
		for i := range want {
			if got[i] != want[i] {
				a := lo + uint32(i)
				res.Passed, res.Failed = false, -1
				res.Error = fmt.Sprintf("the scenario passed, but afterwards pxOS's own memory had changed at 0x%04X (%s): the build holds 0x%02X there, the machine 0x%02X. "+
					"A feature may change its own variables and the line buffer (line_buf, line_len), never pxOS's hook slots, routines, shell or strings (0x%04X-0x%04X)",
					a, where(b, a), want[i], got[i], lo, hi-1)
				return nil
			}
		}
		return nil
	}
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
