package feature

import (
	"fmt"
	"slices"
	"strings"
)

// Replace returns b with the feature called name installed again from
// spec, in its place: the blocks before it stay as they are, spec is
// installed at the address name's block has (so it chains to the handlers
// the old version chained to), and the blocks after it are installed
// again from their own source at their own addresses against the new
// version, as Remove does. Every hook chain keeps its order, and a later
// feature that uses a label of name's gets its new address.
//
// It refuses, with the reason:
//   - a feature b does not hold (wrapping ErrNotInstalled);
//   - a spec with another name, or one that takes other hook slots than
//     name's block (it would change the chains, not the feature);
//   - a version that does not install at name's address, or that would
//     overlap a later block: it must fit in the room the blocks after it
//     leave (its old range, and the free bytes behind it);
//   - text after name's block that is not a feature block;
//   - a later block that cannot be installed again from its own source
//     (see Source), or that does not install on the new version.
//
// Whether the new build passes its scenarios is for the caller to prove.
func (b *Base) Replace(name string, spec *Spec) (*Base, error) {
	blocks, at, err := b.find(name)
	if err != nil {
		return nil, err
	}
	old := blocks[at]
	if spec.Name != name {
		return nil, fmt.Errorf("the new version of %s is called %s: a replacement keeps the name", name, spec.Name)
	}
	if had, takes := blockSlots(old), sortedKeys(spec.Hooks); !slices.Equal(had, takes) {
		return nil, fmt.Errorf("the new version of %s takes hooks %s, the installed one %s: a replacement takes the same slots", name, listNone(takes), listNone(had))
	}
	if line := b.looseLine(blocks, at); line > 0 {
		return nil, fmt.Errorf("%s:%d: lines after feature %s are not a feature block; take them out by hand first", b.File, line, name)
	}
	cur, err := NewBase(b.File, trimBlank(b.Src[:old.Start]))
	if err != nil {
		return nil, err
	}
	inst, err := cur.Install(spec, old.Addr)
	if err != nil {
		return nil, fmt.Errorf("the new version of %s does not install at 0x%04X, where %s is: %w", name, old.Addr, name, err)
	}
	for _, bl := range blocks[at+1:] {
		if inst.Addr < bl.Addr+bl.Size && bl.Addr < inst.End {
			return nil, fmt.Errorf("the new version of %s (%d bytes at %s) would overlap feature %s at 0x%04X-0x%04X; the installed one has %d bytes", name, inst.End-inst.Addr, inst.Range, bl.Name, bl.Addr, bl.Addr+bl.Size-1, old.Size)
		}
	}
	if cur, err = cur.Apply(inst); err != nil {
		return nil, err
	}
	for _, bl := range blocks[at+1:] {
		again, err := b.ownSource(bl)
		if err != nil {
			return nil, fmt.Errorf("%w, so %s cannot be replaced under it", err, name)
		}
		inst, err := cur.Install(again, bl.Addr)
		if err != nil {
			return nil, fmt.Errorf("feature %s (line %d) does not install on the new version of %s, so %s stays as it is: %w", bl.Name, bl.Line, name, name, err)
		}
		if cur, err = cur.Apply(inst); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// Before returns the build as it was when the feature called name was
// installed (b's source up to name's block, which Install appended to it)
// and name's block: a new version of name is written for that build.
func (b *Base) Before(name string) (*Base, Block, error) {
	blocks, at, err := b.find(name)
	if err != nil {
		return nil, Block{}, err
	}
	was, err := NewBase(b.File, trimBlank(b.Src[:blocks[at].Start]))
	return was, blocks[at], err
}

// Source returns the feature called name as its block in b holds it
// (Block.Spec), checked as Replace checks the blocks it installs again:
// installed where it was, its source gives back its bytes and its block's
// very lines.
func (b *Base) Source(name string) (*Spec, error) {
	blocks, at, err := b.find(name)
	if err != nil {
		return nil, err
	}
	return b.ownSource(blocks[at])
}

// find returns the feature blocks of b and the index of name's; a
// feature b does not hold is an error wrapping ErrNotInstalled.
func (b *Base) find(name string) ([]Block, int, error) {
	blocks, err := ParseBlocks(b.Src)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", b.File, err)
	}
	at := slices.IndexFunc(blocks, func(bl Block) bool { return bl.Name == name })
	if at < 0 || !b.Present(name) {
		return nil, 0, fmt.Errorf("feature %s is %w in %s (installed: %s)", name, ErrNotInstalled, b.File, listNone(b.Installed()))
	}
	return blocks, at, nil
}

// ownSource returns the feature bl was made from (Block.Spec), checked to
// give back bl's bytes in the build it was installed into (b up to bl) and
// bl's lines as pxos wrote them: installing it again then changes nothing
// a scenario proved, and loses no hand edit. The errors say which of the
// two failed; the caller adds what it means for its work.
//
// Remove makes the same two checks inline; it could call this instead.
func (b *Base) ownSource(bl Block) (*Spec, error) {
	spec, want, err := bl.Spec()
	if err != nil {
		return nil, err
	}
	was, err := NewBase(b.File, trimBlank(b.Src[:bl.Start]))
	if err != nil {
		return nil, err
	}
	if inst, err := was.Install(spec, bl.Addr); err != nil || !sameBytes(inst, want) {
		return nil, fmt.Errorf("feature %s (line %d) cannot be installed again from its block (its COMMENT lines do not give back its bytes)", bl.Name, bl.Line)
	} else if n, text := editedLine(bl, inst.Block); n > 0 {
		return nil, fmt.Errorf("feature %s's block was edited by hand (line %d: %q is not what pxos writes there); installing it again would lose the edit", bl.Name, bl.Line+n-1, text)
	}
	return spec, nil
}

// looseLine returns the line of the first text after blocks[from:] in b's
// source that is in no block (a hand-written line Replace would drop), or
// 0 when there is none.
func (b *Base) looseLine(blocks []Block, from int) int {
	for i := from; i < len(blocks); i++ {
		end := len(b.Src)
		if i+1 < len(blocks) {
			end = blocks[i+1].Start
		}
		for off := blocks[i].End; off < end; off++ {
			if c := b.Src[off]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				return strings.Count(string(b.Src[:off]), "\n") + 1
			}
		}
	}
	return 0
}

// blockSlots returns the hook slots a block patches, sorted.
func blockSlots(bl Block) []string {
	var out []string
	for _, h := range bl.Hooks {
		out = append(out, h.Slot)
	}
	slices.Sort(out)
	return out
}

// listNone joins names with commas, or says "none".
func listNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
