// Package machinetest checks implementations of the optional machine
// interfaces, as testing/fstest checks a file system, so the built-in PC
// (package pc) and the QEMU driver (package qemu) are held to one contract
// by one set of checks, and builds the shipped pxOS for them to boot. It is
// for tests; it starts no machine itself.
package machinetest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/machine"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// PxOS is the shipped pxOS (v1.1) (the base, no features), built for a test.
type PxOS struct {
	Image  *build.Image // the build, its symbols among it
	Floppy []byte       // the bootable 1.44 MB image
	// Base and Code are the address and the bytes of the constant part of
	// the base after the boot sector: the hook table (hook_key), the code,
	// the banner and the prompt, up to base_vars, its first variable. A
	// running pxOS does not change them.
	Base   uint32
	Code   []byte
	Banner string // what the base shows on row 0 at boot
}

// BuildPxOS builds the shipped pxOS from its primitives (pxosv1.CommandsFile).
func BuildPxOS(t testing.TB) PxOS {
	t.Helper()
	src, err := pxosv1.FS.ReadFile(pxosv1.CommandsFile)
	if err != nil {
		t.Fatal(err)
	}
	im, err := build.FromSource(pxosv1.CommandsFile, src, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	start, end := symbol(t, im, "hook_key"), symbol(t, im, "base_vars")
	return PxOS{
		Image:  im,
		Floppy: im.Floppy,
		Base:   start,
		Code:   im.Floppy[start-build.LoadBase : end-build.LoadBase],
		Banner: "pxOS v1.1",
	}
}

// symbol is the value of the label name in im.
func symbol(t testing.TB, im *build.Image, name string) uint32 {
	t.Helper()
	s, ok := im.Program.Symbols[name]
	if !ok {
		t.Fatalf("%s defines no %s", pxosv1.CommandsFile, name)
	}
	return s.Value
}

// vgaText is the physical address of VGA colour text memory (page 0).
const vgaText = 0xB8000

// TestMemoryReader checks m, a machine that booted an image and settled
// with text on its screen (page 0), as a machine.MemoryReader:
//   - the len(want) bytes at addr read as want (the caller passes bytes of
//     the image that the guest does not change, e.g. its code);
//   - the character (even) bytes of text memory at 0xB8000 hold text;
//   - what ReadMemory returns is a copy, not the machine's memory;
//   - reads at the edges of the bounds succeed, reads past them fail
//     (machine.CheckRead), and so does a read with an ended context.
//
// Last it closes m and checks that a read fails.
func TestMemoryReader(ctx context.Context, t testing.TB, m machine.Machine, addr uint32, want []byte, text string) {
	t.Helper()
	mr, ok := m.(machine.MemoryReader)
	if !ok {
		t.Fatalf("%T is not a machine.MemoryReader", m)
	}
	got, err := mr.ReadMemory(ctx, addr, len(want))
	if err != nil {
		t.Fatalf("ReadMemory(0x%05X, %d): %v", addr, len(want), err)
	}
	if len(got) != len(want) {
		t.Fatalf("ReadMemory(0x%05X, %d) returned %d bytes", addr, len(want), len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("memory at 0x%05X = %02X, want %02X (and %d bytes after it compared)", addr+uint32(i), got[i], want[i], len(want)-i-1)
		}
	}

	got[0] ^= 0xFF
	again, err := mr.ReadMemory(ctx, addr, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again[0] != want[0] {
		t.Errorf("changing what ReadMemory returned changed guest memory at 0x%05X to %02X: it returned an alias, want a copy", addr, again[0])
	}

	vga, err := mr.ReadMemory(ctx, vgaText, machine.Rows*machine.Cols*2)
	if err != nil {
		t.Fatalf("ReadMemory(0x%05X) of the text screen: %v", vgaText, err)
	}
	chars := make([]byte, len(vga)/2)
	for i := range chars {
		chars[i] = vga[2*i]
	}
	if !bytes.Contains(chars, []byte(text)) {
		t.Errorf("text memory at 0x%05X does not hold %q; its first row: %q", vgaText, text, chars[:machine.Cols])
	}

	for _, r := range []struct {
		addr uint32
		n    int
		ok   bool
	}{
		{0, 1, true},
		{0, machine.MaxRead, true},
		{machine.MemoryEnd - machine.MaxRead, machine.MaxRead, true},
		{machine.MemoryEnd - 1, 1, true},
		{0x7C00, 0, false},
		{0x7C00, -1, false},
		{0, machine.MaxRead + 1, false},
		{machine.MemoryEnd - 1, 2, false},
		{machine.MemoryEnd, 1, false},
		{0xFFFFFFFF, 1, false},
	} {
		b, err := mr.ReadMemory(ctx, r.addr, r.n)
		switch {
		case r.ok && err != nil:
			t.Errorf("ReadMemory(0x%05X, %d): %v", r.addr, r.n, err)
		case r.ok && len(b) != r.n:
			t.Errorf("ReadMemory(0x%05X, %d) returned %d bytes", r.addr, r.n, len(b))
		case !r.ok && err == nil:
			t.Errorf("ReadMemory(0x%05X, %d) succeeded, want an error", r.addr, r.n)
		case !r.ok && !strings.HasPrefix(err.Error(), "read memory"):
			t.Errorf("ReadMemory(0x%05X, %d): error %q, want one from machine.CheckRead", r.addr, r.n, err)
		}
	}

	ended, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := mr.ReadMemory(ended, addr, 1); err == nil {
		t.Error("ReadMemory with an ended context succeeded")
	}

	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if b, err := mr.ReadMemory(ctx, addr, len(want)); err == nil {
		t.Errorf("ReadMemory after Close succeeded (% X...), want an error", b[:min(len(b), 8)])
	}
}
