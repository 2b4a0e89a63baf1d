package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/pxos-dev/pxos/internal/backend"
)

func init() { register(newRunCmd) }

func newRunCmd(e *env) *cobra.Command {
	var backendName string
	c := &cobra.Command{
		Use:   "run [IMAGE]",
		Short: "Boot pxOS interactively in the terminal (Ctrl-] quits)",
		Long: `Run boots IMAGE (default: the workspace's current build, made from its
pxos-v1.0/pxos_commands.txt) on the built-in emulator or QEMU and
shows its 80x25 text screen in the terminal, redrawn whenever it changes.
Keys go to pxOS: letters, digits, symbols, Enter, Backspace, Tab, Esc, the
arrows, Home/End/PgUp/PgDn/Insert/Delete and F1-F12.

Press Ctrl-] to quit (Ctrl-C goes to pxOS like any other key). The terminal
is restored on exit. Standard input must be a terminal.

The terminal must be at least 80x25: at 80x26 or more a status line shows
below pxOS's screen, at 80x25 it is hidden, and a smaller terminal is refused
before pxOS boots. When the window is resized, the screen is redrawn (a
notice stands in for it while the window is too small). The size is standard
output's, or, when that is not a terminal, COLUMNS x LINES from the
environment.`,
		Example: "  pxos run pxos.img --backend qemu",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if _, err := backendNames(backendName, false); err != nil {
				return err
			}
			image, img, err := bootImage(args)
			if err != nil {
				return err
			}
			// The size first, so a script (COLUMNS, LINES) can see it.
			layout, msg := backend.Fit(terminalSize(e.stdout))
			if layout == backend.LayoutTooSmall {
				return errors.New(strings.TrimPrefix(msg, "pxos run "))
			}
			in, ok := e.stdin.(*os.File)
			if !ok || !term.IsTerminal(int(in.Fd())) {
				return errors.New("standard input is not a terminal (pxos run is interactive; use pxos test to script pxOS)")
			}
			m, err := backend.Open(e.ctx, backendName, img, backend.Options{})
			if err != nil {
				return err
			}
			defer m.Close()
			if layout == backend.LayoutNoStatus {
				fmt.Fprintln(e.stderr, msg)
			}
			resize := make(chan os.Signal, 1)
			signal.Notify(resize, unix.SIGWINCH)
			defer signal.Stop(resize)
			old, err := term.MakeRaw(int(in.Fd()))
			if err != nil {
				return err
			}
			err = backend.Console(e.ctx, m, in, e.stdout, backend.ConsoleOptions{
				Settle: backend.IsIdleBased(backendName),
				Status: fmt.Sprintf("pxOS %s on %s  |  Ctrl-] quits", image, backendName),
				Size:   func() (int, int) { return terminalSize(e.stdout) },
				Resize: resize,
			})
			term.Restore(int(in.Fd()), old)
			return err
		},
	}
	c.Flags().StringVarP(&backendName, "backend", "b", backend.Default(), "machine to run on: emu or qemu")
	return c
}

// terminalSize is the size of the terminal pxos run draws on: standard
// output's, else COLUMNS and LINES from the environment (what a shell
// exports, and what a script can set), each 0 when not known.
func terminalSize(out io.Writer) (cols, rows int) {
	if f, ok := out.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if c, r, err := term.GetSize(int(f.Fd())); err == nil && c > 0 && r > 0 {
			return c, r
		}
	}
	cols, _ = strconv.Atoi(os.Getenv("COLUMNS"))
	rows, _ = strconv.Atoi(os.Getenv("LINES"))
	return max(cols, 0), max(rows, 0)
}
