package build

import (
	"fmt"
	"io"
	"strings"

	"github.com/pxos-dev/pxos/internal/listing"
	"github.com/pxos-dev/pxos/internal/prim"
)

// WriteMap writes the symbol table sorted by address: "0x7C00  start  file:line".
func (im *Image) WriteMap(w io.Writer) error {
	for _, s := range im.Symbols() {
		if _, err := fmt.Fprintf(w, "0x%04X  %-24s %s\n", s.Value, s.Name, s.Pos); err != nil {
			return err
		}
	}
	return nil
}

// WriteListing writes address | bytes | disassembly | source line for every
// written byte of the image, flagging bytes that do not decode. Bytes whose
// source comment is a data directive (db, dw, dd, times) are listed as data.
func (im *Image) WriteListing(w io.Writer) (listing.Stats, error) {
	const size = LoadEnd - LoadBase
	stmts := make([]*prim.Stmt, size)
	im.Program.Writes(func(st *prim.Stmt) {
		if st.Addr >= LoadBase && st.Addr < LoadEnd {
			stmts[st.Addr-LoadBase] = st
		}
	})
	data := make([]bool, size)
	cur := false
	for o := range stmts {
		if st := stmts[o]; st != nil && st.Comment != "" {
			cur = isDataComment(st.Comment)
		}
		data[o] = cur && stmts[o] != nil
	}
	names := make(map[string]uint32, len(im.Program.Symbols))
	for n, s := range im.Program.Symbols {
		names[n] = s.Value
	}
	end := im.Summary.End - LoadBase
	return listing.Write(w, listing.Input{
		Base:    LoadBase,
		Mem:     im.Floppy[:end],
		Written: im.Written[:end],
		Source: func(a uint32) (string, bool) {
			st := stmts[a-LoadBase]
			if st == nil {
				if a == SigAddr {
					return "boot signature (added by pxos build)", true
				}
				return "", false
			}
			text := st.Comment
			if text == "" {
				text = st.Text
			}
			return fmt.Sprintf("%d: %s", st.Pos.Line, text), st.Comment != ""
		},
		Data:    func(a uint32) bool { return data[a-LoadBase] || a == SigAddr || a == SigAddr+1 },
		Symbols: listing.SymbolIndex(names),
	})
}

func isDataComment(c string) bool {
	f := strings.ToLower(strings.Fields(c + " x")[0])
	switch f {
	case "db", "dw", "dd", "times":
		return true
	}
	// "label: db ..." as an assembler may write it.
	if strings.HasSuffix(f, ":") {
		rest := strings.Fields(c)
		if len(rest) > 1 {
			return isDataComment(strings.Join(rest[1:], " "))
		}
	}
	return false
}

// maxPatchesShown bounds the patches the summary lists: a file can rewrite
// an address hundreds of thousands of times.
const maxPatchesShown = 50

// WriteSummary prints the human-readable build summary.
func (s *Summary) WriteSummary(w io.Writer) {
	fmt.Fprintf(w, "operations: %d WRITE, %d DEFINE, %d CALL, %d COMMENT\n", s.Writes, s.Defines, s.Calls, s.Comments)
	fmt.Fprintf(w, "symbols:    %d\n", s.Symbols)
	fmt.Fprintf(w, "bytes used: %d (0x%04X-0x%04X, %d sector%s)\n", s.BytesUsed, LoadBase, s.End-1, s.SectorsUsed, plural(s.SectorsUsed))
	fmt.Fprintf(w, "patches:    %d\n", len(s.Patches))
	for i, p := range s.Patches {
		if i == maxPatchesShown {
			fmt.Fprintf(w, "  … %d more (all in --json)\n", len(s.Patches)-i)
			break
		}
		fmt.Fprintf(w, "  %s\n", p)
	}
	var free []string
	total := uint32(0)
	for _, r := range s.Free {
		free = append(free, fmt.Sprintf("%s (%d)", r, r.Len()))
		total += r.Len()
	}
	fmt.Fprintf(w, "free:       %d bytes in %d range%s", total, len(s.Free), plural(len(s.Free)))
	if len(free) > 0 {
		const show = 8
		if len(free) > show {
			free = append(free[:show], fmt.Sprintf("... %d more", len(s.Free)-show))
		}
		fmt.Fprintf(w, ": %s", strings.Join(free, ", "))
	}
	fmt.Fprintln(w)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
