package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/optimize"
	"github.com/pxos-dev/pxos/internal/scenario"
)

func init() { register(newOptimizeCmd) }

func newOptimizeCmd(e *env) *cobra.Command {
	var lf llmFlags
	var provider, backendName string
	var maxAttempts int
	var dryRun bool
	c := &cobra.Command{
		Use:   "optimize [FEATURE ...]",
		Short: "Make installed features smaller or faster, keeping only proven improvements",
		Long: `Optimize asks for a smaller or faster version of each installed feature named
(default: every one, in the order they were installed): a model, given the
feature's source, goal, hooks and kept scenario, or, offline (no LLM server,
or --provider kb), the deterministic peephole pass over the source its block
holds (mov R,0 -> xor R,R, cmp R,0 -> test R,R, add R,1 -> inc R where the
flags it changes are unread; call X + ret -> jmp X; a jmp to the next line
taken out).

The new version is installed in the old one's place, at its address; the
features after it are installed again from their own blocks at theirs. It is
kept only when the whole regression suite passes on the new build (the
feature's kept scenario, pxos-v1.0/scenarios/feature_NAME.txt, among it) and
it takes fewer bytes, or as many and fewer instructions: the emulator counts
what the kept scenario runs on the old build and on the new. Then the
commands file and pxos.img are written together. Each feature gets a line:
bytes and instructions before and after, or why it was refused (the
scenario that failed, or no smaller version). --dry-run proves and writes
nothing.`,
		Example: "  pxos optimize --provider kb\n  pxos optimize clear --dry-run\n  pxos optimize help --provider openai --url http://localhost:1234/v1",
		RunE: func(c *cobra.Command, args []string) error {
			if err := lf.check(); err != nil {
				return err
			}
			if maxAttempts < 1 {
				return usagef("--max-attempts must be at least 1, not %d", maxAttempts)
			}
			machines, err := backendNames(backendName, true)
			if err != nil {
				return err
			}
			w, err := here()
			if err != nil {
				return err
			}
			o := optimize.Options{Workspace: w, Names: args, MaxAttempts: maxAttempts, Temperature: lf.temperature, MaxTokens: lf.maxTokens,
				Machines: machines, DryRun: dryRun, Log: e.stderr,
				Run: func(ctx context.Context, img []byte, scs []*scenario.Scenario, names []string, opts scenario.SuiteOptions) (*scenario.SuiteResult, error) {
					return runSuite(ctx, img, scs, names, 0, opts)
				},
			}
			lf.notice = e.stderr
			client := lf.client(true)
			prov, err := gen.ChooseProvider(e.ctx, provider, client, nil, nil)
			if err != nil {
				return err
			}
			if m, ok := prov.(*gen.OpenAI); ok {
				m.Stream = e.stderr
				m.Waiting = spinner(e.stderr, "waiting for the model at "+client.URL())
				ws, err := gen.OpenWorkspace(w.Dir())
				if err != nil {
					return err
				}
				o.Model, o.API = m, ws.API
			} else if provider == gen.ProviderAuto {
				fmt.Fprintf(e.stderr, "no LLM answers at %s: offline, the peephole pass rewrites each feature's own source\n", client.URL())
			}
			outs, err := optimize.Run(e.ctx, o)
			for _, out := range outs {
				fmt.Fprintln(e.stdout, out)
				for _, ch := range out.Changes {
					to := ch.New
					if to == "" {
						to = "(taken out)"
					}
					fmt.Fprintf(e.stdout, "  %s, line %d: %s -> %s\n", ch.Rule, ch.Line, ch.Old, to)
				}
				if out.Kept {
					fmt.Fprintf(e.stdout, "  kept (%s): the regression suite passed, %d scenario%s\n", out.By, out.Suite, plural(out.Suite))
				}
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, optimizeSummary(outs, dryRun, w.Commands(), w.Path("pxos.img")))
			return nil
		},
	}
	f := c.Flags()
	addLLMFlags(f, &lf, true)
	// A feature's JSON answer: let the provider size it to the context.
	lf.maxTokens = 0
	mt := f.Lookup("max-tokens")
	mt.DefValue, mt.Usage = "0", "longest answer, in tokens (0: a quarter of the model's context, 1024 to 2048)"
	f.StringVar(&provider, "provider", gen.ProviderAuto, "who writes the new versions: auto (the LLM server if it answers, else the peephole pass), openai, or kb (offline: the peephole pass)")
	f.IntVar(&maxAttempts, "max-attempts", 3, "model answers to try per feature (each one that does not install becomes a repair prompt quoting the error)")
	f.StringVarP(&backendName, "backend", "b", "emu", "machine that runs the regression suite: emu, qemu or both (instructions are counted on emu)")
	f.BoolVar(&dryRun, "dry-run", false, "prove the new versions and report, but write nothing")
	return c
}

// optimizeSummary is the last line of pxos optimize: what it kept in all,
// and what it wrote.
func optimizeSummary(outs []optimize.Outcome, dryRun bool, commands, image string) string {
	kept, before, after := 0, 0, 0
	for _, o := range outs {
		if o.Kept {
			kept++
			before += o.Before.Bytes
			after += o.After.Bytes
		}
	}
	switch {
	case kept == 0:
		return fmt.Sprintf("no smaller or faster version of %s; nothing was changed", optimizeNames(outs))
	case dryRun:
		return fmt.Sprintf("dry run: %d of %d features would be replaced (%d -> %d bytes); nothing was written", kept, len(outs), before, after)
	}
	return fmt.Sprintf("optimized %d of %d features (%d -> %d bytes); wrote %s and %s", kept, len(outs), before, after, commands, image)
}

// optimizeNames names the features of outs: "clear", or "the 4 features".
func optimizeNames(outs []optimize.Outcome) string {
	if len(outs) == 1 {
		return outs[0].Name
	}
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = o.Name
	}
	return "any of " + strings.Join(names, ", ")
}
