package docs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/screen"
)

// maxLinks bounds a walk of the command table or a hook chain: a build
// whose entries or recorded previous handlers form a loop, or go on longer
// than this, is not walked further.
const maxLinks = 256

// maxText bounds a string read from the image (a command word or help).
const maxText = 200

// Commands walks the command table of b from the word its cmd_head slot
// holds along the next pointers (the entry layout of pxos-v1.0/README.md:
// dw next, dw name, dw handler, dw help), naming the block that holds each
// entry. A build without cmd_head has no commands; the walk stops at 0,
// at an entry outside the loadable range, and at an entry seen before.
func Commands(b *feature.Base, blocks []feature.Block) []Command {
	slot, ok := b.Symbols()["cmd_head"]
	if !ok {
		return nil
	}
	labels := labelsAt(b)
	var out []Command
	seen := map[uint32]bool{}
	for a := uint32(word(b, uint32(slot))); a != 0 && inImage(a, 8) && !seen[a] && len(out) < maxLinks; a = uint32(word(b, a)) {
		seen[a] = true
		c := Command{
			Entry:   uint16(a),
			Word:    cString(b, uint32(word(b, a+2)), false),
			Handler: word(b, a+4),
			Feature: owner(blocks, a),
		}
		if h := word(b, a+6); h != 0 {
			c.Help = helpText(b, uint32(h))
		}
		c.HandlerL = pickLabel(labels[uint32(c.Handler)], c.Feature)
		out = append(out, c)
	}
	return out
}

// Chains returns the chain of every hook slot base defines, walked in b:
// from the slot's value along what each installing block recorded as the
// slot's previous value ("COMMENT install SLOT -> HANDLER (previous:
// 0xNNNN)"), latest block first, to the first value no block installed:
// the base's default. Labels of the default come from base, the build
// without its features.
func Chains(b, base *feature.Base, blocks []feature.Block) []Chain {
	syms := b.Symbols()
	baseLabels := labelsAt(base)
	var out []Chain
	for _, slot := range base.Slots() {
		addr := uint32(syms[slot])
		ch := Chain{Slot: slot, Addr: addr}
		seen := map[uint16]bool{}
		v := word(b, addr)
		for {
			if seen[v] {
				ch.Broken = fmt.Sprintf("0x%04X comes again: the recorded previous handlers form a loop", v)
				break
			}
			if len(ch.Links) >= maxLinks {
				ch.Broken = fmt.Sprintf("more than %d handlers", maxLinks)
				break
			}
			seen[v] = true
			name, h, ok := installer(blocks, syms, slot, v)
			if !ok {
				ch.Links = append(ch.Links, Link{Addr: v, Label: pickLabel(baseLabels[uint32(v)], "")})
				break
			}
			ch.Links = append(ch.Links, Link{Addr: v, Label: h.Handler, Feature: name})
			v = h.Old
		}
		out = append(out, ch)
	}
	return out
}

// installer finds the latest block that installed the handler at v in
// slot.
func installer(blocks []feature.Block, syms map[string]int64, slot string, v uint16) (string, feature.Hook, bool) {
	for i := len(blocks) - 1; i >= 0; i-- {
		for _, h := range blocks[i].Hooks {
			if a, ok := syms[h.Handler]; ok && h.Slot == slot && uint16(a) == v {
				return blocks[i].Name, h, true
			}
		}
	}
	return "", feature.Hook{}, false
}

// Map divides the loadable range of b (0x7C00-0xFFFF) into regions: the
// boot sector; the base, up to its base_end label (else the end of base,
// the build without its features); each feature block's range; the build's
// free ranges (Summary.Free); and, as KindOther, what is written outside
// all of them (a hand edit). Adjacent bytes of one region are one range.
func Map(b, base *feature.Base, blocks []feature.Block) []Region {
	const n = build.LoadEnd - build.LoadBase
	owner := make([]Region, n)
	set := func(start, end uint32, r Region) {
		start, end = max(start, build.LoadBase), min(end, build.LoadEnd)
		for a := start; a < end; a++ {
			if owner[a-build.LoadBase].Kind == "" {
				owner[a-build.LoadBase] = r
			}
		}
	}
	for _, bl := range blocks {
		set(bl.Addr, bl.Addr+bl.Size, Region{Kind: KindFeature, Feature: bl.Name})
	}
	set(build.LoadBase, build.LoadBase+build.SectorSize, Region{Kind: KindBoot})
	end := base.Image.Summary.End
	if a, ok := base.Symbols()["base_end"]; ok {
		end = uint32(a)
	}
	set(build.LoadBase+build.SectorSize, end, Region{Kind: KindBase})
	for _, r := range b.Image.Summary.Free {
		set(r.Start, r.End, Region{Kind: KindFree})
	}
	set(build.LoadBase, build.LoadEnd, Region{Kind: KindOther})
	var out []Region
	for i, r := range owner {
		a := uint32(i) + build.LoadBase
		if k := len(out); k > 0 && out[k-1].Kind == r.Kind && out[k-1].Feature == r.Feature && out[k-1].End == a {
			out[k-1].End++
			continue
		}
		r.Start, r.End = a, a+1
		out = append(out, r)
	}
	return out
}

// owner returns the name of the block whose range holds a, "" for none.
func owner(blocks []feature.Block, a uint32) string {
	for _, bl := range blocks {
		if a >= bl.Addr && a < bl.Addr+bl.Size {
			return bl.Name
		}
	}
	return ""
}

// labelsAt returns b's labels by address.
func labelsAt(b *feature.Base) map[uint32][]string {
	m := map[uint32][]string{}
	for name, v := range b.Symbols() {
		m[uint32(v)] = append(m[uint32(v)], name)
	}
	return m
}

// pickLabel chooses the name a person knows an address by among names: a
// global label (no '.') that is no feature marker, that of the feature
// feat when one is, the shortest, then the first by name.
func pickLabel(names []string, feat string) string {
	var c []string
	for _, n := range names {
		if !strings.Contains(n, ".") && !strings.HasPrefix(n, feature.MarkerPrefix) && !feature.IsSlot(n) {
			c = append(c, n)
		}
	}
	if len(c) == 0 {
		return ""
	}
	sort.Slice(c, func(i, j int) bool {
		pi, pj := feat != "" && strings.HasPrefix(c[i], feat+"_"), feat != "" && strings.HasPrefix(c[j], feat+"_")
		if pi != pj {
			return pi
		}
		if len(c[i]) != len(c[j]) {
			return len(c[i]) < len(c[j])
		}
		return c[i] < c[j]
	})
	return c[0]
}

// inImage reports whether the n bytes at a are in the loadable range.
func inImage(a, n uint32) bool { return a >= build.LoadBase && a+n <= build.LoadEnd }

// word returns the word b's image holds at a, 0 outside the loadable
// range.
func word(b *feature.Base, a uint32) uint16 {
	if !inImage(a, 2) {
		return 0
	}
	return b.Image.Word(a)
}

// helpText reads a command's zero-terminated help text at a in b's image
// as the screen shows it when help prints it: code page 437 characters as
// Unicode, each line end (CR, LF, CR LF) as " / " (the manual shows it on
// one line); "" when there is no zero within maxText bytes, or when it
// holds a byte the teletype does not draw (BS, BEL).
func helpText(b *feature.Base, a uint32) string {
	var s strings.Builder
	for i := uint32(0); i < maxText && inImage(a+i, 1); i++ {
		c := b.Image.Floppy[a+i-build.LoadBase]
		switch {
		case c == 0:
			return strings.Trim(strings.Join(strings.FieldsFunc(s.String(), func(r rune) bool { return r == '\r' || r == '\n' }), " / "), " /")
		case c == '\r' || c == '\n':
			s.WriteByte(c)
		case c == 8 || c == 7:
			return ""
		case c >= ' ' && c <= '~':
			s.WriteByte(c)
		default:
			s.WriteRune(screen.Unicode(c))
		}
	}
	return ""
}

// cString reads the zero-terminated printable ASCII string at a in b's
// image; "" when there is none within maxText bytes. With lineEnd, line
// ends (CR, LF) at its end are allowed and left out: a banner ends with
// one.
func cString(b *feature.Base, a uint32, lineEnd bool) string {
	var s strings.Builder
	for i := uint32(0); i < maxText && inImage(a+i, 1); i++ {
		c := b.Image.Floppy[a+i-build.LoadBase]
		if c == 0 {
			t := strings.TrimRight(s.String(), "\r\n")
			if strings.ContainsAny(t, "\r\n") {
				return ""
			}
			return t
		}
		if (c < ' ' || c > '~') && !(lineEnd && (c == '\r' || c == '\n')) {
			return ""
		}
		s.WriteByte(c)
	}
	return ""
}
