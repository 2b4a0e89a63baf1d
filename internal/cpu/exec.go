package cpu

// decodeModRM reads a ModRM byte and, for a memory operand, its
// displacement, computing the effective address with 16-bit addressing
// (Intel SDM vol. 2, table 2-1).
func (c *CPU) decodeModRM() {
	m := c.fetch8()
	mod := m >> 6
	c.modReg = (m >> 3) & 7
	c.modRM = m & 7
	if mod == 3 {
		c.isReg = true
		return
	}
	c.isReg = false
	var off uint16
	seg := int8(DS)
	switch c.modRM {
	case 0:
		off = uint16(c.R[EBX]) + uint16(c.R[ESI])
	case 1:
		off = uint16(c.R[EBX]) + uint16(c.R[EDI])
	case 2:
		off = uint16(c.R[EBP]) + uint16(c.R[ESI])
		seg = SS
	case 3:
		off = uint16(c.R[EBP]) + uint16(c.R[EDI])
		seg = SS
	case 4:
		off = uint16(c.R[ESI])
	case 5:
		off = uint16(c.R[EDI])
	case 6:
		if mod == 0 {
			off = c.fetch16()
		} else {
			off = uint16(c.R[EBP])
			seg = SS
		}
	case 7:
		off = uint16(c.R[EBX])
	}
	switch mod {
	case 1:
		off += uint16(int8(c.fetch8()))
	case 2:
		off += c.fetch16()
	}
	if c.segOvr >= 0 {
		seg = c.segOvr
	}
	c.eaBase = uint32(c.S[seg]) << 4
	c.eaOff = off
}

// rmv reads the ModRM operand of size sz.
func (c *CPU) rmv(sz uint8) uint32 {
	if c.isReg {
		return c.reg(sz, c.modRM)
	}
	return c.rd(sz, c.eaBase, c.eaOff)
}

// setRmv writes the ModRM operand of size sz.
func (c *CPU) setRmv(sz uint8, v uint32) {
	if c.isReg {
		c.setReg(sz, c.modRM, v)
		return
	}
	c.wr(sz, c.eaBase, c.eaOff, v)
}

// dataSeg is the base of the data segment for string sources, XLAT and
// moffs: DS unless overridden.
func (c *CPU) dataSeg() uint32 {
	if c.segOvr >= 0 {
		return uint32(c.S[c.segOvr]) << 4
	}
	return uint32(c.S[DS]) << 4
}

// setSeg loads segment register s.
func (c *CPU) setSeg(s uint8, v uint16) { c.S[s] = v }

const (
	stopNone = 0
)

// isPrefix marks the prefix bytes: segment overrides, operand size, LOCK
// and REP. (0x67, address size, is an invalid opcode here.)
var isPrefix = func() (t [256]bool) {
	for _, b := range []byte{0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0xF0, 0xF2, 0xF3} {
		t[b] = true
	}
	return
}()

// step executes one instruction and returns a Kind, stopTrap or 0.
func (c *CPU) step() int {
	c.instIP = c.IP
	c.segOvr = -1
	c.rep = 0
	c.o32 = false
	c.Count++
	op := c.fetch8()
	for n := 0; isPrefix[op]; n++ {
		if n == 14 { // a 386 faults on instructions longer than 15 bytes
			return int(InvalidOpcode)
		}
		switch op {
		case 0x26:
			c.segOvr = ES
		case 0x2E:
			c.segOvr = CS
		case 0x36:
			c.segOvr = SS
		case 0x3E:
			c.segOvr = DS
		case 0x64:
			c.segOvr = FS
		case 0x65:
			c.segOvr = GS
		case 0x66:
			c.o32 = true
		case 0xF0: // LOCK: nothing to lock here
		case 0xF2, 0xF3:
			c.rep = op
		}
		op = c.fetch8()
	}
	// wsz is the size of a "word" operand: 2, or 4 with the 0x66 prefix.
	wsz := uint8(2)
	if c.o32 {
		wsz = 4
	}

	// One switch on the opcode: Go compiles it to a jump table.
	switch op {
	case 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D:
		// 00-3D: ADD OR ADC SBB AND SUB XOR CMP in six forms.
		alu := op >> 3
		switch op & 7 {
		case 0, 1:
			sz := wsz
			if op&1 == 0 {
				sz = 1
			}
			c.decodeModRM()
			r := c.alu(alu, c.rmv(sz), c.reg(sz, c.modReg), sz)
			if alu != opCMP {
				c.setRmv(sz, r)
			}
		case 2, 3:
			sz := wsz
			if op&1 == 0 {
				sz = 1
			}
			c.decodeModRM()
			r := c.alu(alu, c.reg(sz, c.modReg), c.rmv(sz), sz)
			if alu != opCMP {
				c.setReg(sz, c.modReg, r)
			}
		case 4:
			r := c.alu(alu, c.R[EAX]&0xFF, uint32(c.fetch8()), 1)
			if alu != opCMP {
				c.setReg8(0, uint8(r))
			}
		case 5:
			r := c.alu(alu, c.reg(wsz, EAX), c.fetchImm(wsz), wsz)
			if alu != opCMP {
				c.setReg(wsz, EAX, r)
			}
		}
		return stopNone
	case 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F: // INC/DEC r16
		r := op & 7
		c.setReg(wsz, r, c.incdec(c.reg(wsz, r), op >= 0x48, wsz))
		return stopNone
	case 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57: // PUSH r16
		r := op & 7
		// A 286 or later pushes SP as it was before the push (Intel SDM
		// vol. 2, PUSH: "the PUSH ESP instruction pushes the value of ESP
		// as it existed before the instruction was executed").
		c.push(wsz, c.reg(wsz, r))
		return stopNone
	case 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F: // POP r16
		v := c.pop(wsz)
		c.setReg(wsz, op&7, v)
		return stopNone
	case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F: // Jcc rel8
		d := int8(c.fetch8())
		if c.cond(op & 15) {
			c.IP += uint16(d)
		}
		return stopNone
	case 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97: // XCHG AX, r16
		r := op & 7
		a := c.reg(wsz, EAX)
		c.setReg(wsz, EAX, c.reg(wsz, r))
		c.setReg(wsz, r, a)
		return stopNone
	case 0xB0, 0xB1, 0xB2, 0xB3, 0xB4, 0xB5, 0xB6, 0xB7: // MOV r8, imm8
		c.setReg8(op&7, c.fetch8())
		return stopNone
	case 0xB8, 0xB9, 0xBA, 0xBB, 0xBC, 0xBD, 0xBE, 0xBF: // MOV r16, imm16
		c.setReg(wsz, op&7, c.fetchImm(wsz))
		return stopNone
	case 0x06, 0x0E, 0x16, 0x1E: // PUSH seg
		c.push(wsz, uint32(c.S[op>>3]))
	case 0x07, 0x17, 0x1F: // POP seg
		c.setSeg(op>>3, uint16(c.pop(wsz)))
	case 0x0F:
		return c.step0F(wsz)
	case 0x27: // DAA
		c.daa()
	case 0x2F: // DAS
		c.das()
	case 0x37: // AAA
		al := uint8(c.R[EAX])
		if al&0x0F > 9 || c.Flags&AF != 0 {
			c.SetReg16(EAX, uint16(c.R[EAX])+0x106)
			c.Flags |= AF | CF
		} else {
			c.Flags &^= AF | CF
		}
		c.setReg8(0, uint8(c.R[EAX])&0x0F)
		c.Flags = c.Flags&^(SF|ZF|PF) | szp(c.R[EAX]&0xFF, 1)
	case 0x3F: // AAS
		al := uint8(c.R[EAX])
		if al&0x0F > 9 || c.Flags&AF != 0 {
			c.SetReg16(EAX, uint16(c.R[EAX])-6)
			c.setReg8(4, c.reg8(4)-1)
			c.Flags |= AF | CF
		} else {
			c.Flags &^= AF | CF
		}
		c.setReg8(0, uint8(c.R[EAX])&0x0F)
		c.Flags = c.Flags&^(SF|ZF|PF) | szp(c.R[EAX]&0xFF, 1)
	case 0x60: // PUSHA
		sp := c.reg(wsz, ESP)
		for r := uint8(0); r < 8; r++ {
			if r == ESP {
				c.push(wsz, sp)
			} else {
				c.push(wsz, c.reg(wsz, r))
			}
		}
	case 0x61: // POPA
		for r := 7; r >= 0; r-- {
			v := c.pop(wsz)
			if r != ESP {
				c.setReg(wsz, uint8(r), v)
			}
		}
	case 0x62: // BOUND r16, m16&16
		c.decodeModRM()
		if c.isReg {
			return int(InvalidOpcode)
		}
		idx := c.reg(wsz, c.modReg)
		lo := c.rd(wsz, c.eaBase, c.eaOff)
		hi := c.rd(wsz, c.eaBase, c.eaOff+uint16(wsz))
		if wsz == 2 {
			if int16(idx) < int16(lo) || int16(idx) > int16(hi) {
				c.fault(5)
			}
		} else if int32(idx) < int32(lo) || int32(idx) > int32(hi) {
			c.fault(5)
		}
	case 0x68: // PUSH imm
		c.push(wsz, c.fetchImm(wsz))
	case 0x6A: // PUSH imm8 (sign-extended)
		c.push(wsz, uint32(int32(int8(c.fetch8()))))
	case 0x69, 0x6B: // IMUL r, r/m, imm
		c.decodeModRM()
		a := c.rmv(wsz)
		var b uint32
		if op == 0x6B {
			b = uint32(int32(int8(c.fetch8())))
		} else {
			b = c.fetchImm(wsz)
		}
		c.setReg(wsz, c.modReg, c.imul2(a, b, wsz))
	case 0x6C, 0x6D, 0x6E, 0x6F: // INS, OUTS
		sz := wsz
		if op&1 == 0 {
			sz = 1
		}
		c.stringOp(op, sz)
	case 0x80, 0x81, 0x82, 0x83: // group 1
		sz := wsz
		if op&1 == 0 {
			sz = 1
		}
		c.decodeModRM()
		a := c.rmv(sz)
		var b uint32
		switch op {
		case 0x81:
			b = c.fetchImm(sz)
		case 0x83:
			b = uint32(int32(int8(c.fetch8()))) & sizeMask[sz]
		default:
			b = uint32(c.fetch8())
		}
		r := c.alu(c.modReg, a, b, sz)
		if c.modReg != opCMP {
			c.setRmv(sz, r)
		}
	case 0x84, 0x85: // TEST r/m, r
		sz := wsz
		if op == 0x84 {
			sz = 1
		}
		c.decodeModRM()
		c.alu(opAND, c.rmv(sz), c.reg(sz, c.modReg), sz)
	case 0x86, 0x87: // XCHG r/m, r
		sz := wsz
		if op == 0x86 {
			sz = 1
		}
		c.decodeModRM()
		a := c.rmv(sz)
		c.setRmv(sz, c.reg(sz, c.modReg))
		c.setReg(sz, c.modReg, a)
	case 0x88, 0x89: // MOV r/m, r
		sz := wsz
		if op == 0x88 {
			sz = 1
		}
		c.decodeModRM()
		c.setRmv(sz, c.reg(sz, c.modReg))
	case 0x8A, 0x8B: // MOV r, r/m
		sz := wsz
		if op == 0x8A {
			sz = 1
		}
		c.decodeModRM()
		c.setReg(sz, c.modReg, c.rmv(sz))
	case 0x8C: // MOV r/m, seg
		c.decodeModRM()
		if c.modReg > GS {
			return int(InvalidOpcode)
		}
		if c.isReg {
			// A 386 zero-extends into a 32-bit register with 0x66 and
			// writes the low word otherwise.
			c.setReg(wsz, c.modRM, uint32(c.S[c.modReg]))
		} else {
			c.wr16(c.eaBase, c.eaOff, c.S[c.modReg])
		}
	case 0x8D: // LEA
		c.decodeModRM()
		if c.isReg {
			return int(InvalidOpcode)
		}
		c.setReg(wsz, c.modReg, uint32(c.eaOff))
	case 0x8E: // MOV seg, r/m
		c.decodeModRM()
		if c.modReg > GS || c.modReg == CS {
			return int(InvalidOpcode)
		}
		c.setSeg(c.modReg, uint16(c.rmv(2)))
	case 0x8F: // POP r/m
		// The pop happens before the address is computed, so an SP-based
		// address sees the incremented SP (Intel SDM vol. 2, POP).
		v := c.pop(wsz)
		c.decodeModRM()
		if c.modReg != 0 {
			// undo: the instruction is invalid
			c.R[ESP] = c.R[ESP]&0xFFFF0000 | uint32(uint16(c.R[ESP])-uint16(wsz))
			return int(InvalidOpcode)
		}
		c.setRmv(wsz, v)
	case 0x90: // NOP (XCHG AX, AX)
	case 0x98: // CBW / CWDE
		if c.o32 {
			c.R[EAX] = uint32(int32(int16(c.R[EAX])))
		} else {
			c.SetReg16(EAX, uint16(int16(int8(c.R[EAX]))))
		}
	case 0x99: // CWD / CDQ
		if c.o32 {
			c.R[EDX] = uint32(int32(c.R[EAX]) >> 31)
		} else {
			c.SetReg16(EDX, uint16(int16(c.R[EAX])>>15))
		}
	case 0x9A: // CALL far ptr16:16
		off := c.fetchImm(wsz)
		seg := c.fetch16()
		c.push(wsz, uint32(c.S[CS]))
		c.push(wsz, uint32(c.IP))
		c.S[CS] = seg
		c.IP = uint16(off)
	case 0x9B: // WAIT
	case 0x9C: // PUSHF
		c.push(wsz, uint32(c.Flags))
	case 0x9D: // POPF
		c.Flags = uint16(c.pop(wsz))&popfMask | 2
	case 0x9E: // SAHF
		c.Flags = c.Flags&^(SF|ZF|AF|PF|CF) | uint16(c.reg8(4))&(SF|ZF|AF|PF|CF)
	case 0x9F: // LAHF
		c.setReg8(4, uint8(c.Flags&(SF|ZF|AF|PF|CF)|2))
	case 0xA0, 0xA1: // MOV AL/AX, moffs
		sz := wsz
		if op == 0xA0 {
			sz = 1
		}
		off := c.fetch16()
		c.setReg(sz, EAX, c.rd(sz, c.dataSeg(), off))
	case 0xA2, 0xA3: // MOV moffs, AL/AX
		sz := wsz
		if op == 0xA2 {
			sz = 1
		}
		off := c.fetch16()
		c.wr(sz, c.dataSeg(), off, c.reg(sz, EAX))
	case 0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF:
		sz := wsz
		if op&1 == 0 {
			sz = 1
		}
		c.stringOp(op, sz)
	case 0xA8: // TEST AL, imm8
		c.alu(opAND, c.R[EAX]&0xFF, uint32(c.fetch8()), 1)
	case 0xA9: // TEST AX, imm
		c.alu(opAND, c.reg(wsz, EAX), c.fetchImm(wsz), wsz)
	case 0xC0, 0xC1, 0xD0, 0xD1, 0xD2, 0xD3: // group 2
		sz := wsz
		if op&1 == 0 {
			sz = 1
		}
		c.decodeModRM()
		a := c.rmv(sz)
		var n uint8
		switch op {
		case 0xC0, 0xC1:
			n = c.fetch8()
		case 0xD0, 0xD1:
			n = 1
		default:
			n = uint8(c.R[ECX])
		}
		if n&0x1F != 0 {
			c.setRmv(sz, c.shift(c.modReg, a, n, sz))
		}
	case 0xC2: // RET imm16
		n := c.fetch16()
		c.IP = uint16(c.pop(wsz))
		c.SetReg16(ESP, uint16(c.R[ESP])+n)
	case 0xC3: // RET
		c.IP = uint16(c.pop(wsz))
	case 0xC4, 0xC5: // LES, LDS
		c.decodeModRM()
		if c.isReg {
			return int(InvalidOpcode)
		}
		v := c.rd(wsz, c.eaBase, c.eaOff)
		s := c.rd16(c.eaBase, c.eaOff+uint16(wsz))
		c.setReg(wsz, c.modReg, v)
		if op == 0xC4 {
			c.S[ES] = s
		} else {
			c.S[DS] = s
		}
	case 0xC6, 0xC7: // MOV r/m, imm
		sz := wsz
		if op == 0xC6 {
			sz = 1
		}
		c.decodeModRM()
		if c.modReg != 0 {
			return int(InvalidOpcode)
		}
		c.setRmv(sz, c.fetchImm(sz))
	case 0xC8: // ENTER imm16, imm8
		size := c.fetch16()
		level := c.fetch8() & 0x1F
		c.push(wsz, c.reg(wsz, EBP))
		frame := c.reg(wsz, ESP)
		if level > 0 {
			for i := uint8(1); i < level; i++ {
				bp := uint16(c.R[EBP]) - uint16(wsz)
				c.SetReg16(EBP, bp)
				c.push(wsz, c.rd(wsz, uint32(c.S[SS])<<4, bp))
			}
			c.push(wsz, frame)
		}
		c.setReg(wsz, EBP, frame)
		c.SetReg16(ESP, uint16(c.R[ESP])-size)
	case 0xC9: // LEAVE
		c.SetReg16(ESP, uint16(c.R[EBP]))
		c.setReg(wsz, EBP, c.pop(wsz))
	case 0xCA: // RETF imm16
		n := c.fetch16()
		c.IP = uint16(c.pop(wsz))
		c.S[CS] = uint16(c.pop(wsz))
		c.SetReg16(ESP, uint16(c.R[ESP])+n)
	case 0xCB: // RETF
		c.IP = uint16(c.pop(wsz))
		c.S[CS] = uint16(c.pop(wsz))
	case 0xCC: // INT 3
		c.interrupt(3)
	case 0xCD: // INT imm8
		c.interrupt(c.fetch8())
	case 0xCE: // INTO
		if c.Flags&OF != 0 {
			c.interrupt(4)
		}
	case 0xCF: // IRET
		c.IP = uint16(c.pop(wsz))
		c.S[CS] = uint16(c.pop(wsz))
		c.Flags = uint16(c.pop(wsz))&popfMask | 2
	case 0xD4: // AAM imm8
		d := c.fetch8()
		if d == 0 {
			c.fault(0)
			return stopNone
		}
		al := uint8(c.R[EAX])
		c.setReg8(4, al/d)
		c.setReg8(0, al%d)
		c.setArith(szp(uint32(al%d), 1))
	case 0xD5: // AAD imm8
		d := c.fetch8()
		al := uint8(c.R[EAX])
		ah := uint8(c.R[EAX] >> 8)
		// The flags are those of the byte addition AL + AH*imm8.
		c.alu(opADD, uint32(al), uint32(ah*d), 1)
		c.SetReg16(EAX, uint16(al+ah*d))
	case 0xD6: // SALC (undocumented on every Intel CPU, present on all)
		if c.Flags&CF != 0 {
			c.setReg8(0, 0xFF)
		} else {
			c.setReg8(0, 0)
		}
	case 0xD7: // XLAT
		c.setReg8(0, c.rd8(c.dataSeg(), uint16(c.R[EBX])+uint16(uint8(c.R[EAX]))))
	case 0xE0, 0xE1, 0xE2: // LOOPNZ, LOOPZ, LOOP
		d := int8(c.fetch8())
		cx := uint16(c.R[ECX]) - 1
		c.SetReg16(ECX, cx)
		take := cx != 0
		if op == 0xE0 {
			take = take && c.Flags&ZF == 0
		} else if op == 0xE1 {
			take = take && c.Flags&ZF != 0
		}
		if take {
			c.IP += uint16(d)
		}
	case 0xE3: // JCXZ
		d := int8(c.fetch8())
		if uint16(c.R[ECX]) == 0 {
			c.IP += uint16(d)
		}
	case 0xE4, 0xE5: // IN AL/AX, imm8
		sz := wsz
		if op == 0xE4 {
			sz = 1
		}
		c.setReg(sz, EAX, c.in(uint16(c.fetch8()), sz))
	case 0xE6, 0xE7: // OUT imm8, AL/AX
		sz := wsz
		if op == 0xE6 {
			sz = 1
		}
		c.out(uint16(c.fetch8()), sz, c.reg(sz, EAX))
	case 0xE8: // CALL rel
		d := c.fetchImm(wsz)
		c.push(wsz, uint32(c.IP))
		c.IP += uint16(d)
	case 0xE9: // JMP rel
		d := c.fetchImm(wsz)
		c.IP += uint16(d)
		if c.IP == c.instIP && c.SpinStop {
			return int(Spinning)
		}
	case 0xEA: // JMP far ptr16:16
		off := c.fetchImm(wsz)
		seg := c.fetch16()
		c.S[CS] = seg
		c.IP = uint16(off)
	case 0xEB: // JMP rel8
		d := int8(c.fetch8())
		c.IP += uint16(d)
		if c.IP == c.instIP && c.SpinStop {
			return int(Spinning)
		}
	case 0xEC, 0xED: // IN AL/AX, DX
		sz := wsz
		if op == 0xEC {
			sz = 1
		}
		c.setReg(sz, EAX, c.in(uint16(c.R[EDX]), sz))
	case 0xEE, 0xEF: // OUT DX, AL/AX
		sz := wsz
		if op == 0xEE {
			sz = 1
		}
		c.out(uint16(c.R[EDX]), sz, c.reg(sz, EAX))
	case 0xF4: // HLT
		if c.Flags&IF == 0 {
			return int(Halted)
		}
		return int(WaitInterrupt)
	case 0xF5: // CMC
		c.Flags ^= CF
	case 0xF6, 0xF7: // group 3
		sz := wsz
		if op == 0xF6 {
			sz = 1
		}
		c.decodeModRM()
		return c.group3(sz)
	case 0xF8:
		c.Flags &^= CF
	case 0xF9:
		c.Flags |= CF
	case 0xFA:
		c.Flags &^= IF
	case 0xFB:
		c.Flags |= IF
	case 0xFC:
		c.Flags &^= DF
	case 0xFD:
		c.Flags |= DF
	case 0xFE: // group 4
		c.decodeModRM()
		if c.modReg > 1 {
			return int(InvalidOpcode)
		}
		c.setRmv(1, c.incdec(c.rmv(1), c.modReg == 1, 1))
	case 0xFF: // group 5
		c.decodeModRM()
		switch c.modReg {
		case 0, 1: // INC, DEC
			c.setRmv(wsz, c.incdec(c.rmv(wsz), c.modReg == 1, wsz))
		case 2: // CALL near r/m
			t := c.rmv(wsz)
			c.push(wsz, uint32(c.IP))
			c.IP = uint16(t)
		case 3: // CALL far m16:16
			if c.isReg {
				return int(InvalidOpcode)
			}
			off := c.rd(wsz, c.eaBase, c.eaOff)
			seg := c.rd16(c.eaBase, c.eaOff+uint16(wsz))
			c.push(wsz, uint32(c.S[CS]))
			c.push(wsz, uint32(c.IP))
			c.S[CS] = seg
			c.IP = uint16(off)
		case 4: // JMP near r/m
			c.IP = uint16(c.rmv(wsz))
		case 5: // JMP far m16:16
			if c.isReg {
				return int(InvalidOpcode)
			}
			off := c.rd(wsz, c.eaBase, c.eaOff)
			c.S[CS] = c.rd16(c.eaBase, c.eaOff+uint16(wsz))
			c.IP = uint16(off)
		case 6: // PUSH r/m
			c.push(wsz, c.rmv(wsz))
		default:
			return int(InvalidOpcode)
		}
	default:
		// 63 ARPL, 67 address size, D8-DF x87, F1 ICEBP and the rest.
		return int(InvalidOpcode)
	}
	return stopNone
}

func (c *CPU) in(port uint16, sz uint8) uint32 {
	if c.In == nil {
		return sizeMask[sz]
	}
	return c.In(port, int(sz)) & sizeMask[sz]
}

func (c *CPU) out(port uint16, sz uint8, v uint32) {
	if c.Out != nil {
		c.Out(port, int(sz), v)
	}
}

// imul2 is the two- and three-operand IMUL: the truncated signed product,
// with CF and OF set when it does not fit.
func (c *CPU) imul2(a, b uint32, sz uint8) uint32 {
	var r uint32
	var over bool
	if sz == 2 {
		p := int32(int16(a)) * int32(int16(b))
		r = uint32(uint16(p))
		over = p != int32(int16(p))
	} else {
		p := int64(int32(a)) * int64(int32(b))
		r = uint32(p)
		over = p != int64(int32(p))
	}
	f := szp(r, sz)
	if over {
		f |= CF | OF
	}
	c.setArith(f)
	return r
}

// group3 executes F6/F7: TEST NOT NEG MUL IMUL DIV IDIV.
func (c *CPU) group3(sz uint8) int {
	mask := sizeMask[sz]
	a := c.rmv(sz)
	switch c.modReg {
	case 0, 1: // TEST (/1 is an undocumented alias that the 386 keeps)
		c.alu(opAND, a, c.fetchImm(sz), sz)
	case 2: // NOT
		c.setRmv(sz, ^a&mask)
	case 3: // NEG
		c.setRmv(sz, c.alu(opSUB, 0, a, sz))
	case 4: // MUL
		var hi uint32
		switch sz {
		case 1:
			p := uint16(c.R[EAX]&0xFF) * uint16(a)
			c.SetReg16(EAX, p)
			hi = uint32(p >> 8)
			c.setArith(szp(uint32(p&0xFF), 1))
		case 2:
			p := (c.R[EAX] & 0xFFFF) * a
			c.SetReg16(EAX, uint16(p))
			c.SetReg16(EDX, uint16(p>>16))
			hi = p >> 16
			c.setArith(szp(p&0xFFFF, 2))
		default:
			p := uint64(c.R[EAX]) * uint64(a)
			c.R[EAX] = uint32(p)
			c.R[EDX] = uint32(p >> 32)
			hi = uint32(p >> 32)
			c.setArith(szp(uint32(p), 4))
		}
		if hi != 0 {
			c.Flags |= CF | OF
		}
	case 5: // IMUL
		var over bool
		switch sz {
		case 1:
			p := int16(int8(c.R[EAX])) * int16(int8(a))
			c.SetReg16(EAX, uint16(p))
			over = p != int16(int8(p))
			c.setArith(szp(uint32(uint8(p)), 1))
		case 2:
			p := int32(int16(c.R[EAX])) * int32(int16(a))
			c.SetReg16(EAX, uint16(p))
			c.SetReg16(EDX, uint16(p>>16))
			over = p != int32(int16(p))
			c.setArith(szp(uint32(uint16(p)), 2))
		default:
			p := int64(int32(c.R[EAX])) * int64(int32(a))
			c.R[EAX] = uint32(p)
			c.R[EDX] = uint32(uint64(p) >> 32)
			over = p != int64(int32(p))
			c.setArith(szp(uint32(p), 4))
		}
		if over {
			c.Flags |= CF | OF
		}
	case 6: // DIV
		if a == 0 {
			c.fault(0)
			return stopNone
		}
		switch sz {
		case 1:
			n := uint32(uint16(c.R[EAX]))
			q := n / a
			if q > 0xFF {
				c.fault(0)
				return stopNone
			}
			c.SetReg16(EAX, uint16(n%a)<<8|uint16(q))
		case 2:
			n := uint32(uint16(c.R[EDX]))<<16 | uint32(uint16(c.R[EAX]))
			q := n / a
			if q > 0xFFFF {
				c.fault(0)
				return stopNone
			}
			c.SetReg16(EAX, uint16(q))
			c.SetReg16(EDX, uint16(n%a))
		default:
			n := uint64(c.R[EDX])<<32 | uint64(c.R[EAX])
			q := n / uint64(a)
			if q > 0xFFFFFFFF {
				c.fault(0)
				return stopNone
			}
			c.R[EAX] = uint32(q)
			c.R[EDX] = uint32(n % uint64(a))
		}
	case 7: // IDIV
		if a == 0 {
			c.fault(0)
			return stopNone
		}
		switch sz {
		case 1:
			n := int32(int16(c.R[EAX]))
			d := int32(int8(a))
			q := n / d
			if q > 127 || q < -128 {
				c.fault(0)
				return stopNone
			}
			c.SetReg16(EAX, uint16(uint8(n%d))<<8|uint16(uint8(q)))
		case 2:
			n := int32(uint32(uint16(c.R[EDX]))<<16 | uint32(uint16(c.R[EAX])))
			d := int32(int16(a))
			q := int64(n) / int64(d)
			if q > 32767 || q < -32768 {
				c.fault(0)
				return stopNone
			}
			c.SetReg16(EAX, uint16(q))
			c.SetReg16(EDX, uint16(int64(n)%int64(d)))
		default:
			n := int64(uint64(c.R[EDX])<<32 | uint64(c.R[EAX]))
			d := int64(int32(a))
			if n == -1<<63 && d == -1 {
				c.fault(0)
				return stopNone
			}
			q := n / d
			if q > 1<<31-1 || q < -1<<31 {
				c.fault(0)
				return stopNone
			}
			c.R[EAX] = uint32(q)
			c.R[EDX] = uint32(n % d)
		}
	}
	return stopNone
}

func (c *CPU) daa() {
	al := uint8(c.R[EAX])
	oldCF := c.Flags&CF != 0
	f := c.Flags &^ (CF | AF)
	r := al
	if al&0x0F > 9 || c.Flags&AF != 0 {
		r += 6
		f |= AF
	}
	if al > 0x99 || oldCF {
		r += 0x60
		f |= CF
	}
	c.setReg8(0, r)
	c.Flags = f&^(SF|ZF|PF) | szp(uint32(r), 1)
}

func (c *CPU) das() {
	al := uint8(c.R[EAX])
	oldCF := c.Flags&CF != 0
	f := c.Flags &^ (CF | AF)
	r := al
	if al&0x0F > 9 || c.Flags&AF != 0 {
		r -= 6
		f |= AF
		if al < 6 {
			f |= CF
		}
	}
	if al > 0x99 || oldCF {
		r -= 0x60
		f |= CF
	}
	c.setReg8(0, r)
	c.Flags = f&^(SF|ZF|PF) | szp(uint32(r), 1)
}

// stringOp executes MOVS CMPS STOS LODS SCAS INS OUTS with their REP
// prefixes. Addresses are 16-bit (SI, DI, CX); the destination is always
// ES:DI, the source DS:SI unless overridden.
func (c *CPU) stringOp(op uint8, sz uint8) {
	delta := uint16(sz)
	if c.Flags&DF != 0 {
		delta = -delta
	}
	src := c.dataSeg()
	dst := uint32(c.S[ES]) << 4
	rep := c.rep != 0
	for {
		if rep {
			if uint16(c.R[ECX]) == 0 {
				return
			}
		}
		si := uint16(c.R[ESI])
		di := uint16(c.R[EDI])
		cmp := false
		switch op {
		case 0xA4, 0xA5: // MOVS
			c.wr(sz, dst, di, c.rd(sz, src, si))
			c.SetReg16(ESI, si+delta)
			c.SetReg16(EDI, di+delta)
		case 0xA6, 0xA7: // CMPS
			c.alu(opCMP, c.rd(sz, src, si), c.rd(sz, dst, di), sz)
			c.SetReg16(ESI, si+delta)
			c.SetReg16(EDI, di+delta)
			cmp = true
		case 0xAA, 0xAB: // STOS
			c.wr(sz, dst, di, c.reg(sz, EAX))
			c.SetReg16(EDI, di+delta)
		case 0xAC, 0xAD: // LODS
			c.setReg(sz, EAX, c.rd(sz, src, si))
			c.SetReg16(ESI, si+delta)
		case 0xAE, 0xAF: // SCAS
			c.alu(opCMP, c.reg(sz, EAX), c.rd(sz, dst, di), sz)
			c.SetReg16(EDI, di+delta)
			cmp = true
		case 0x6C, 0x6D: // INS
			c.wr(sz, dst, di, c.in(uint16(c.R[EDX]), sz))
			c.SetReg16(EDI, di+delta)
		case 0x6E, 0x6F: // OUTS
			c.out(uint16(c.R[EDX]), sz, c.rd(sz, src, si))
			c.SetReg16(ESI, si+delta)
		}
		if !rep {
			return
		}
		c.SetReg16(ECX, uint16(c.R[ECX])-1)
		c.Count++
		if cmp {
			z := c.Flags&ZF != 0
			if (c.rep == 0xF3 && !z) || (c.rep == 0xF2 && z) {
				return
			}
		}
	}
}

// step0F executes the two-byte opcodes 0F xx.
func (c *CPU) step0F(wsz uint8) int {
	op := c.fetch8()
	switch {
	case op >= 0x80 && op < 0x90: // Jcc rel16/rel32
		d := c.fetchImm(wsz)
		if c.cond(op & 15) {
			c.IP += uint16(d)
		}
		return stopNone
	case op >= 0x90 && op < 0xA0: // SETcc r/m8
		c.decodeModRM()
		var v uint32
		if c.cond(op & 15) {
			v = 1
		}
		c.setRmv(1, v)
		return stopNone
	}
	switch op {
	case 0xA0, 0xA8: // PUSH FS, PUSH GS
		c.push(wsz, uint32(c.S[FS+(op>>3&1)]))
	case 0xA1, 0xA9: // POP FS, POP GS
		c.S[FS+(op>>3&1)] = uint16(c.pop(wsz))
	case 0xA3, 0xAB, 0xB3, 0xBB: // BT BTS BTR BTC r/m, r
		c.decodeModRM()
		bit := c.reg(wsz, c.modReg)
		if !c.isReg {
			// The bit offset is signed and may address outside the operand.
			bits := int32(wsz) * 8
			var off int32
			if wsz == 2 {
				off = int32(int16(bit))
			} else {
				off = int32(bit)
			}
			c.eaOff += uint16((off >> 3) &^ (int32(wsz) - 1))
			bit = uint32(off & (bits - 1))
		}
		c.bitOp((op>>3)&3, bit, wsz)
	case 0xBA: // BT BTS BTR BTC r/m, imm8
		c.decodeModRM()
		if c.modReg < 4 {
			return int(InvalidOpcode)
		}
		bit := uint32(c.fetch8())
		c.bitOp(c.modReg&3, bit, wsz)
	case 0xAF: // IMUL r, r/m
		c.decodeModRM()
		c.setReg(wsz, c.modReg, c.imul2(c.reg(wsz, c.modReg), c.rmv(wsz), wsz))
	case 0xB2, 0xB4, 0xB5: // LSS, LFS, LGS
		c.decodeModRM()
		if c.isReg {
			return int(InvalidOpcode)
		}
		v := c.rd(wsz, c.eaBase, c.eaOff)
		s := c.rd16(c.eaBase, c.eaOff+uint16(wsz))
		c.setReg(wsz, c.modReg, v)
		c.S[op&7] = s
	case 0xB6, 0xB7, 0xBE, 0xBF: // MOVZX, MOVSX
		c.decodeModRM()
		var v uint32
		if op&1 == 0 {
			v = c.rmv(1)
			if op&8 != 0 {
				v = uint32(int32(int8(v)))
			}
		} else {
			v = c.rmv(2)
			if op&8 != 0 {
				v = uint32(int32(int16(v)))
			}
		}
		c.setReg(wsz, c.modReg, v)
	case 0xBC, 0xBD: // BSF, BSR
		c.decodeModRM()
		v := c.rmv(wsz)
		if v == 0 {
			c.Flags |= ZF
			return stopNone
		}
		c.Flags &^= ZF
		var n uint32
		if op == 0xBC {
			for v&1 == 0 {
				v >>= 1
				n++
			}
		} else {
			n = uint32(wsz)*8 - 1
			for v&sizeSign[wsz] == 0 {
				v <<= 1
				n--
			}
		}
		c.setReg(wsz, c.modReg, n)
	case 0xA4, 0xA5, 0xAC, 0xAD: // SHLD, SHRD
		c.decodeModRM()
		var n uint8
		if op&1 == 0 {
			n = c.fetch8()
		} else {
			n = uint8(c.R[ECX])
		}
		n &= 0x1F
		if n == 0 {
			return stopNone
		}
		c.setRmv(wsz, c.shiftDouble(op < 0xA8, c.rmv(wsz), c.reg(wsz, c.modReg), n, wsz))
	case 0x01: // group 7: SGDT SIDT LGDT LIDT SMSW LMSW
		c.decodeModRM()
		return c.group7()
	case 0x20, 0x22: // MOV r32, CRn and MOV CRn, r32
		return c.movCR(op == 0x22)
	case 0x31: // RDTSC: the instruction count is the time stamp
		c.R[EAX] = uint32(c.Count)
		c.R[EDX] = uint32(c.Count >> 32)
	case 0xA2: // CPUID
		c.cpuid()
	case TrapOpcode: // BIOS trap 0F FF ib
		n := c.fetch8()
		if c.S[CS] != TrapSegment || c.Trap == nil {
			return int(InvalidOpcode)
		}
		if err := c.Trap(n); err != nil {
			c.stopErr = err
			return stopTrap
		}
	default:
		return int(InvalidOpcode)
	}
	return stopNone
}

// bitOp is BT (0), BTS (1), BTR (2), BTC (3) on the ModRM operand.
func (c *CPU) bitOp(kind uint8, bit uint32, sz uint8) {
	bit &= uint32(sz)*8 - 1
	v := c.rmv(sz)
	m := uint32(1) << bit
	c.Flags &^= CF
	if v&m != 0 {
		c.Flags |= CF
	}
	switch kind {
	case 1:
		c.setRmv(sz, v|m)
	case 2:
		c.setRmv(sz, v&^m)
	case 3:
		c.setRmv(sz, v^m)
	}
}

// shiftDouble is SHLD (left) or SHRD with a masked count 1..31.
func (c *CPU) shiftDouble(left bool, a, b uint32, n uint8, sz uint8) uint32 {
	bits := sizeBits[sz]
	mask := sizeMask[sz]
	sign := sizeSign[sz]
	if n > bits {
		// Undefined for 16-bit operands; keep the operand.
		return a
	}
	var r uint32
	var cf uint32
	if left {
		w := uint64(a)<<bits | uint64(b)
		cf = uint32(w>>(2*uint(bits)-uint(n))) & 1
		r = uint32(w>>(bits-n)) & mask
	} else {
		w := uint64(b)<<bits | uint64(a)
		cf = uint32(w>>(n-1)) & 1
		r = uint32(w>>n) & mask
	}
	f := szp(r, sz) | uint16(cf)
	if (a^r)&sign != 0 {
		f |= OF
	}
	c.setArith(f)
	return r
}

// cpuid answers CPUID with QEMU's default 32-bit CPU ("qemu32": vendor
// GenuineIntel, family 6 model 6 stepping 3) but only the feature bits this
// emulator has: TSC (RDTSC). Leaf 0 reports 1 as the highest leaf; higher
// leaves return zeros.
func (c *CPU) cpuid() {
	switch c.R[EAX] {
	case 0:
		c.R[EAX] = 1
		c.R[EBX] = 0x756E6547 // "Genu"
		c.R[EDX] = 0x49656E69 // "ineI"
		c.R[ECX] = 0x6C65746E // "ntel"
	case 1:
		c.R[EAX] = 0x00000663
		c.R[EBX] = 0
		c.R[ECX] = 0
		c.R[EDX] = 1 << 4 // TSC
	default:
		c.R[EAX], c.R[EBX], c.R[ECX], c.R[EDX] = 0, 0, 0, 0
	}
}

// group7 runs 0F 01 /r in real mode (Intel SDM vol. 2, LGDT/LIDT, SGDT/SIDT,
// SMSW, LMSW). With a 16-bit operand size LGDT/LIDT load a 24-bit base and
// SGDT/SIDT store the base with its high byte zero, as a 386 does and QEMU
// implements (a 286 stored FFh there). INVLPG (/7) and /5 are invalid here.
func (c *CPU) group7() int {
	switch c.modReg {
	case 0, 1: // SGDT, SIDT
		if c.isReg {
			return int(InvalidOpcode)
		}
		limit, base := c.GDTLimit, c.GDTBase
		if c.modReg == 1 {
			limit, base = c.IDTLimit, c.IDTBase
		}
		if !c.o32 {
			base &= 0xFFFFFF
		}
		c.wr16(c.eaBase, c.eaOff, limit)
		c.wr32(c.eaBase, c.eaOff+2, base)
	case 2, 3: // LGDT, LIDT
		if c.isReg {
			return int(InvalidOpcode)
		}
		limit := c.rd16(c.eaBase, c.eaOff)
		base := c.rd32(c.eaBase, c.eaOff+2)
		if !c.o32 {
			base &= 0xFFFFFF
		}
		if c.modReg == 2 {
			c.GDTLimit, c.GDTBase = limit, base
		} else {
			c.IDTLimit, c.IDTBase = limit, base
		}
	case 4: // SMSW: a register gets all of CR0 with the 0x66 prefix
		sz := uint8(2)
		if c.isReg && c.o32 {
			sz = 4
		}
		c.setRmv(sz, c.CR[0])
	case 6: // LMSW: loads PE MP EM TS; it cannot clear PE
		v := c.rmv(2)
		if v&1 != 0 {
			return int(ProtectedMode)
		}
		c.CR[0] = c.CR[0]&^0xE | v&0xE
	default:
		return int(InvalidOpcode)
	}
	return stopNone
}

// movCR runs MOV r32, CRn (0F 20) or, if toCR, MOV CRn, r32 (0F 22). The
// ModRM byte always names a register, whatever its mod field says (Intel
// SDM vol. 2, "MOV - Move to/from Control Registers"). CR1 and CR5-CR7 are
// #UD; writing CR0 with PE or PG enters protected mode, which stops Run.
// ET stays set, as on QEMU.
func (c *CPU) movCR(toCR bool) int {
	m := c.fetch8()
	n, r := (m>>3)&7, m&7
	if n == 1 || n > 4 {
		return int(InvalidOpcode)
	}
	if !toCR {
		c.R[r] = c.CR[n]
		return stopNone
	}
	v := c.R[r]
	if n == 0 {
		if v&(1|1<<31) != 0 {
			return int(ProtectedMode)
		}
		v |= CR0ET
	}
	c.CR[n] = v
	return stopNone
}
