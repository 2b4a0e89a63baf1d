// Package cpu is the x86 real-mode processor of the built-in emulator: the
// 8086 instruction set, the 80186 additions (push imm, pusha/popa, shifts by
// imm8, imul imm, enter/leave, ins/outs, bound) and the 386 real-mode
// instructions that 16-bit code commonly uses (the 0x66 operand-size prefix
// with 32-bit registers, movzx/movsx, near jcc, setcc, fs/gs, bt*, bsf/bsr,
// lss/lfs/lgs, cwde/cdq, cpuid, rdtsc) and the system instructions that
// real-mode code may run: lgdt/lidt/sgdt/sidt, smsw/lmsw and mov to and from
// CR0/CR2/CR3/CR4, with interrupts dispatched through IDTR. Where the 8086 and a 386 disagree it behaves as a 386
// does, because that is what QEMU runs and what pxOS targets; the accepted
// differences from the recorded 8086 vectors are listed in one table,
// sstDifferences in sst_test.go.
//
// It owns registers, flags, the 1 MiB memory with the 8086 20-bit wraparound
// and instruction execution. It does not own devices or the BIOS: port I/O
// goes to the In/Out hooks and the BIOS trap opcode (0F FF ib, honoured only
// when CS is F000, the emulated ROM) calls the Trap hook, so package pc can
// implement BIOS services in Go while guests still reach them through the
// interrupt vector table and can hook them.
//
// There is no protected mode and no interrupt controller: the machine
// around the CPU delivers hardware interrupts with Interrupt between Run
// calls. Setting CR0.PE stops Run with a ProtectedMode fault. The 0x67
// address-size prefix, the other protected-mode system instructions (LLDT,
// LTR, ...) and the x87 FPU escapes are invalid opcodes here. TF is kept in FLAGS but
// raises no single-step trap. There is no prefetch queue: code that modifies
// the next instruction sees the new bytes, as on QEMU (an 8086 would run
// the stale ones from its 6-byte queue). Flags that Intel documents as
// undefined get the values of a simple implementation (AF cleared by logic
// instructions, SF/ZF/PF from the low half of a product); the vector test
// masks them.
//
// The hot path is a switch on the opcode over a plain byte array; it does not
// allocate.
package cpu

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// MemSize is the size of the real-mode address space: 1 MiB.
const MemSize = 1 << 20

// addrMask implements the 8086 20-bit wraparound (the A20 line is off).
const addrMask = MemSize - 1

// Register indexes into CPU.R, in the order of the x86 encoding.
const (
	EAX = iota
	ECX
	EDX
	EBX
	ESP
	EBP
	ESI
	EDI
)

// Segment register indexes into CPU.S, in the order of the x86 encoding.
const (
	ES = iota
	CS
	SS
	DS
	FS
	GS
)

// Flag bits of the FLAGS register (Intel SDM vol. 1, 3.4.3).
const (
	CF uint16 = 1 << 0
	PF uint16 = 1 << 2
	AF uint16 = 1 << 4
	ZF uint16 = 1 << 6
	SF uint16 = 1 << 7
	TF uint16 = 1 << 8
	IF uint16 = 1 << 9
	DF uint16 = 1 << 10
	OF uint16 = 1 << 11

	arithFlags = CF | PF | AF | ZF | SF | OF
)

// popfMask is what POPF and IRET may change in real mode on a 386: every
// defined flag plus IOPL and NT (bits 12-14); bit 15 and the reserved bits 3
// and 5 stay clear and bit 1 stays set.
const popfMask = 0x7FD5

// TrapOpcode is the second byte of the BIOS trap instruction 0F FF ib.
// 0F FF is an invalid opcode on every real x86 before the UD0 era, so guest
// code never relies on it; the CPU honours it only when CS is TrapSegment.
const TrapOpcode = 0xFF

// TrapSegment is the code segment in which the BIOS trap is honoured.
const TrapSegment = 0xF000

// Kind says why execution stopped.
type Kind int

const (
	// InvalidOpcode is an instruction this CPU does not implement or that
	// a 386 in real mode rejects (#UD).
	InvalidOpcode Kind = iota + 1
	// Halted is HLT with interrupts disabled: nothing can ever wake it.
	Halted
	// WaitInterrupt is HLT with interrupts enabled. There are no hardware
	// interrupts here, so the machine around the CPU decides what it means
	// (package pc treats it as idle).
	WaitInterrupt
	// Spinning is a jump to itself ("jmp $"), reported only when
	// CPU.SpinStop is set: the CPU can do nothing else until an interrupt,
	// like HLT. IP is left on the jump, so execution can resume there.
	Spinning
	// ProtectedMode is LMSW or MOV CR0 setting PE (or PG): the guest
	// enters protected mode, which this CPU does not emulate. CS:IP is
	// the instruction, which has not run.
	ProtectedMode
	// TripleFault is a shutdown: an interrupt vector beyond the IDTR
	// limit raised #GP, whose vector was also beyond it, and so was the
	// double fault's (Intel SDM vol. 3, 6.15 "Interrupt 8", 20.1.4). A
	// PC resets on it; here it stops the CPU until Reset.
	TripleFault
)

func (k Kind) String() string {
	switch k {
	case InvalidOpcode:
		return "invalid opcode"
	case Halted:
		return "hlt with interrupts disabled"
	case WaitInterrupt:
		return "hlt waiting for an interrupt"
	case Spinning:
		return "jmp $ (a jump to itself)"
	case ProtectedMode:
		return "protected mode is not emulated"
	case TripleFault:
		return "triple fault"
	}
	return fmt.Sprintf("stop %d", int(k))
}

// Fault is a stop of execution at CS:IP, the first byte of the instruction
// (its prefixes included) that stopped.
type Fault struct {
	Kind Kind
	CS   uint16
	IP   uint16
}

func (f *Fault) Error() string {
	return fmt.Sprintf("%s at %04X:%04X", f.Kind, f.CS, f.IP)
}

// CPU is the processor state plus the memory it addresses.
//
// R holds the general registers EAX..EDI (16-bit code uses the low halves);
// S holds ES, CS, SS, DS, FS, GS. IP is the instruction pointer (real mode
// keeps it 16-bit). Mem is the whole 1 MiB; package pc lays out RAM, video
// memory and ROM in it.
type CPU struct {
	R     [8]uint32
	S     [6]uint16
	IP    uint16
	Flags uint16

	Mem *[MemSize]byte

	// In reads size (1, 2 or 4) bytes from an I/O port; nil reads all ones
	// as an empty ISA bus does.
	In func(port uint16, size int) uint32
	// Out writes to an I/O port; nil ignores the write.
	Out func(port uint16, size int, v uint32)
	// Trap is called for the BIOS trap 0F FF n executed in segment F000,
	// after IP has moved past it. A non-nil error stops Run and is returned
	// from it; the hook may first move IP back (by TrapLen) so the trap runs
	// again when execution resumes, for example to wait for a key.
	Trap func(n byte) error

	// Count is the number of instructions executed since New (a REP string
	// instruction counts once per iteration).
	Count uint64

	// SpinStop makes a jump to itself (jmp $, EB FE or E9 FD FF) stop Run
	// with a Spinning fault once it has run, so the machine around the CPU
	// can let time pass instead of executing the loop.
	SpinStop bool

	// GDTR, IDTR and the control registers CR0, CR2, CR3, CR4. Real mode
	// dispatches interrupts through IDTR (base and limit) as a 386 does;
	// the others are only stored and read back.
	GDTBase, IDTBase   uint32
	GDTLimit, IDTLimit uint16
	CR                 [5]uint32

	limit    uint64 // Run stops when Count reaches it; StopRun lowers it
	shutdown bool   // a triple fault happened; Run refuses until Reset

	// decoder state of the current instruction
	instIP  uint16 // IP of the first prefix byte
	segOvr  int8   // segment override or -1
	rep     uint8  // 0, 0xF2 or 0xF3
	o32     bool   // operand-size prefix seen
	isReg   bool   // ModRM names a register
	modReg  uint8  // ModRM reg field
	modRM   uint8  // ModRM rm field
	eaBase  uint32 // segment base of the memory operand
	eaOff   uint16 // offset of the memory operand
	stopErr error  // set by the trap hook
}

// TrapLen is the length of the trap instruction 0F FF ib.
const TrapLen = 3

// CR0ET is CR0 bit 4 (ET, a 387-compatible FPU). CR0 in real mode after
// SeaBIOS has run is just ET on QEMU: SeaBIOS clears CD and NW (set at
// reset) when it first switches to 32-bit mode.
const CR0ET = 1 << 4

// New returns a CPU in the state a PC BIOS hands to a boot sector except for
// CS:IP and the stack, which the caller sets: all registers zero, FLAGS 0002h,
// IDTR base 0 limit 3FFh (the real-mode vector table), GDTR zero, CR0 only
// ET, and a fresh zeroed 1 MiB of memory.
func New() *CPU {
	c := &CPU{Mem: new([MemSize]byte)}
	c.Reset()
	return c
}

// Reset clears the registers as New does, keeping memory and hooks.
func (c *CPU) Reset() {
	c.R = [8]uint32{}
	c.S = [6]uint16{}
	c.IP = 0
	c.Flags = 0x0002
	c.GDTBase, c.GDTLimit = 0, 0
	c.IDTBase, c.IDTLimit = 0, 0x3FF
	c.CR = [5]uint32{CR0ET}
	c.shutdown = false
}

// Linear returns the 20-bit address of seg:off.
func Linear(seg, off uint16) uint32 { return (uint32(seg)<<4 + uint32(off)) & addrMask }

// Reg16 returns the low 16 bits of general register r (EAX..EDI).
func (c *CPU) Reg16(r int) uint16 { return uint16(c.R[r]) }

// SetReg16 sets the low 16 bits of general register r, keeping the high half.
func (c *CPU) SetReg16(r int, v uint16) { c.R[r] = c.R[r]&0xFFFF0000 | uint32(v) }

// Read8 reads the byte at seg:off.
func (c *CPU) Read8(seg, off uint16) byte { return c.Mem[Linear(seg, off)] }

// Read16 reads the word at seg:off; the second byte wraps within the segment
// as on the 8086.
func (c *CPU) Read16(seg, off uint16) uint16 { return c.rd16(uint32(seg)<<4, off) }

// Write8 writes the byte at seg:off.
func (c *CPU) Write8(seg, off uint16, v byte) { c.Mem[Linear(seg, off)] = v }

// Write16 writes the word at seg:off.
func (c *CPU) Write16(seg, off uint16, v uint16) { c.wr16(uint32(seg)<<4, off, v) }

// Push16 pushes a word on SS:SP.
func (c *CPU) Push16(v uint16) { c.push16(v) }

// Pop16 pops a word from SS:SP.
func (c *CPU) Pop16() uint16 { return c.pop16() }

// Interrupt performs INT n: push FLAGS, CS and IP, clear IF and TF, and jump
// through the interrupt vector table at IDTR. A vector beyond the IDTR
// limit faults as in Run; a triple fault makes the next Run return a
// TripleFault.
func (c *CPU) Interrupt(n byte) {
	c.instIP = c.IP // a #GP while delivering it returns to the interrupted instruction
	c.interrupt(n)
}

// Dump returns the registers as a two-line text for crash reports.
func (c *CPU) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "AX=%04X BX=%04X CX=%04X DX=%04X SI=%04X DI=%04X BP=%04X SP=%04X\n",
		uint16(c.R[EAX]), uint16(c.R[EBX]), uint16(c.R[ECX]), uint16(c.R[EDX]),
		uint16(c.R[ESI]), uint16(c.R[EDI]), uint16(c.R[EBP]), uint16(c.R[ESP]))
	fmt.Fprintf(&b, "CS=%04X DS=%04X ES=%04X SS=%04X FS=%04X GS=%04X IP=%04X FLAGS=%04X [%s]",
		c.S[CS], c.S[DS], c.S[ES], c.S[SS], c.S[FS], c.S[GS], c.IP, c.Flags, flagString(c.Flags))
	return b.String()
}

func flagString(f uint16) string {
	const names = "odiszapc"
	bits := []uint16{OF, DF, IF, SF, ZF, AF, PF, CF}
	b := []byte(strings.ToLower(names))
	for i, m := range bits {
		if f&m != 0 {
			b[i] = names[i] - 'a' + 'A'
		}
	}
	return string(b)
}

// Run executes instructions until n have run, an instruction faults or the
// trap hook stops it. It returns how many instructions ran. The error is nil
// when the budget ran out, a *Fault for an invalid opcode or HLT, or the
// trap hook's error. Fault.IP is the stopping instruction; the CPU's own IP
// is left there for an invalid opcode and after the HLT for Halted and
// WaitInterrupt, as on a real CPU, so execution can resume.
func (c *CPU) Run(n uint64) (uint64, error) {
	if c.shutdown {
		return 0, &Fault{Kind: TripleFault, CS: c.S[CS], IP: c.IP}
	}
	start := c.Count
	c.limit = start + n
	for c.Count < c.limit {
		k := c.step()
		if k == 0 && c.shutdown {
			k = int(TripleFault)
		}
		if k != 0 {
			ran := c.Count - start
			if k == stopTrap {
				err := c.stopErr
				c.stopErr = nil
				return ran, err
			}
			if Kind(k) == InvalidOpcode || Kind(k) == ProtectedMode || Kind(k) == TripleFault {
				c.IP = c.instIP
			}
			return ran, &Fault{Kind: Kind(k), CS: c.S[CS], IP: c.instIP}
		}
	}
	return c.Count - start, nil
}

// StopRun ends the current Run after the instruction that is executing,
// as if its count had run out. An I/O hook calls it when the port access
// changes the machine (a reset), so no further instruction runs.
func (c *CPU) StopRun() { c.limit = c.Count }

// Step executes one instruction; see Run for the error.
func (c *CPU) Step() error {
	_, err := c.Run(1)
	return err
}

// stopTrap is step's result when the trap hook returned an error.
const stopTrap = 100

// ---- memory ----

func (c *CPU) rd8(base uint32, off uint16) uint8 {
	return c.Mem[(base+uint32(off))&addrMask]
}

func (c *CPU) wr8(base uint32, off uint16, v uint8) {
	c.Mem[(base+uint32(off))&addrMask] = v
}

func (c *CPU) rd16(base uint32, off uint16) uint16 {
	a := (base + uint32(off)) & addrMask
	if off != 0xFFFF && a != addrMask {
		return binary.LittleEndian.Uint16(c.Mem[a:])
	}
	return uint16(c.Mem[a]) | uint16(c.Mem[(base+uint32(off+1))&addrMask])<<8
}

func (c *CPU) wr16(base uint32, off uint16, v uint16) {
	a := (base + uint32(off)) & addrMask
	if off != 0xFFFF && a != addrMask {
		binary.LittleEndian.PutUint16(c.Mem[a:], v)
		return
	}
	c.Mem[a] = uint8(v)
	c.Mem[(base+uint32(off+1))&addrMask] = uint8(v >> 8)
}

func (c *CPU) rd32(base uint32, off uint16) uint32 {
	return uint32(c.rd16(base, off)) | uint32(c.rd16(base, off+2))<<16
}

func (c *CPU) wr32(base uint32, off uint16, v uint32) {
	c.wr16(base, off, uint16(v))
	c.wr16(base, off+2, uint16(v>>16))
}

func (c *CPU) rd(sz uint8, base uint32, off uint16) uint32 {
	switch sz {
	case 2:
		return uint32(c.rd16(base, off))
	case 1:
		return uint32(c.rd8(base, off))
	}
	return c.rd32(base, off)
}

func (c *CPU) wr(sz uint8, base uint32, off uint16, v uint32) {
	switch sz {
	case 2:
		c.wr16(base, off, uint16(v))
	case 1:
		c.wr8(base, off, uint8(v))
	default:
		c.wr32(base, off, v)
	}
}

func (c *CPU) fetch8() uint8 {
	v := c.Mem[(uint32(c.S[CS])<<4+uint32(c.IP))&addrMask]
	c.IP++
	return v
}

func (c *CPU) fetch16() uint16 {
	v := c.rd16(uint32(c.S[CS])<<4, c.IP)
	c.IP += 2
	return v
}

func (c *CPU) fetch32() uint32 {
	lo := c.fetch16()
	return uint32(lo) | uint32(c.fetch16())<<16
}

// fetchImm fetches an immediate of size sz.
func (c *CPU) fetchImm(sz uint8) uint32 {
	switch sz {
	case 1:
		return uint32(c.fetch8())
	case 2:
		return uint32(c.fetch16())
	}
	return c.fetch32()
}

// ---- registers ----

func (c *CPU) reg8(r uint8) uint8 {
	return uint8(c.R[r&3] >> (r & 4 * 2))
}

func (c *CPU) setReg8(r uint8, v uint8) {
	if r < 4 {
		c.R[r] = c.R[r]&^0xFF | uint32(v)
	} else {
		c.R[r-4] = c.R[r-4]&^0xFF00 | uint32(v)<<8
	}
}

func (c *CPU) reg(sz uint8, r uint8) uint32 {
	switch sz {
	case 2:
		return c.R[r&7] & 0xFFFF
	case 1:
		return uint32(c.reg8(r))
	}
	return c.R[r&7]
}

func (c *CPU) setReg(sz uint8, r uint8, v uint32) {
	switch sz {
	case 2:
		c.R[r&7] = c.R[r&7]&0xFFFF0000 | v&0xFFFF
	case 1:
		c.setReg8(r, uint8(v))
	default:
		c.R[r&7] = v
	}
}

// ---- stack ----

func (c *CPU) push16(v uint16) {
	sp := uint16(c.R[ESP]) - 2
	c.R[ESP] = c.R[ESP]&0xFFFF0000 | uint32(sp)
	c.wr16(uint32(c.S[SS])<<4, sp, v)
}

func (c *CPU) pop16() uint16 {
	sp := uint16(c.R[ESP])
	v := c.rd16(uint32(c.S[SS])<<4, sp)
	c.R[ESP] = c.R[ESP]&0xFFFF0000 | uint32(sp+2)
	return v
}

func (c *CPU) push32(v uint32) {
	sp := uint16(c.R[ESP]) - 4
	c.R[ESP] = c.R[ESP]&0xFFFF0000 | uint32(sp)
	c.wr32(uint32(c.S[SS])<<4, sp, v)
}

func (c *CPU) pop32() uint32 {
	sp := uint16(c.R[ESP])
	v := c.rd32(uint32(c.S[SS])<<4, sp)
	c.R[ESP] = c.R[ESP]&0xFFFF0000 | uint32(sp+4)
	return v
}

func (c *CPU) push(sz uint8, v uint32) {
	if sz == 4 {
		c.push32(v)
	} else {
		c.push16(uint16(v))
	}
}

func (c *CPU) pop(sz uint8) uint32 {
	if sz == 4 {
		return c.pop32()
	}
	return uint32(c.pop16())
}

// interrupt dispatches through the real-mode IDT at IDTR. A vector whose
// four bytes pass the IDTR limit raises #GP (13), as a fault; #GP past the
// limit becomes a double fault (8), and that past the limit a triple fault
// (Intel SDM vol. 3, 20.1.4 "Interrupt and Exception Handling", and the
// INT n pseudocode for real-address mode).
func (c *CPU) interrupt(n uint8) {
	if uint32(n)*4+3 > uint32(c.IDTLimit) {
		switch {
		case n == 8:
			c.shutdown = true
			c.IP = c.instIP
			return
		case n == 13:
			n = 8
		default:
			n = 13
		}
		c.fault(n)
		return
	}
	c.push16(c.Flags)
	c.push16(c.S[CS])
	c.push16(c.IP)
	c.Flags &^= IF | TF
	v := c.IDTBase + uint32(n)*4
	c.IP = uint16(c.Mem[v&addrMask]) | uint16(c.Mem[(v+1)&addrMask])<<8
	c.S[CS] = uint16(c.Mem[(v+2)&addrMask]) | uint16(c.Mem[(v+3)&addrMask])<<8
}

// fault raises a processor exception as a 386 does: the return address is
// the faulting instruction itself (Intel SDM vol. 3, 6.5 "Exception
// classifications": faults report the instruction that caused them).
func (c *CPU) fault(n uint8) {
	c.IP = c.instIP
	c.interrupt(n)
}
