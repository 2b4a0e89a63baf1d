package listing

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/diag"
)

// maxCheckPasses bounds the batch assemblies of checkRows; the instructions
// still undecided after them are assembled one by one.
const maxCheckPasses = 8

// checkRows assembles the text of every instruction row with package asm at
// the row's address and turns each row whose text does not give back the
// row's bytes into a db row that keeps the text as its note. It returns how
// many it turned.
//
// Assembling each row alone costs a whole assembler run per instruction
// (about 70 µs and 140 KB), so the rows go through asm together, each pinned
// to its address by a "times ADDR-$ db 0" line before it: a row that
// assembles short is padded after, one that assembles long makes the next
// pin's count negative, an error on that pin. The texts are numbers and
// registers only (branch targets are absolute addresses), so with its
// address pinned a row assembles as it would alone: unless it defines a
// symbol (asm takes an unknown mnemonic for a label), which fails the row.
// Rows that fail are dropped from the batch and the rest assembled again
// until a pass has no error and no symbol; that pass decides every row
// (the tests check the result line by line: TestNASMImage).
func checkRows(rows []*row) int {
	var cand []*row
	for _, r := range rows {
		if r.inst {
			cand = append(cand, r)
		}
	}
	turned := 0
	fail := func(r *row) {
		r.inst, r.note = false, r.text
		turned++
	}
	for pass := 0; len(cand) > 0; pass++ {
		if pass == maxCheckPasses {
			for _, r := range cand {
				if !assemblesAlone(r) {
					fail(r)
				}
			}
			return turned
		}
		failed, done := checkBatch(cand)
		keep := cand[:0]
		for i, r := range cand {
			if failed[i] {
				fail(r)
			} else {
				keep = append(keep, r)
			}
		}
		if done {
			return turned
		}
		if len(keep) == len(cand) {
			// Errors that name no row (asm found no fixed point), or a
			// symbol no row is known to define: decide each row alone.
			for _, r := range cand {
				if !assemblesAlone(r) {
					fail(r)
				}
			}
			return turned
		}
		cand = keep
	}
	return turned
}

// checkBatch assembles cand, each row pinned to its address, and returns
// which rows fail, and whether that decides every row. A row fails when its
// text assembles to other bytes, gives an error at its address, or defines
// a symbol. After a pass with errors only the rows known to fail are
// marked: a row behind a row that ran long was at the wrong address, and
// waits for the next pass; so do all rows when some row defined a symbol
// that the others might have used.
func checkBatch(cand []*row) (failed []bool, done bool) {
	var src strings.Builder
	for _, r := range cand {
		fmt.Fprintf(&src, "times 0x%x-$ db 0\n%s\n", r.addr, r.text)
	}
	// Line 2i+1 is the pin of cand[i], line 2i+2 its text.
	res, err := asm.Assemble("listing", []byte(src.String()), asm.Options{Org: cand[0].addr})
	failed = make([]bool, len(cand))
	mark := func(i int) {
		if i >= 0 && i < len(cand) {
			failed[i] = true
		}
	}
	if err != nil {
		var errs diag.ErrorList
		if !errors.As(err, &errs) {
			return failed, false // not positioned: checkRows decides row by row
		}
		pinFailed := map[int]bool{}
		for _, e := range errs {
			if e.Pos.Line > 0 && e.Pos.Line%2 == 1 {
				i := (e.Pos.Line - 1) / 2
				pinFailed[i] = true
				mark(i - 1) // the row before ran past this one's address
			}
		}
		for _, e := range errs {
			if i := e.Pos.Line/2 - 1; e.Pos.Line > 0 && e.Pos.Line%2 == 0 && !pinFailed[i] {
				mark(i)
			}
		}
		return failed, false
	}
	got := make([]*asm.Line, len(cand))
	for k := range res.Lines {
		l := &res.Lines[k]
		if l.Pos.Line%2 == 0 {
			got[l.Pos.Line/2-1] = l
		}
	}
	for i, r := range cand {
		if l := got[i]; l == nil || l.Addr != r.addr || !bytes.Equal(l.Bytes, r.code) {
			mark(i)
		}
	}
	if len(res.Symbols) > len(res.Labels) {
		// An equ, which no instruction text makes: its row is not known.
		return make([]bool, len(cand)), false
	}
	for _, s := range res.Labels {
		mark(s.Pos.Line/2 - 1)
	}
	return failed, len(res.Symbols) == 0
}

// assemblesAlone reports whether r's text, assembled alone at r's address,
// gives r's bytes.
func assemblesAlone(r *row) bool {
	res, err := asm.Assemble("listing", []byte(r.text+"\n"), asm.Options{Org: r.addr})
	return err == nil && len(res.Symbols) == 0 && bytes.Equal(res.Bytes, r.code)
}
