// Package listing prints 16-bit x86 code as a listing: address, bytes,
// disassembly (decoded by golang.org/x/arch/x86/x86asm in 16-bit mode,
// printed in the NASM syntax package asm assembles back to the same bytes:
// see NASM) and the source line that wrote the bytes. It flags bytes that do not decode.
// It knows nothing of how the bytes were produced.
package listing

import (
	"bufio"
	"fmt"
	"github.com/pxos-dev/pxos/internal/diag"
	"io"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"
)

// Input is what a listing is made of.
type Input struct {
	Base    uint32 // address of Mem[0]
	Mem     []byte
	Written []bool // which bytes of Mem hold something; nil means all
	// Source returns the source text shown beside the instruction or data
	// starting at addr ("" for none) and whether addr starts a new source item
	// (a data run stops before a new item). Nil for no source.
	Source func(addr uint32) (text string, ok bool)
	// Data reports whether the byte at addr is known to be data (for example
	// its source comment is a db directive); data is listed as bytes, not
	// disassembled.
	Data    func(addr uint32) bool
	Symbols map[uint32][]string // labels by address
}

// Stats counts what a listing found.
type Stats struct {
	Instructions int
	DataBytes    int
	Invalid      int // bytes that do not decode
}

// Write prints the listing of in to w. Runs of 16 or more unwritten (or, when
// Written is nil, zero) bytes are collapsed into one line.
func Write(w io.Writer, in Input) (Stats, error) {
	bw := bufio.NewWriter(w)
	var st Stats
	has := func(o int) bool {
		if in.Written != nil {
			return in.Written[o]
		}
		return true
	}
	n := len(in.Mem)
	for o := 0; o < n; {
		// Skip a gap of unwritten bytes, or a long run of zeros in raw images.
		if !has(o) || (in.Written == nil && zeroRun(in.Mem[o:]) >= 16 && !hasSymbol(in, o)) {
			e := o
			for e < n && (!has(e) || (in.Written == nil && in.Mem[e] == 0)) && (e == o || !hasSymbol(in, e)) {
				e++
			}
			what := "unwritten"
			if in.Written == nil {
				what = "zero"
			}
			fmt.Fprintf(bw, "%04X  ...  %d %s byte%s to %04X\n", in.Base+uint32(o), e-o, what, plural(e-o), in.Base+uint32(e)-1)
			o = e
			continue
		}
		addr := in.Base + uint32(o)
		for _, name := range in.Symbols[addr] {
			fmt.Fprintf(bw, "%s:\n", name)
		}
		// The end of this contiguous written run bounds the decoder, so an
		// instruction that runs into unwritten memory shows as invalid.
		end := o + 1
		for end < n && has(end) && end-o < 15 {
			end++
		}
		var size int
		var text string
		if in.Data != nil && in.Data(addr) {
			size = 1
			for o+size < end && size < 8 && in.Data(addr+uint32(size)) && !startsItem(in, addr+uint32(size)) && !hasSymbol(in, o+size) {
				size++
			}
			text = "db " + hexList(in.Mem[o:o+size], ", 0x")
			st.DataBytes += size
		} else {
			inst, err := x86asm.Decode(in.Mem[o:end], 16)
			// x86asm returns Op 0 without an error for a truncated instruction.
			if err != nil || inst.Op == 0 || inst.Len == 0 {
				size, text = 1, fmt.Sprintf("(bad)  !! 0x%02X does not decode", in.Mem[o])
				st.Invalid++
			} else {
				size = inst.Len
				text = NASM(inst, in.Mem[o:o+size], addr)
				st.Instructions++
			}
		}
		src := ""
		if in.Source != nil {
			var item bool
			src, item = in.Source(addr)
			if !item && in.Data != nil && in.Data(addr) {
				src = "" // the middle of a data item: its source is on the item's first row
			}
		}
		line := fmt.Sprintf("%04X  %-23s %-32s", addr, hexList(in.Mem[o:o+size], " "), text)
		if src != "" {
			line += " | " + diag.Visible(diag.Cut(src, 160)) // source text from a file or a model
		}
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
		o += size
	}
	return st, bw.Flush()
}

func startsItem(in Input, addr uint32) bool {
	if in.Source == nil {
		return false
	}
	_, ok := in.Source(addr)
	return ok
}

func hasSymbol(in Input, o int) bool {
	return len(in.Symbols[in.Base+uint32(o)]) > 0
}

func zeroRun(b []byte) int {
	n := 0
	for n < len(b) && b[n] == 0 {
		n++
	}
	return n
}

func hexList(b []byte, sep string) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteString(sep)
		} else if sep != " " {
			sb.WriteString("0x")
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// SymbolIndex turns name→address pairs into the Symbols map of an Input.
func SymbolIndex(names map[string]uint32) map[uint32][]string {
	idx := make(map[uint32][]string)
	for name, a := range names {
		idx[a] = append(idx[a], name)
	}
	for _, l := range idx {
		sort.Strings(l)
	}
	return idx
}
