package feature

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// ErrNotInstalled is returned (wrapped) by Remove for a feature the build
// does not hold.
var ErrNotInstalled = errors.New("not installed")

// RequiredError is Remove's refusal of a feature that installed features
// require.
type RequiredError struct {
	Name string   // the feature to remove
	By   []string // the installed features that require it
}

func (e *RequiredError) Error() string {
	return fmt.Sprintf("%s is required by %s: remove %s first", e.Name, strings.Join(e.By, ", "), strings.Join(e.By, " and "))
}

// Remove returns b without the block of the feature called name, and the
// names of the blocks after it, which are installed again from their own
// source (Block.Spec) at their own addresses against the build without it:
// a hook chained through the removed feature then chains past it, as if it
// had never been there. The new source is b's up to the removed block,
// followed by the re-installed blocks.
//
// It refuses, with the reason:
//   - a feature b does not hold (wrapping ErrNotInstalled);
//   - one that another installed feature requires (*RequiredError); the
//     requirements are those a block records, else requires(name) for a
//     block from before pxos recorded them (nil: none known);
//   - text after the removed block that is not a feature block;
//   - a later block whose source lines do not reproduce its bytes, or
//     that does not install without the removed feature (it calls its
//     code, say): the assembler's error is quoted.
//
// Whether the smaller build still passes its scenarios is for the caller
// to prove.
func (b *Base) Remove(name string, requires func(string) []string) (*Base, []string, error) {
	blocks, err := ParseBlocks(b.Src)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", b.File, err)
	}
	at := -1
	var installed []string
	for i, bl := range blocks {
		installed = append(installed, bl.Name)
		if bl.Name == name {
			at = i
		}
	}
	if at < 0 || !b.Present(name) {
		have := "none"
		if len(installed) > 0 {
			have = strings.Join(installed, ", ")
		}
		return nil, nil, fmt.Errorf("feature %s is %w in %s (installed: %s)", name, ErrNotInstalled, b.File, have)
	}
	var by []string
	for _, bl := range blocks {
		reqs := bl.Requires
		if reqs == nil && requires != nil {
			reqs = requires(bl.Name)
		}
		for _, r := range reqs {
			if r == name && bl.Name != name {
				by = append(by, bl.Name)
			}
		}
	}
	if len(by) > 0 {
		return nil, nil, &RequiredError{Name: name, By: by}
	}
	for i := at; i < len(blocks); i++ {
		gapEnd := len(b.Src)
		if i+1 < len(blocks) {
			gapEnd = blocks[i+1].Start
		}
		if gap := bytes.TrimSpace(b.Src[blocks[i].End:gapEnd]); len(gap) > 0 {
			line := bytes.Count(b.Src[:blocks[i].End], []byte("\n")) + 1
			return nil, nil, fmt.Errorf("%s:%d: lines after feature %s are not a feature block; take them out by hand first", b.File, line, blocks[i].Name)
		}
	}

	cur, err := NewBase(b.File, trimBlank(b.Src[:blocks[at].Start]))
	if err != nil {
		return nil, nil, err
	}
	var again []string
	for _, bl := range blocks[at+1:] {
		spec, want, err := bl.Spec()
		if err != nil {
			return nil, nil, err
		}
		// The block's own source must give its own bytes where it was
		// installed, or re-installing it would change what was proven.
		was, err := NewBase(b.File, trimBlank(b.Src[:bl.Start]))
		if err != nil {
			return nil, nil, err
		}
		inst, err := was.Install(spec, bl.Addr)
		if err != nil || !sameBytes(inst, want) {
			return nil, nil, fmt.Errorf("feature %s (line %d) cannot be installed again from its block (its COMMENT lines do not give back its bytes), so %s cannot be taken out from under it; remove %s first", bl.Name, bl.Line, name, bl.Name)
		}
		if n, text := editedLine(bl, inst.Block); n > 0 {
			return nil, nil, fmt.Errorf("feature %s's block was edited by hand (line %d: %q is not what pxos writes there); installing it again would lose the edit, so %s stays — undo the edit, or remove %s first", bl.Name, bl.Line+n-1, text, name, bl.Name)
		}
		inst, err = cur.Install(spec, bl.Addr)
		if err != nil {
			return nil, nil, fmt.Errorf("feature %s (line %d) does not install without %s, so %s stays: %w", bl.Name, bl.Line, name, name, err)
		}
		if cur, err = cur.Apply(inst); err != nil {
			return nil, nil, err
		}
		again = append(again, bl.Name)
	}
	return cur, again, nil
}

// trimBlank drops the blank lines at the end of src, keeping its final
// newline: what is left before a block Install appended.
func trimBlank(src []byte) []byte {
	t := bytes.TrimRight(src, "\r\n\t ")
	if len(t) == 0 {
		return t
	}
	return append(t[:len(t):len(t)], '\n')
}

// sameBytes reports whether inst's code is exactly want, address by
// address.
func sameBytes(inst *Installation, want map[uint32]byte) bool {
	if len(inst.Result.Bytes) != len(want) {
		return false
	}
	for i, v := range inst.Result.Bytes {
		if w, ok := want[inst.Addr+uint32(i)]; !ok || w != v {
			return false
		}
	}
	return true
}

// editedLine compares a block's lines with what Install renders for it
// again (render), the line that records its size and requirements aside
// (older blocks do not record requirements), and returns the first that
// differs, 1-based within the block, with its text; 0 when none does.
func editedLine(bl Block, rendered []byte) (int, string) {
	info := "COMMENT feature " + bl.Name + " at "
	got := strings.Split(strings.TrimSuffix(string(bl.Text), "\n"), "\n")
	want := strings.Split(strings.TrimSuffix(strings.TrimPrefix(string(rendered), "\n"), "\n"), "\n")
	for i, g := range got {
		g = strings.TrimRight(g, "\r")
		if i < len(want) && (g == want[i] || strings.HasPrefix(g, info) && strings.HasPrefix(want[i], info)) {
			continue
		}
		return i + 1, g
	}
	if len(want) > len(got) {
		return len(got), got[len(got)-1]
	}
	return 0, ""
}
