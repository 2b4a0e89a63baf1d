package pc

import "math"

// The 8254 programmable interval timer (ports 40h-43h) and the speaker
// port 61h, run from the instruction clock: the PIT's 1.193182 MHz input
// advances 65536 clocks every InstructionsPerTick instructions, so channel 0
// with its BIOS count of 65536 raises IRQ 0 (int 08h) every
// InstructionsPerTick instructions, 18.2065 times a second of guest time.
// References: Intel 8254 data sheet (modes, latch and read-back commands),
// QEMU hw/timer/i8254.c and hw/audio/pcspk.c (what a program reads back).

// PITHz is the input clock of the PIT.
const PITHz = 1193182

// InstructionsPerSecond is the speed of the emulated CPU in guest time:
// InstructionsPerTick * PITHz / 65536, about 18.2 million instructions per
// second. The RTC, the tick count and the PIT all run at this rate.
const InstructionsPerSecond = InstructionsPerTick * PITHz / 65536

// never is the instruction count of an event that will not happen.
const never = math.MaxUint64

// pitClock is the PIT clock at instruction count n: n*65536/InstructionsPerTick.
func pitClock(n uint64) uint64 { return n/15625*1024 + n%15625*1024/15625 }

// instrAt is the first instruction count at which the PIT clock reaches clk.
func instrAt(clk uint64) uint64 {
	n := clk / 1024 * 15625
	r := clk % 1024 * 15625
	return n + (r+1023)/1024
}

// pitChannel is one counter of the 8254, as QEMU's i8254 model runs it:
// a channel always counts (setting a mode keeps the count going until a
// new count is written), and channel 2's gate only restarts the count on
// a rising edge.
type pitChannel struct {
	mode    byte   // 0..5
	access  byte   // 1 low byte, 2 high byte, 3 low then high; 0 before programming
	bcd     bool   // kept for the status byte; counting is binary
	reload  uint64 // the count written, 1..65536
	start   uint64 // PIT clock at which the count was loaded
	gate    bool   // channel 2's gate (port 61h bit 0); always on for 0 and 1
	writeLo byte   // the low byte of a two-byte count
	writeHi bool   // the next write is the high byte
	readHi  bool   // the next read is the high byte
	latched bool   // a latch command froze latch
	latch   uint16
	status  int // a read-back status byte waiting to be read, or -1
}

// count is what the counter holds at PIT clock clk.
func (ch *pitChannel) count(clk uint64) uint16 {
	e := clk - ch.start
	switch ch.mode {
	case 2:
		return uint16(ch.reload - e%ch.reload)
	case 3: // counts down by two, twice per period
		return uint16(ch.reload - 2*e%ch.reload&^1)
	}
	return uint16(ch.reload - e) // modes 0, 1, 4, 5: down through 0 to FFFFh
}

// out is the channel's output at PIT clock clk, as QEMU computes it
// (pit_get_out; in mode 2 it is high only at the reload).
func (ch *pitChannel) out(clk uint64) bool {
	e := clk - ch.start
	switch ch.mode {
	case 0, 1:
		return e >= ch.reload
	case 2:
		return e%ch.reload == 0 && e != 0
	case 3:
		return e%ch.reload < (ch.reload+1)/2
	}
	return e == ch.reload
}

// control is a write to port 43h for this channel (not a read-back).
func (ch *pitChannel) control(v byte, clk uint64) {
	access := v >> 4 & 3
	if access == 0 { // counter latch command
		if !ch.latched {
			ch.latched, ch.latch = true, ch.count(clk)
		}
		return
	}
	ch.access = access
	ch.mode = v >> 1 & 7
	if ch.mode > 5 {
		ch.mode -= 4 // 6 and 7 are 2 and 3
	}
	ch.bcd = v&1 != 0
	ch.writeHi, ch.readHi, ch.latched = false, false, false
}

// write is a write to the channel's data port; it reports whether a new
// count was loaded.
func (ch *pitChannel) write(v byte, clk uint64) bool {
	var n uint64
	switch ch.access {
	case 1:
		n = uint64(v)
	case 2:
		n = uint64(v) << 8
	default:
		if !ch.writeHi {
			ch.writeLo, ch.writeHi = v, true
			return false
		}
		ch.writeHi = false
		n = uint64(v)<<8 | uint64(ch.writeLo)
	}
	if n == 0 {
		n = 65536
	}
	ch.reload, ch.start = n, clk
	return true
}

// read is a read of the channel's data port.
func (ch *pitChannel) read(clk uint64) byte {
	if ch.status >= 0 {
		s := byte(ch.status)
		ch.status = -1
		return s
	}
	v := ch.count(clk)
	if ch.latched {
		v = ch.latch
	}
	var b byte
	switch ch.access {
	case 2:
		b = byte(v >> 8)
		ch.latched = false
	case 3:
		if ch.readHi {
			b = byte(v >> 8)
			ch.latched = false
		} else {
			b = byte(v)
		}
		ch.readHi = !ch.readHi
	default:
		b = byte(v)
		ch.latched = false
	}
	return b
}

// statusByte is the read-back status: OUT, null count, access, mode, BCD.
func (ch *pitChannel) statusByte(clk uint64) byte {
	s := ch.access<<4 | ch.mode<<1
	if ch.bcd {
		s |= 1
	}
	if ch.out(clk) {
		s |= 0x80
	}
	return s
}

// setGate sets channel 2's gate: a rising edge restarts the count in
// modes 1, 2, 3 and 5 (QEMU pit_set_gate).
func (ch *pitChannel) setGate(on bool, clk uint64) {
	if on && !ch.gate && ch.mode != 0 && ch.mode != 4 {
		ch.start = clk
	}
	ch.gate = on
}

// initPIT sets the channels as SeaBIOS leaves them: channel 0 in mode 2
// with a count of 65536 (status 34h on QEMU 7.2), channels 1 and 2 in
// QEMU's reset state (mode 3, count 65536), the speaker gate off.
func (p *PC) initPIT() {
	clk := pitClock(p.cpu.Count)
	for i := range p.pit {
		p.pit[i] = pitChannel{mode: 3, reload: 65536, gate: i != 2, status: -1, start: clk}
	}
	p.pit[0].mode, p.pit[0].access = 2, 3
	p.port61 = 0
	p.scheduleTick()
}

// scheduleTick sets nextTickAt to the next IRQ 0 after the current
// instruction: every count of channel 0 in modes 2 and 3, once at the
// terminal count in mode 0, never otherwise.
func (p *PC) scheduleTick() {
	ch := &p.pit[0]
	clk := pitClock(p.cpu.Count)
	p.nextTickAt = never
	if clk < ch.start {
		return
	}
	switch ch.mode {
	case 2, 3:
		k := (clk-ch.start)/ch.reload + 1
		p.nextTickAt = instrAt(ch.start + k*ch.reload)
	case 0:
		if at := ch.start + ch.reload; clk < at {
			p.nextTickAt = instrAt(at)
		}
	}
}

// pitIn reads ports 40h-42h and 61h.
func (p *PC) pitIn(port uint16) byte {
	clk := pitClock(p.cpu.Count)
	if port == 0x61 {
		// QEMU's pcspk flips the refresh bit (4) at every read, so delay
		// loops that wait for it to toggle end.
		p.refresh = !p.refresh
		v := p.port61 & 3
		if p.refresh {
			v |= 0x10
		}
		if p.pit[2].out(clk) {
			v |= 0x20
		}
		return v
	}
	return p.pit[port-0x40].read(clk)
}

// pitOut writes ports 40h-43h and 61h.
func (p *PC) pitOut(port uint16, v byte) {
	clk := pitClock(p.cpu.Count)
	switch port {
	case 0x40, 0x41, 0x42:
		if p.pit[port-0x40].write(v, clk) && port == 0x40 {
			p.scheduleTick()
		}
	case 0x43:
		sel := v >> 6
		if sel == 3 { // read-back: bit 5 clear latches counts, bit 4 clear statuses
			for i := range p.pit {
				ch := &p.pit[i]
				if v&(2<<i) == 0 {
					continue
				}
				if v&0x10 == 0 && ch.status < 0 {
					ch.status = int(ch.statusByte(clk))
				}
				if v&0x20 == 0 && !ch.latched {
					ch.latched, ch.latch = true, ch.count(clk)
				}
			}
			return
		}
		p.pit[sel].control(v, clk)
		if sel == 0 {
			p.scheduleTick()
		}
	case 0x61:
		p.port61 = v
		p.pit[2].setGate(v&1 != 0, clk)
	}
}
