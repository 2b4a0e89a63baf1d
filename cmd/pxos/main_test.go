package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run "pxos" in-process as a real command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"pxos": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// TestScripts runs the end-to-end CLI scripts in testdata/script: each one
// drives pxos as a user would and checks stdout, stderr, files and exit status.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			// Tests that need QEMU or nasm consult these.
			for _, k := range []string{"PXOS_REQUIRE_TOOLS", "PATH"} {
				e.Setenv(k, os.Getenv(k))
			}
			return nil
		},
	})
}
