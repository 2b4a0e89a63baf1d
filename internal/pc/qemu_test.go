package pc

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/qemu"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

// TestProgramsOnQEMU runs the programs marked "; qemu" on qemu-system-i386
// with the same screen and cursor checks, so the BIOS services implemented
// here are held to what SeaBIOS does. Memory checks run only on the
// emulator; crash programs are not compared (QEMU has no instruction budget
// and reports faults differently).
func TestProgramsOnQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping QEMU agreement in -short mode")
	}
	tooltest.Need(t, qemu.Binary)
	files, _ := filepath.Glob("testdata/*.asm")
	open := func(img []byte, _ Options) (machine.Machine, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return qemu.Start(ctx, img, qemu.Options{})
	}
	n := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), "\n; qemu\n") {
			continue
		}
		n++
		t.Run(strings.TrimSuffix(filepath.Base(file), ".asm"), func(t *testing.T) {
			runProgram(t, file, open)
		})
	}
	if n == 0 {
		t.Fatal("no program is marked for QEMU")
	}
}
