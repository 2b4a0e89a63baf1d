package main

// This file is the "test" subcommand; it is not named cmd_test.go because
// the go tool would take that for a test file.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/screen"
	"github.com/pxos-dev/pxos/internal/workspace"
)

func init() { register(newTestCmd) }

func newTestCmd(e *env) *cobra.Command {
	var paths []string
	var backendName, shotDir string
	var asJSON, verbose bool
	var timeout time.Duration
	var budget uint64
	c := &cobra.Command{
		Use:   "test [IMAGE]",
		Short: "Boot a pxOS image and run scenario files against it (emu, qemu or both)",
		Long: `Test boots IMAGE (default: the workspace's current build) once per scenario
on a fresh machine and runs the scenario's steps: wait for text, type keys,
expect text on the screen or on a row, expect the cursor. Without --scenario
it runs the workspace's regression suite (pxos-v1.0/scenarios: the base
scenarios and the kept scenarios of the installed features). Scenario files
are plain text, one step per line:

  # comment
  wait "TEXT"           until TEXT is on the screen
  type "TEXT"           type characters; \n Enter, \b Backspace, \t Tab, \e Esc, \\ \"
  key NAME [xN]         a named key: enter backspace tab esc up down left right
                        home end pgup pgdn insert delete f1..f12
  expect "TEXT"         TEXT is somewhere on the screen
  expect-not "TEXT"     TEXT is nowhere on the screen
  expect-row N "TEXT"   row N (0-based) contains TEXT ("" : row N is blank)
  expect-attr R C 1Fh   the cell at row R, column C has colour attribute 1Fh
                        (also 0x1F; low nibble foreground, high background)
  cursor ROW COL        the cursor is there (0-based)
  settle                run until the machine is idle (waits for a key or halted)
  timeout 2s            time limit for each following step (default 5s)
  clock 23:59:50 [2026-01-31]
                        the wall clock the machine starts with (default
                        2026-01-01 12:00:00); before the steps that run it
  name "TEXT"           the scenario's name in reports

Texts to look for may hold code page 437 characters as Unicode (box drawing
"╔═╗", blocks "░▒▓", "☺"); screens in reports and --json show them so.

--backend both runs every scenario on the built-in emulator and on QEMU: the
two must agree (verdict, final screen text and cursor, and colours where a
person sees them: the whole attribute of a cell that shows a character, the
background of a blank one) or the run fails. QEMU starts at the same clock
and, like the emulator, runs the boot sector on a blank screen.

Exit status: 0 when every scenario passes, 1 when one fails (or the machines
disagree), 2 for a bad command line or a scenario file that does not parse.`,
		Example: "  pxos test\n  pxos test pxos.img --scenario pxos-v1.0/scenarios --backend both --screenshot shots",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			names, err := backendNames(backendName, true)
			if err != nil {
				return err
			}
			var suiteOf *feature.Base // the build whose regression suite runs
			if len(paths) == 0 {
				// The workspace's regression suite, of its current build.
				w, err := here()
				if err != nil {
					return fmt.Errorf("no --scenario given and %w", err)
				}
				b, err := w.Build()
				if err != nil {
					return err
				}
				var orphans []string
				if paths, orphans, err = workspace.Suite(w.Scenarios(), b); err != nil {
					return err
				}
				for _, o := range orphans {
					fmt.Fprintf(e.stderr, "pxos test: %s left out: its feature is not installed\n", o)
				}
				if len(paths) == 0 {
					return usagef("no scenarios in %s (give --scenario FILE or DIR)", w.Scenarios())
				}
				suiteOf = b
			}
			scs, err := scenario.LoadPaths(paths)
			if err != nil {
				if scenario.IsParseError(err) {
					fmt.Fprintln(e.stderr, err)
					return exitError{2}
				}
				return usageError{err}
			}
			if suiteOf != nil {
				var aside []loop.Aside
				scs, aside = loop.SetAside(suiteOf, scs)
				for _, a := range aside {
					fmt.Fprintf(e.stderr, "pxos test: %s set aside: it checks the default of %s, which %s names\n", a.Scenario, strings.Join(a.Defaults, ", "), strings.Join(a.Features, " and "))
				}
			}
			name, img, err := bootImage(args)
			if err != nil {
				return err
			}
			if len(img) < 512 || img[510] != 0x55 || img[511] != 0xAA {
				// Said once, not once per scenario: no machine boots it.
				return fmt.Errorf("%s is not a bootable disk: its first sector does not end with the 55 AA signature", name)
			}
			opts := scenario.SuiteOptions{Timeout: timeout}
			if shotDir != "" {
				if st, err := os.Stat(filepath.Dir(shotDir)); err != nil || !st.IsDir() {
					return fmt.Errorf("--screenshot %s: the directory %s does not exist (pxos makes the screenshot directory, not its parents)", shotDir, filepath.Dir(shotDir))
				}
				if err := os.Mkdir(shotDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
					return err
				}
				used := map[string]bool{}
				opts.After = func(ctx context.Context, res *scenario.Result, m machine.Machine) error {
					if !res.HasScr {
						return nil
					}
					base := strings.TrimSuffix(filepath.Base(res.File), filepath.Ext(res.File))
					name := base + "-" + res.Machine
					for i := 2; used[name]; i++ {
						name = fmt.Sprintf("%s.%d-%s", base, i, res.Machine)
					}
					used[name] = true
					return screen.WriteFile(filepath.Join(shotDir, name+".png"), &res.Screen, screen.Options{})
				}
			}
			sr, err := runSuite(e.ctx, img, scs, names, budget, opts)
			if err != nil {
				return err
			}
			if e.ctx.Err() != nil {
				// A run cut short failed because it was stopped, not
				// because of pxOS: no verdict.
				return errors.New("interrupted: not every scenario ran, so there is no verdict")
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				if err := enc.Encode(sr); err != nil {
					return err
				}
			} else {
				sr.WriteReport(e.stdout, verbose)
			}
			if !sr.Passed {
				return exitError{1}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&paths, "scenario", "s", nil, "scenario file, or directory of *.txt scenarios (repeatable; default: the workspace's regression suite)")
	f.StringVarP(&backendName, "backend", "b", backend.Default(), "machine to run on: emu, qemu or both")
	f.StringVar(&shotDir, "screenshot", "", "write each scenario's final screen as PNG into this directory")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	f.BoolVarP(&verbose, "verbose", "v", false, "list every step, also of passing scenarios")
	f.DurationVar(&timeout, "timeout", 60*time.Second, "time limit for each scenario run, boot included")
	f.Uint64Var(&budget, "budget", 0, "emu: instructions a step may run without the guest waiting for a key before it counts as a runaway crash (0: a 4,000 M safety limit; the step's timeout ends a long computation first)")
	return c
}
