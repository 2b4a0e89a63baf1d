package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/docs"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func init() { register(newDocsCmd) }

// The files pxos docs writes into its directory.
const (
	manualMD   = "manual.md"
	manualHTML = "manual.html"
)

func newDocsCmd(e *env) *cobra.Command {
	var out string
	var prose bool
	var lf llmFlags
	c := &cobra.Command{
		Use:   "docs [-o DIR]",
		Short: "Write the manual of the grown pxOS, from its build (Markdown and HTML)",
		Long: `Docs writes the manual of the workspace's pxOS as DIR/manual.md and
DIR/manual.html (one page, nothing to load beside it). Everything in it is
read from the build of pxos-v1.0/pxos_commands.txt, not written by a model:

  commands      the command table (cmd_head, newest first): each word, its
                help text, its entry and handler, the feature that added it,
                and an example: the final screen of the feature's kept
                scenario (scenarios/feature_NAME.txt) run on the built-in
                emulator, its rows that are not blank
  memory map    0x7C00-0xFFFF: boot sector, base, each feature's range, free
  hook chains   for each hook slot, the handlers from its value back to the
                base's default, as each feature's block recorded them
  features      each feature's goal, range, hooks, requirements, example and
                source (rebuilt from its block)
  API           the workspace's API page (pxos-v1.0/README.md; else the one
                inside pxos), at the end

DIR defaults to docs in the workspace's root. A DIR that does not exist is
made when its parent exists (pxos makes the directory, not its parents);
-o - prints the Markdown alone to standard output.

--prose also asks the LLM server (--url, --model) for one short paragraph
per command, which the manual marks "Written by MODEL, not checked". With no
server, or no model loaded, the manual has no prose, says so on stderr, and
the command still succeeds.`,
		Example: "  pxos docs\n  pxos docs -o - | less\n  pxos docs -o /tmp/manual --prose",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if prose {
				if err := lf.check(); err != nil {
					return err
				}
			}
			w, err := here()
			if err != nil {
				return err
			}
			dir := out
			if dir == "" {
				dir = filepath.Join(w.Root, "docs")
			}
			made, err := checkDocsDir(dir)
			if err != nil {
				return err
			}
			b, err := w.Build()
			if err != nil {
				return err
			}
			api, apiFile, err := apiPage(w)
			if err != nil {
				return err
			}
			name := func(p string) string {
				if rel, err := filepath.Rel(w.Root, p); err == nil {
					return filepath.ToSlash(rel)
				}
				return p
			}
			m, err := docs.New(e.ctx, b, docs.Options{
				Source:       name(w.Commands()),
				Scenarios:    w.Scenarios(),
				ScenarioName: name,
				API:          api,
				APIFile:      apiFile,
			})
			if err != nil {
				return err
			}
			for _, f := range m.Features {
				if ex := f.Example; ex != nil && !ex.Passed {
					fmt.Fprintf(e.stderr, "pxos docs: the example of feature %s failed on this build (%s): the manual shows it as failed\n", f.Name, ex.Err)
				}
			}
			if prose {
				addProse(e, m, &lf)
			}
			if dir == stdoutPath {
				return writeOutputs(e, outputFile{Path: stdoutPath, Write: m.WriteMarkdown})
			}
			if made {
				if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
					return err
				}
			}
			md, page := filepath.Join(dir, manualMD), filepath.Join(dir, manualHTML)
			if err := writeOutputs(e, outputFile{Path: md, Write: m.WriteMarkdown}, outputFile{Path: page, Write: m.WriteHTML}); err != nil {
				if made {
					os.Remove(dir) // only when empty: nothing of ours is in it
				}
				return err
			}
			fmt.Fprintf(e.stdout, "the manual of %s: %d feature%s, %d command%s, %d hook slot%s\n",
				m.Source, len(m.Features), plural(len(m.Features)), len(m.Commands), plural(len(m.Commands)), len(m.Chains), plural(len(m.Chains)))
			fmt.Fprintf(e.stdout, "wrote %s\nwrote %s\n", md, page)
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "directory for manual.md and manual.html (default: docs in the workspace's root; made when its parent exists)"+stdoutHelp+": the Markdown alone")
	f.BoolVar(&prose, "prose", false, "ask the LLM for a short paragraph per command, marked in the manual as the model's and not checked")
	addLLMFlags(f, &lf, true)
	return c
}

// checkDocsDir checks the output directory of pxos docs before anything is
// made: it must be a directory, or not exist in an existing directory
// (made reports that it must be made), and must not lie in a workspace's
// pxOS directory. "-" is standard output.
func checkDocsDir(dir string) (made bool, err error) {
	if dir == stdoutPath {
		return false, nil
	}
	st, err := os.Stat(dir)
	switch {
	case err == nil && !st.IsDir():
		return false, fmt.Errorf("-o %s is not a directory (pxos docs writes %s and %s into a directory)", dir, manualMD, manualHTML)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return false, err
	case err != nil:
		parent := filepath.Dir(dir)
		if pst, perr := os.Stat(parent); perr != nil || !pst.IsDir() {
			return false, fmt.Errorf("%s: the directory %s does not exist (pxos makes the manual's directory, not its parents)", dir, parent)
		}
		made = true
	}
	for _, p := range []string{dir, filepath.Join(dir, manualMD)} {
		if pdir, ok := inPxosDir(p); ok {
			return false, fmt.Errorf("%s is in the pxOS directory %s, whose files only the commands that grow pxOS write; write elsewhere", dir, pdir)
		}
	}
	return made, nil
}

// apiPage returns the API page of w, else the one inside pxos, and how the
// manual names it.
func apiPage(w *workspace.Workspace) ([]byte, string, error) {
	path := filepath.Join(w.Dir(), pxosv1.APIFile)
	data, err := os.ReadFile(path)
	if err == nil {
		return data, filepath.ToSlash(filepath.Join(workspace.PxosDir, pxosv1.APIFile)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	data, err = fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	return data, pxosv1.APIFile + " inside pxos", err
}

// addProse asks the LLM for the commands' paragraphs; a server that does
// not answer, or has no model, leaves the manual without prose and is said
// on stderr, never an error.
func addProse(e *env, m *docs.Manual, lf *llmFlags) {
	if len(m.Commands) == 0 {
		return
	}
	lf.notice = e.stderr
	client := lf.client(true)
	info, err := client.Probe(e.ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "pxos docs: no prose: %v\n", err)
		return
	}
	if info.Model == "" {
		fmt.Fprintf(e.stderr, "pxos docs: no prose: the LLM server at %s has no model loaded\n", client.URL())
		return
	}
	for _, err := range m.AddProse(e.ctx, client, info.Model, llm.Request{Temperature: llm.Temp(lf.temperature), MaxTokens: lf.maxTokens}) {
		fmt.Fprintf(e.stderr, "pxos docs: %v\n", err)
	}
	if m.ProseBy != "" {
		fmt.Fprintf(e.stderr, "pxos docs: prose by %s, marked in the manual as not checked\n", m.ProseBy)
	}
}
