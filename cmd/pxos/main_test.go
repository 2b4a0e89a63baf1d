package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// TestMain lets testscript run "pxos" in-process as a real command.
func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"pxos": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

// cleanupM runs the tests, then removes the binary buildPxos built.
type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if pxosBin.path != "" {
		os.RemoveAll(filepath.Dir(pxosBin.path))
	}
	return code
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
		Condition: func(cond string) (bool, error) {
			if cond == "mknod" {
				return canMknod(), nil
			}
			return toolCondition(cond)
		},
		// mkfifo NAME and mknod-null NAME make a FIFO and a character
		// device like /dev/null for the output scripts (out_*.txt); a
		// script that needs the device starts with
		// [!mknod] skip 'cannot make device nodes (needs root)'.
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"mkfifo":     scriptMkfifo,
			"mknod-null": scriptMknodNull,
		},
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

// toolCondition is the script condition [tool:NAME]: true when NAME is on
// PATH. When it is not and PXOS_REQUIRE_TOOLS=1 (as in CI), the condition is
// an error, which fails the script instead of letting it skip:
//
//	[!tool:qemu-system-i386] skip 'qemu-system-i386 not installed'
func toolCondition(cond string) (bool, error) {
	name, ok := strings.CutPrefix(cond, "tool:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if _, err := exec.LookPath(name); err != nil {
		if tooltest.Required() {
			return false, fmt.Errorf("%s not found on PATH; %s=1 requires it", name, tooltest.EnvRequire)
		}
		return false, nil
	}
	return true, nil
}
