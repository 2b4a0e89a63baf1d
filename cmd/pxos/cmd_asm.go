package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/diag"
)

func init() { register(newAsmCmd) }

func newAsmCmd(e *env) *cobra.Command {
	var orgFlag, out, bin string
	var force, nasm bool
	c := &cobra.Command{
		Use:   "asm FILE.asm|-",
		Short: "Assemble 16-bit NASM-syntax source into pxOS primitives or raw bytes",
		Long: `Asm assembles 16-bit x86 source in NASM syntax with the built-in assembler,
byte for byte as "nasm -f bin" would. With -o it writes primitives: a DEFINE
per label, then one WRITE per byte with the source line as the COMMENT on the
first byte of each instruction, ready for "pxos build". With --bin it writes
the raw bytes. With neither, the primitives go to standard output. A file
name of - reads the source from standard input.

--org gives the address of the first byte when the source has no org line
(default 0x7E00, where pxOS loads the sectors after the boot sector). Every
error is printed as file:line: message; on any error no output is written.

An output of - is standard output (at most one may be -; the summary then
goes to standard error); a device or a FIFO is written in place. -o refuses
to overwrite a commands file that holds feature blocks (one that pxos auto,
gen --append or feature install grew): regenerating it from the base source
would drop them. --force overwrites it anyway.

By default pxos asm refuses a few things nasm accepts because in generated
code they are almost always bugs: a value that does not fit its field (db
300, the low byte of an address), mov cs and pop cs, and org after code.
--nasm accepts them as nasm does, with a warning each on standard error
(the list and the reasons: "Deliberate differences from nasm" in the
README).`,
		Example: "  pxos asm feature.asm --org 0x8000 -o feature.txt\n  pxos asm boot.asm --bin boot.bin\n  pxos asm --nasm floppy.asm --bin floppy.img",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			org, err := asmParseOrg(orgFlag)
			if err != nil {
				return usagef("--org %q: %v", orgFlag, err)
			}
			sum, err := summaryTo(e, out, bin)
			if err != nil {
				return err
			}
			path := args[0]
			var src []byte
			if path == "-" {
				path = "<stdin>"
				src, err = io.ReadAll(e.stdin)
			} else {
				src, err = os.ReadFile(path)
			}
			if err != nil {
				return err
			}
			res, err := asm.Assemble(path, src, asm.Options{Org: org, NASM: nasm})
			if err != nil {
				if !nasm {
					if _, nerr := asm.Assemble(path, src, asm.Options{Org: org, NASM: true}); nerr == nil {
						err = fmt.Errorf("%w\n(nasm -f bin accepts this source; pxos asm --nasm assembles it as nasm does, with a warning at each of these lines)", err)
					}
				}
				return err
			}
			asmWarnings(e.stderr, res.Warnings)
			var prims bytes.Buffer
			if out != "" || bin == "" {
				// Only when asked for: a floppy image's primitives are a
				// million lines.
				if err := res.Primitives(&prims); err != nil {
					return err
				}
			}
			var outs []outputFile
			if out != "" {
				outs = append(outs, outputFile{Path: out, Data: prims.Bytes(), Primitives: true, Force: force, CanForce: true})
			}
			if bin != "" {
				outs = append(outs, outputFile{Path: bin, Data: res.Bytes})
			}
			if len(outs) == 0 {
				_, err := e.stdout.Write(prims.Bytes())
				return err
			}
			if err := writeOutputs(e, outs...); err != nil {
				return err
			}
			fmt.Fprintf(sum, "assembled %s: %d bytes at 0x%04X-0x%04X, %d labels\n",
				path, len(res.Bytes), res.Org, res.Org+uint32(max(len(res.Bytes), 1))-1, len(res.Labels))
			for _, o := range outs {
				fmt.Fprintf(sum, "wrote %s\n", outputName(o.Path))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&orgFlag, "org", "0x7E00", "address of the first byte when the source has no org line (0x7E00 or decimal)")
	f.StringVarP(&out, "output", "o", "", "write primitives (DEFINE/WRITE/COMMENT) to this file"+stdoutHelp)
	f.StringVar(&bin, "bin", "", "write the raw bytes to this file"+stdoutHelp)
	f.BoolVar(&force, "force", false, "let -o overwrite a commands file that holds feature blocks")
	f.BoolVar(&nasm, "nasm", false, "accept, with a warning, what nasm accepts and pxos refuses by default (truncated values, mov/pop cs, a late org)")
	return c
}

// asmWarnings prints the warnings of --nasm as nasm prints its own,
// "file:line: warning: message", at most diag.Max of them.
func asmWarnings(w io.Writer, warns diag.ErrorList) {
	for i, x := range warns {
		if i == diag.Max {
			fmt.Fprintf(w, "(%d more warnings)\n", len(warns)-diag.Max)
			return
		}
		fmt.Fprintf(w, "%s: warning: %s\n", x.Pos, diag.Visible(diag.Cut(x.Msg, diag.MaxMsg)))
	}
}

// asmParseOrg reads a real-mode linear address: 0x7E00, 7E00h or decimal.
func asmParseOrg(s string) (uint32, error) {
	t := strings.TrimSpace(s)
	base := 0
	if strings.HasSuffix(strings.ToLower(t), "h") {
		t, base = t[:len(t)-1], 16
	}
	v, err := strconv.ParseUint(t, base, 32)
	if err != nil {
		return 0, fmt.Errorf("not a number")
	}
	if v > 0xFFFFF {
		return 0, fmt.Errorf("beyond the 1 MB real-mode address space")
	}
	return uint32(v), nil
}
