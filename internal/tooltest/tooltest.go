// Package tooltest finds the external tools some tests need (qemu-system-i386,
// nasm). A test that needs one calls Need: without the tool it is skipped with
// a clear message, unless PXOS_REQUIRE_TOOLS=1 (set by .ci/run), which turns the
// skip into a failure so CI always runs those tests.
package tooltest

import (
	"os"
	"os/exec"
	"testing"
)

// EnvRequire is the environment variable that makes missing tools fatal.
const EnvRequire = "PXOS_REQUIRE_TOOLS"

// Required reports whether missing tools fail tests instead of skipping them.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Need returns the path of the named program, or skips (fails when Required)
// the test with a message that says how to install it.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	msg := name + " not found on PATH (install it, e.g. apt-get install " + pkgFor(name) + ")"
	if Required() {
		t.Fatalf("%s; %s=1 makes this test mandatory", msg, EnvRequire)
	}
	t.Skip("skipping: " + msg)
	return ""
}

func pkgFor(name string) string {
	switch name {
	case "qemu-system-i386", "qemu-system-x86_64":
		return "qemu-system-x86"
	}
	return name
}
