package feature

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
)

// Extend returns b with block appended, rebuilt, and refuses (see
// CheckAppended) a block that rewrites an address b already holds: what is
// committed to a commands file goes through here, so two blocks never share
// an address.
func (b *Base) Extend(block []byte) (*Base, error) {
	next, err := NewBase(b.File, Append(b.Src, block))
	if err != nil {
		return nil, err
	}
	if err := next.CheckAppended(b); err != nil {
		return nil, err
	}
	return next, nil
}

// CheckAppended checks b, whose source is prev's with blocks appended,
// for overlaps: a line after prev's source that writes an address written
// before it (by prev or by an earlier appended line) is an error, unless the
// address is a hook slot word, the only bytes a feature may rewrite (see
// Slots). Two blocks at one address build without complaint (a patch), and
// the later one silently replaces part of the earlier: this is what keeps
// them out of a commands file.
func (b *Base) CheckAppended(prev *Base) error {
	if !bytes.HasPrefix(b.Src, prev.Src) {
		return fmt.Errorf("%s is not %s with blocks appended", b.File, prev.File)
	}
	old := int32(bytes.Count(prev.Src, []byte("\n")))
	if len(prev.Src) > 0 && prev.Src[len(prev.Src)-1] != '\n' {
		old++
	}
	slot := map[uint32]bool{}
	for _, name := range b.Slots() {
		if s, ok := b.Image.Program.Symbols[name]; ok {
			slot[s.Value], slot[s.Value+1] = true, true
		}
	}
	for _, p := range b.Image.Summary.Patches {
		for a := p.Range.Start; a < p.Range.End; a++ {
			if b.Image.Line[a-build.LoadBase] > old && !slot[a] {
				return fmt.Errorf("%s: %s: an appended block overlaps what is there at 0x%04X; only the hook slot words (%s) may be written twice",
					b.File, p, a, strings.Join(b.Slots(), ", "))
			}
		}
	}
	return nil
}
