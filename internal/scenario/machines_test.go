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
	files, _ := filepath.Glob("testdata/run/*.txt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			x := readExpectation(t, f, "qemu")
			sc, err := ParseFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m := startQEMU(t, image(t, x.image))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res := sc.Run(ctx, m)
			res.Machine = "qemu"
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
