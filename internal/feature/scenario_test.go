package feature

import (
	"context"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pc"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/tooltest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// config is one build under test: the base with features installed in the
// given order, and the scenarios that must pass on it.
type config struct {
	name     string
	features []string // installation order, exactly as given
	extra    []string // more scenario files under testdata
}

// configs are the builds every scenario runs on: the base, each default
// feature alone (with what it requires), and all of them in two orders, one
// of which installs the commands before the parser.
var configs = []config{
	{name: "base"},
	{name: "backspace", features: []string{"backspace"}},
	{name: "command_parser", features: []string{"command_parser"}},
	{name: "help", features: []string{"command_parser", "help"}},
	{name: "clear", features: []string{"command_parser", "clear"}},
	{name: "all", features: []string{"backspace", "command_parser", "help", "clear"}},
	{name: "all-reversed", features: []string{"clear", "help", "command_parser", "backspace", "echo"},
		extra: []string{"testdata/all.txt", "testdata/features/echo/scenario.txt"}},
}

func baseScenarios(t testing.TB) []*scenario.Scenario {
	t.Helper()
	ents, err := fs.ReadDir(pxosv1.FS, pxosv1.ScenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*scenario.Scenario
	for _, e := range ents {
		name := path.Join(pxosv1.ScenarioDir, e.Name())
		out = append(out, parseScenario(t, name, readV1(t, name)))
	}
	if len(out) < 6 {
		t.Fatalf("%d base scenarios, want at least 6", len(out))
	}
	return out
}

func parseScenario(t testing.TB, file string, src []byte) *scenario.Scenario {
	t.Helper()
	sc, err := scenario.Parse(file, src)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// buildConfig installs c's features into the shipped base and returns the
// floppy image and the scenarios to run: the base ones, each installed
// feature's, and c.extra.
func buildConfig(t testing.TB, c config) ([]byte, []*scenario.Scenario) {
	t.Helper()
	specs := allSpecs(t)
	var pick []*Spec
	for _, n := range c.features {
		pick = append(pick, byName(t, specs, n))
	}
	b, _, err := v1Base(t).InstallAll(pick)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.Installed(), " "); got != strings.Join(c.features, " ") {
		t.Fatalf("installed %q, want %q", got, c.features)
	}
	scs := baseScenarios(t)
	for _, f := range pick {
		scs = append(scs, parseScenario(t, f.ScenarioFile, f.Scenario))
	}
	for _, file := range c.extra {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		scs = append(scs, parseScenario(t, file, src))
	}
	return b.Image.Floppy, scs
}

func runOn(t *testing.T, name string, img []byte, sc *scenario.Scenario) *scenario.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var m machine.Machine
	var err error
	if name == "emu" {
		m, err = pc.New(img, pc.Options{})
	} else {
		m, err = backend.Open(ctx, name, img, backend.Options{})
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer m.Close()
	r := sc.Run(ctx, m)
	r.Machine = name
	return r
}

func testScenarios(t *testing.T, backendName string) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			img, scs := buildConfig(t, c)
			for _, sc := range scs {
				t.Run(strings.ReplaceAll(strings.TrimSuffix(sc.File, ".txt"), "/", "_"), func(t *testing.T) {
					r := runOn(t, backendName, img, sc)
					if !r.Passed {
						var b strings.Builder
						r.WriteReport(&b, false)
						t.Errorf("%s on %s:\n%s", sc.File, c.name, b.String())
					}
				})
			}
		})
	}
}

// TestScenariosEmu runs every scenario on every config on the built-in
// emulator.
func TestScenariosEmu(t *testing.T) {
	testScenarios(t, "emu")
}

// TestScenariosQEMU runs every scenario on every config in QEMU.
func TestScenariosQEMU(t *testing.T) {
	tooltest.Need(t, "qemu-system-i386")
	testScenarios(t, "qemu")
}

// TestShippedScenariosFailToPass is why the shipped scenarios count as
// proven: each one fails on the base with only what its feature requires,
// fails on every stand-in for the feature (stubs whose hooks do nothing, the
// feature with its output muted), and passes once the feature is installed.
func TestShippedScenariosFailToPass(t *testing.T) {
	all := allSpecs(t)
	for _, f := range all {
		t.Run(f.Name, func(t *testing.T) {
			reqs, err := WithRequires(all, f.Requires...)
			if err != nil {
				t.Fatal(err)
			}
			without, _, err := v1Base(t).InstallAll(reqs)
			if err != nil {
				t.Fatal(err)
			}
			inst, err := without.Install(f, 0)
			if err != nil {
				t.Fatal(err)
			}
			with, err := without.Apply(inst)
			if err != nil {
				t.Fatal(err)
			}
			builds := []struct {
				build string
				b     *Base
				pass  bool
			}{{"without", without, false}, {"with", with, true}}
			variants, err := Stubs(inst, inst.Base)
			if err != nil {
				t.Fatal(err)
			}
			if m, why := Muted(inst); m != nil {
				variants = append(variants, Variant{Build: "muted", Spec: m})
			} else if _, line := f.Hooks["hook_line"]; line {
				t.Errorf("%s takes %v but cannot be muted: %s", f.Name, f.Hooks, why)
			}
			if len(variants) == 0 {
				t.Fatal("no stand-ins")
			}
			for _, v := range variants {
				vi, err := without.Install(v.Spec, 0)
				if err != nil {
					t.Fatalf("the %s stand-in does not install: %v\n%s", v.Build, err, v.Spec.Source)
				}
				vb, err := without.Apply(vi)
				if err != nil {
					t.Fatal(err)
				}
				builds = append(builds, struct {
					build string
					b     *Base
					pass  bool
				}{v.Build, vb, false})
			}
			sc := parseScenario(t, f.ScenarioFile, f.Scenario)
			for _, c := range builds {
				if r := runOn(t, "emu", c.b.Image.Floppy, sc); r.Passed != c.pass {
					var b strings.Builder
					r.WriteReport(&b, false)
					t.Errorf("%s's scenario on the build %s it: passed=%v, want %v\n%s", f.Name, c.build, r.Passed, c.pass, b.String())
				}
			}
		})
	}
}
