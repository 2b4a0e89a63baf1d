package cpu

// Flag computation for the arithmetic and logic instructions, following the
// "Flags Affected" sections of the Intel SDM vol. 2.

var (
	sizeMask = [5]uint32{1: 0xFF, 2: 0xFFFF, 4: 0xFFFFFFFF}
	sizeSign = [5]uint32{1: 0x80, 2: 0x8000, 4: 0x80000000}
	sizeBits = [5]uint8{1: 8, 2: 16, 4: 32}
)

// parity[b] is PF for a result whose low byte is b (set when the number of
// one bits is even).
var parity = func() (t [256]uint16) {
	for i := range t {
		n := 0
		for b := i; b != 0; b >>= 1 {
			n += b & 1
		}
		if n%2 == 0 {
			t[i] = PF
		}
	}
	return
}()

// szp returns SF, ZF and PF for a result r of size sz (r already masked).
func szp(r uint32, sz uint8) uint16 {
	f := parity[uint8(r)]
	if r == 0 {
		f |= ZF
	}
	if r&sizeSign[sz] != 0 {
		f |= SF
	}
	return f
}

func (c *CPU) setArith(f uint16) { c.Flags = c.Flags&^arithFlags | f }

// Group-1 operations in encoding order (the reg field of 80-83, bits 3-5 of
// 00-3D).
const (
	opADD = iota
	opOR
	opADC
	opSBB
	opAND
	opSUB
	opXOR
	opCMP
)

// alu performs operation op on a and b (both already masked to size sz),
// sets the flags and returns the result. For CMP the caller discards it.
func (c *CPU) alu(op uint8, a, b uint32, sz uint8) uint32 {
	mask := sizeMask[sz]
	sign := sizeSign[sz]
	var r uint32
	var f uint16
	switch op {
	case opADD, opADC:
		var cin uint64
		if op == opADC && c.Flags&CF != 0 {
			cin = 1
		}
		r64 := uint64(a) + uint64(b) + cin
		r = uint32(r64) & mask
		if r64 > uint64(mask) {
			f |= CF
		}
		if (a^r)&(b^r)&sign != 0 {
			f |= OF
		}
		f |= uint16((a ^ b ^ r) & 0x10)
	case opSUB, opSBB, opCMP:
		var cin uint64
		if op == opSBB && c.Flags&CF != 0 {
			cin = 1
		}
		r = uint32(uint64(a)-uint64(b)-cin) & mask
		if uint64(b)+cin > uint64(a) {
			f |= CF
		}
		if (a^b)&(a^r)&sign != 0 {
			f |= OF
		}
		f |= uint16((a ^ b ^ r) & 0x10)
	case opOR:
		r = a | b
	case opAND:
		r = a & b
	case opXOR:
		r = a ^ b
	}
	c.setArith(f | szp(r, sz))
	return r
}

// incdec adds d (+1 or -1) to a, setting every arithmetic flag but CF.
func (c *CPU) incdec(a uint32, dec bool, sz uint8) uint32 {
	mask := sizeMask[sz]
	sign := sizeSign[sz]
	var r uint32
	var f uint16
	if dec {
		r = (a - 1) & mask
		if a == sign {
			f |= OF
		}
	} else {
		r = (a + 1) & mask
		if r == sign {
			f |= OF
		}
	}
	f |= uint16((a ^ r) & 0x10)
	f |= szp(r, sz)
	c.Flags = c.Flags&^(arithFlags&^CF) | f
	return r
}

// cond evaluates condition code cc (the low nibble of Jcc/SETcc).
func (c *CPU) cond(cc uint8) bool {
	f := c.Flags
	var r bool
	switch cc >> 1 {
	case 0:
		r = f&OF != 0
	case 1:
		r = f&CF != 0
	case 2:
		r = f&ZF != 0
	case 3:
		r = f&(CF|ZF) != 0
	case 4:
		r = f&SF != 0
	case 5:
		r = f&PF != 0
	case 6:
		r = (f&SF != 0) != (f&OF != 0)
	case 7:
		r = f&ZF != 0 || (f&SF != 0) != (f&OF != 0)
	}
	return r != (cc&1 != 0)
}

// shift performs group-2 operation op (ROL ROR RCL RCR SHL SHR SAL SAR) on a
// by count. The count is masked to 5 bits as on the 80186 and later; a
// masked count of zero changes nothing, flags included.
func (c *CPU) shift(op uint8, a uint32, count uint8, sz uint8) uint32 {
	count &= 0x1F
	if count == 0 {
		return a
	}
	mask := sizeMask[sz]
	sign := sizeSign[sz]
	bits := sizeBits[sz]
	f := c.Flags
	r := a
	switch op {
	case 0: // ROL
		n := count % bits
		r = (a<<n | a>>(bits-n)) & mask
		f = f&^CF | uint16(r&1)
		if (r&sign != 0) != (r&1 != 0) {
			f |= OF
		} else {
			f &^= OF
		}
	case 1: // ROR
		n := count % bits
		r = (a>>n | a<<(bits-n)) & mask
		f &^= CF | OF
		if r&sign != 0 {
			f |= CF
		}
		if (r&sign != 0) != (r&(sign>>1) != 0) {
			f |= OF
		}
	case 2: // RCL
		cf := uint32(f & CF)
		for i := uint8(0); i < count; i++ {
			out := r & sign
			r = (r<<1 | cf) & mask
			if out != 0 {
				cf = 1
			} else {
				cf = 0
			}
		}
		f = f&^(CF|OF) | uint16(cf)
		if (r&sign != 0) != (cf != 0) {
			f |= OF
		}
	case 3: // RCR
		cf := uint32(f & CF)
		for i := uint8(0); i < count; i++ {
			out := r & 1
			r = r>>1 | cf<<(bits-1)
			cf = out
		}
		f = f&^(CF|OF) | uint16(cf)
		if (r&sign != 0) != (r&(sign>>1) != 0) {
			f |= OF
		}
	case 4, 6: // SHL, SAL
		var cf uint32
		if count <= bits {
			cf = (a >> (bits - count)) & 1
		}
		r = uint32(uint64(a)<<count) & mask
		f = f&^arithFlags | uint16(cf) | szp(r, sz)
		if (r&sign != 0) != (cf != 0) {
			f |= OF
		}
	case 5: // SHR
		cf := uint32(uint64(a)>>(count-1)) & 1
		r = uint32(uint64(a) >> count)
		f = f&^arithFlags | uint16(cf) | szp(r, sz)
		if count == 1 && a&sign != 0 {
			f |= OF
		}
	case 7: // SAR
		s := int64(int32(a << (32 - bits)))
		s >>= 32 - bits
		cf := uint32(s>>(count-1)) & 1
		r = uint32(s>>count) & mask
		f = f&^arithFlags | uint16(cf) | szp(r, sz)
	}
	c.Flags = f
	return r
}
