package feature

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
)

// maxEntries bounds the walk of a feature's command entries: a block that
// links more entries than this (or links them in a loop) is not walked
// further.
const maxEntries = 32

// CommandWords returns the command words of the entries inst adds to the
// command table, in list order: it walks from the entry the feature puts in
// cmd_head along the next pointers while they stay inside the block (the
// entry layout is in pxos-v1.0/README.md: next, name, handler, help). A
// feature that does not take cmd_head has none.
func CommandWords(inst *Installation) []string {
	var words []string
	for _, h := range inst.Hooks {
		if h.Slot != "cmd_head" {
			continue
		}
		seen := map[uint32]bool{}
		for a := uint32(h.New); a >= inst.Addr && a+8 <= inst.End && !seen[a] && len(seen) < maxEntries; {
			seen[a] = true
			if w := cString(inst, uint32(inst.word(a+2))); w != "" {
				words = append(words, w)
			}
			a = uint32(inst.word(a))
		}
	}
	return words
}

// word reads the little-endian word at a, from the block when a is inside
// it, else from the base image.
func (inst *Installation) word(a uint32) uint16 {
	return uint16(inst.byteAt(a)) | uint16(inst.byteAt(a+1))<<8
}

func (inst *Installation) byteAt(a uint32) byte {
	switch {
	case a >= inst.Addr && a < inst.End:
		return inst.Result.Bytes[a-inst.Addr]
	case a >= build.LoadBase && a < build.LoadEnd:
		return inst.Base.Image.Floppy[a-build.LoadBase]
	}
	return 0
}

// cString reads the zero-terminated printable string at a (at most 32
// characters); "" when there is none.
func cString(inst *Installation, a uint32) string {
	var b strings.Builder
	for i := uint32(0); i < 32; i++ {
		c := inst.byteAt(a + i)
		if c == 0 {
			return b.String()
		}
		if c <= ' ' || c > '~' {
			return ""
		}
		b.WriteByte(c)
	}
	return ""
}

// Stub returns a feature that takes the same hook slots as inst and does
// nothing with what it gets: a key or line handler that consumes every event
// silently (stc; ret), and command entries with the same words whose handlers
// return at once. A scenario that passes on a build with the stub does not
// show what the feature does — "the command exists" or "the Unknown command
// message is gone" is all a stub gives — so the build loop requires the
// feature's acceptance scenarios to fail on it (see package evidence).
func Stub(inst *Installation) *Spec {
	f := inst.Spec
	var src strings.Builder
	hooks := map[string]string{}
	var slots []string
	for _, h := range inst.Hooks {
		slots = append(slots, h.Slot)
	}
	sort.Strings(slots)
	src.WriteString("; stub: the hooks of " + f.Name + ", doing nothing\n")
	for _, slot := range slots {
		label := "stub_" + slot
		hooks[slot] = label
		if slot != "cmd_head" {
			fmt.Fprintf(&src, "%s:\n        stc\n        ret\n", label)
			continue
		}
		words := CommandWords(inst)
		if len(words) == 0 {
			delete(hooks, slot) // no entry to stand in for
			continue
		}
		for i, w := range words {
			next := "prev_cmd_head"
			if i+1 < len(words) {
				next = fmt.Sprintf("stub_entry%d", i+1)
			}
			entry := fmt.Sprintf("stub_entry%d", i)
			if i == 0 {
				entry = label
			}
			fmt.Fprintf(&src, "%s: dw %s, stub_name%d, stub_run, 0\nstub_name%d: db ", entry, next, i, i)
			for _, c := range []byte(w) {
				fmt.Fprintf(&src, "0x%02X, ", c)
			}
			src.WriteString("0\n")
		}
		src.WriteString("stub_run: ret\n")
	}
	if len(hooks) == 0 {
		return nil
	}
	return &Spec{Name: f.Name, Goal: "stub of " + f.Name, Hooks: hooks, Source: []byte(src.String()), SourceFile: f.Name + ".stub.asm"}
}
