package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/listing"
)

func init() { register(newDisasmCmd) }

func newDisasmCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "disasm IMAGE|FILE.txt",
		Short: "Print a listing (address, bytes, disassembly, source) of an image or a primitives file",
		Long: `Disasm prints a 16-bit listing. A primitives file (.txt) is built first, so
the listing shows the source line behind every instruction and only the
addresses the file writes. Any other file is a raw image loaded at 0x7C00
(a floppy image or pxos.bin); runs of zero bytes are collapsed. Bytes that do
not decode as x86 are marked with !!.

The disassembly column (from character 31) is NASM syntax ("mov byte
[0x7c9a], 0x0", "jmp 0x0:0x7c05", "je short 0x7c2e"): pxos asm assembles
each row at its address, and the column as one file with org, back to the
same bytes. An instruction it has no spelling for, and bytes that do not
decode, are shown as db with the disassembly as a comment; runs of zero
bytes as times N db 0. Branch targets are absolute addresses. The counts go
to standard error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			path := args[0]
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			w := bufio.NewWriter(e.stdout)
			defer w.Flush()
			var st listing.Stats
			if strings.EqualFold(filepath.Ext(path), ".txt") {
				im, err := build.FromSource(path, data, build.Options{})
				if err != nil {
					return err
				}
				st, err = im.WriteListing(w)
				if err != nil {
					return err
				}
			} else {
				end := len(data)
				for end > 0 && data[end-1] == 0 {
					end--
				}
				sig := func(a uint32) bool { return a == build.SigAddr || a == build.SigAddr+1 }
				st, err = listing.Write(w, listing.Input{Base: build.LoadBase, Mem: data[:end], Data: sig})
				if err != nil {
					return err
				}
			}
			// The figures go to stderr: stdout is the listing alone, whose
			// disassembly column assembles back to the image.
			w.Flush()
			fmt.Fprintf(e.stderr, "%d instructions, %d shown as db (pxos asm has no spelling that gives their bytes), %d data bytes, %d bytes that do not decode\n", st.Instructions, st.AsBytes, st.DataBytes, st.Invalid)
			return nil
		},
	}
}
