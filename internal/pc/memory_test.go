package pc

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/machine/machinetest"
)

// TestReadMemory boots the shipped pxOS and reads its base code, which
// must equal the image, and its banner from text memory.
func TestReadMemory(t *testing.T) {
	px := machinetest.BuildPxOS(t)
	p, err := New(px.Floppy, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ctx := context.Background()
	if err := p.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	machinetest.TestMemoryReader(ctx, t, p, px.Base, px.Code, px.Banner)
}

// TestReadMemoryCrashed reads the memory of a crashed guest.
func TestReadMemoryCrashed(t *testing.T) {
	code := []byte{0x0F, 0x0B} // ud2
	p, _ := New(bootImage(code...), Options{})
	defer p.Close()
	var cr *machine.Crash
	if err := p.Settle(context.Background()); !errors.As(err, &cr) {
		t.Fatalf("Settle = %v, want a crash", err)
	}
	got, err := p.ReadMemory(context.Background(), bootAddr, len(code))
	if err != nil || !bytes.Equal(got, code) {
		t.Errorf("ReadMemory(0x7C00) after a crash = % X, %v; want % X", got, err, code)
	}
}
