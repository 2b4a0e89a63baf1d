package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/pxos-dev/pxos/internal/bridge"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/workspace"
)

func init() { register(newBridgeCmd) }

// llmFlags are the LLM flags shared by every subcommand that talks to the
// server (bridge, doctor; gen and auto may reuse them). Environment
// variables give the defaults, flags override them.
type llmFlags struct {
	url, model    string
	timeout       time.Duration
	temperature   float64
	maxTokens     int
	contextLength int
	// notice, when set, receives the client's notices (llm.Config.Notice).
	notice io.Writer
}

// addLLMFlags registers --url, --model, --timeout and, when chat is true,
// --temperature, --max-tokens and --context-length.
func addLLMFlags(fs *pflag.FlagSet, f *llmFlags, chat bool) {
	env := llm.ConfigFromEnv()
	fs.StringVar(&f.url, "url", env.URL, "OpenAI-compatible LLM server base URL (env "+llm.EnvURL+"; default "+llm.DefaultURL+")")
	fs.StringVar(&f.model, "model", env.Model, "chat model (env "+llm.EnvModel+"; default: the model the server has loaded)")
	if chat {
		fs.DurationVar(&f.timeout, "timeout", llm.DefaultTimeout, "give up on an answer after this long (streaming: this long without a new token)")
		fs.Float64Var(&f.temperature, "temperature", llm.DefaultTemperature, "sampling temperature")
		fs.IntVar(&f.maxTokens, "max-tokens", 1024, "longest answer, in tokens (0: the server decides)")
		fs.IntVar(&f.contextLength, "context-length", 0, "the model's context length, in tokens; wins over what the server reports (default: the server's figure, else 4096)")
	} else {
		fs.DurationVar(&f.timeout, "timeout", llm.DefaultProbeTimeout, "give up on each request to the server after this long")
	}
}

// check refuses flag values that cannot work: a URL that names no HTTP
// server, a timeout that is not positive, a temperature outside 0-2, a
// negative answer size or context length.
func (f *llmFlags) check() error {
	if err := llm.CheckURL(f.url); err != nil {
		return usagef("--url %v", err)
	}
	switch {
	case f.timeout <= 0:
		return usagef("--timeout must be more than 0, not %s", f.timeout)
	case f.temperature < 0 || f.temperature > 2:
		return usagef("--temperature must be between 0 and 2, not %g", f.temperature)
	case f.maxTokens < 0:
		return usagef("--max-tokens must be 0 or more, not %d", f.maxTokens)
	case f.contextLength < 0:
		return usagef("--context-length must be 0 or more, not %d", f.contextLength)
	}
	return nil
}

// client builds the LLM client. The API key comes only from PXOS_API_KEY.
func (f *llmFlags) client(chat bool) *llm.Client {
	cfg := llm.ConfigFromEnv()
	cfg.URL, cfg.Model, cfg.ContextLength = f.url, f.model, f.contextLength
	if w := f.notice; w != nil {
		cfg.Notice = func(msg string) { fmt.Fprintf(w, "pxos: %s\n", llm.Printable(msg)) }
	}
	if chat {
		cfg.Timeout = f.timeout
	} else {
		cfg.ProbeTimeout = f.timeout
	}
	return llm.New(cfg)
}

func newBridgeCmd(e *env) *cobra.Command {
	var lf llmFlags
	var demo, interactive, embeddings bool
	var ask, network string
	var k int
	c := &cobra.Command{
		Use:   "bridge --demo | --interactive | --ask QUESTION",
		Short: "Talk to the local LLM with knowledge from the pixel network, and teach it",
		Long: `Bridge connects the LLM server (LM Studio by default) with a pixel network.
Each question is sent with the records of the network that match it best
(their ids and titles are listed), the answer streams as it arrives, and the
question and answer are stored back into the network as a "qa" record, so
what you teach it is in the next prompt.

  --demo         ask "What is pxOS?" without context, teach the network,
                 ask again with context, and compare
  --interactive  chat on standard input; "stats" shows the network, "exit" quits
  --ask Q        one question with retrieved context

A network that does not exist is created as pxos net creates one: from the
built-in reference knowledge, the pxOS API page and the verified solutions of
the default features. The demo prints the network's record count before and
after it (it stores the reference record it teaches, once, and no answers).`,
		Example: `  pxos bridge --demo
  pxos bridge --ask "How do I print a character with int 10h?"
  PXOS_LLM_URL=http://localhost:11434/v1 pxos bridge --interactive`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			n := 0
			for _, b := range []bool{demo, interactive, c.Flags().Changed("ask")} {
				if b {
					n++
				}
			}
			if n != 1 {
				return usagef("give exactly one of --demo, --interactive or --ask QUESTION")
			}
			if c.Flags().Changed("ask") && ask == "" {
				return usagef("--ask needs a question")
			}
			if err := lf.check(); err != nil {
				return err
			}
			netPath, err := networkFile(network, nil, workspace.Learning)
			if err != nil {
				return err
			}
			lf.notice = e.stderr
			client := lf.client(true)
			// Nothing is made or printed for a server that is not there.
			if _, err := client.Probe(e.ctx); errors.Is(err, llm.ErrUnreachable) {
				return err
			}
			// Made as every network is (pxos net, auto, gen): the seed
			// knowledge, the API page and the shipped solutions.
			store, err := gen.OpenNetwork(netPath)
			if err != nil {
				return err
			}
			defer store.Close()
			b := bridge.New(bridge.Options{
				Client: client, Store: store, Out: e.stdout,
				Temperature: llm.Temp(lf.temperature), MaxTokens: lf.maxTokens, K: k, Embeddings: embeddings,
			})
			switch {
			case demo:
				return b.Demo(e.ctx)
			case interactive:
				return b.Interactive(e.ctx, e.stdin)
			}
			_, err = b.Ask(e.ctx, ask)
			return err
		},
	}
	fs := c.Flags()
	fs.BoolVar(&demo, "demo", false, "show an answer without and with the network's knowledge")
	fs.BoolVar(&interactive, "interactive", false, "chat on standard input")
	fs.StringVar(&ask, "ask", "", "ask one question")
	fs.StringVar(&network, "network", "", "pixel network file (default: the workspace's "+workspace.NetworkDir+"/"+workspace.Learning+")")
	fs.IntVarP(&k, "k", "k", 5, "records retrieved per question")
	fs.BoolVar(&embeddings, "embeddings", false, "also rank records with the server's embeddings (needs an embedding model)")
	addLLMFlags(fs, &lf, true)
	return c
}
