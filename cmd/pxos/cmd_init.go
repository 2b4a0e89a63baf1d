package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func init() {
	register(newInitCmd)
	register(newResetCmd)
}

func newInitCmd(e *env) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "init [DIR]",
		Short: "Make a pxOS workspace in DIR (default: here) from the base inside pxos",
		Long: `Init makes DIR (created when missing; default the current directory) a pxOS
workspace: it writes the base pxOS that ships inside pxos to
DIR/pxos-v1.0/ (pxos_commands.txt, the API page README.md, pxos.asm, the
regression scenarios, the default features) and its build to DIR/pxos.img.

Every pxos command run in DIR or below it uses this workspace, as git uses
the repository it is run in: pxos auto grows pxos-v1.0/pxos_commands.txt,
keeps reports in DIR/reports/ and learns in DIR/pxvm/networks/. pxos auto
makes a workspace by itself when it finds none. A clone of the pxos
repository is a workspace already.`,
		Example: "  pxos init myos && cd myos && pxos auto\n  pxos init",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			w, n, err := workspace.Init(dir, force)
			if err != nil {
				return err
			}
			b, err := w.Build()
			if err != nil {
				return err
			}
			img := w.Path(workspace.Image)
			if err := atomicfile.WriteFile(img, b.Image.Floppy, 0o644); err != nil {
				return err
			}
			abs, _ := filepath.Abs(w.Root)
			fmt.Fprintf(e.stdout, "made a pxOS workspace in %s: %s/ (%d files), %s\n", abs, workspace.PxosDir, n, img)
			next := "pxos auto"
			if dir != "." {
				next = "cd " + shellQuote(dir) + " && pxos auto"
			}
			fmt.Fprintf(e.stdout, "next: %s (grows it), pxos run (boots it), pxos reset (back to the base)\n", next)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "make the workspace inside another one, or write the base into a pxos-v1.0/ that lost its pxos_commands.txt")
	return c
}

func newResetCmd(e *env) *cobra.Command {
	var forget, shipped bool
	c := &cobra.Command{
		Use:   "reset",
		Short: "Take the workspace back to its base pxOS (the network keeps what was learned)",
		Long: `Reset takes the workspace's pxOS back to its base: pxos_commands.txt loses every
feature block, the features' kept scenarios (scenarios/feature_*.txt) are
deleted, and pxos.img becomes the base's build. The commands file and the
image are replaced together; a failure leaves the workspace as it was.

The commands file need not build: a hand edit that broke it is what a reset
is for. The base kept is the workspace's own (what comes before the first
feature block); --shipped puts back the base inside pxos instead, with every
file of pxos-v1.0/ it ships (the API page, pxos.asm, the base scenarios).

The pixel network keeps every proven solution, so a later pxos auto brings
the features back without asking a model. --forget deletes the workspace's
networks as well: a start from nothing learned.

One feature at a time: pxos feature remove NAME.`,
		Example: "  pxos reset\n  pxos reset --forget",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			w, err := here()
			if err != nil {
				return err
			}
			r, err := w.Reset(workspace.ResetOptions{Forget: forget, Shipped: shipped})
			if err != nil {
				return err
			}
			if len(r.Removed) == 0 {
				fmt.Fprintf(e.stdout, "%s holds no feature block\n", w.Commands())
			} else {
				fmt.Fprintf(e.stdout, "removed %d feature%s from %s: %s\n", len(r.Removed), plural(len(r.Removed)), w.Commands(), strings.Join(r.Removed, ", "))
			}
			if len(r.Scenarios) > 0 {
				fmt.Fprintf(e.stdout, "deleted %d kept scenario%s\n", len(r.Scenarios), plural(len(r.Scenarios)))
			}
			fmt.Fprintf(e.stdout, "wrote %s (the base)\n", r.Image)
			switch {
			case shipped:
				fmt.Fprintf(e.stdout, "%s/ holds the base pxOS v%s that ships inside pxos\n", w.Dir(), pxosv1.Version)
			case r.Edited:
				fmt.Fprintf(e.stdout, "note: the base in %s is not the one inside pxos (edited by hand, or another version); kept as it is: pxos reset --shipped puts back pxos's\n", w.Commands())
			}
			if forget {
				fmt.Fprintf(e.stdout, "forgot %d network file%s\n", len(r.Networks), plural(len(r.Networks)))
			} else if len(r.Removed) > 0 {
				fmt.Fprintln(e.stdout, "the network keeps their proven solutions: pxos auto brings them back with no model call (--forget deletes what it learned; the solutions of the four default features ship inside pxos)")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&forget, "forget", false, "also delete the workspace's pixel networks (everything learned)")
	c.Flags().BoolVar(&shipped, "shipped", false, "put back the base inside pxos (every file it ships in pxos-v1.0/), not the workspace's own")
	return c
}

func newFeatureRemoveCmd(e *env) *cobra.Command {
	var backendName string
	c := &cobra.Command{
		Use:   "remove NAME",
		Short: "Take one feature out of the workspace's pxOS, proving the rest still passes",
		Long: `Remove takes feature NAME out of the workspace's pxos_commands.txt. The
features installed after it are installed again, from their own blocks, at
the addresses they had, so a hook chained through NAME now chains past it.
The smaller build must pass its regression suite (the base scenarios and the
kept scenarios of the features that stay) before anything is written; then
the commands file and pxos.img are replaced together and NAME's kept
scenario is deleted.

It refuses, with the reason, a feature that is not installed, one another
installed feature requires (remove that one first), and one whose code a
later feature uses.`,
		Example: "  pxos feature remove clear",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			names, err := backendNames(backendName, false)
			if err != nil {
				return err
			}
			w, err := here()
			if err != nil {
				return err
			}
			specs, err := loadFeatures("")
			if err != nil {
				return err
			}
			requires := func(name string) []string {
				for _, s := range specs {
					if s.Name == name {
						return s.Requires
					}
				}
				return nil
			}
			prove := func(cur, next *feature.Base, paths []string) error {
				scs, err := scenario.LoadPaths(paths)
				if err != nil {
					return err
				}
				scs, _ = loop.SetAside(next, scs)
				sr, err := runSuite(e.ctx, next.Image.Floppy, scs, names, 0, scenario.SuiteOptions{})
				if err != nil {
					return err
				}
				if e.ctx.Err() != nil {
					return errors.New("interrupted before the regression suite ran to its end; nothing was changed")
				}
				if sr.Passed {
					return nil
				}
				// Does the removal break them, or were they broken?
				var failing []*scenario.Scenario
				var names1 []string
				for i, r := range sr.Results {
					if !r.Passed {
						failing = append(failing, scs[i/len(names)])
						names1 = append(names1, r.Scenario)
					}
				}
				before, err := runSuite(e.ctx, cur.Image.Floppy, failing, names, 0, scenario.SuiteOptions{})
				if err == nil && e.ctx.Err() == nil && !before.Passed {
					before.WriteReport(e.stderr, false)
					return fmt.Errorf("the current build, with %s, fails %s already (above): that is not the removal's doing — pxos test shows the suite; fix that (or pxos reset) first; nothing was changed", args[0], strings.Join(names1, ", "))
				}
				sr.WriteReport(e.stderr, false)
				return fmt.Errorf("without %s the build fails its regression suite (%s, above); nothing was changed", args[0], strings.Join(names1, ", "))
			}
			r, err := w.RemoveFeature(args[0], requires, prove)
			if err != nil {
				var req *feature.RequiredError
				if errors.As(err, &req) || errors.Is(err, feature.ErrNotInstalled) {
					return fmt.Errorf("%w; nothing was changed", err)
				}
				return err
			}
			fmt.Fprintf(e.stdout, "removed %s from %s", r.Name, w.Commands())
			if len(r.Again) > 0 {
				fmt.Fprintf(e.stdout, " (installed again after it: %s)", strings.Join(r.Again, ", "))
			}
			fmt.Fprintf(e.stdout, "\nregression suite: %d scenario%s passed without it\n", len(r.Suite), plural(len(r.Suite)))
			for _, p := range r.Tests {
				fmt.Fprintf(e.stdout, "deleted %s\n", p)
			}
			if r.Scenario != "" {
				fmt.Fprintf(e.stdout, "deleted %s\n", r.Scenario)
			}
			fmt.Fprintf(e.stdout, "wrote %s\n", r.Image)
			return nil
		},
	}
	c.Flags().StringVarP(&backendName, "backend", "b", "emu", "machine that runs the regression suite: emu or qemu")
	return c
}

// plural is "s" unless n is 1.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// shellQuote quotes s for a POSIX shell when it needs it, so a hint can be
// pasted as is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./+:@%,=", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
