package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/workspace"
)

func init() { register(newAutoCmd) }

func newAutoCmd(e *env) *cobra.Command {
	var f genFlags
	var goals []string
	var maxIter, tests int
	var report, reports, backendName, image string
	var auto, test, noReuse, jsonOut bool
	c := &cobra.Command{
		Use:   "auto [--goals G ...] [GOAL ...]",
		Short: "Grow pxOS goal by goal: plan, generate, validate, build, test in an emulator, learn, commit",
		Long: `Auto is the automated builder (the seed's auto_build_pxos.py). For each goal it
first tries the proven solutions the pixel network holds for that goal, or for
one that says the same in other words, without a model call (--no-reuse asks the model
anyway). Otherwise it retrieves what the network knows (proven solutions of
similar goals, the reflections of this goal's failed attempts, references),
has the model (or, offline, the verified solutions) write the feature,
validates it, installs what it requires first, builds a candidate image,
boots it and runs the feature's acceptance scenarios plus every regression
scenario, learns what passed (and a short reflection of what failed), and
when the goal has passed commits its blocks to pxos_commands.txt and keeps
their scenarios, in one atomic write. A failed test is repaired with the
exact error up to --max-attempts. A goal that does not pass, and an
interrupted run, leave pxos_commands.txt as it was.

Verdicts are evidence. A step passes only when its acceptance scenarios are
fail-to-pass: each fails on the build without the feature, and on the build
where the feature's hooks do nothing, and passes with the feature. A goal is
present only when an installed block records that very goal, or a scenario
proven for it passes on the current build; never because words match. Each
goal ends passed, present, failed, infeasible (the model says it cannot be
done within the pxOS API, and why), conflicts (every attempt broke the same
existing regression scenarios, named), no-solution (offline, nothing proven
for the goal) or interrupted; the exit status is 0 only when every goal is
passed or present.

Without goals it uses the seed's four default goals. Without an LLM server
(--provider auto) it says so once and works offline. Each run writes a JSON
report and an HTML report with each verdict's evidence (scenario lines, the
runs without and with the feature, before/after screenshots, byte maps) to a
folder of its own, reports/<start time in UTC>/, and updates reports/index.html
(every run, newest first) and the link reports/latest; --report F writes
them to F and beside it instead. A run whose goals were all present already
changes nothing and records nothing: no report, no build record in the
network; it names the last report. --json prints the JSON report instead of
the table (progress stays on stderr).`,
		Example: `  pxos auto
  pxos auto --goals "backspace" "help command" "clear screen"
  pxos auto --provider openai --url http://localhost:1234/v1 --goals "Add an 'echo' command"
  pxos auto --backend both
  pxos auto --json > report.json`,
		RunE: func(c *cobra.Command, args []string) error {
			goals = append(goals, args...)
			for i := range goals {
				goals[i] = strings.TrimSpace(goals[i])
				if strings.TrimSpace(feature.OneLine(goals[i])) == "" {
					return usagef("goal %d is empty: say what pxOS should do, e.g. --goals \"Add a 'ver' command\"", i+1)
				}
				if !utf8.ValidString(goals[i]) {
					return usagef("goal %d is not valid UTF-8 text", i+1)
				}
				if len(goals[i]) > feature.MaxGoal {
					return usagef("goal %d is %d bytes; a goal is at most %d: say what pxOS should do in a sentence or two", i+1, len(goals[i]), feature.MaxGoal)
				}
			}
			if maxIter < 1 {
				return usagef("--max-iterations must be at least 1, not %d", maxIter)
			}
			if backendName != "emu" && backendName != "qemu" && backendName != "both" {
				return usagef("--backend must be emu, qemu or both, not %q", backendName)
			}
			_ = auto // the seed's flag: pxos auto never asks questions
			_ = test // the seed's flag: testing is always on
			ss, err := f.open(e, true)
			if err != nil {
				return err
			}
			defer ss.net.Close()
			ws := ss.ws
			// Defaults are the workspace's, wherever in it pxos runs.
			if !c.Flags().Changed("image") {
				image = ss.root.Path(workspace.Image)
			}
			if !c.Flags().Changed("reports") {
				reports = ss.root.Path(workspace.Reports)
			}
			if err := checkOutput(image, false, false, false); err != nil {
				return usagef("--image: %v", err)
			}
			if report != "" {
				html := strings.TrimSuffix(report, filepath.Ext(report)) + ".html"
				for _, p := range []string{report, html} {
					if err := checkOutput(p, false, false, false); err != nil {
						return usagef("--report: %v", err)
					}
				}
			}
			if c.Flags().Changed("report") && c.Flags().Changed("reports") {
				return usagef("--report F and --reports DIR exclude each other")
			}
			if st, err := os.Stat(reports); reports != "" && report == "" && err == nil && !st.IsDir() {
				return usagef("--reports %s is a file, not a directory", reports)
			}
			if st, err := os.Stat(filepath.Dir(reports)); c.Flags().Changed("reports") && reports != "" && (err != nil || !st.IsDir()) {
				return usagef("--reports %s: the directory %s does not exist", reports, filepath.Dir(reports))
			}
			o := loop.Options{Goals: goals, MaxIterations: maxIter * ss.width, MaxAttempts: f.maxAttempts * ss.width, Workspace: ws, Network: ss.net,
				Provider: ss.prov, Embedder: ss.emb, Backend: backendName, Image: image,
				Temperature: f.llm.temperature, MaxTokens: f.llm.maxTokens, NoReuse: noReuse, Log: e.stderr}
			if c.Flags().Changed("report") {
				o.Report = report // one report file, as asked; no run folder, no index
			} else {
				o.Reports = reports
			}
			switch ss.prov.(type) {
			case *gen.OpenAI, *gen.Ensemble:
				o.Client = ss.client // the model (an ensemble's best on record) plans too
			}
			rep, err := loop.Run(e.ctx, o)
			if rep != nil && jsonOut {
				js, jerr := rep.MarshalReport()
				if jerr != nil {
					return errors.Join(err, jerr)
				}
				e.stdout.Write(js)
			} else if rep != nil {
				rep.WriteTable(e.stdout)
				fmt.Fprintln(e.stdout, rep.Summary())
				if rep.JSON != "" && rep.HTML != "" {
					fmt.Fprintf(e.stdout, "reports: %s, %s\n", rep.JSON, rep.HTML)
				}
				if rep.Index != "" {
					fmt.Fprintf(e.stdout, "all runs: %s\n", rep.Index)
				}
				if rep.Image != "" && rep.ImageSHA256 != "" {
					fmt.Fprintf(e.stdout, "image: %s (sha256 %.16s…)\n", rep.Image, rep.ImageSHA256)
				}
			}
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted; %s holds its last good state", ws.Commands)
			}
			if tests > 0 && rep != nil {
				// More tests for each feature this run added, after its commit.
				out := e.stdout
				if jsonOut {
					out = e.stderr // stdout is the report
				}
				for _, g := range rep.Goals {
					if g.Role != loop.RoleGoal || g.Result != loop.ResultPassed || g.Feature == "" || g.NotKept {
						continue
					}
					fmt.Fprintf(out, "\ntests for %s:\n", g.Feature)
					if terr := genTests(e, ss, out, g.Feature, tests, f.llm.temperature, f.llm.maxTokens); terr != nil {
						fmt.Fprintf(e.stderr, "pxos auto: tests for %s: %v\n", g.Feature, terr)
					}
				}
			}
			return err
		},
	}
	addGenFlags(c, &f)
	fs := c.Flags()
	fs.StringArrayVar(&goals, "goals", nil, "a goal in words (repeatable; more goals may follow as arguments); default: the seed's four goals")
	fs.IntVar(&maxIter, "max-iterations", 10, "generate attempts in all, across every goal")
	fs.IntVar(&tests, "tests", 0, "after the run, ask for this many more tests of each feature it added (as pxos gen --tests), kept when fail-to-pass")
	fs.StringVar(&reports, "reports", "", "directory with one report folder per run, an index.html listing them and a latest link (default: the workspace's reports/; \"\" for none)")
	fs.StringVar(&report, "report", "", "write the JSON report to this file instead, the HTML report and its images beside it, and no run folder (\"\" for none)")
	fs.BoolVar(&jsonOut, "json", false, "print the JSON report on stdout instead of the table (for scripts); the exit status is the same")
	fs.StringVar(&backendName, "backend", "emu", "machine that tests each step: emu (built in), qemu, or both (they must agree)")
	fs.StringVar(&image, "image", "", "write the final bootable image here (default: the workspace's pxos.img; \"\" for none)")
	fs.BoolVar(&noReuse, "no-reuse", false, "ask the model for every goal, even one a proven solution in the network meets")
	fs.BoolVar(&auto, "auto", false, "accepted for the seed's run_ai_build.sh: pxos auto never asks questions")
	fs.BoolVar(&test, "test", true, "accepted for the seed's scripts: every step is always tested")
	return c
}
