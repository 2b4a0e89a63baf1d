package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/workspace"
	"github.com/pxos-dev/pxos/internal/wslock"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func init() { register(newFeatureCmd) }

func newFeatureCmd(e *env) *cobra.Command {
	c := &cobra.Command{
		Use:   "feature",
		Short: "List, install, remove and export pxOS features (the default ones ship inside pxos)",
		Long: `A feature is assembly that plugs into pxOS through its hook slots
(hook_key, hook_line, cmd_head): a directory with feature.asm, feature.json
and scenario.txt. The four default features (backspace, command_parser, help,
clear) ship inside pxos; --dir DIR reads features from DIR/<name>/ instead.
remove NAME takes one out of the workspace again.`,
	}
	c.AddCommand(newFeatureListCmd(e), newFeatureInstallCmd(e), newFeatureRemoveCmd(e), newFeatureExportCmd(e))
	return c
}

// loadFeatures reads the features in dir, or the shipped ones when dir is "".
func loadFeatures(dir string) ([]*feature.Spec, error) {
	if dir == "" {
		return feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--dir %s: no such directory (it holds one directory per feature: NAME/feature.asm, feature.json, scenario.txt)", dir)
	}
	return feature.LoadAll(os.DirFS(dir), ".")
}

func newFeatureListCmd(e *env) *cobra.Command {
	var dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the available features: name, goal, hooks, requirements, size",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			specs, err := loadFeatures(dir)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(specs)
			}
			for _, s := range specs {
				var hooks []string
				for _, slot := range feature.Slots {
					if h, ok := s.Hooks[slot]; ok {
						hooks = append(hooks, slot+"="+h)
					}
				}
				fmt.Fprintf(e.stdout, "%-16s %s\n", s.Name, s.Goal)
				fmt.Fprintf(e.stdout, "%-16s hooks: %s", "", strings.Join(hooks, ", "))
				if len(s.Requires) > 0 {
					fmt.Fprintf(e.stdout, "; requires: %s", strings.Join(s.Requires, ", "))
				}
				if s.Size > 0 {
					fmt.Fprintf(e.stdout, "; %d bytes", s.Size)
				}
				fmt.Fprintln(e.stdout)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "read features from `DIR`/<name>/ instead of the shipped ones")
	c.Flags().BoolVar(&asJSON, "json", false, "print the metadata as JSON")
	return c
}

func newFeatureInstallCmd(e *env) *cobra.Command {
	var in, out, dir, addrFlag string
	c := &cobra.Command{
		Use:   "install NAME...",
		Short: "Install features (and what they require) into a primitives file",
		Long: `Install assembles each named feature at the first free address of the build
(or at --addr), with every symbol of the build predefined and prev_<slot> set
to each hooked slot's current value, and appends it to the primitives file as
a block: a header, DEFINEs, one WRITE per byte with the instruction as its
COMMENT, then the slot patches. Features it requires that are not installed
yet are installed first. Installing a feature twice is an error.

The output (-o, default: the input file) is written only when every feature
installed.`,
		Example: "  pxos feature export v1 && cd v1 && pxos feature install help clear backspace -o all.txt",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, names []string) error {
			var addr uint32
			if addrFlag != "" {
				v, err := strconv.ParseUint(addrFlag, 0, 32)
				if err != nil {
					return usagef("bad --addr %q: want a number like 0x9000", addrFlag)
				}
				if len(names) > 1 {
					return usagef("--addr places one feature; %d named", len(names))
				}
				addr = uint32(v)
			}
			var ws *workspace.Workspace // set when the workspace's own file is grown
			if in == "" {
				w, file, err := defaultCommands()
				if err != nil {
					return err
				}
				in, ws = file, w
			}
			if out == "" {
				out = in
			}
			specs, err := loadFeatures(dir)
			if err != nil {
				return err
			}
			if filepath.Base(out) == pxosv1.CommandsFile {
				// Writing a pxOS directory's commands file: one writer at
				// a time there (pxos auto, pxos gen --append).
				lock, err := wslock.Acquire(filepath.Dir(out))
				if err != nil {
					return err
				}
				defer lock.Release()
			}
			src, err := os.ReadFile(in)
			if err != nil {
				return err
			}
			base, err := feature.NewBase(in, src)
			if err != nil {
				return err
			}
			todo, err := feature.WithRequires(specs, names...)
			if err != nil {
				return err
			}
			named := map[string]bool{}
			for _, n := range names {
				named[n] = true
			}
			var report strings.Builder
			var done []*feature.Spec
			for _, f := range todo {
				if !named[f.Name] && base.Present(f.Name) {
					continue // a requirement already there
				}
				a := uint32(0)
				if named[f.Name] {
					a = addr
				}
				inst, err := base.Install(f, a)
				if err != nil {
					return err
				}
				if base, err = base.Apply(inst); err != nil {
					return err
				}
				done = append(done, f)
				fmt.Fprintf(&report, "installed %s at 0x%04X-0x%04X (%d bytes)\n", f.Name, inst.Addr, inst.End-1, inst.End-inst.Addr)
				for _, h := range inst.Hooks {
					fmt.Fprintf(&report, "  %s -> %s 0x%04X (previous: 0x%04X)\n", h.Slot, h.Handler, h.New, h.Old)
				}
			}
			if filepath.Clean(out) == filepath.Clean(in) {
				ws := &gen.Workspace{Dir: filepath.Dir(out), Commands: out}
				if err := ws.CheckUnchanged(src); err != nil {
					return err
				}
			}
			outs := []outputFile{{Path: out, Data: base.Src, Primitives: true, Force: true}}
			if ws != nil && out == in {
				// The workspace grows as pxos auto grows it: its image is
				// the new build and each feature's scenario joins the
				// regression suite, all in one write.
				outs[0].Grows = true
				outs = append(outs, outputFile{Path: ws.Path(workspace.Image), Data: base.Image.Floppy, NoSync: true, Grows: true})
				for _, f := range done {
					if len(f.Scenario) == 0 {
						continue
					}
					path, data := workspace.Kept(ws.Scenarios(), f, "pxos feature install")
					outs = append(outs, outputFile{Path: path, Data: data, Grows: true})
					fmt.Fprintf(&report, "kept its scenario as %s\n", outs[len(outs)-1].Path)
				}
				fmt.Fprintf(&report, "wrote %s\n", ws.Path(workspace.Image))
			}
			if err := writeOutputs(e, outs...); err != nil {
				return err
			}
			sum, _ := summaryTo(e, out) // one path: never an error
			fmt.Fprint(sum, report.String())
			fmt.Fprintf(sum, "wrote %s\n", outputName(out))
			return nil
		},
	}
	c.Flags().StringVarP(&in, "input", "i", "", "the primitives `FILE` to install into (default: the workspace's pxos-v1.0/pxos_commands.txt)")
	c.Flags().StringVarP(&out, "output", "o", "", "where to write the result (`FILE`; default: the input file)"+stdoutHelp)
	c.Flags().StringVar(&dir, "dir", "", "read features from `DIR`/<name>/ instead of the shipped ones")
	c.Flags().StringVar(&addrFlag, "addr", "", "install the one named feature at `ADDR` instead of the first free range")
	return c
}

func newFeatureExportCmd(e *env) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "export DIR",
		Short: "Write the shipped pxOS v" + pxosv1.Version + " (source, primitives, API page, scenarios, features) to DIR",
		Long: `Export writes the base pxOS that ships inside pxos to DIR. A file of DIR
with the same name and other content (a grown pxos_commands.txt, a project's
README.md) is not written over unless --force: pxos init makes a workspace,
and pxos reset --shipped takes one back to the shipped base.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			dir := args[0]
			if !force {
				diff, err := workspace.Differing(dir)
				if err != nil {
					return err
				}
				if len(diff) > 0 {
					shown := diff[:min(len(diff), 4)]
					return fmt.Errorf("%s holds %d file%s that differ from the shipped ones (%s): export writes over none of them without --force", dir, len(diff), plural(len(diff)), strings.Join(shown, ", "))
				}
			}
			n, err := workspace.Export(dir)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %d files to %s\n", n, dir)
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "write over files of DIR that differ from the shipped ones")
	return c
}
