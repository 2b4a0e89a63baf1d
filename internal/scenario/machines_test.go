package scenario

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pc"
	"github.com/pxos-dev/pxos/internal/qemu"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

var (
	imagesMu sync.Mutex
	images   = map[string][]byte{}
)

// image assembles testdata/NAME.asm with the built-in assembler (once per
// test binary).
func image(t testing.TB, name string) []byte {
	t.Helper()
	imagesMu.Lock()
	defer imagesMu.Unlock()
	if img, ok := images[name]; ok {
		return img
	}
	path := filepath.Join("testdata", name+".asm")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := asm.Assemble(path, src, asm.Options{Org: 0x7C00})
	if err != nil {
		t.Fatal(err)
	}
	images[name] = res.Bytes
	return res.Bytes
}

// TestImagesMatchNASM checks the built-in assembler builds the test images
// byte for byte as nasm does, so the tests boot what the sources say.
func TestImagesMatchNASM(t *testing.T) {
	nasm := tooltest.Need(t, "nasm")
	for _, name := range []string{"testos", "crash", "hang"} {
		out := filepath.Join(t.TempDir(), name+".img")
		src := filepath.Join("testdata", name+".asm")
		if b, err := exec.Command(nasm, "-f", "bin", "-o", out, src).CombinedOutput(); err != nil {
			t.Fatalf("nasm %s: %v\n%s", src, err, b)
		}
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := image(t, name); !bytes.Equal(got, want) {
			t.Errorf("%s: built-in assembler output differs from nasm", name)
		}
	}
}

func startQEMU(t testing.TB, img []byte) machine.Machine {
	t.Helper()
	tooltest.Need(t, qemu.Binary)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	m, err := qemu.Start(ctx, img, qemu.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestRunQEMU runs every testdata/run scenario on the assembled test OS in
// QEMU, with the same expectations as on the fake machine.
func TestRunQEMU(t *testing.T) {
	runEach(t, "qemu", startQEMU)
}

// runEach runs every testdata/run scenario on a fresh machine from start
// and checks it against the file's expectations for that machine.
func runEach(t *testing.T, machineName string, start func(testing.TB, []byte) machine.Machine) {
	files, _ := filepath.Glob("testdata/run/*.txt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			x := readExpectation(t, f, machineName)
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := start(t, image(t, x.image))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res := sc.Run(ctx, m)
			res.Machine = machineName
			checkResult(t, x, res)
		})
	}
}

// BenchmarkBootHelpQEMU measures a whole scenario on QEMU: start the
// process, boot, wait for the prompt, type "help\n", expect the answer, stop.
func BenchmarkBootHelpQEMU(b *testing.B) {
	img := image(b, "testos")
	tooltest.Need(b, qemu.Binary)
	sc, err := Parse("bench.txt", []byte("wait \"> \"\ntype \"help\\n\"\nexpect \"commands: help\"\n"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := qemu.Start(ctx, img, qemu.Options{})
		if err != nil {
			b.Fatal(err)
		}
		res := sc.Run(ctx, m)
		m.Close()
		if !res.Passed {
			b.Fatal(res.Err())
		}
	}
}

// emuBudget is the emulator's instruction budget in these tests: the test
// OS needs a few thousand instructions per key, and a small budget reports
// the spinning guest well within hang.txt's timeout even under the race
// detector.
const emuBudget = 5_000_000

func startEmu(t testing.TB, img []byte) machine.Machine {
	t.Helper()
	m, err := pc.New(img, pc.Options{Budget: emuBudget})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestRunEmu runs every testdata/run scenario on the built-in emulator.
func TestRunEmu(t *testing.T) {
	runEach(t, "emu", startEmu)
}

// TestAgreement runs every testdata/run scenario on the emulator and on
// QEMU: the verdicts and the final screens (text and cursor) must agree.
// The hang scenario is the one accepted verdict-message difference (a
// timeout on QEMU, the instruction budget on emu); its verdict and screen
// still agree.
func TestAgreement(t *testing.T) {
	tooltest.Need(t, qemu.Binary)
	files, _ := filepath.Glob("testdata/run/*.txt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			x := readExpectation(t, f, "emu")
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			img := image(t, x.image)
			sr := RunSuite(context.Background(), []*Scenario{sc}, []Backend{
				{Name: "emu", Open: func(ctx context.Context) (machine.Machine, error) { return pc.New(img, pc.Options{Budget: emuBudget}) }},
				{Name: "qemu", Open: func(ctx context.Context) (machine.Machine, error) { return qemu.Start(ctx, img, qemu.Options{}) }},
			}, SuiteOptions{Timeout: 30 * time.Second})
			if len(sr.Disagreements) > 0 {
				var b bytes.Buffer
				sr.WriteReport(&b, true)
				t.Errorf("emu and qemu disagree:\n%s", b.String())
			}
			if len(sr.Results) != 2 || sr.Results[0].Passed != x.pass {
				t.Errorf("verdict %v, want %v", sr.Results[0].Passed, x.pass)
			}
		})
	}
}

// BenchmarkBootHelpEmu is BenchmarkBootHelpQEMU on the built-in emulator,
// in-process.
func BenchmarkBootHelpEmu(b *testing.B) {
	img := image(b, "testos")
	sc, err := Parse("bench.txt", []byte("wait \"> \"\ntype \"help\\n\"\nexpect \"commands: help\"\n"))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m, err := pc.New(img, pc.Options{Budget: emuBudget})
		if err != nil {
			b.Fatal(err)
		}
		res := sc.Run(ctx, m)
		m.Close()
		if !res.Passed {
			b.Fatal(res.Err())
		}
	}
}
