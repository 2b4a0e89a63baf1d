package machinetest

import (
	"cmp"
	"context"
	"errors"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
)

// fake is a machine that only holds memory: the smallest correct
// MemoryReader, to check the checks.
type fake struct {
	mem    []byte
	closed bool
}

func (f *fake) Settle(context.Context) error                { return nil }
func (f *fake) WaitText(context.Context, string) error      { return nil }
func (f *fake) Press(context.Context, ...machine.Key) error { return nil }
func (f *fake) Screen(context.Context) (machine.Screen, error) {
	return machine.ScreenFromVGA(f.mem[vgaText:], 0, 0), nil
}
func (f *fake) Close() error { f.closed = true; return nil }

func (f *fake) ReadMemory(ctx context.Context, addr uint32, n int) ([]byte, error) {
	err := cmp.Or(ctx.Err(), machine.CheckRead(addr, n))
	if f.closed {
		err = errors.New("fake: closed")
	}
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), f.mem[addr:addr+uint32(n)]...), nil
}

// TestFake runs the checks on a fake that holds pxOS's base and banner
// where a booted pxOS has them.
func TestFake(t *testing.T) {
	px := BuildPxOS(t)
	f := &fake{mem: make([]byte, machine.MemoryEnd)}
	copy(f.mem[px.Base:], px.Code)
	for i, c := range []byte(px.Banner) {
		f.mem[vgaText+2*i], f.mem[vgaText+2*i+1] = c, 0x07
	}
	TestMemoryReader(context.Background(), t, f, px.Base, px.Code, px.Banner)
	if !f.closed {
		t.Error("TestMemoryReader did not close the machine")
	}
}
