// Command pxos grows pxOS, a tiny x86 real-mode operating system, with a local
// LLM and proves every step in an emulator. See README.md.
//
// This package is a thin shell: each subcommand lives in its own file
// (cmd_*.go), registers itself with register, parses its flags and calls one
// library function. run turns the result into an exit status so tests can drive
// the whole command in-process.
//
// Command-line conventions, the same for every command (run sets them up, so
// a new cmd_*.go file gets them without asking):
//
//   - A group command (the root, net, feature, completion: one with
//     subcommands and no Run of its own) run alone prints its help to stdout
//     and exits 0, as cobra and kubectl do: asking what a group holds is not
//     a mistake (git, run alone, prints its usage and exits 1; a pxos group
//     has no work of its own that could fail). A word after a group that
//     names none of its subcommands is a mistake: `pxos net stat` says
//     `unknown command "stat" for "pxos net"`, with cobra's "Did you mean
//     this?" suggestions, and exits 2.
//   - A failure prints "pxos PATH: message", PATH being the command the user
//     ran (`pxos net stats: ...`). Messages carry no prefix of their own:
//     neither the command's name nor an internal package's. This departs
//     from STYLE.md rule 3 on purpose: pxos's error texts reach people in
//     table notes, reports, JSON and repair prompts too, where a stripping
//     step at the command line would not reach, so they are written without
//     one (TestNoPackagePrefixInMessages keeps it so).
//   - Exit status 1 is a failure of the work; 2 is a bad command line (bad
//     flag, argument or command word), followed by
//     "run 'pxos PATH --help' for usage"; a command that has already said
//     why it failed (a failed scenario) chooses its own with exitError.
//   - `pxos --version` and `pxos version` print one line: module version,
//     commit, commit date, "modified" for a build from an edited checkout,
//     and the Go release (see versionOf). `pxos completion SHELL` is cobra's
//     completion script generator.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	// pxos's heaps are small and most runs are short: collecting less often
	// trades a few megabytes for fewer GC cycles (measurable on `pxos build`
	// of a 32,768-line file).
	debug.SetGCPercent(400)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what every subcommand gets: its standard streams and a context
// cancelled on SIGINT/SIGTERM.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// commands are the subcommand constructors registered by the cmd_*.go files.
var commands []func(*env) *cobra.Command

func register(f func(*env) *cobra.Command) { commands = append(commands, f) }

// exitError carries an exit status for a failure whose explanation has
// already been printed (for example a failed scenario).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError marks a bad command line: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}

	root := &cobra.Command{
		Use:   "pxos",
		Short: "Grow the pxOS real-mode operating system with a local LLM, proving every step in an emulator",
		Long: `pxos builds pxOS (a tiny x86 real-mode OS) from its primitive language
(WRITE addr byte / DEFINE label addr / COMMENT ...), assembles 16-bit NASM-style
source into primitives, boots images in a built-in PC emulator or QEMU, asks a
local LLM (LM Studio, Ollama, llama.cpp) for new features, and records
everything in a PNG "pixel network".

Commands work on the pxOS workspace they are run in: the current directory
or the nearest parent holding pxos-v1.0/pxos_commands.txt. pxos init makes
one anywhere; pxos auto makes one when there is none. Start with:

  pxos auto      grow pxOS (offline from proven solutions without an LLM)
  pxos run       boot the current build in the terminal
  pxos reset     back to the base`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n")
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })

	var subs []*cobra.Command
	for _, f := range commands {
		subs = append(subs, f(e))
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	root.AddCommand(subs...)
	addCompletions(root)
	// Cobra would add its completion command inside Execute; added now, it
	// gets the install help below and the group behaviour of guardGroups.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.Long = completionHelp
		}
	}
	guardGroups(root)
	// A group's usage does not offer "pxos net [flags]": run alone, a group
	// only prints its help.
	root.SetUsageTemplate(strings.Replace(root.UsageTemplate(), "Usage:{{if .Runnable}}",
		`Usage:{{if and .Runnable (not (index .Annotations "`+groupAnnotation+`"))}}`, 1))
	markRunErrors(root)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if cmd == nil {
		cmd = root
	}
	var ue usageError
	var re runError
	// Not from a command's own work is a bad command line: cobra does not
	// type its argument and flag errors.
	usage := errors.As(err, &ue) || !errors.As(err, &re)
	if usage && strings.HasPrefix(err.Error(), "unknown command ") {
		// unknownCommandError's and cobra's (cobra.NoArgs) text names the
		// command's path itself.
		fmt.Fprintln(stderr, "pxos:", err)
	} else {
		fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), err)
	}
	if usage {
		fmt.Fprintf(stderr, "run '%s --help' for usage\n", cmd.CommandPath())
		return 2
	}
	return 1
}

// unknownCommandError is a word after a group command that names none of
// its subcommands. Its text is cobra's, suggestions included, so a search
// for it finds cobra's documentation.
type unknownCommandError struct {
	group *cobra.Command
	word  string
}

func (e unknownCommandError) Error() string {
	msg := fmt.Sprintf("unknown command %q for %q", e.word, e.group.CommandPath())
	if s := e.group.SuggestionsFor(e.word); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return msg
}

// groupAnnotation marks the commands guardGroups made runnable.
const groupAnnotation = "pxos.group"

// guardGroups gives every group command under c, c included (one that has
// subcommands and no Run of its own), the conventions in the package
// comment: run alone it prints its help; with a word that names no
// subcommand it is a usage error. Left to cobra, a group below the root
// prints its help and exits 0 for any word.
func guardGroups(c *cobra.Command) {
	if c.HasSubCommands() && !c.Runnable() {
		// Cobra checks Args before any PersistentPreRun: a bare group
		// answers pflag.ErrHelp, which cobra answers with the help, as it
		// does for a group that is not runnable, and the group's hooks
		// (net finds the workspace) do not run.
		c.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageError{unknownCommandError{c, args[0]}}
			}
			return pflag.ErrHelp
		}
		// Not reached (Args answers first); it makes the group runnable,
		// so that cobra consults Args.
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		if c.Annotations == nil {
			c.Annotations = map[string]string{}
		}
		c.Annotations[groupAnnotation] = "true"
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2 // cobra's default
		}
	}
	for _, sub := range c.Commands() {
		guardGroups(sub)
	}
}

// completionHelp is `pxos completion --help`: how to install the script,
// for each shell, without reading four more help pages.
const completionHelp = `Print a script that completes pxos's commands, flags and arguments in
your shell. To load it in the current shell:

	source <(pxos completion bash)        # bash (needs the bash-completion package)
	source <(pxos completion zsh)         # zsh
	pxos completion fish | source         # fish
	pxos completion powershell | Out-String | Invoke-Expression

To load it in every new shell, install it once:

	pxos completion bash > ~/.local/share/bash-completion/completions/pxos
	pxos completion zsh > "${fpath[1]}/_pxos"
	pxos completion fish > ~/.config/fish/completions/pxos.fish

and start a new shell. 'pxos completion SHELL --help' says more (macOS
paths, zsh's compinit).`

func init() { register(newVersionCmd) }

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print pxos's version, commit and Go release (as pxos --version does)",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(e.stdout, c.Root().Name(), c.Root().Version)
			return err
		},
	}
}

// version is the running binary's version line after "pxos ".
func version() string {
	bi, ok := debug.ReadBuildInfo()
	return versionOf(bi, ok)
}

// versionOf formats the build information the go command stamps into a
// binary (runtime/debug.BuildInfo): the module version — a tag or
// pseudo-version for `go install ...@version`, "(devel)" for a build in a
// checkout, which Go 1.24+ replaces with a pseudo-version ending in "+dirty"
// when it can read the VCS — then, when the build was stamped with VCS
// information (-buildvcs), the commit, its date (UTC) and "modified" for a
// checkout with uncommitted changes, then the Go release:
//
//	v0.3.0 (commit abc1234, 2026-11-30, modified) go1.26.8
//	(devel) go1.26.8
func versionOf(bi *debug.BuildInfo, ok bool) string {
	if !ok || bi == nil {
		return "(unknown) " + runtime.Version()
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var vcs []string
	var when, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			vcs = append(vcs, "commit "+s.Value[:min(len(s.Value), 7)])
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if t, err := time.Parse(time.RFC3339, when); err == nil {
		vcs = append(vcs, t.UTC().Format(time.DateOnly))
	}
	if modified == "true" {
		vcs = append(vcs, "modified")
	}
	if len(vcs) > 0 {
		v += " (" + strings.Join(vcs, ", ") + ")"
	}
	goVersion := bi.GoVersion
	if goVersion == "" {
		goVersion = runtime.Version()
	}
	return v + " " + goVersion
}

// runError marks an error returned by a command's RunE, as opposed to one
// cobra raised while parsing the command line.
type runError struct{ err error }

func (e runError) Error() string { return e.err.Error() }
func (e runError) Unwrap() error { return e.err }

// markRunErrors wraps the RunE of c and its subcommands so their errors are
// runErrors.
func markRunErrors(c *cobra.Command) {
	if f := c.RunE; f != nil {
		c.RunE = func(c *cobra.Command, args []string) error {
			if err := f(c, args); err != nil {
				return runError{err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		markRunErrors(sub)
	}
}
