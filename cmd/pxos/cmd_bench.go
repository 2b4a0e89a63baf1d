package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/bench"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
)

func init() { register(newBenchCmd) }

func newBenchCmd(e *env) *cobra.Command {
	var lf llmFlags
	var provider, backendName, html string
	var goals []string
	var samples, k, maxAttempts int
	var list, jsonOut, verbose bool
	c := &cobra.Command{
		Use:   "bench [--model A,B] [--goals G,...] [--samples N]",
		Short: "Benchmark models on a fixed suite of goals, from 'ver' to a FAT12 directory listing",
		Long: `Bench answers "which model should I load for this?". It runs a fixed suite of
goals of graded difficulty (1 to 5: from a 'ver' command to listing the root
directory of a FAT12 volume on a test floppy the benchmark provides) against
each model, model by model, --samples times each.

A sample is one pxos auto run for one goal in a fresh temporary workspace:
the base pxOS with the goal's default features installed (command_parser
for the commands) and a fresh pixel network holding only the shipped
solutions, so nothing a sample learns reaches another. The model plans and
writes the feature (no proven solution is installed for it), up to
--max-attempts answers per step. The sample passes when the loop meets the
goal and every hidden acceptance scenario of the goal passes on the build it
left: scenarios written by people, kept inside pxos and never shown to the
model. The FAT12 goal's hidden run has the test volume at sector 100 of the
floppy; the loop's own builds do not (its goal text says what to print then).

For each goal and model the table gives the samples passed, pass@1 (c/n),
pass@k (the unbiased estimate 1 - C(n-c,k)/C(n,k), with --k, default
--samples), the mean attempts, tokens (the loop's count; prompt/answer as the
server reported them, - when it did not), time, and how the samples ended:
passed, hidden-failed (the loop passed by the model's own scenario, a hidden
one failed), or the loop's result (failed, infeasible, conflicts,
no-solution). A line per model sums it up, with the mean pass@1 by grade.
--json prints the whole result instead, --html F writes a page of it.

Progress goes to stderr (-v adds the loop's own). Ctrl-C abandons the
sample in progress and prints what was done before it. --provider kb runs
offline as a smoke test: the shipped solutions meet only help and clear, the
other goals end no-solution. The exit status is 0 when the benchmark ran,
whatever the scores.`,
		Example: `  pxos bench --list
  pxos bench --provider kb
  pxos bench --model qwen2.5-coder-7b-instruct,llama-3.1-8b-instruct --samples 3
  pxos bench --goals ver,echo,time --html bench.html
  pxos bench --json > bench.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			all, err := bench.Goals()
			if err != nil {
				return err
			}
			var sel []string
			for _, g := range goals {
				sel = append(sel, strings.FieldsFunc(g, func(r rune) bool { return r == ',' })...)
			}
			gs, err := bench.Select(all, sel)
			if err != nil {
				return usageError{err}
			}
			if list {
				writeGoalList(e, gs)
				return nil
			}
			if err := lf.check(); err != nil {
				return err
			}
			switch {
			case samples < 1:
				return usagef("--samples must be at least 1, not %d", samples)
			case k < 0 || k > samples:
				return usagef("--k must be from 1 to --samples (%d), not %d", samples, k)
			case maxAttempts < 1:
				return usagef("--max-attempts must be at least 1, not %d", maxAttempts)
			}
			if _, err := backendNames(backendName, true); err != nil {
				return err
			}
			if err := checkOutput(html, false, false, false); err != nil {
				return usagef("--html: %v", err)
			}
			table := e.stdout
			if html == stdoutPath {
				if jsonOut {
					return usagef("--html - and --json would both write to standard output")
				}
				table = e.stderr // stdout carries the page alone
			}
			models, err := benchModels(e, lf, provider)
			if err != nil {
				return err
			}
			o := bench.Options{Goals: gs, Models: models, Samples: samples, K: k, MaxAttempts: maxAttempts, Backend: backendName,
				Temperature: lf.temperature, MaxTokens: lf.maxTokens, Progress: e.stderr}
			if verbose {
				o.Log = e.stderr
			}
			res, err := bench.Run(e.ctx, o)
			if res == nil {
				return err
			}
			if jsonOut {
				js, jerr := res.MarshalResult()
				if jerr != nil {
					return errors.Join(err, jerr)
				}
				e.stdout.Write(js)
			} else {
				res.WriteTable(table)
			}
			if html != "" {
				if herr := writeOutputs(e, outputFile{Path: html, Write: res.WriteHTML}); herr != nil {
					return errors.Join(err, herr)
				}
				if html != stdoutPath {
					fmt.Fprintf(e.stderr, "wrote %s\n", html)
				}
			}
			if res.Interrupted {
				return fmt.Errorf("interrupted: %d of %d samples done", len(res.Runs), res.Planned)
			}
			return err
		},
	}
	fs := c.Flags()
	addLLMFlags(fs, &lf, true)
	// As for gen and auto: let the provider size the answer to the context.
	lf.maxTokens = 0
	mt := fs.Lookup("max-tokens")
	mt.DefValue, mt.Usage = "0", "longest answer, in tokens (0: a quarter of the model's context, 1024 to 2048)"
	fs.Lookup("model").Usage = "the models to benchmark, comma-separated (env " + llm.EnvModel + "; default: the model the server has loaded)"
	fs.StringVar(&provider, "provider", gen.ProviderAuto, "auto (the LLM server if it answers, else kb), openai, or kb (offline: the shipped verified solutions; a smoke test)")
	fs.StringArrayVar(&goals, "goals", nil, "goals to run, by name, directory or number, comma-separated or repeated (default: all; --list shows them)")
	fs.IntVar(&samples, "samples", 1, "independent samples per model and goal, each from a fresh base")
	fs.IntVar(&k, "k", 0, "the k of pass@k (default: --samples)")
	fs.IntVar(&maxAttempts, "max-attempts", 3, "answers to try per step of a sample (each rejected answer becomes a repair prompt quoting the error)")
	fs.StringVar(&backendName, "backend", "emu", "machine that tests each step and runs the hidden scenarios: emu (built in), qemu, or both (they must agree)")
	fs.StringVar(&html, "html", "", "also write the result as a self-contained HTML page to this file"+stdoutHelp)
	fs.BoolVar(&jsonOut, "json", false, "print the result as JSON on stdout instead of the table (progress stays on stderr)")
	fs.BoolVar(&list, "list", false, "list the goals (grade, default features, goal text) and run nothing")
	fs.BoolVarP(&verbose, "verbose", "v", false, "show the build loop's own progress on stderr too")
	return c
}

// benchModels resolves the models to benchmark: each --model (the server's
// loaded model when none is named) with a client of its own; with
// --provider kb, or auto and no server, the offline provider alone.
func benchModels(e *env, lf llmFlags, provider string) ([]bench.Model, error) {
	switch provider {
	case gen.ProviderAuto, gen.ProviderOpenAI, gen.ProviderKB:
	default:
		return nil, usagef("unknown provider %q (want auto, openai or kb)", provider)
	}
	offline := []bench.Model{{Name: gen.ProviderKB}}
	if provider == gen.ProviderKB {
		return offline, nil
	}
	names := strings.FieldsFunc(lf.model, func(r rune) bool { return r == ',' || r == ' ' })
	if len(names) == 0 {
		names = []string{""}
	}
	lf.notice = e.stderr
	var out []bench.Model
	for _, name := range names {
		one := lf
		one.model = name
		client := one.client(true)
		prov, err := gen.ChooseProvider(e.ctx, provider, client, nil, e.stderr)
		if err != nil {
			return nil, err
		}
		if _, ok := prov.(*gen.KB); ok {
			return offline, nil // auto, and no server: it said so
		}
		model, err := client.Model(e.ctx)
		if err != nil {
			return nil, err
		}
		info, err := client.Probe(e.ctx)
		if err == nil && len(info.Models) > 0 && !slices.Contains(info.ModelIDs(), model) {
			return nil, fmt.Errorf("the server at %s has no model %q; it has %s", client.URL(), model, strings.Join(info.ModelIDs(), ", "))
		}
		if slices.ContainsFunc(out, func(m bench.Model) bool { return m.Name == model }) {
			continue
		}
		cfg := client.Config()
		cfg.APIKey, cfg.Model = llm.ConfigFromEnv().APIKey, model // Config leaves the key out
		m := bench.Model{Name: model, Client: llm.New(cfg)}
		if err == nil && info.Embeddings() {
			m.Embedder = m.Client // as pxos auto: retrieval by meaning too
		}
		out = append(out, m)
	}
	return out, nil
}

// writeGoalList prints the suite: a goal a line.
func writeGoalList(e *env, gs []*bench.Goal) {
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GOAL\tGRADE\tINSTALLED FIRST\tHIDDEN\tGOAL TEXT")
	for _, g := range gs {
		req := strings.Join(g.Requires, ",")
		if req == "" {
			req = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\n", g.ID, g.Grade, req, len(g.Hidden), g.Text)
	}
	tw.Flush()
}
