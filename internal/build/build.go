// Package build lays a parsed primitives program out as a bootable pxOS
// floppy image. It owns the address semantics: linear real-mode addresses,
// image offset = address − 0x7C00 (the BIOS loads sector 0 at 0x7C00), the
// loadable range, the boot signature, and patches (a second write to an
// address). It does not parse (package prim) or disassemble (package listing).
package build

import (
	"fmt"
	"sort"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/prim"
)

// Address layout. pxOS's boot sector loads the sectors after it to 0x7E00 and
// up, through LoadEnd−1, so that is the range a WRITE may target.
const (
	LoadBase   = 0x7C00  // the BIOS loads the boot sector here; image offset 0
	LoadEnd    = 0x10000 // one past the last loadable address
	SigAddr    = 0x7DFE  // the boot signature 55 AA
	SectorSize = 512
	FloppySize = 1474560 // 1.44 MB: 80 cylinders × 2 heads × 18 sectors × 512 bytes
)

// Options control a build.
type Options struct {
	// Strict makes every patch (a second write to an address) an error.
	Strict bool
}

// Range is a half-open address range [Start, End).
type Range struct {
	Start uint32 `json:"start"`
	End   uint32 `json:"end"`
}

// Len is the number of bytes in the range.
func (r Range) Len() uint32 { return r.End - r.Start }

func (r Range) String() string {
	if r.Len() == 1 {
		return fmt.Sprintf("0x%04X", r.Start)
	}
	return fmt.Sprintf("0x%04X-0x%04X", r.Start, r.End-1)
}

// Patch is a run of addresses written twice: first by the lines
// FirstLine..FirstLast,
// then again by the lines PatchLine..PatchLast (inclusive line ranges).
type Patch struct {
	Range     Range
	FirstLine int // the line that wrote Range.Start first
	FirstLast int // the line that wrote Range.End−1 first
	PatchLine int // the line that rewrote Range.Start
	PatchLast int // the line that rewrote Range.End−1
}

func (p Patch) String() string {
	return fmt.Sprintf("%s written at %s, rewritten at %s", p.Range, lines(p.FirstLine, p.FirstLast), lines(p.PatchLine, p.PatchLast))
}

func lines(a, b int) string {
	if a == b {
		return fmt.Sprintf("line %d", a)
	}
	return fmt.Sprintf("lines %d-%d", a, b)
}

// Summary describes a build.
type Summary struct {
	File        string  `json:"file"`
	Writes      int     `json:"writes"`
	Defines     int     `json:"defines"`
	Calls       int     `json:"calls"`
	Comments    int     `json:"comments"`
	Symbols     int     `json:"symbols"`
	BytesUsed   int     `json:"bytes_used"`   // distinct addresses written, signature included
	SectorsUsed int     `json:"sectors_used"` // sectors from 0x7C00 through the last written byte
	End         uint32  `json:"end"`          // one past the last written address
	Patches     []Patch `json:"patches"`
	Free        []Range `json:"free"` // unwritten ranges within the loadable range
}

// Image is a built pxOS image.
type Image struct {
	Floppy  []byte  // FloppySize bytes: the bootable 1.44 MB floppy image
	Bin     []byte  // the image trimmed after its last written byte (at least one sector)
	Written []bool  // Written[a−LoadBase]: whether address a was written (the signature counts)
	Line    []int32 // Line[a−LoadBase]: the source line that last wrote address a, 0 if none
	Program *prim.Program
	Summary Summary
}

// Symbols returns the program's labels sorted by address, then name.
func (im *Image) Symbols() []prim.Symbol {
	out := make([]prim.Symbol, 0, len(im.Program.Symbols))
	for _, s := range im.Program.Symbols {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Value != out[j].Value {
			return out[i].Value < out[j].Value
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Word returns the little-endian word the image holds at address a.
func (im *Image) Word(a uint32) uint16 {
	o := a - LoadBase
	return uint16(im.Floppy[o]) | uint16(im.Floppy[o+1])<<8
}

// Build lays out p, skipping statements marked Bad. The error, when not nil, is a diag.ErrorList naming every
// bad WRITE (outside the loadable range, a wrong boot signature, a patch under
// Strict) in line order.
func Build(p *prim.Program, opts Options) (*Image, error) {
	const size = LoadEnd - LoadBase
	im := &Image{
		Floppy:  make([]byte, FloppySize),
		Written: make([]bool, size),
		Line:    make([]int32, size),
		Program: p,
	}
	s := &im.Summary
	s.File = p.File
	s.Writes, s.Defines, s.Calls = p.Count(prim.OpWrite), p.Count(prim.OpDefine), p.Count(prim.OpCall)
	s.Comments = p.Count(prim.OpComment)
	for i := range p.Stmts {
		if p.Stmts[i].Op != prim.OpComment && p.Stmts[i].Comment != "" {
			s.Comments++
		}
	}
	s.Symbols = len(p.Symbols)

	var errs diag.ErrorList
	type rewrite struct {
		addr        uint32
		first, next int
	}
	var rewrites []rewrite
	p.Writes(func(st *prim.Stmt) {
		if st.Bad {
			return
		}
		a := st.Addr
		if a < LoadBase || a >= LoadEnd {
			errs.Add(st.Pos, st.Text, "address 0x%X is outside the loadable range 0x%04X-0x%04X (the boot sector is loaded at 0x7C00, the rest of the image follows it up to 0xFFFF)", a, LoadBase, LoadEnd-1)
			return
		}
		if want := sigByte(a); want >= 0 && int(st.Byte) != want {
			errs.Add(st.Pos, st.Text, "address 0x%X holds the boot signature 55 AA (0x7DFE-0x7DFF); writing 0x%02X there would make the image unbootable", a, st.Byte)
			return
		}
		o := a - LoadBase
		if im.Written[o] && im.Line[o] != 0 {
			if opts.Strict {
				errs.Add(st.Pos, st.Text, "address 0x%X was already written at line %d (--strict forbids patches)", a, im.Line[o])
				return
			}
			rewrites = append(rewrites, rewrite{a, int(im.Line[o]), st.Pos.Line})
		}
		im.Written[o] = true
		im.Line[o] = int32(st.Pos.Line)
		im.Floppy[o] = st.Byte
	})
	errs.Sort()
	if err := errs.Err(); err != nil {
		return nil, err
	}

	// The boot signature is always there.
	for a := uint32(SigAddr); a < SigAddr+2; a++ {
		im.Floppy[a-LoadBase] = byte(sigByte(a))
		im.Written[a-LoadBase] = true
	}

	// Patches, merged into runs of adjacent addresses rewritten by adjacent lines.
	sort.SliceStable(rewrites, func(i, j int) bool { return rewrites[i].addr < rewrites[j].addr })
	for _, rw := range rewrites {
		if n := len(s.Patches); n > 0 {
			last := &s.Patches[n-1]
			if last.Range.End == rw.addr && rw.next >= last.PatchLast && rw.next-last.PatchLast <= 1 && rw.first >= last.FirstLast {
				last.Range.End++
				last.FirstLast, last.PatchLast = rw.first, rw.next
				continue
			}
		}
		s.Patches = append(s.Patches, Patch{Range: Range{rw.addr, rw.addr + 1}, FirstLine: rw.first, FirstLast: rw.first, PatchLine: rw.next, PatchLast: rw.next})
	}

	// Usage and free ranges.
	end := uint32(0)
	var start uint32
	inFree := false
	for o := uint32(0); o < size; o++ {
		if im.Written[o] {
			s.BytesUsed++
			end = LoadBase + o + 1
			if inFree {
				s.Free = append(s.Free, Range{start, LoadBase + o})
				inFree = false
			}
		} else if !inFree {
			start, inFree = LoadBase+o, true
		}
	}
	if inFree {
		s.Free = append(s.Free, Range{start, LoadEnd})
	}
	s.End = end
	s.SectorsUsed = int((end - LoadBase + SectorSize - 1) / SectorSize)
	im.Bin = im.Floppy[: s.SectorsUsed*SectorSize : s.SectorsUsed*SectorSize]
	if trimmed := int(end - LoadBase); trimmed < len(im.Bin) {
		im.Bin = im.Floppy[:trimmed:trimmed]
	}
	return im, nil
}

// sigByte is the byte the boot signature needs at a, or −1 outside it.
func sigByte(a uint32) int {
	switch a {
	case SigAddr:
		return 0x55
	case SigAddr + 1:
		return 0xAA
	}
	return -1
}

// FromSource parses src (named file in errors) and builds it. The error, when
// not nil, is one diag.ErrorList of every parse and build problem in line
// order. As with prim.Parse, src must not be modified afterwards.
func FromSource(file string, src []byte, opts Options) (*Image, error) {
	p, perr := prim.Parse(file, src)
	im, berr := Build(p, opts)
	if perr == nil {
		return im, berr
	}
	var all diag.ErrorList
	for _, err := range []error{perr, berr} {
		if l, ok := err.(diag.ErrorList); ok {
			all = append(all, l...)
		}
	}
	all.Sort()
	return nil, all
}
