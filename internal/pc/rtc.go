package pc

import (
	"time"

	"github.com/pxos-dev/pxos/internal/cpu"
)

// The real-time clock: the MC146818 CMOS RTC behind ports 70h/71h and the
// int 1Ah services, run from the instruction clock. It starts at
// Options.Clock (machine.DefaultClock when zero), as QEMU does with
// -rtc base=...,clock=vm, and advances one second every
// InstructionsPerSecond instructions. The BIOS tick count at 0040:006C
// starts where SeaBIOS's clock_setup puts it (the RTC's seconds since
// midnight * 1193180 / 65536) and counts IRQ 0s, as SeaBIOS's int 08h
// handler does. References: MC146818A data sheet (registers), SeaBIOS
// src/clock.c, QEMU hw/rtc/mc146818rtc.c and hw/i386/pc.c (the CMOS bytes
// it fills, read on QEMU 7.2 with the default 128 MiB).

// rtcNow is the RTC's time at the current instruction.
func (p *PC) rtcNow() time.Time {
	clk := pitClock(p.cpu.Count) - p.rtcClk
	sec := clk / PITHz
	ns := (clk % PITHz) * 1e9 / PITHz
	return p.rtcBase.Add(time.Duration(sec)*time.Second + time.Duration(ns))
}

// setRTC makes the RTC read t from now on.
func (p *PC) setRTC(t time.Time) {
	p.rtcBase, p.rtcClk = t, pitClock(p.cpu.Count)
}

// initClock starts the RTC at t and sets the BIOS tick count from it.
func (p *PC) initClock(t time.Time) {
	p.setRTC(t)
	sec := uint64(t.Hour()*3600 + t.Minute()*60 + t.Second())
	p.setTicks(uint32(sec * 1193180 / 65536)) // SeaBIOS: PIT_TICK_RATE / PIT_TICK_INTERVAL
}

func bcd(v int) byte { return byte(v/10%10<<4 | v%10) }

func unbcd(b byte) int { return int(b>>4)*10 + int(b&15) }

// cmosDefaults are the CMOS bytes QEMU 7.2 and SeaBIOS leave that are not
// the clock: status registers A-D, the floppy type (1.44 MB in drive A),
// the equipment byte, base memory (640 KiB), extended memory (64 MiB and
// more: FFFFh KiB), memory above 16 MiB in 64 KiB units (0700h), the
// century again at 37h (IBM PS/2's place for it, which QEMU fills too) and
// the boot order at 3Dh (01h: floppy first).
var cmosDefaults = map[byte]byte{
	0x0A: 0x26, 0x0B: 0x02, 0x0D: 0x80, 0x10: 0x40, 0x14: 0x07,
	0x15: 0x80, 0x16: 0x02, 0x17: 0xFF, 0x18: 0xFF, 0x30: 0xFF, 0x31: 0xFF,
	0x32: 0x20, 0x35: 0x07, 0x37: 0x20, 0x3D: 0x01,
}

func (p *PC) initCMOS() {
	p.cmos = [128]byte{}
	for r, v := range cmosDefaults {
		p.cmos[r] = v
	}
}

// cmosRead reads CMOS register r: the clock registers from the RTC (BCD,
// 24-hour, as status B says), status A with its update-in-progress bit
// during the last 244 us of each second, the rest from memory.
func (p *PC) cmosRead(r byte) byte {
	t := p.rtcNow()
	switch r {
	case 0x00:
		return bcd(t.Second())
	case 0x02:
		return bcd(t.Minute())
	case 0x04:
		return bcd(t.Hour())
	case 0x06:
		return byte(t.Weekday()) + 1 // Sunday is 1
	case 0x07:
		return bcd(t.Day())
	case 0x08:
		return bcd(int(t.Month()))
	case 0x09:
		return bcd(t.Year() % 100)
	case 0x32:
		return bcd(t.Year() / 100)
	case 0x0A:
		v := p.cmos[0x0A] &^ 0x80
		if t.Nanosecond() >= 1e9-244e3 {
			v |= 0x80
		}
		return v
	case 0x0C: // interrupt flags: cleared by the read
		v := p.cmos[0x0C]
		p.cmos[0x0C] = 0
		return v
	}
	return p.cmos[r&0x7F]
}

// cmosWrite writes CMOS register r. Writes to the clock registers set the
// RTC, keeping the other fields.
func (p *PC) cmosWrite(r, v byte) {
	t := p.rtcNow()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	n := unbcd(v)
	switch r {
	case 0x00:
		s = n
	case 0x02:
		mi = n
	case 0x04:
		h = n
	case 0x07:
		d = n
	case 0x08:
		mo = time.Month(n)
	case 0x09:
		y = y/100*100 + n
	case 0x32:
		y = n*100 + y%100
	case 0x0C, 0x0D, 0x06:
		return // read only, or derived (the weekday)
	default:
		p.cmos[r&0x7F] = v
		return
	}
	p.setRTC(time.Date(y, mo, d, h, mi, s, 0, t.Location()))
}

// ---- the BIOS tick count and int 1Ah ----

func (p *PC) ticks() uint32 {
	return uint32(p.cpu.Read16(0, bdaTicks)) | uint32(p.cpu.Read16(0, bdaTicks+2))<<16
}

func (p *PC) setTicks(t uint32) {
	p.cpu.Write16(0, bdaTicks, uint16(t))
	p.cpu.Write16(0, bdaTicks+2, uint16(t>>16))
}

// timerTick is the BIOS part of int 08h (SeaBIOS handle_08): count the
// tick, and at midnight start again from zero and set the rollover flag.
func (p *PC) timerTick() {
	t := p.ticks() + 1
	if t >= ticksPerDay {
		t = 0
		p.cpu.Mem[bdaMidnight]++
	}
	p.setTicks(t)
}

func (p *PC) int1A() {
	c := p.cpu
	switch p.ah() {
	case 0x00: // read tick count
		t := p.ticks()
		p.set16(cpu.ECX, uint16(t>>16))
		p.set16(cpu.EDX, uint16(t))
		p.setLo(cpu.EAX, c.Mem[bdaMidnight])
		c.Mem[bdaMidnight] = 0
		p.setRetFlag(cpu.CF, false)
	case 0x01: // set tick count
		p.setTicks(uint32(p.r16(cpu.ECX))<<16 | uint32(p.r16(cpu.EDX)))
		c.Mem[bdaMidnight] = 0
		p.setRetFlag(cpu.CF, false)
	case 0x02: // RTC time, BCD: CH hours, CL minutes, DH seconds, DL DST
		t := p.rtcNow()
		p.set16(cpu.ECX, uint16(bcd(t.Hour()))<<8|uint16(bcd(t.Minute())))
		p.set16(cpu.EDX, uint16(bcd(t.Second()))<<8)
		p.setLo(cpu.EAX, 0)
		p.setRetFlag(cpu.CF, false)
	case 0x03: // set RTC time
		t := p.rtcNow()
		p.setRTC(time.Date(t.Year(), t.Month(), t.Day(), unbcd(p.hi(cpu.ECX)), unbcd(p.lo(cpu.ECX)), unbcd(p.hi(cpu.EDX)), 0, t.Location()))
		p.setRetFlag(cpu.CF, false)
	case 0x04: // RTC date, BCD: CH century, CL year, DH month, DL day
		t := p.rtcNow()
		p.set16(cpu.ECX, uint16(bcd(t.Year()/100))<<8|uint16(bcd(t.Year()%100)))
		p.set16(cpu.EDX, uint16(bcd(int(t.Month())))<<8|uint16(bcd(t.Day())))
		p.setLo(cpu.EAX, 0)
		p.setRetFlag(cpu.CF, false)
	case 0x05: // set RTC date
		t := p.rtcNow()
		y := unbcd(p.hi(cpu.ECX))*100 + unbcd(p.lo(cpu.ECX))
		p.setRTC(time.Date(y, time.Month(unbcd(p.hi(cpu.EDX))), unbcd(p.lo(cpu.EDX)), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location()))
		p.setRetFlag(cpu.CF, false)
	default:
		p.setRetFlag(cpu.CF, true)
	}
}
