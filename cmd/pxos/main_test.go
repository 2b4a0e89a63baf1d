package main

import (
	"net"
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

// closedURL is an LLM URL where nothing listens: a listener's port,
// closed again.
var closedURL = func() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "http://127.0.0.1:1/v1"
	}
	defer l.Close()
	return "http://" + l.Addr().String() + "/v1"
}()

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
			// No LLM here: a port where nothing listens, so a script never
			// reaches a real LM Studio on the developer's machine.
			e.Setenv("PXOS_LLM_URL", closedURL)
			return nil
		},
	})
}
