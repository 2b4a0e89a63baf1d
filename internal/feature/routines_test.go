package feature

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

// TestRoutines runs the routine library of pxOS v1.1 (print_dec, print_bcd,
// print_at, read_key, str_compare, skip_spaces, parse_dec, parse_hex, and
// the registers every routine keeps) through a test feature,
// testdata/rt, one command per routine, on the emulator and on QEMU.
func TestRoutines(t *testing.T) {
	specs := v1Specs(t)
	rt, err := Load(os.DirFS("testdata"), "rt")
	if err != nil {
		t.Fatal(err)
	}
	all, err := WithRequires(append(specs, rt), rt.Name)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := v1Base(t).InstallAll(all)
	if err != nil {
		t.Fatal(err)
	}
	sc := parseScenario(t, rt.ScenarioFile, rt.Scenario)
	machines := []string{"emu"}
	if _, err := exec.LookPath("qemu-system-i386"); err == nil || tooltest.Required() {
		tooltest.Need(t, "qemu-system-i386")
		machines = append(machines, "qemu")
	}
	for _, m := range machines {
		if r := runOn(t, m, b.Image.Floppy, sc); !r.Passed {
			var sb strings.Builder
			r.WriteReport(&sb, false)
			t.Errorf("on %s:\n%s", m, sb.String())
		}
	}
}
