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
// randomness. Time is the instruction count, InstructionsPerSecond of guest
// time (about 18.2 million): the PIT (ports 40h-43h, 61h) counts from it,
// its channel 0 raises the timer interrupt (every InstructionsPerTick
// instructions at the BIOS's rate), and the RTC (int 1Ah, ports 70h/71h)
// runs from Options.Clock. The machine is idle, and returns control, when
// the guest waits for a key that is not queued: int 16h AH=00h/10h with an
// empty buffer, MaxEmptyPolls AH=01h/11h checks in a row that found none
// (each check itself answers ZF=1 at once), MaxPollHalts such checks each
// followed by a HLT (a shell that works between checks), or a HLT or jmp $ with
// interrupts on that nothing but a key can end (MaxHaltTicks ticks without
// a BIOS call). A guest in HLT or jmp $ with interrupts off has stopped for
// good (Stopped): idle, its screen final, not a crash. Every run is bounded
// by an instruction budget, by default a safety net far beyond any step's
// timeout (DefaultBudget), so a long computation runs until the caller's
// context ends. An invalid opcode, an unhandled divide error, a boot
// failure (int 18h) or a runaway past the budget becomes a *machine.Crash
// with CS:IP, the bytes there and the registers. int 19h boots the floppy
// again; a jump to the reset vector and the reset lines (port 64h command
// FEh, port 92h bit 0) reset the machine, clearing the low memory SeaBIOS's
// POST clears, and boot again.
//
// Keys go straight into the BIOS keyboard buffer, unless the guest hooked
// int 09h: then each key arrives as set-1 scan codes (make and break, shift
// around capitals, E0h before grey keys) through port 60h and an int 09h
// per code, and the BIOS handler the guest chains to queues the key. A
// guest that polls port 64h with the keyboard interrupt off (cli, or IRQ 1
// masked at port 21h) gets the same scan codes through ports 64h/60h, and
// MaxEmptyPolls empty polls in a row make it idle, waiting for a key.
//
// Text modes 0 and 1 are 40x25 (Screen.Width 40), the others 80x25.
// What it does not emulate: the PIC (beyond the masks it keeps, which
// only decide how keys arrive), the rest of the keyboard controller,
// graphics modes (mode numbers are recorded, the screen stays 80x25 text), the FPU,
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
	"time"

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
// of Press when Options.Budget is zero. It is a safety net, not a verdict:
// four billion instructions are several minutes of guest time and tens of
// seconds of host time, far more than any scenario step's timeout, so a
// guest that computes for long runs until the caller's context ends (the
// scenario's timeout) and is never called a runaway early.
const DefaultBudget = 4_000_000_000

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
// in HLT or in a jmp $ loop with interrupts on, without calling a BIOS
// service in between, before it counts as waiting for a key. Shorter halts
// are timer waits and run through.
const MaxHaltTicks = 1092

// MaxEmptyPolls is how many times in a row a guest may ask whether a key
// is waiting (int 16h AH=01h/11h) and get "no", without calling another
// BIOS service in between, before it counts as waiting for a key: each
// check returns at once (ZF=1), as on SeaBIOS, so a program that polls a
// bounded number of times goes on, and one that polls forever is idle.
const MaxEmptyPolls = 1000

// MaxPollHalts is how many times in a row a guest may find no key with
// int 16h AH=01h/11h and then halt (HLT with interrupts on) before it
// counts as waiting for a key: about a second of guest time. That is how
// a shell waits while it does other work between checks (pxOS v1.1's
// hook_idle: check, update the screen, HLT until the next interrupt).
// Other BIOS calls in between (drawing with int 10h) do not reset it;
// finding or reading a key does. Without it such a loop would be idle only
// after MaxEmptyPolls ticks (a minute of guest time per key).
const MaxPollHalts = 18

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
	// Clock is the wall clock the machine starts at: the RTC (int 1Ah
	// AH=02h/04h, CMOS ports 70h/71h) reads it at boot and the BIOS tick
	// count starts from its time of day; both then advance with the
	// instruction clock (InstructionsPerSecond). The zero value means
	// machine.DefaultClock, the clock the QEMU backend starts with too.
	Clock time.Time
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
	idle     bool           // the guest waits for a key, or stopped for good
	stopped  string         // why the guest stopped for good (cli; hlt), or ""
	watch    bool           // a WaitText is running: video writes end Run so the text is checked
	closed   bool
	retrace  bool // port 3DAh toggles so retrace wait loops finish
	diskStat byte // status of the last int 13h call

	port60     byte    // keyboard controller: the last scan code sent
	kbdFull    bool    // and not yet read
	kbdQueue   []byte  // scan codes waiting behind port60 for a polling guest
	kbdPolls   int     // port 64h reads in a row that found no scan code
	kbdPolled  bool    // the guest became idle polling port 64h
	picMask    [2]byte // the PICs' interrupt masks (ports 21h, A1h)
	picICW     [2]int  // initialization words still expected at 21h, A1h
	pendingKey uint16  // the int 16h code of the key whose scan codes int 09h receives

	crtcIndex byte     // VGA CRT controller: selected register
	crtc      [32]byte // and the registers (0Eh/0Fh: cursor location)

	pit     [3]pitChannel // the 8254 timer
	port61  byte          // speaker port: gate of channel 2, speaker data
	refresh bool          // port 61h bit 4, flipped at every read

	cmosIndex  byte      // port 70h: the selected CMOS register
	cmos       [128]byte // CMOS memory other than the clock
	rtcBase    time.Time // the RTC read rtcBase
	rtcClk     uint64    // at this PIT clock
	resetReq   bool      // the guest asked for a reset (port 64h or 92h)
	emptyPolls int       // int 16h key checks in a row that found no key
	polledNone bool      // the last int 16h key check found no key
	pollHalts  int       // HLTs after such a check, in a row (MaxPollHalts)
	waitUntil  uint64    // int 15h AH=86h: the instruction count the wait ends at
	waiting    bool      // and the wait is in progress

	nextTickAt uint64 // instruction count of the next timer interrupt
	skipped    uint64 // instructions skipped by HLT and int 15h waits in this run (not budgeted)
	haltTicks  int    // ticks spent halted since the last BIOS call in this run
	irqPending bool   // a timer interrupt waits for IF
	halted     bool   // idle in HLT: resume with the next tick
	haltedAt   string // the HLT or jmp $ the guest idles in
}

var (
	errIdle  = errors.New("emu: idle")
	errYield = errors.New("emu: yield")
	errWait  = errors.New("emu: wait") // int 15h AH=86h: let time pass to waitUntil
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
	c := &cpu.CPU{Mem: memPool.Get().(*[cpu.MemSize]byte), SpinStop: true}
	p := &PC{cpu: c, budget: opts.Budget, disk: img, writable: opts.WritableDisk}
	if p.budget == 0 {
		p.budget = DefaultBudget
	}
	p.cpu.Trap = p.bios
	p.cpu.In = p.in
	p.cpu.Out = p.out
	clock := opts.Clock
	if clock.IsZero() {
		clock = machine.DefaultClock
	}
	p.initCMOS()
	p.setRTC(clock)
	p.power()
	return p, nil
}

// power is what a power-on or a reset does: the PIT, the keyboard
// controller and the BIOS start over (vector table, data area, a cleared
// screen in mode 3), the tick count is read from the RTC, and the floppy
// boots. The CMOS keeps its contents; see reset for memory.
func (p *PC) power() {
	p.initPIT()
	p.port60, p.kbdFull, p.kbdQueue, p.kbdPolls = 0, false, nil, 0
	// The masks SeaBIOS leaves (read on QEMU 7.2): IRQ 0, 1, 2, 6, 8,
	// 12, 13 and 14 enabled.
	p.picMask, p.picICW = [2]byte{0xB8, 0x8E}, [2]int{}
	p.initBIOS()
	p.initClock(p.rtcNow())
	p.irqPending, p.halted, p.waiting, p.stopped = false, false, false, ""
	p.boot()
}

// Low memory SeaBIOS clears when it starts again after a reset (its
// temporary low zone, BUILD_STACK_ADDR to BUILD_EBDA_MINIMUM, cleared in
// malloc_prepboot): measured on QEMU 7.2, a value at 7000:0000 is gone
// after port 64h command FEh while 0000:0500 and 9000:0000 keep theirs.
const (
	resetClearStart = 0x07000
	resetClearEnd   = 0x90000
)

// reset is a full reset (the reset vector, port 64h FEh, port 92h bit 0):
// SeaBIOS's power-on self test runs again, clearing the low memory it
// uses, and boots. int 19h only boots and clears nothing.
func (p *PC) reset() {
	clear(p.cpu.Mem[resetClearStart:resetClearEnd])
	p.power()
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

// in reads an I/O port: the keyboard controller's data and status, the PIT
// and the speaker port, the CMOS, the VGA CRT controller's index and data
// registers and the VGA input status register; other ports read as an
// empty bus (all ones).
func (p *PC) in(port uint16, size int) uint32 {
	switch port {
	case 0x40, 0x41, 0x42, 0x61:
		return uint32(p.pitIn(port))
	case 0x60: // keyboard controller data: the last scan code
		// Reading empties the output buffer; a queued scan code moves in.
		v := p.port60
		p.kbdFull, p.kbdPolls = false, 0
		if len(p.kbdQueue) > 0 {
			p.port60, p.kbdFull = p.kbdQueue[0], true
			p.kbdQueue = p.kbdQueue[1:]
		}
		return uint32(v)
	case 0x64: // keyboard controller status: bit 0 output buffer full
		if p.kbdFull {
			return 0x1D
		}
		// A guest that keeps polling an empty controller waits for a
		// key, as one that keeps asking int 16h AH=01h does: idle after
		// this instruction (the poll loop goes on when resumed).
		p.kbdPolls++
		if p.kbdPolls >= MaxEmptyPolls {
			p.kbdPolled = true
			p.cpu.StopRun()
		}
		return 0x1C
	case 0x21, 0xA1: // the PICs' interrupt masks
		return uint32(p.picMask[port>>7&1])
	case 0x70:
		return 0xFF // the index register is write-only
	case 0x71:
		return uint32(p.cmosRead(p.cmosIndex))
	case 0x92: // system control port A: A20 on, as QEMU boots
		return 0x02
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

// out writes an I/O port: the PIT and speaker port, the CMOS, the CRT
// controller registers (a guest may read back the cursor location), and
// the two reset lines QEMU honours: the keyboard controller's pulse
// command FEh on port 64h and bit 0 of port 92h. Other writes are ignored.
func (p *PC) out(port uint16, size int, v uint32) {
	switch port {
	case 0x40, 0x41, 0x42, 0x43, 0x61:
		p.pitOut(port, byte(v))
	case 0x64:
		if byte(v) == 0xFE {
			p.requestReset()
		}
	case 0x20, 0xA0: // PIC command: ICW1 starts an initialization
		if v&0x10 != 0 {
			p.picICW[port>>7&1] = 2 + int(v&1) // ICW2, ICW3 and ICW4 if asked for
		}
	case 0x21, 0xA1: // PIC data: initialization words, then the mask
		if i := port >> 7 & 1; p.picICW[i] > 0 {
			p.picICW[i]--
		} else {
			p.picMask[i] = byte(v)
		}
	case 0x92:
		if v&1 != 0 {
			p.requestReset()
		}
	case 0x70:
		p.cmosIndex = byte(v) & 0x7F // bit 7 masks NMI
	case 0x71:
		p.cmosWrite(p.cmosIndex, byte(v))
	case 0x3D4:
		p.crtcIndex = byte(v) & 0x1F
		if size > 1 { // out dx, ax: index and data at once
			p.crtc[p.crtcIndex] = byte(v >> 8)
		}
	case 0x3D5:
		p.crtc[p.crtcIndex] = byte(v)
	}
}

// requestReset resets the machine after the current instruction: no
// further guest instruction runs before the reboot.
func (p *PC) requestReset() {
	p.resetReq = true
	p.cpu.StopRun()
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
	if p.stopped != "" {
		p.idle = true
		return nil
	}
	if budget == 0 {
		budget = p.budget
	}
	p.idle, p.kbdPolled = false, false
	p.watch = done != nil
	defer func() { p.watch = false }()
	c := p.cpu
	start := c.Count
	p.skipped = 0
	p.haltTicks = 0
	if p.halted {
		// The guest halted with interrupts on: the next timer tick wakes
		// it, or with the timer stopped the keyboard interrupt of a key.
		p.halted, p.haltedAt = false, ""
		if _, key := p.peekKey(); !key || p.nextTickAt != never {
			if !p.skipToTick() {
				return p.idleHalt()
			}
		}
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
		if p.resetReq {
			p.resetReq = false
			p.reset()
			continue
		}
		ticked := c.Count >= p.nextTickAt
		if ticked {
			p.tick()
		}
		if p.kbdPolled && (err == nil || err == errYield) {
			p.idle = true // polling port 64h for a key
			return nil
		}
		if err == nil || err == errYield {
			continue
		}
		switch err {
		case errIdle:
			p.idle = true
			return nil
		case errWait:
			// int 15h AH=86h: time passes to the end of the wait or the
			// next timer tick, whose interrupt runs even inside the BIOS.
			to := min(p.waitUntil, p.nextTickAt)
			p.skipped += to - c.Count
			c.Count = to
			if c.Count >= p.nextTickAt {
				c.Flags |= cpu.IF
				p.tick()
			}
			continue
		}
		var f *cpu.Fault
		if errors.As(err, &f) {
			switch {
			case f.Kind == cpu.Halted || f.Kind == cpu.Spinning && c.Flags&cpu.IF == 0:
				// Nothing can ever wake the guest: it stopped for good,
				// and its screen is final. That is not a crash.
				p.stopped = fmt.Sprintf("%s at %04X:%04X", f.Kind, f.CS, f.IP)
				if f.Kind == cpu.Spinning {
					p.stopped = fmt.Sprintf("jmp $ with interrupts disabled at %04X:%04X", f.CS, f.IP)
				}
				p.idle = true
				return nil
			case f.Kind == cpu.WaitInterrupt || f.Kind == cpu.Spinning:
				// HLT, or jmp $, with interrupts on: time jumps to the next
				// timer tick. A guest that stays there for MaxHaltTicks
				// without calling the BIOS waits for a key: idle.
				if ticked {
					continue // the tick that just came is the interrupt it waited for
				}
				_, key := p.peekKey()
				if !key && p.polledNone {
					if p.pollHalts++; p.pollHalts >= MaxPollHalts {
						p.haltedAt = fmt.Sprintf("%s at %04X:%04X, checking for a key between halts", f.Kind, f.CS, f.IP)
						return p.idleHalt()
					}
				}
				if !key && p.haltTicks >= MaxHaltTicks {
					p.haltedAt = fmt.Sprintf("%s at %04X:%04X", f.Kind, f.CS, f.IP)
					return p.idleHalt()
				}
				p.haltTicks++
				if !p.skipToTick() {
					return p.idleHalt()
				}
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

// idleHalt makes a halted guest idle: it waits for an interrupt that only
// a key (or, with no timer programmed, nothing) can bring.
func (p *PC) idleHalt() error {
	p.idle, p.halted = true, true
	return nil
}

// tick is the timer interrupt (IRQ 0, int 08h) that PIT channel 0 raises,
// 18.2 times a second with the BIOS's count: here every
// InstructionsPerTick instructions. With interrupts disabled it stays
// pending until they are enabled (further ticks meanwhile are lost, as
// on a PC).
func (p *PC) tick() {
	c := p.cpu
	p.scheduleTick()
	if c.Flags&cpu.IF != 0 {
		p.irqPending = false
		c.Interrupt(8)
	} else {
		p.irqPending = true
	}
}

// skipToTick lets time pass to the next timer tick, as a halted CPU does.
// Of the skipped instructions only haltCost count against the budget, so
// a guest that halts forever while calling the BIOS still ends. It reports
// false when no tick will ever come (channel 0 stopped).
func (p *PC) skipToTick() bool {
	if p.nextTickAt == never {
		return false
	}
	if skip := p.nextTickAt - p.cpu.Count; skip > haltCost {
		p.skipped += skip - haltCost
	}
	p.cpu.Count = p.nextTickAt
	p.tick()
	return true
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

// Stopped returns why the guest stopped for good (hlt or jmp $ with
// interrupts disabled), or "" while it can still run. A stopped guest is
// idle, its screen final; it did not crash.
func (p *PC) Stopped() string { return p.stopped }

// Settle runs the guest until it waits for a key or stops for good.
func (p *PC) Settle(ctx context.Context) error { return p.run(ctx, 0, nil, false) }

// DetectsIdle implements machine.IdleDetector: the emulator knows when
// the guest waits for a key.
func (p *PC) DetectsIdle() bool { return true }

// WaitText runs the guest until text is on the screen. It fails when the
// guest becomes idle, or stops for good, without showing it.
func (p *PC) WaitText(ctx context.Context, text string) error {
	has := func() bool { s := p.screen(); return s.Contains(text) }
	if err := p.run(ctx, 0, has, false); err != nil {
		return err
	}
	if !has() {
		if p.stopped != "" {
			return fmt.Errorf("emu: %q is not on the screen and the guest stopped (%s)", text, p.stopped)
		}
		if p.halted && p.haltedAt != "" {
			return fmt.Errorf("emu: %q is not on the screen and the guest is idle, waiting for an interrupt (%s)", text, p.haltedAt)
		}
		return fmt.Errorf("emu: %q is not on the screen and the guest is waiting for a key", text)
	}
	return nil
}

// Press types keys one at a time, running the guest until it is idle after
// each, so the guest consumes every key before the next arrives. Keys
// typed to a guest that stopped for good are lost, as on a PC.
func (p *PC) Press(ctx context.Context, keys ...machine.Key) error {
	for _, k := range keys {
		code, err := KeyCode(k)
		if err != nil {
			return err
		}
		if err := p.run(ctx, 0, nil, false); err != nil { // make room in the buffer
			return err
		}
		if p.stopped != "" {
			continue
		}
		if p.kbdPolled && !p.irq1Enabled() {
			// The guest polls the controller with the keyboard interrupt
			// off (cli, or IRQ 1 masked): the scan codes wait there for
			// it, as QEMU's keyboard queues them.
			p.queueScanCodes(scanCodes(k, code))
			if err := p.run(ctx, 0, nil, false); err != nil {
				return err
			}
			continue
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

// kbdQueueSize is how many scan codes the keyboard holds for a guest that
// does not read them, as QEMU 7.2's PS/2 queue (PS2_QUEUE_SIZE); later
// ones are lost.
const kbdQueueSize = 16

// queueScanCodes sends scan codes to the keyboard controller: the first
// fills the output buffer (port 64h bit 0) if it is empty, the rest wait
// until port 60h is read.
func (p *PC) queueScanCodes(codes []byte) {
	for _, sc := range codes {
		switch {
		case !p.kbdFull:
			p.port60, p.kbdFull = sc, true
		case len(p.kbdQueue) < kbdQueueSize:
			p.kbdQueue = append(p.kbdQueue, sc)
		}
	}
	p.kbdPolls = 0
}

// irq1Enabled reports whether a scan code would raise the keyboard
// interrupt now: interrupts on and IRQ 1 unmasked at the PIC.
func (p *PC) irq1Enabled() bool {
	return p.cpu.Flags&cpu.IF != 0 && p.picMask[0]&0x02 == 0
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
	base := vgaText + page*p.pageBytes()
	col, row := p.cursor(page)
	w := p.cols()
	return machine.ScreenFromText(m[base:base+machine.Rows*w*2], w, row, col)
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
