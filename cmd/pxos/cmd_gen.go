package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/prim"
	"github.com/pxos-dev/pxos/internal/testgen"
	"github.com/pxos-dev/pxos/internal/workspace"
	"github.com/pxos-dev/pxos/internal/wslock"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func init() { register(newGenCmd) }

// genFlags are the flags gen and auto share.
type genFlags struct {
	llm         llmFlags
	provider    string
	network     string
	pxosDir     string
	maxAttempts int
	samples     int
}

// listFlag makes a string flag take a list: "a,b", or the flag given more
// than once (--url U1 --url U2); the first use replaces the default.
type listFlag struct {
	p   *string
	set bool
}

func (l *listFlag) String() string { return *l.p }
func (l *listFlag) Type() string   { return "list" }
func (l *listFlag) Set(v string) error {
	if l.set {
		*l.p += "," + v
	} else {
		*l.p, l.set = v, true
	}
	return nil
}

// split returns the items of a list flag's value, blanks trimmed, empty
// ones dropped; at least one ("" for none).
func split(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return []string{""}
	}
	return out
}

func addGenFlags(c *cobra.Command, f *genFlags) {
	fs := c.Flags()
	addLLMFlags(fs, &f.llm, true)
	// A feature's JSON answer is small and a 4096-token context is common:
	// let the provider size the answer to the context unless told.
	f.llm.maxTokens = 0
	mt := fs.Lookup("max-tokens")
	mt.DefValue, mt.Usage = "0", "longest answer, in tokens (0: a quarter of the model's context, 1024 to 2048)"
	fs.StringVar(&f.provider, "provider", gen.ProviderAuto, "who writes the code: auto (the LLM server if it answers, else kb), openai, or kb (offline: verified solutions from the network)")
	fs.StringVar(&f.network, "network", "", "pixel network: retrieved knowledge in, every attempt and verdict out (default: the workspace's "+workspace.NetworkDir+"/"+workspace.Autobuild+")")
	fs.StringVar(&f.pxosDir, "pxos-dir", "", "directory holding pxos_commands.txt and its API page README.md (default: the workspace's "+workspace.PxosDir+"/)")
	fs.IntVar(&f.maxAttempts, "max-attempts", 3, "answers to try per feature (each rejected answer becomes a repair prompt quoting the error); with several models or --samples, rounds of answers")
	fs.IntVar(&f.samples, "samples", 1, "answers per model and round; several answers are offered smallest first (auto keeps the smallest that passes and proves itself, gen the smallest that validates)")
	url, model := fs.Lookup("url"), fs.Lookup("model")
	url.Value, model.Value = &listFlag{p: &f.llm.url}, &listFlag{p: &f.llm.model}
	url.Usage += "; several (comma-separated, or --url again) are asked at once"
	model.Usage += "; several (a,b) are asked at once: an ensemble"
}

// members are the (server, model) pairs the flags name: every --url with
// every --model. More than one, or --samples above 1, makes an ensemble.
func (f *genFlags) members() []llmFlags {
	var out []llmFlags
	for _, u := range split(f.llm.url) {
		for _, m := range split(f.llm.model) {
			lf := f.llm
			lf.url, lf.model = u, m
			out = append(out, lf)
		}
	}
	return out
}

// session is what gen and auto work with: the pxOS directory, the network,
// the LLM client and the provider chosen for this run.
type session struct {
	root   *workspace.Workspace // where the image, reports and networks go
	ws     *gen.Workspace
	net    *pixnet.Store
	client *llm.Client
	prov   gen.Provider
	emb    pixnet.Embedder // the server's embeddings, when it offers them
	// width is how many answers one attempt asks for: members × samples
	// for an ensemble, else 1. --max-attempts counts rounds of them.
	width int
}

// ensemble opens the members' servers and makes the Ensemble provider:
// the members that answer, best record first. With none answering it is
// the offline provider (--provider auto) or the first member's error.
func (f *genFlags) ensemble(e *env, members []llmFlags, net *pixnet.Store) (*session, error) {
	if f.provider == gen.ProviderKB {
		fmt.Fprintf(e.stderr, "--provider kb: the offline provider answers; --model, --url and --samples ask no model\n")
		return &session{net: net, prov: &gen.KB{Network: net}, width: 1}, nil
	}
	multiURL := len(split(f.llm.url)) > 1
	var ms []gen.Member
	var first error
	clients := map[string]*llm.Client{}
	for _, lf := range members {
		lf.notice = e.stderr
		c := lf.client(true)
		model, err := c.Model(e.ctx)
		if err != nil {
			if first == nil {
				first = err
			}
			fmt.Fprintf(e.stderr, "ensemble: %s %s is left out: %s\n", c.URL(), lf.model, gen.ShortReason(err))
			continue
		}
		name := model
		if multiURL {
			name += "@" + c.URL()
		}
		clients[name] = c
		ms = append(ms, gen.Member{Name: name, Provider: &gen.OpenAI{Client: c}})
	}
	if len(ms) == 0 {
		if f.provider == gen.ProviderAuto && llm.Unavailable(first) {
			fmt.Fprintf(e.stderr, "no LLM answers (%s): using the offline provider (verified solutions from the pixel network)\n", gen.ShortReason(first))
			return &session{net: net, prov: &gen.KB{Network: net}, width: 1}, nil
		}
		return nil, first
	}
	gen.Order(ms, gen.ModelStats(net))
	client := clients[ms[0].Name] // the best on record plans (pxos auto)
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	fmt.Fprintf(e.stderr, "ensemble: %s, %d answer%s each per round, asked at once and offered smallest first\n",
		strings.Join(names, ", "), f.samples, plural(f.samples))
	ens := &gen.Ensemble{Members: ms, Samples: f.samples, Log: e.stderr}
	return &session{net: net, client: client, prov: ens, width: len(ms) * f.samples}, nil
}

// open opens the session the flags describe: the pxOS directory of
// --pxos-dir or of the workspace the current directory is in (with create,
// one made here when there is none), and the network. A model provider
// streams its answer and lists the network records it was given on stderr.
// The caller closes ss.net.
func (f *genFlags) open(e *env, create bool) (*session, error) {
	members := f.members()
	for _, m := range members {
		if err := m.check(); err != nil {
			return nil, err
		}
	}
	if f.samples < 1 {
		return nil, usagef("--samples must be at least 1, not %d", f.samples)
	}
	switch f.provider {
	case gen.ProviderAuto, gen.ProviderOpenAI, gen.ProviderKB:
	default:
		return nil, usagef("unknown provider %q (want auto, openai or kb)", f.provider)
	}
	if f.maxAttempts < 1 {
		return nil, usagef("--max-attempts must be at least 1, not %d", f.maxAttempts)
	}
	root, err := workspaceFor(e, f.pxosDir, create)
	if err != nil {
		return nil, err
	}
	ws, err := gen.OpenWorkspace(root.Dir())
	if err != nil {
		return nil, err
	}
	netPath, err := networkFile(f.network, root, workspace.Autobuild)
	if err != nil {
		return nil, err
	}
	net, err := gen.OpenNetwork(netPath)
	if err != nil && (errors.Is(err, syscall.EROFS) || errors.Is(err, fs.ErrPermission)) {
		// A network this user cannot write (a read-only mount, another
		// user's file) still answers; this run learns nothing, and says so.
		if ro, rerr := gen.OpenNetworkRead(netPath); rerr == nil {
			fmt.Fprintf(e.stderr, "the network %s cannot be written (%v): this run uses it and learns nothing\n", netPath, errors.Unwrap(err))
			net, err = ro, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if st := net.Stats(); st.Damaged > 0 {
		fmt.Fprintf(e.stderr, "warning: the network %s has %d damaged record%s: this run reads what is intact; pxos net verify --network %s names them, pxos net seed --force --network %s starts it again\n",
			netPath, st.Damaged, plural(st.Damaged), netPath, netPath)
	}
	f.llm.notice = e.stderr
	if len(members) > 1 || f.samples > 1 {
		ss, err := f.ensemble(e, members, net)
		if err != nil {
			net.Close()
			return nil, err
		}
		ss.root, ss.ws = root, ws
		return ss, nil
	}
	client := f.llm.client(true)
	prov, err := gen.ChooseProvider(e.ctx, f.provider, client, net, e.stderr)
	if err != nil {
		net.Close()
		return nil, err
	}
	ss := &session{root: root, ws: ws, net: net, client: client, prov: prov, width: 1}
	if o, ok := prov.(*gen.OpenAI); ok {
		o.Stream = e.stderr
		o.Used = func(labels []string) { printUsed(e.stderr, labels) }
		o.Waiting = spinner(e.stderr, "waiting for the model at "+client.URL())
		if info, err := client.Probe(e.ctx); err == nil && info.Embeddings() {
			ss.emb = client
		}
	}
	return ss, nil
}

func newGenCmd(e *env) *cobra.Command {
	var f genFlags
	var featureText, output, format, addrText, tests string
	var appendTo, interactive bool
	var count int
	c := &cobra.Command{
		Use:   "gen --feature \"...\" [--output F | --append] [--interactive] | gen --tests FEATURE",
		Short: "Generate a validated block of primitives for a feature (LLM or offline)",
		Long: `Gen asks a model (or, offline, the verified solutions in the pixel network) for
a feature of pxOS, checks the answer before anything is written — it must
assemble, sit in a free range, overwrite only the hook slots it declares,
decode as x86, branch only to known code and keep each hook chain — and turns
it into WRITE/DEFINE/COMMENT primitives. A rejected answer goes back to the
model with the exact error, up to --max-attempts. Every attempt is recorded in
the network.

--output F writes the block alone; --append appends it to the commands file
(atomically); with neither the block is printed. Gen checks code statically;
pxos auto also boots it and runs its scenario.

--tests FEATURE writes more tests for a feature already installed: edge
cases (no arguments, the longest line, repeated use, use with the other
features) proposed by the model (--count of them) and, offline, those that
need no model. Each runs on the current build and on the build without the
feature; only a test that passes with it and fails without it (fail-to-pass)
is kept, as pxos-v1.0/scenarios/feature_FEATURE.TEST.txt, and runs in the
regression suite from then on. The table says why each other one was dropped.`,
		Example: `  pxos gen --feature "Add backspace support to shell" --provider kb --output bs.txt
  pxos gen --feature "Add a 'ver' command" --append
  pxos gen --interactive
  pxos gen --tests help --provider kb`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if tests != "" {
				if featureText != "" || interactive || output != "" || appendTo {
					return usagef("--tests writes tests for an installed feature: no --feature, --interactive, --output or --append")
				}
				if count < 1 {
					return usagef("--count must be at least 1, not %d", count)
				}
				ss, err := f.open(e, false)
				if err != nil {
					return err
				}
				defer ss.net.Close()
				return genTests(e, ss, e.stdout, tests, count, f.llm.temperature, f.llm.maxTokens)
			}
			if !interactive && strings.TrimSpace(featureText) == "" {
				return usagef("--feature is required (or use --interactive, or --tests FEATURE)")
			}
			if output != "" && appendTo {
				return usagef("--output and --append exclude each other")
			}
			if filepath.Base(output) == pxosv1.CommandsFile {
				return usagef("--output writes the block alone, which is no commands file: --append adds it to %s", output)
			}
			if format != string(gen.FormatAsm) && format != string(gen.FormatPrimitives) {
				return usagef("--format must be asm or primitives, not %q", format)
			}
			var addr uint32
			if addrText != "" {
				v, err := parseAddr(addrText)
				if err != nil {
					return usagef("--addr: %v", err)
				}
				addr = v
			}
			ss, err := f.open(e, false)
			if err != nil {
				return err
			}
			defer ss.net.Close()
			ws, net, prov := ss.ws, ss.net, ss.prov
			req := gen.Request{Addr: addr, Format: gen.Format(format), MaxAttempts: f.maxAttempts * ss.width,
				Temperature: f.llm.temperature, MaxTokens: f.llm.maxTokens}
			one := func(text string) (*gen.Result, error) {
				base, err := ws.Base()
				if err != nil {
					return nil, err
				}
				g := &gen.Generator{Base: base, API: ws.API, Network: net, Provider: prov, Embedder: ss.emb, Log: e.stderr}
				req.Feature = text
				res, _, err := g.Generate(e.ctx, req)
				return res, err
			}
			if interactive {
				return genInteractive(e, ws, one)
			}
			if appendTo {
				// One writer at a time: the base the block is made for is
				// read under the lock and is still the file when it is
				// replaced.
				lock, err := ws.Lock()
				if err != nil {
					return err
				}
				defer lock.Release()
			}
			res, err := one(featureText)
			var installed *feature.InstalledError
			if errors.As(err, &installed) && !appendTo {
				// What was asked for is in the commands file already: its
				// block is the answer, and nothing is generated again.
				return writeInstalled(e, ws, installed.Name, output)
			}
			if err != nil {
				return err
			}
			switch {
			case output != "":
				if err := writeOutputs(e, outputFile{Path: output, Data: res.Block, Primitives: true}); err != nil {
					return err
				}
				sum, _ := summaryTo(e, output) // one path: never an error
				fmt.Fprintf(sum, "wrote %s: %s at %s (%d bytes, hooks %s)\n", outputName(output), res.Spec.Name, res.Install.Range, len(res.Install.Result.Bytes), hooksText(res))
			case appendTo:
				if _, err := ws.Append(res.Install.Base, res.Block); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "appended %s to %s at %s (%d bytes, hooks %s)\n", res.Spec.Name, ws.Commands, res.Install.Range, len(res.Install.Result.Bytes), hooksText(res))
			default:
				e.stdout.Write(res.Block)
			}
			return nil
		},
	}
	addGenFlags(c, &f)
	fs := c.Flags()
	fs.StringVar(&featureText, "feature", "", "the feature to add, in words")
	fs.StringVar(&tests, "tests", "", "write more tests for this installed feature instead: edge cases from the model and offline, kept in the regression suite when they are fail-to-pass")
	fs.IntVar(&count, "count", testgen.DefaultCount, "with --tests: how many tests to ask the model for")
	fs.StringVar(&addrText, "addr", "", "address to place the feature at (default: the first free range big enough)")
	fs.StringVarP(&output, "output", "o", "", "write the block of primitives to this file"+stdoutHelp)
	fs.BoolVar(&appendTo, "append", false, "append the block to the commands file (pxos-dir/pxos_commands.txt)")
	fs.BoolVar(&interactive, "interactive", false, "ask for features in a loop, show each listing and append on yes")
	fs.StringVar(&format, "format", string(gen.FormatAsm), "what the model writes: asm (assembled by pxos) or primitives (the seed's JSON bytes)")
	return c
}

// writeInstalled writes the installed block of feature name, as it stands
// in the commands file, where gen would have written a new one: to output,
// or to stdout when output is "".
func writeInstalled(e *env, ws *gen.Workspace, name, output string) error {
	base, err := ws.Base()
	if err != nil {
		return err
	}
	blocks, err := feature.ParseBlocks(base.Src)
	if err != nil {
		return err
	}
	for _, bl := range blocks {
		if bl.Name != name {
			continue
		}
		note := fmt.Sprintf("%s is installed already (%s, line %d): its installed block", name, ws.Commands, bl.Line)
		if output == "" {
			fmt.Fprintf(e.stderr, "pxos gen: %s follows\n", note)
			_, err := e.stdout.Write(bl.Text)
			return err
		}
		if err := writeOutputs(e, outputFile{Path: output, Data: bl.Text, Primitives: true}); err != nil {
			return err
		}
		sum, _ := summaryTo(e, output)
		fmt.Fprintf(sum, "wrote %s: %s at 0x%04X (%d bytes) — %s, not a new one\n", outputName(output), name, bl.Addr, bl.Size, note)
		return nil
	}
	return fmt.Errorf("%s is installed already, but %s has no block of it to write (installed by hand?)", name, ws.Commands)
}

// parseAddr reads 0x-hex or decimal.
func parseAddr(s string) (uint32, error) {
	p, err := prim.Parse("--addr", []byte("DEFINE a "+s))
	if err != nil {
		return 0, fmt.Errorf("%q is not an address (want 0x7F00 or decimal)", s)
	}
	return p.Symbols["a"].Value, nil
}

func hooksText(res *gen.Result) string {
	var hs []string
	for _, h := range res.Install.Hooks {
		hs = append(hs, fmt.Sprintf("%s -> %s", h.Slot, h.Handler))
	}
	return strings.Join(hs, ", ")
}

func printUsed(w io.Writer, labels []string) {
	if len(labels) == 0 {
		fmt.Fprintln(w, "context: no network records")
		return
	}
	fmt.Fprintf(w, "context: %d network record%s:\n", len(labels), map[bool]string{true: "", false: "s"}[len(labels) == 1])
	for _, l := range labels {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

// appendLocked appends res's block to the commands file under the
// workspace lock, only when the file still holds the base the block was
// made for.
func appendLocked(ws *gen.Workspace, res *gen.Result) error {
	lock, err := ws.Lock()
	if err != nil {
		return err
	}
	defer lock.Release()
	_, err = ws.Append(res.Install.Base, res.Block)
	return err
}

// genInteractive asks for features on stdin, shows each listing and
// appends the block only when the user answers yes. The lock is taken for
// each append, not for the session: a person may take their time.
func genInteractive(e *env, ws *gen.Workspace, one func(string) (*gen.Result, error)) error {
	in := bufio.NewScanner(e.stdin)
	for {
		fmt.Fprint(e.stdout, "Feature (empty or 'exit' to quit): ")
		if !in.Scan() {
			fmt.Fprintln(e.stdout)
			return in.Err()
		}
		text := strings.TrimSpace(in.Text())
		if text == "" || text == "exit" || text == "quit" {
			return nil
		}
		res, err := one(text)
		if err != nil {
			if errors.Is(err, e.ctx.Err()) && e.ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "no block: %v\n", err)
			continue
		}
		fmt.Fprintf(e.stdout, "%s at %s (hooks %s):\n", res.Spec.Name, res.Install.Range, hooksText(res))
		if err := res.WriteListing(e.stdout); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Append to commands file? (y/n) ")
		if !in.Scan() {
			fmt.Fprintln(e.stdout)
			return in.Err()
		}
		if a := strings.ToLower(strings.TrimSpace(in.Text())); a == "y" || a == "yes" {
			if err := appendLocked(ws, res); err != nil {
				var held *wslock.HeldError
				if errors.As(err, &held) || errors.Is(err, gen.ErrChanged) {
					fmt.Fprintf(e.stdout, "not appended: %v\n", err)
					continue
				}
				return err
			}
			fmt.Fprintf(e.stdout, "appended %s to %s\n", res.Spec.Name, ws.Commands)
		} else {
			fmt.Fprintln(e.stdout, "not appended")
		}
	}
}
