package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
	"github.com/spf13/cobra"
)

// The workspace: every command that reads or grows pxOS uses the one it is
// run in (package workspace: the current directory or the nearest parent
// holding pxos-v1.0/pxos_commands.txt). A path given on the command line is
// taken as typed; a default is the workspace's.

// here returns the workspace the current directory is in; its error says
// how to make one.
func here() (*workspace.Workspace, error) { return workspace.Find(".") }

// defaultCommands returns the commands file a command works on when none
// is named: the workspace's, else (the seed's layout, outside any
// workspace) ./pxos_commands.txt with a nil workspace.
func defaultCommands() (*workspace.Workspace, string, error) {
	w, err := here()
	if err == nil {
		return w, w.Commands(), nil
	}
	if st, serr := os.Stat(pxosv1.CommandsFile); serr == nil && st.Mode().IsRegular() {
		return nil, pxosv1.CommandsFile, nil
	}
	return nil, "", err
}

// workspaceFor returns the workspace of an explicit pxOS directory, or the
// one the current directory is in. With create, a missing workspace is made
// in the current directory, and said so on e.stderr.
func workspaceFor(e *env, pxosDir string, create bool) (*workspace.Workspace, error) {
	if pxosDir != "" {
		return workspace.At(pxosDir), nil
	}
	w, err := here()
	if err == nil && w.Root != "." {
		abs, _ := filepath.Abs(w.Root)
		fmt.Fprintf(e.stderr, "workspace: %s (the nearest one above this directory)\n", abs)
	}
	if err == nil || !create || !workspace.IsNotFound(err) {
		return w, err
	}
	w, n, err := workspace.Init(".", false)
	if err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(w.Root)
	if n == 0 {
		fmt.Fprintf(e.stderr, "no pxOS workspace here or above: another pxos made one in %s meanwhile; using it\n", abs)
	} else {
		fmt.Fprintf(e.stderr, "no pxOS workspace here or above: made one in %s (%s/, %d files of the base pxOS v%s inside pxos)\n", abs, workspace.PxosDir, n, pxosv1.Version)
	}
	return w, nil
}

// networkFile returns the network to use: flag when given, whose directory
// must exist (a mistyped path is not a new tree of directories), else the
// network called name in w (or in the current directory's workspace when w
// is nil).
func networkFile(flag string, w *workspace.Workspace, name string) (string, error) {
	if flag != "" {
		dir := filepath.Dir(flag)
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return "", fmt.Errorf("--network %s: the directory %s does not exist (give a network in an existing directory; a workspace's own networks are made under %s by themselves)", flag, dir, workspace.NetworkDir)
		}
		if pdir, ok := inPxosDir(flag); ok {
			return "", fmt.Errorf("--network %s is in the pxOS directory %s, which holds pxOS, not networks", flag, pdir)
		}
		if head, err := readHead(flag, 8); err == nil && len(head) > 0 && string(head) != "\x89PNG\r\n\x1a\n" {
			return "", fmt.Errorf("--network %s is not a pixel network (a PNG file); pxos neither reads it as one nor writes over it", flag)
		}
		return flag, nil
	}
	if w == nil {
		var err error
		if w, err = here(); err != nil {
			return "", err
		}
	}
	return w.Network(name), nil
}

// readNetwork checks that the network a read-only command (net stats,
// show, search, export, render, verify) names exists: reading creates
// nothing.
func readNetwork(path string) error {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no pixel network at %s yet: pxos net seed makes one from the built-in knowledge (and the command that uses it makes it on first use: pxos auto and gen %s, pxos bridge %s)", path, workspace.Autobuild, workspace.Learning)
	}
	return nil
}

// runSuite boots img once per scenario on each named machine ("emu",
// "qemu") and runs it; budget is the emulator's instruction budget per
// step (0: its default).
func runSuite(ctx context.Context, img []byte, scs []*scenario.Scenario, names []string, budget uint64, opts scenario.SuiteOptions) (*scenario.SuiteResult, error) {
	for _, n := range names {
		if !backend.Available(n) {
			return nil, fmt.Errorf("backend %s is not available in this build", n)
		}
	}
	backends := scenario.Machines(names, func(ctx context.Context, n string, so scenario.StartOptions) (machine.Machine, error) {
		return backend.Open(ctx, n, img, backend.Options{Budget: budget, Clock: so.Clock})
	})
	return scenario.RunSuite(ctx, scs, backends, opts), nil
}

// backendNames returns the machines a --backend value names: emu, qemu, or
// (when both is allowed) both of them.
func backendNames(name string, both bool) ([]string, error) {
	switch {
	case name == "emu" || name == "qemu":
		return []string{name}, nil
	case name == "both" && both:
		return []string{"emu", "qemu"}, nil
	case both:
		return nil, usagef("unknown backend %q (want emu, qemu or both)", name)
	}
	return nil, usagef("unknown backend %q (want emu or qemu)", name)
}

// bootImage returns the image a command boots: the file args names, else
// the current build of the workspace (its commands file built now, so it
// is never a stale pxos.img), with a name for messages.
func bootImage(args []string) (string, []byte, error) {
	if len(args) > 0 {
		img, err := os.ReadFile(args[0])
		return args[0], img, err
	}
	w, err := here()
	if err != nil {
		return "", nil, fmt.Errorf("no IMAGE given and %w", err)
	}
	b, err := w.Build()
	if err != nil {
		return "", nil, err
	}
	return w.Commands(), b.Image.Floppy, nil
}

// addCompletions teaches shell completion (pxos completion) the values of
// the flags that take a fixed set, and the feature names feature install
// and feature remove and optimize take.
func addCompletions(c *cobra.Command) {
	fixed := map[string][]string{
		"backend":  {"emu", "qemu", "both"},
		"provider": {gen.ProviderAuto, gen.ProviderOpenAI, gen.ProviderKB},
		"format":   {"asm", "primitives"},
	}
	for name, values := range fixed {
		if f := c.Flags().Lookup(name); f != nil {
			vs := values
			if name == "backend" && !strings.Contains(f.Usage, "both") {
				vs = values[:2]
			}
			c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(vs, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	switch c.CommandPath() {
	case "pxos feature install":
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			specs, _ := loadFeatures("")
			var have *feature.Base
			if w, err := here(); err == nil {
				have, _ = w.Build()
			}
			var names []string
			for _, s := range specs {
				if have == nil || !have.Present(s.Name) {
					names = append(names, s.Name)
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		}
	case "pxos feature remove", "pxos optimize":
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			w, err := here()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			b, err := w.Build()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return b.Installed(), cobra.ShellCompDirectiveNoFileComp
		}
	}
	for _, sub := range c.Commands() {
		addCompletions(sub)
	}
}

// readHead returns the first n bytes of the regular file at path (fewer
// when it is shorter).
func readHead(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b := make([]byte, n)
	k, err := io.ReadFull(f, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	return b[:k], err
}

// sameFile reports whether paths a and b name one existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
}
