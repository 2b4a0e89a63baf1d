package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/workspace"
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
file is written.

An output path that names a device or a FIFO (/dev/null, a named pipe) is
written in place rather than replaced. An output of - is standard output
(at most one may be -); the summary then goes to standard error.`,
		Example: "  pxos build -i pxos-v1.0/pxos_commands.txt -o pxos.img --listing pxos.lst\n  pxos build -o - --bin '' | sha256sum",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w, _ := here()
			if in == "" {
				var err error
				if w, in, err = defaultCommands(); err != nil {
					return err
				}
			}
			switch {
			case c.Flags().Changed("output"):
			case w != nil && sameFile(in, w.Commands()):
				out = w.Path(workspace.Image) // the workspace's build is its pxos.img
			default:
				out = workspace.Image
			}
			if !c.Flags().Changed("bin") {
				// The raw image only when asked for: a pxos.bin nothing
				// else keeps up to date would go stale.
				bin = ""
			}
			sum, err := summaryTo(e, out, bin, mapFile, listFile)
			if err != nil {
				return err
			}
			src, err := os.ReadFile(in)
			if err != nil {
				return err
			}
			im, err := build.FromSource(in, src, build.Options{Strict: strict})
			if err != nil {
				return err
			}
			outs := []outputFile{{Path: out, NoSync: true, Write: func(w io.Writer) error { return writeFloppy(w, im) }}}
			if bin != "" {
				outs = append(outs, outputFile{Path: bin, Data: im.Bin, NoSync: true})
			}
			var st *listingStats
			if mapFile != "" {
				outs = append(outs, outputFile{Path: mapFile, NoSync: true, Write: func(w io.Writer) error { return im.WriteMap(w) }})
			}
			if listFile != "" {
				st = new(listingStats)
				outs = append(outs, outputFile{Path: listFile, NoSync: true, Write: func(w io.Writer) error {
					s, err := im.WriteListing(w)
					st.Invalid = s.Invalid
					return err
				}})
			}
			if err := writeOutputs(e, outs...); err != nil {
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
				enc := json.NewEncoder(sum)
				enc.SetIndent("", "  ")
				return enc.Encode(j)
			}
			fmt.Fprintf(sum, "built %s from %s\n", outputName(out), in)
			im.Summary.WriteSummary(sum)
			for _, o := range outs {
				fmt.Fprintf(sum, "wrote %s\n", outputName(o.Path))
			}
			if st != nil && st.Invalid > 0 {
				fmt.Fprintf(sum, "listing: %d byte%s do not decode as x86 (marked !! in %s)\n", st.Invalid, map[bool]string{true: "", false: "s"}[st.Invalid == 1], outputName(listFile))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&in, "input", "i", "", "primitives file to build (default: the workspace's pxos-v1.0/pxos_commands.txt, to its pxos.img and pxos.bin)")
	f.StringVarP(&out, "output", "o", "", "floppy image to write, 1.44 MB (default: the workspace's pxos.img when building its commands file, else ./pxos.img)"+stdoutHelp)
	f.StringVar(&bin, "bin", "", "also write the trimmed raw image to this file"+stdoutHelp)
	f.StringVar(&mapFile, "map", "", "write the symbol table, sorted by address, to this file"+stdoutHelp)
	f.StringVar(&listFile, "listing", "", "write a listing (address, bytes, disassembly, source line) to this file"+stdoutHelp)
	f.BoolVar(&strict, "strict", false, "make a second write to an address (a patch) an error")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return c
}

type listingStats struct{ Invalid int }

// writeFloppy writes the 1.44 MB floppy image of im to w. A regular file
// gets the raw image and is extended by Truncate with a hole, which saves
// copying 1.4 MB of zeros on every build; a device, a FIFO or standard
// output, which cannot be truncated, gets the zeros.
func writeFloppy(w io.Writer, im *build.Image) error {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			if _, err := f.Write(im.Bin); err != nil {
				return err
			}
			return f.Truncate(build.FloppySize)
		}
	}
	_, err := w.Write(im.Floppy)
	return err
}
