package qemu

import (
	"testing"

	"github.com/pxos-dev/pxos/internal/machine/machinetest"
)

// TestReadMemory boots the shipped pxOS and reads its base code, which
// must equal the image, and its banner from text memory; the check closes
// the machine, which must stop QEMU.
func TestReadMemory(t *testing.T) {
	px := machinetest.BuildPxOS(t)
	m := start(t, px.Floppy)
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "pxOS>"); err != nil {
		t.Fatal(err)
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	machinetest.TestMemoryReader(ctx, t, m, px.Base, px.Code, px.Banner)
	if !m.Exited() {
		t.Error("QEMU still running after Close")
	}
}
