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
// with the same screen and cursor checks, then compares the whole final
// screens (characters, attributes, cursor) of QEMU and the emulator, so the
// BIOS services implemented here are held to what SeaBIOS does. Memory checks run only on the
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
			q := runProgram(t, file, open)
			e := runProgram(t, file, func(img []byte, opts Options) (machine.Machine, error) { return New(img, opts) })
			// Beyond the listed checks, the whole final screens agree.
			for r := 0; r < machine.Rows; r++ {
				if q.Cells[r] != e.Cells[r] {
					t.Errorf("row %d differs:\nqemu %q attrs % X\nemu  %q attrs % X", r, q.Row(r), attrs(q, r), e.Row(r), attrs(e, r))
				}
			}
			if q.CursorRow != e.CursorRow || q.CursorCol != e.CursorCol {
				t.Errorf("cursor: qemu %d,%d, emu %d,%d", q.CursorRow, q.CursorCol, e.CursorRow, e.CursorCol)
			}
		})
	}
	if n == 0 {
		t.Fatal("no program is marked for QEMU")
	}
}

// attrs returns the attribute bytes of row r, trailing 07h trimmed.
func attrs(s machine.Screen, r int) []byte {
	var b []byte
	for _, c := range s.Cells[r] {
		b = append(b, c.Attr)
	}
	for len(b) > 0 && b[len(b)-1] == 0x07 {
		b = b[:len(b)-1]
	}
	return b
}
