package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/build"
)

func init() { register(newBuildCmd) }

func newBuildCmd(e *env) *cobra.Command {
	var in, out, bin, mapFile, listFile string
	var strict, asJSON bool
	c := &cobra.Command{
		Use:   "build",
		Short: "Build a bootable pxOS floppy image from primitives (WRITE/DEFINE/COMMENT)",
		Long: `Build reads a primitives file and writes a bootable 1.44 MB floppy image
and the trimmed raw image. Addresses are real-mode linear addresses: the byte
at 0x7C00 is image offset 0 (the BIOS loads the boot sector there), and WRITEs
may target 0x7C00-0xFFFF. The boot signature 55 AA is added at 0x7DFE.

A second WRITE to an address is a patch: it is reported and allowed, unless
--strict. Every error is printed as file:line: message; on any error no output
file is written.`,
		Example: "  pxos build -i pxos-v1.0/pxos_commands.txt -o pxos.img --listing pxos.lst",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			src, err := os.ReadFile(in)
			if err != nil {
				return fmt.Errorf("build: %w", err)
			}
			im, err := build.FromSource(in, src, build.Options{Strict: strict})
			if err != nil {
				return err
			}
			// The floppy is the raw image followed by zeros: write the raw
			// part and let Truncate extend the file with a hole, which saves
			// copying 1.4 MB of zeros on every build.
			outs := []atomicfile.File{{Path: out, NoSync: true, Fill: func(f *os.File) error {
				if _, err := f.Write(im.Bin); err != nil {
					return err
				}
				return f.Truncate(build.FloppySize)
			}}}
			if bin != "" {
				outs = append(outs, atomicfile.File{Path: bin, Data: im.Bin, NoSync: true})
			}
			var st *listingStats
			if mapFile != "" {
				outs = append(outs, atomicfile.File{Path: mapFile, NoSync: true, Fill: func(f *os.File) error { return im.WriteMap(f) }})
			}
			if listFile != "" {
				st = new(listingStats)
				outs = append(outs, atomicfile.File{Path: listFile, NoSync: true, Fill: func(f *os.File) error {
					s, err := im.WriteListing(f)
					st.Invalid = s.Invalid
					return err
				}})
			}
			if err := atomicfile.WriteAll(0o644, outs...); err != nil {
				return err
			}
			if asJSON {
				j := struct {
					build.Summary
					Outputs []string `json:"outputs"`
					Invalid *int     `json:"listing_invalid_bytes,omitempty"`
				}{Summary: im.Summary}
				for _, o := range outs {
					j.Outputs = append(j.Outputs, o.Path)
				}
				if st != nil {
					j.Invalid = &st.Invalid
				}
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(j)
			}
			fmt.Fprintf(e.stdout, "built %s from %s\n", out, in)
			im.Summary.WriteSummary(e.stdout)
			for _, o := range outs {
				fmt.Fprintf(e.stdout, "wrote %s\n", o.Path)
			}
			if st != nil && st.Invalid > 0 {
				fmt.Fprintf(e.stdout, "listing: %d byte%s do not decode as x86 (marked !! in %s)\n", st.Invalid, map[bool]string{true: "", false: "s"}[st.Invalid == 1], listFile)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&in, "input", "i", "pxos_commands.txt", "primitives file to build")
	f.StringVarP(&out, "output", "o", "pxos.img", "floppy image to write (1.44 MB)")
	f.StringVar(&bin, "bin", "pxos.bin", "trimmed raw image to write (\"\" to skip)")
	f.StringVar(&mapFile, "map", "", "write the symbol table, sorted by address, to this file")
	f.StringVar(&listFile, "listing", "", "write a listing (address, bytes, disassembly, source line) to this file")
	f.BoolVar(&strict, "strict", false, "make a second write to an address (a patch) an error")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return c
}

type listingStats struct{ Invalid int }
