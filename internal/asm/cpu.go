package asm

import "strings"

// CPU levels, as NASM's cpu directive sets them. Instructions this
// assembler knows need at most a Pentium (cpuid, rdtsc), so every name from
// the 686 on means the same as any.
const (
	cpu8086 uint8 = iota
	cpu186
	cpu286
	cpu386
	cpu486
	cpu586
	cpuAny
)

// cpuNames names the levels in messages.
var cpuNames = [...]string{"8086", "186", "286", "386", "486", "586", "any"}

// cpuLevels maps the names NASM's cpu directive takes (NASM manual, "CPU:
// Defining CPU Dependencies") to levels.
var cpuLevels = map[string]uint8{
	"8086": cpu8086, "186": cpu186, "286": cpu286, "386": cpu386, "486": cpu486,
	"586": cpu586, "pentium": cpu586,
	"686": cpuAny, "ppro": cpuAny, "p2": cpuAny, "p3": cpuAny, "katmai": cpuAny, "p4": cpuAny,
	"willamette": cpuAny, "prescott": cpuAny, "x64": cpuAny, "ia64": cpuAny,
	"any": cpuAny, "all": cpuAny, "default": cpuAny,
}

// parseCPU reads the operand of a cpu directive and sets the level of the
// lines that follow.
func (a *assembler) parseCPU(p *exprParser) {
	t := p.next()
	l, ok := cpuLevels[strings.ToLower(t.s)]
	if t.k != tNum && t.k != tIdent {
		ok = false
	}
	if !ok || p.peek().k != tEOL {
		p.fail("unknown cpu level (pxos knows 8086, 186, 286, 386, 486, 586, 686 and any)")
		return
	}
	a.cpu = l
}

// level is the cpu level the encoded instruction needs, from its opcode as
// NASM's instruction table (insns.dat) classes it, and from a 32-bit
// operand size. Prefixes and 32-bit addressing do not count, as in NASM.
func (e *encoder) level() uint8 {
	l := e.need
	c := e.code
	if len(c) == 0 {
		return l
	}
	need := cpu8086
	switch op := c[0]; {
	case op == 0x0F && len(c) > 1:
		switch c[1] {
		case 0x0B: // ud2
			need = cpu186
		case 0x06: // clts
			need = cpu286
		case 0xA2, 0x31: // cpuid, rdtsc
			need = cpu586
		default: // jcc near, setcc, movzx/movsx, bt*, shld/shrd, imul r,rm, push/pop fs/gs, lss/lfs/lgs, bsf/bsr
			need = cpu386
		}
	case op >= 0x60 && op <= 0x62, // pusha, popa, bound
		op >= 0x68 && op <= 0x6F, // push imm, imul imm, ins, outs
		op == 0xC0 || op == 0xC1, // shifts by imm8
		op == 0xC8 || op == 0xC9: // enter, leave
		need = cpu186
	case op == 0xF1: // int1/icebp
		need = cpu386
	}
	return max(l, need)
}
