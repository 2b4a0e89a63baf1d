// Command pxos grows pxOS, a tiny x86 real-mode operating system, with a local
// LLM and proves every step in an emulator. See README.md.
//
// This package is a thin shell: each subcommand lives in its own file
// (cmd_*.go), registers itself with register, parses its flags and calls one
// library function. run turns the result into an exit status so tests can drive
// the whole command in-process.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"syscall"

	"github.com/spf13/cobra"
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
everything in a PNG "pixel network".`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{err} })
	root.CompletionOptions.DisableDefaultCmd = true

	var subs []*cobra.Command
	for _, f := range commands {
		c := f(e)
		markRunErrors(c)
		subs = append(subs, c)
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].Name() < subs[j].Name() })
	root.AddCommand(subs...)

	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	fmt.Fprintln(stderr, "pxos:", err)
	var ue usageError
	var re runError
	if errors.As(err, &ue) || !errors.As(err, &re) {
		// Not from a command's own work: a bad command line (cobra does
		// not type its argument and unknown-command errors).
		fmt.Fprintln(stderr, "run 'pxos --help' for usage")
		return 2
	}
	return 1
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
