package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/pxos-dev/pxos/internal/backend"
)

func init() { register(newRunCmd) }

func newRunCmd(e *env) *cobra.Command {
	var backendName string
	c := &cobra.Command{
		Use:   "run [IMAGE]",
		Short: "Boot pxOS interactively in the terminal (Ctrl-] quits)",
		Long: `Run boots IMAGE (default pxos.img) on the built-in emulator or QEMU and
shows its 80x25 text screen in the terminal, redrawn whenever it changes.
Keys go to pxOS: letters, digits, symbols, Enter, Backspace, Tab, Esc, the
arrows, Home/End/PgUp/PgDn/Insert/Delete and F1-F12.

Press Ctrl-] to quit (Ctrl-C goes to pxOS like any other key). The terminal
must be at least 80x26 and is restored on exit. Standard input must be a
terminal.`,
		Example: "  pxos run pxos.img --backend qemu",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			image := "pxos.img"
			if len(args) == 1 {
				image = args[0]
			}
			if backendName != "emu" && backendName != "qemu" {
				return usagef("run: unknown backend %q (want emu or qemu)", backendName)
			}
			in, ok := e.stdin.(*os.File)
			if !ok || !term.IsTerminal(int(in.Fd())) {
				return errors.New("run: standard input is not a terminal (pxos run is interactive; use pxos test to script pxOS)")
			}
			img, err := os.ReadFile(image)
			if err != nil {
				return fmt.Errorf("run: %w", err)
			}
			m, err := backend.Open(e.ctx, backendName, img, backend.Options{})
			if err != nil {
				return err
			}
			defer m.Close()
			old, err := term.MakeRaw(int(in.Fd()))
			if err != nil {
				return fmt.Errorf("run: %w", err)
			}
			err = backend.Console(e.ctx, m, in, e.stdout, backend.ConsoleOptions{
				Settle: backend.IsIdleBased(backendName),
				Status: fmt.Sprintf("pxOS %s on %s  |  Ctrl-] quits", image, backendName),
			})
			term.Restore(int(in.Fd()), old)
			return err
		},
	}
	c.Flags().StringVarP(&backendName, "backend", "b", backend.Default(), "machine to run on: emu or qemu")
	return c
}
