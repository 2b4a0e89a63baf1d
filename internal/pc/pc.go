// Package pc is the built-in PC that runs pxOS: the x86 CPU of package cpu,
// 1 MiB of memory with the interrupt vector table, the BIOS data area, VGA
// text memory at 0xB8000, a keyboard queue, a timer, a 1.44 MB floppy and
// the BIOS services (int 10h, 13h, 16h, 1Ah, 11h, 12h, 15h, 18h, 19h and the
// int 08h timer handler that calls int 1Ch) implemented in Go. Guests reach
// the services through the interrupt vector table, which points at tiny ROM
// stubs in segment F000 ("0F FF n; iret"), so a guest can hook an interrupt
// and chain to the BIOS as on a real PC. Where BIOSes differ it follows
// SeaBIOS, QEMU's BIOS; TestProgramsOnQEMU holds the two to the same screens.
//
// A PC implements machine.Machine. It is deterministic: no wall clock, no
// randomness. Time is the instruction count: the timer interrupt fires every
// InstructionsPerTick instructions, and the tick count and int 1Ah derive
// from it. The machine is idle, and returns control, when the guest waits
// for a key that is not queued: int 16h AH=00h/10h, or an AH=01h/11h poll,
// with an empty buffer (the call is retried when the machine resumes), or a
// HLT that nothing but a key can end (MaxHaltTicks ticks halted without a
// BIOS call). Every run is bounded by an instruction budget; an invalid
// opcode, HLT with interrupts disabled, an unhandled divide error, a boot
// failure (int 18h) or a runaway past the budget becomes a *machine.Crash
// with CS:IP, the bytes there and the registers.
//
// Keys go straight into the BIOS keyboard buffer, unless the guest hooked
// int 09h: then each key arrives as set-1 scan codes (make and break, shift
// around capitals, E0h before grey keys) through port 60h and an int 09h
// per code, and the BIOS handler the guest chains to queues the key.
//
// What it does not emulate: the PIC and PIT ports, the rest of the keyboard
// controller, graphics modes (mode numbers are recorded, the screen stays 80x25 text), the FPU,
// and the A20 gate (memory wraps at 1 MiB as on an 8086, while QEMU boots
// with A20 enabled). The floppy is write protected unless
// Options.WritableDisk is set, as the QEMU backend attaches it read-only.
package pc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/pxos-dev/pxos/internal/cpu"
	"github.com/pxos-dev/pxos/internal/machine"
)

// The geometry of a 1.44 MB floppy as QEMU reports it (int 13h AH=08h):
// 80 cylinders, 2 heads, 18 sectors of 512 bytes. FloppySize is the size
// of its image.
const (
	Cylinders  = 80
	Heads      = 2
	Sectors    = 18
	SectorSize = 512
	FloppySize = Cylinders * Heads * Sectors * SectorSize
)

// DefaultBudget is the instruction budget of one Settle, WaitText or key
// of Press when Options.Budget is zero: about a third of a second.
const DefaultBudget = 50_000_000

// Boot state as SeaBIOS (QEMU's BIOS) leaves it when it jumps to the boot
// sector, measured with `qemu-system-i386 -d cpu` on QEMU 7.2: AX=AA55h,
// SS:SP=0000:6F04, FLAGS=0202h, every other register zero, DL the drive.
const (
	bootAX    = 0xAA55
	bootSP    = 0x6F04
	bootFlags = 0x0202
	bootAddr  = 0x7C00
)

// InstructionsPerTick is how many guest instructions make one BIOS timer
// tick (the 18.2 Hz count at 0040:006C and int 1Ah AH=00).
const InstructionsPerTick = 1_000_000

// MaxHaltTicks is how many timer ticks (about a minute) a guest may spend
// in HLT, without calling a BIOS service in between, before it counts as
// waiting for a key. Shorter halts are timer waits and run through.
const MaxHaltTicks = 1092

// chunk is how many instructions run between checks of the context and of
// the screen.
const chunk = 1 << 16

// Options configures a PC.
type Options struct {
	// Budget is the most instructions one Settle or WaitText call, or one
	// key of a Press call, may run before the guest counts as a runaway.
	// Zero means DefaultBudget.
	Budget uint64
	// WritableDisk lets int 13h AH=03h write to the machine's copy of the
	// disk (never to the caller's image). By default the floppy is write
	// protected (status 03h), as the QEMU backend attaches it read-only.
	WritableDisk bool
}

// PC is an emulated IBM PC/AT-compatible machine booted from a floppy.
// It is not safe for concurrent use.
type PC struct {
	cpu      *cpu.CPU
	disk     []byte // the floppy, shared with the caller's image until written; bytes past its end read as zero
	owned    bool   // disk is our own full-size copy
	budget   uint64
	writable bool

	crash    *machine.Crash // set once the guest crashed; every later call returns it
	idle     bool           // the guest waits for a key
	watch    bool           // a WaitText is running: video writes end Run so the text is checked
	closed   bool
	tickBase uint64 // int 1Ah AH=01 sets the count: ticks = (Count-tickBase)/InstructionsPerTick + tickSet
	tickSet  uint32
	retrace  bool // port 3DAh toggles so retrace wait loops finish
	diskStat byte // status of the last int 13h call

	port60     byte   // keyboard controller: the last scan code sent
	kbdFull    bool   // and not yet read
	pendingKey uint16 // the int 16h code of the key whose scan codes int 09h receives

	crtcIndex byte     // VGA CRT controller: selected register
	crtc      [32]byte // and the registers (0Eh/0Fh: cursor location)

	nextTickAt uint64 // instruction count of the next timer interrupt
	skipped    uint64 // instructions skipped by HLT and int 15h waits in this run (not budgeted)
	haltTicks  int    // ticks spent halted since the last BIOS call in this run
	irqPending bool   // a timer interrupt waits for IF
	halted     bool   // idle in HLT: resume with the next tick
}

var (
	errIdle  = errors.New("emu: idle")
	errYield = errors.New("emu: yield")
)

// New boots the floppy image img (a 1.44 MB image, or shorter raw bytes
// padded with zeros) as a BIOS does: sector 0 is loaded at 0000:7C00 and
// run with DL=0. It fails when the image is larger than a floppy or sector 0
// lacks the 55 AA boot signature, as SeaBIOS refuses such a disk.
func New(img []byte, opts Options) (*PC, error) {
	if len(img) > FloppySize {
		return nil, fmt.Errorf("emu: image is %d bytes, larger than a 1.44 MB floppy (%d bytes)", len(img), FloppySize)
	}
	if len(img) < SectorSize || img[510] != 0x55 || img[511] != 0xAA {
		return nil, errors.New("emu: not a bootable disk: sector 0 does not end with the 55 AA signature")
	}
	c := &cpu.CPU{Mem: memPool.Get().(*[cpu.MemSize]byte)}
	p := &PC{cpu: c, budget: opts.Budget, disk: img, writable: opts.WritableDisk}
	if p.budget == 0 {
		p.budget = DefaultBudget
	}
	p.cpu.Trap = p.bios
	p.cpu.In = p.in
	p.cpu.Out = p.out
	p.nextTickAt = InstructionsPerTick
	p.initBIOS()
	p.boot()
	return p, nil
}

// CPU returns the processor, for debuggers and tests.
func (p *PC) CPU() *cpu.CPU { return p.cpu }

// Disk returns the floppy image as the guest sees it (int 13h writes
// included); it may be shorter than FloppySize, the rest reading as zeros.
// The caller must not modify it.
func (p *PC) Disk() []byte { return p.disk }

// memPool recycles the 1 MiB guest memories of closed machines: a fresh one
// costs page faults that dominate booting a small image.
var memPool = sync.Pool{New: func() any { return new([cpu.MemSize]byte) }}

// Idle reports whether the guest is waiting for a key.
func (p *PC) Idle() bool { return p.idle }

// Crashed returns the crash that stopped the guest, or nil.
func (p *PC) Crashed() *machine.Crash { return p.crash }

// boot loads sector 0 and sets the registers SeaBIOS leaves.
func (p *PC) boot() {
	c := p.cpu
	copy(c.Mem[bootAddr:bootAddr+SectorSize], p.disk[:SectorSize])
	c.Reset()
	c.R[cpu.EAX] = bootAX
	c.R[cpu.ESP] = bootSP
	c.Flags = bootFlags
	c.S[cpu.CS] = 0
	c.IP = bootAddr
	c.R[cpu.EDX] = 0 // DL = drive 0, the first floppy
}

// in reads an I/O port. Only the keyboard controller's data and status,
// the VGA CRT controller's index and data registers and the VGA input
// status register exist; other ports read as an empty bus (all ones).
func (p *PC) in(port uint16, size int) uint32 {
	switch port {
	case 0x60: // keyboard controller data: the last scan code
		p.kbdFull = false
		return uint32(p.port60)
	case 0x64: // keyboard controller status: bit 0 output buffer full
		if p.kbdFull {
			return 0x1D
		}
		return 0x1C
	case 0x3D4:
		return uint32(p.crtcIndex)
	case 0x3D5:
		return uint32(p.crtc[p.crtcIndex])
	case 0x3DA: // VGA input status 1: alternate retrace and display
		p.retrace = !p.retrace
		if p.retrace {
			return 0x09
		}
		return 0x00
	}
	return 0xFFFFFFFF
}

// out writes an I/O port: the CRT controller registers are kept (a guest
// may read back the cursor location), other writes are ignored.
func (p *PC) out(port uint16, size int, v uint32) {
	switch port {
	case 0x3D4:
		p.crtcIndex = byte(v) & 0x1F
		if size > 1 { // out dx, ax: index and data at once
			p.crtc[p.crtcIndex] = byte(v >> 8)
		}
	case 0x3D5:
		p.crtc[p.crtcIndex] = byte(v)
	}
}

// RunUntilIdle runs the guest until it waits for a key, at most budget
// instructions (0 means the PC's budget). It returns nil when the guest is
// idle and a *machine.Crash when it crashed or ran past the budget.
func (p *PC) RunUntilIdle(budget uint64) error {
	return p.run(context.Background(), budget, nil, false)
}

// Advance runs at most n instructions and returns nil when they ran or the
// guest became idle (see Idle); a busy guest is not a runaway here. It is
// for interactive front ends that keep the screen live while the guest
// computes. Crashes are returned as *machine.Crash.
func (p *PC) Advance(ctx context.Context, n uint64) error {
	if n == 0 {
		return nil
	}
	return p.run(ctx, n, nil, true)
}

// run executes the guest until it is idle, done reports true (checked after
// each chunk and each video write), ctx ends, or the budget is spent, which
// is a runaway crash unless slice is set.
func (p *PC) run(ctx context.Context, budget uint64, done func() bool, slice bool) error {
	if p.closed {
		return errors.New("emu: machine is closed")
	}
	if p.crash != nil {
		return p.crash
	}
	if budget == 0 {
		budget = p.budget
	}
	p.idle = false
	p.watch = done != nil
	defer func() { p.watch = false }()
	c := p.cpu
	start := c.Count
	p.skipped = 0
	p.haltTicks = 0
	if p.halted {
		// The guest halted with interrupts on: the next timer tick wakes it.
		p.halted = false
		p.skipToTick()
	}
	for {
		if done != nil && done() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p.irqPending && c.Flags&cpu.IF != 0 {
			p.irqPending = false
			c.Interrupt(8)
		}
		used := c.Count - start - p.skipped
		if used >= budget {
			if slice {
				return nil
			}
			return p.setCrash(fmt.Sprintf("instruction budget exhausted (%d instructions without waiting for a key)", budget), c.S[cpu.CS], c.IP)
		}
		n := budget - used
		if n > chunk {
			n = chunk
		}
		if toTick := p.nextTickAt - c.Count; n > toTick {
			n = toTick
		}
		_, err := c.Run(n)
		if c.Count >= p.nextTickAt {
			p.tick()
		}
		if err == nil || err == errYield {
			continue
		}
		if err == errIdle {
			p.idle = true
			return nil
		}
		var f *cpu.Fault
		if errors.As(err, &f) {
			if f.Kind == cpu.WaitInterrupt {
				// HLT with interrupts on: time jumps to the next timer
				// tick. A guest that stays halted for MaxHaltTicks
				// without calling the BIOS waits for a key: idle.
				if _, key := p.peekKey(); !key && p.haltTicks >= MaxHaltTicks {
					p.idle = true
					p.halted = true
					return nil
				}
				p.haltTicks++
				p.skipToTick()
				continue
			}
			return p.setCrash(f.Kind.String(), f.CS, f.IP)
		}
		var cr *machine.Crash
		if errors.As(err, &cr) {
			p.crash = cr
			return cr
		}
		return err
	}
}

// tick is the timer interrupt (IRQ 0, int 08h) that the PIT raises 18.2
// times a second on a PC; here every InstructionsPerTick instructions. With
// interrupts disabled it stays pending until they are enabled.
func (p *PC) tick() {
	c := p.cpu
	p.nextTickAt = (c.Count/InstructionsPerTick + 1) * InstructionsPerTick
	p.updateTicks()
	if c.Flags&cpu.IF != 0 {
		p.irqPending = false
		c.Interrupt(8)
	} else {
		p.irqPending = true
	}
}

// skipToTick lets time pass to the next timer tick, as a halted CPU does.
// Of the skipped instructions only haltCost count against the budget, so
// a guest that halts forever while calling the BIOS still ends.
func (p *PC) skipToTick() {
	if skip := p.nextTickAt - p.cpu.Count; skip > haltCost {
		p.skipped += skip - haltCost
	}
	p.cpu.Count = p.nextTickAt
	p.tick()
}

// haltCost is what one HLT that waits for the timer costs of the budget.
const haltCost = 1000

// setCrash records a crash at cs:ip with the bytes there and the registers.
func (p *PC) setCrash(reason string, cs, ip uint16) *machine.Crash {
	b := make([]byte, 8)
	for i := range b {
		b[i] = p.cpu.Read8(cs, ip+uint16(i))
	}
	p.crash = &machine.Crash{Reason: reason, CS: cs, IP: ip, Bytes: b, Regs: p.cpu.Dump()}
	return p.crash
}

// Settle runs the guest until it waits for a key.
func (p *PC) Settle(ctx context.Context) error { return p.run(ctx, 0, nil, false) }

// WaitText runs the guest until text is on the screen. It fails when the
// guest becomes idle without showing it.
// DetectsIdle implements machine.IdleDetector: the emulator knows when
// the guest waits for a key.
func (p *PC) DetectsIdle() bool { return true }

func (p *PC) WaitText(ctx context.Context, text string) error {
	has := func() bool { s := p.screen(); return s.Contains(text) }
	if err := p.run(ctx, 0, has, false); err != nil {
		return err
	}
	if !has() {
		return fmt.Errorf("emu: %q is not on the screen and the guest is waiting for a key", text)
	}
	return nil
}

// Press types keys one at a time, running the guest until it is idle after
// each, so the guest consumes every key before the next arrives.
func (p *PC) Press(ctx context.Context, keys ...machine.Key) error {
	for _, k := range keys {
		code, err := KeyCode(k)
		if err != nil {
			return err
		}
		if err := p.run(ctx, 0, nil, false); err != nil { // make room in the buffer
			return err
		}
		if p.int9Hooked() {
			// The guest handles the keyboard interrupt itself: send the
			// scan codes through port 60h and int 09h, one interrupt at
			// a time, as the keyboard controller would.
			p.pendingKey = code
			for _, sc := range scanCodes(k, code) {
				p.port60, p.kbdFull = sc, true
				p.halted = false
				p.cpu.Interrupt(9)
				if err := p.run(ctx, 0, nil, false); err != nil {
					return err
				}
			}
			continue
		}
		if !p.PushKey(code) {
			return fmt.Errorf("emu: keyboard buffer full at key %v", k)
		}
		if err := p.run(ctx, 0, nil, false); err != nil {
			return err
		}
	}
	return nil
}

// Screen returns the active page of the text screen and its cursor.
func (p *PC) Screen(ctx context.Context) (machine.Screen, error) {
	if p.closed {
		return machine.Screen{}, errors.New("emu: machine is closed")
	}
	return p.screen(), nil
}

func (p *PC) screen() machine.Screen {
	m := p.cpu.Mem
	page := int(m[bdaActivePage] & 7)
	base := vgaText + page*pageSize
	col, row := p.cursor(page)
	return machine.ScreenFromVGA(m[base:base+machine.Rows*machine.Cols*2], row, col)
}

// ReadMemory returns a copy of n bytes of guest memory at the physical
// address addr, within the bounds of machine.CheckRead. It reads a crashed
// guest too; after Close, whose memory is recycled, it fails.
func (p *PC) ReadMemory(ctx context.Context, addr uint32, n int) ([]byte, error) {
	if p.closed {
		return nil, errors.New("emu: machine is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := machine.CheckRead(addr, n); err != nil {
		return nil, err
	}
	return bytes.Clone(p.cpu.Mem[addr : addr+uint32(n)]), nil
}

// Close releases the machine; its memory is recycled, so CPU().Mem must not
// be used afterwards. It is safe to call more than once.
func (p *PC) Close() error {
	if !p.closed {
		p.closed = true
		m := p.cpu.Mem
		p.cpu.Mem = nil
		*m = [cpu.MemSize]byte{}
		memPool.Put(m)
	}
	return nil
}

var (
	_ machine.Machine      = (*PC)(nil)
	_ machine.MemoryReader = (*PC)(nil)
)
