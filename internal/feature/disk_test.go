package feature

import (
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/tooltest"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// diskErrorImage is the base image booting from a drive that does not exist:
// the instruction that saves the BIOS's boot drive (DL) becomes NOPs and the
// saved drive is 0x80, so every int 13h read fails and the boot sector's
// retry and error path runs, as with a broken disk.
func diskErrorImage(t *testing.T) []byte {
	t.Helper()
	res, err := asm.Assemble(pxosv1.SourceFile, readV1(t, pxosv1.SourceFile), asm.Options{Org: build.LoadBase})
	if err != nil {
		t.Fatal(err)
	}
	img := append([]byte(nil), v1Base(t).Image.Floppy...)
	patched := false
	for _, l := range res.Lines {
		if l.Text == "mov [boot_drive], dl" {
			for i := range l.Bytes {
				img[l.Addr-build.LoadBase+uint32(i)] = 0x90
			}
			patched = true
		}
	}
	if !patched {
		t.Fatal("pxos.asm has no line `mov [boot_drive], dl`")
	}
	img[res.Symbols["boot_drive"]-build.LoadBase] = 0x80
	return img
}

const diskErrorScenario = `wait "pxOS: disk read error"
expect "pxOS: disk read error"
expect-not "pxOS v1.0"
expect-not "pxOS>"
`

func testDiskError(t *testing.T, backendName string) {
	r := runOn(t, backendName, diskErrorImage(t), parseScenario(t, "disk_error", []byte(diskErrorScenario)))
	if !r.Passed {
		var b strings.Builder
		r.WriteReport(&b, false)
		t.Error(b.String())
	}
}

// TestDiskErrorEmu: a boot disk that cannot be read shows the error message
// and stops, on the emulator...
func TestDiskErrorEmu(t *testing.T) { testDiskError(t, "emu") }

// TestDiskErrorQEMU: ...and in QEMU.
func TestDiskErrorQEMU(t *testing.T) {
	tooltest.Need(t, "qemu-system-i386")
	testDiskError(t, "qemu")
}
