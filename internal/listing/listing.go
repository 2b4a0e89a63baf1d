// Package listing prints 16-bit x86 code as a listing: address, bytes,
// disassembly (decoded by golang.org/x/arch/x86/x86asm in 16-bit mode,
// printed in NASM syntax: see NASM) and the source line that wrote the
// bytes. The disassembly column is source that package asm assembles back
// to the listed bytes, row by row or as one file: Write checks every
// instruction with asm and lists as db what asm would not give back, and
// bytes that do not decode, flagged. It knows nothing of how the bytes were
// produced.
package listing

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/arch/x86/x86asm"

	"github.com/pxos-dev/pxos/internal/diag"
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
	Instructions int // listed as instructions
	DataBytes    int
	Invalid      int // bytes that do not decode
	// AsBytes counts the instructions listed as db because package asm does
	// not assemble their text back to their bytes (see Write).
	AsBytes int
}

// rowBytes is the most bytes a row shows: eight fill the bytes column.
const rowBytes = 8

// A row is one item of the listing: an instruction, data, or a gap.
type row struct {
	addr uint32
	code []byte // the bytes the row stands for
	text string // the disassembly column
	note string // a comment after it
	src  string // the source column
	inst bool   // text is a decoded instruction (checkRows turns a failing one into db)
	gap  bool   // a run of zero (or unwritten) bytes: "times n db 0"
}

// Write prints the listing of in to w: per row the address, the bytes, the
// disassembly column and the source. Every row's disassembly column is text
// that package asm (pxos asm) assembles, at the row's address, to exactly
// the row's bytes, so the column taken alone, with org Base, assembles to
// Mem. Instructions are in the NASM syntax of NASM; an instruction whose
// text asm does not assemble back to its bytes (an instruction asm lacks, an
// encoding NASM syntax cannot ask for), and bytes that do not decode, are
// listed as db with the instruction, or "!!", in a comment. Runs of 16 or
// more zero bytes (when Written is nil) and gaps of unwritten bytes are
// collapsed into one "times n db 0" row. An instruction longer than eight
// bytes lists the rest of its bytes on a row of their own with no text, as
// nasm -l does.
func Write(w io.Writer, in Input) (Stats, error) {
	rows, st := scan(in)
	st.AsBytes = checkRows(rows)
	st.Instructions -= st.AsBytes
	bw := bufio.NewWriter(w)
	for _, r := range rows {
		for _, name := range in.Symbols[r.addr] {
			fmt.Fprintf(bw, "%s:\n", name)
		}
		writeRow(bw, r)
	}
	return st, bw.Flush()
}

// scan cuts in into rows.
func scan(in Input) ([]*row, Stats) {
	var st Stats
	var rows []*row
	has := func(o int) bool {
		if in.Written != nil {
			return in.Written[o]
		}
		return true
	}
	n := len(in.Mem)
	for o := 0; o < n; {
		addr := in.Base + uint32(o)
		// A gap of unwritten bytes, or a long run of zeros in raw images.
		if !has(o) && in.Mem[o] == 0 || in.Written == nil && zeroRun(in.Mem[o:]) >= 16 && !hasSymbol(in, o) {
			e := o
			for e < n && (!has(e) || in.Written == nil) && in.Mem[e] == 0 && (e == o || !hasSymbol(in, e)) {
				e++
			}
			what := "unwritten"
			if in.Written == nil {
				what = "zero"
			}
			rows = append(rows, &row{addr: addr, code: in.Mem[o:e], gap: true,
				text: fmt.Sprintf("times %d db 0", e-o),
				note: fmt.Sprintf("%s byte%s to %04X", what, plural(e-o), in.Base+uint32(e)-1)})
			o = e
			continue
		}
		r := &row{addr: addr}
		// The end of this contiguous written run bounds the decoder, so an
		// instruction that runs into unwritten memory shows as invalid.
		end := o + 1
		for end < n && has(end) && end-o < 15 {
			end++
		}
		switch {
		case !has(o):
			// An unwritten byte that is not zero: the caller's Mem holds it.
			r.code, r.text, r.note = in.Mem[o:o+1], dbList(in.Mem[o:o+1]), "unwritten"
			st.DataBytes++
		case in.Data != nil && in.Data(addr):
			size := 1
			for o+size < end && size < rowBytes && in.Data(addr+uint32(size)) && !startsItem(in, addr+uint32(size)) && !hasSymbol(in, o+size) {
				size++
			}
			r.code, r.text = in.Mem[o:o+size], dbList(in.Mem[o:o+size])
			st.DataBytes += size
		default:
			inst, err := x86asm.Decode(in.Mem[o:end], 16)
			// x86asm returns Op 0 without an error for a truncated instruction.
			if err != nil || inst.Op == 0 || inst.Len == 0 {
				r.code, r.text, r.note = in.Mem[o:o+1], dbList(in.Mem[o:o+1]), "!! does not decode"
				st.Invalid++
			} else {
				r.code, r.inst = in.Mem[o:o+inst.Len], true
				r.text = NASM(inst, r.code, addr)
				st.Instructions++
			}
		}
		if in.Source != nil {
			var item bool
			r.src, item = in.Source(addr)
			if !item && in.Data != nil && in.Data(addr) {
				r.src = "" // the middle of a data item: its source is on the item's first row
			}
		}
		rows = append(rows, r)
		o += len(r.code)
	}
	return rows, st
}

// writeRow prints r: address, bytes, disassembly column, source. A row
// shows eight bytes at most: the rest of a longer instruction goes on rows
// of their own, with no text, and an instruction listed as db is cut into
// db rows of eight bytes.
func writeRow(bw *bufio.Writer, r *row) {
	code := r.code
	if r.gap {
		code = nil
	}
	addr := r.addr
	for first := true; first || len(code) > 0; first = false {
		part := code[:min(len(code), rowBytes)]
		bytesCol, text := hexList(part, " "), ""
		switch {
		case r.gap:
			bytesCol, text = "...", r.text
		case r.inst:
			if first {
				text = r.text
			}
		default:
			text = dbList(part)
		}
		if r.note != "" && first {
			text += " ; " + r.note
		}
		line := fmt.Sprintf("%04X  %-23s %-32s", addr, bytesCol, text)
		if r.src != "" && first {
			line += " | " + diag.Visible(diag.Cut(r.src, 160)) // source text from a file or a model
		}
		bw.WriteString(strings.TrimRight(line, " "))
		bw.WriteByte('\n')
		code = code[len(part):]
		addr += uint32(len(part))
	}
}

// dbList is the db directive of b.
func dbList(b []byte) string { return "db " + hexList(b, ", 0x") }

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
