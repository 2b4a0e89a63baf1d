package gen

import (
	"io"

	"github.com/pxos-dev/pxos/internal/listing"
)

// WriteListing prints the generated block: address, bytes, disassembly and
// the source line of each instruction or data item.
func (r *Result) WriteListing(w io.Writer) error {
	inst := r.Install
	src := map[uint32]string{}
	data := map[uint32]bool{}
	for _, l := range inst.Result.Lines {
		if len(l.Bytes) == 0 {
			continue
		}
		if _, ok := src[l.Addr]; !ok {
			src[l.Addr] = l.Text
		}
		if l.Data {
			for i := range l.Bytes {
				data[l.Addr+uint32(i)] = true
			}
		}
	}
	names := map[string]uint32{}
	for _, l := range inst.Result.Labels {
		names[l.Name] = l.Addr
	}
	_, err := listing.Write(w, listing.Input{
		Base: inst.Addr,
		Mem:  inst.Result.Bytes,
		Source: func(a uint32) (string, bool) {
			s, ok := src[a]
			return s, ok
		},
		Data:    func(a uint32) bool { return data[a] },
		Symbols: listing.SymbolIndex(names),
	})
	return err
}
