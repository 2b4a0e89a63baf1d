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
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
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
		subs = append(subs, f(e))
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
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintln(stderr, "run 'pxos --help' for usage")
		return 2
	}
	return 1
}

// isCobraUsage reports whether err is one of cobra's own command-line errors
// (unknown command, wrong number of arguments), which it does not type.
func isCobraUsage(err error) bool {
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "requires at most", "unknown flag", "unknown shorthand"} {
		if strings.Contains(err.Error(), p) {
			return true
		}
	}
	return false
}
