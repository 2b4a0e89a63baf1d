package pc

import (
	"github.com/pxos-dev/pxos/internal/cpu"
	"github.com/pxos-dev/pxos/internal/machine"
)

// Memory layout. References: IBM PC/AT Technical Reference (BIOS data area),
// Ralf Brown's Interrupt List (services and return values), SeaBIOS
// src/std/bda.h and vgabios.c (what QEMU's BIOS does where they differ).
const (
	vgaText  = 0xB8000 // colour text memory, 8 pages
	pageSize = 0x1000  // bytes per text page in the 80-column modes (BDA 0x44C)
	page40   = 0x0800  // and in the 40-column modes 0 and 1

	bdaEBDA        = 0x40E // word: segment of the extended BIOS data area
	bdaEquipment   = 0x410 // word: equipment list (int 11h)
	bdaMemSize     = 0x413 // word: conventional memory in KiB (int 12h)
	bdaKbdFlags    = 0x417 // byte: shift flags (int 16h AH=02)
	bdaKbdFlags2   = 0x418
	bdaKbdHead     = 0x41A // word: offset from 0x400 of the next key
	bdaKbdTail     = 0x41C // word: offset from 0x400 of the next free slot
	bdaDiskStatus  = 0x441 // byte: status of the last diskette operation
	bdaHDStatus    = 0x474 // byte: status of the last hard disk operation
	bdaVideoMode   = 0x449
	bdaColumns     = 0x44A // word
	bdaPageBytes   = 0x44C // word
	bdaPageStart   = 0x44E // word
	bdaCursorPos   = 0x450 // 8 words: column, row per page
	bdaCursorShape = 0x460 // word: end line, start line
	bdaActivePage  = 0x462
	bdaCRTCBase    = 0x463 // word
	bdaTicks       = 0x46C // dword: timer ticks since midnight
	bdaMidnight    = 0x470
	bdaKbdStart    = 0x480 // word: keyboard buffer start offset
	bdaKbdEnd      = 0x482 // word: keyboard buffer end offset
	bdaRows        = 0x484 // byte: rows - 1
	bdaCharHeight  = 0x485 // word

	kbdBufStart = 0x1E // the standard 16-word buffer at 0040:001E
	kbdBufEnd   = 0x3E

	romSeg      = cpu.TrapSegment
	stubOff     = 0xE000 // F000:E000 + 4n: "0F FF n; iret" for vector n
	diskParams  = 0x601C // F000:601C, SeaBIOS's diskette parameter table (int 1Eh, int 13h AH=08h)
	timerISR    = 0xFEA5 // F000:FEA5, the int 08h handler, as in the IBM BIOS
	resetEntry  = 0xE400 // F000:E400, past the stubs: where the reset vector jumps
	ticksPerDay = 0x1800B0
	ebdaSeg     = 0x9FC0 // SeaBIOS's 1 KiB EBDA, below 640 KiB
)

// diskParamTable is the 1.44 MB diskette parameter table as SeaBIOS has it
// (diskette_param_table2 in src/hw/floppy.c, read on QEMU 7.2): the IBM
// table's 11 bytes, then the last track (79), the data rate and the CMOS
// drive type (4).
var diskParamTable = []byte{0xAF, 0x02, 0x25, 0x02, 0x12, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08, 0x4F, 0x00, 0x04}

// initBIOS fills the interrupt vector table, the ROM stubs, the BIOS data
// area and the text screen.
func (p *PC) initBIOS() {
	c := p.cpu
	m := c.Mem
	for n := 0; n < 256; n++ {
		off := uint16(stubOff + 4*n)
		a := cpu.Linear(romSeg, off)
		m[a], m[a+1], m[a+2], m[a+3] = 0x0F, cpu.TrapOpcode, byte(n), 0xCF
		c.Write16(0, uint16(4*n), off)
		c.Write16(0, uint16(4*n+2), romSeg)
	}
	copy(m[cpu.Linear(romSeg, diskParams):], diskParamTable)
	c.Write16(0, 0x1E*4, diskParams)
	// The timer interrupt: update the tick count, call the user hook
	// int 1Ch, return. (No EOI: there is no interrupt controller.)
	copy(m[cpu.Linear(romSeg, timerISR):], []byte{0x0F, cpu.TrapOpcode, 0x08, 0xCD, 0x1C, 0xCF})
	c.Write16(0, 0x08*4, timerISR)
	// F000:FFF0, the reset vector, jumps to F000:E400, past the stubs,
	// where a trap resets the machine: a jump to the reset vector
	// (FFFF:0000) reboots, as SeaBIOS's reset code makes QEMU do.
	copy(m[0xFFFF0:], []byte{0xEA, resetEntry & 0xFF, resetEntry >> 8, 0x00, 0xF0})
	copy(m[cpu.Linear(romSeg, resetEntry):], []byte{0x0F, cpu.TrapOpcode, 0x19, 0xF4})
	copy(m[0xFFFF5:], "01/01/26")
	m[0xFFFFE] = 0xFC // model byte: PC/AT

	// As SeaBIOS on QEMU 7.2 reports them: one floppy, an FPU, a PS/2
	// mouse, 80x25 colour (int 11h 0027h); 639 KiB of conventional
	// memory, the last KiB being SeaBIOS's extended BIOS data area at
	// 9FC0:0000, whose first byte is its size in KiB.
	c.Write16(0, bdaEquipment, 0x0027)
	c.Write16(0, bdaMemSize, 639)
	c.Write16(0, bdaEBDA, ebdaSeg)
	m[ebdaSeg<<4] = 1
	c.Write16(0, bdaKbdHead, kbdBufStart)
	c.Write16(0, bdaKbdTail, kbdBufStart)
	c.Write16(0, bdaKbdStart, kbdBufStart)
	c.Write16(0, bdaKbdEnd, kbdBufEnd)
	c.Write16(0, bdaCRTCBase, 0x3D4)
	m[bdaRows] = 24
	c.Write16(0, bdaCharHeight, 16)
	p.setMode(3, true)
}

// bios is the CPU's trap hook: vector n's ROM stub was entered. CS:IP is on
// the stub's IRET, the caller's FLAGS, CS and IP are on the stack.
func (p *PC) bios(n byte) error {
	c := p.cpu
	if n != 0x08 && n != 0x1C { // the timer's own calls are not guest activity
		p.haltTicks = 0
		if !p.passive(n) {
			p.emptyPolls, p.kbdPolls = 0, 0
		}
	}
	if n == 0x19 && c.IP == resetEntry+cpu.TrapLen {
		p.requestReset() // the reset vector
		return nil
	}
	switch n {
	case 0x00:
		// An unhandled divide error: SeaBIOS would IRET to the same DIV
		// forever. Report it at the faulting instruction.
		c.IP = c.Pop16()
		c.S[cpu.CS] = c.Pop16()
		c.Flags = c.Pop16()
		return p.setCrash("divide error (int 0 not handled by the guest)", c.S[cpu.CS], c.IP)
	case 0x08:
		p.timerTick()
	case 0x09:
		p.int09()
	case 0x10:
		return p.int10()
	case 0x11:
		c.SetReg16(cpu.EAX, c.Read16(0, bdaEquipment))
	case 0x12:
		c.SetReg16(cpu.EAX, c.Read16(0, bdaMemSize))
	case 0x13:
		p.int13()
	case 0x15:
		return p.int15()
	case 0x16:
		return p.int16()
	case 0x18:
		c.IP = c.Pop16()
		c.S[cpu.CS] = c.Pop16()
		c.Flags = c.Pop16()
		return p.setCrash("boot failure (int 18h: no bootable disk)", c.S[cpu.CS], c.IP-2)
	case 0x19:
		// SeaBIOS's int 19h announces the boot at the cursor (printf
		// through int 10h AH=0Eh, "\n" as CR LF) before it loads sector 0.
		page := int(c.Mem[bdaActivePage] & 7)
		for _, ch := range []byte("Booting from Floppy...\r\n") {
			p.teletype(page, ch, 0, false)
		}
		p.boot()
	case 0x1A:
		p.int1A()
	}
	return nil
}

// passive reports whether BIOS call n only looks (at the keyboard, the
// clock) or waits: a guest that polls for a key in a loop of such calls
// is waiting for one (MaxEmptyPolls).
func (p *PC) passive(n byte) bool {
	switch n {
	case 0x16:
		switch p.ah() {
		case 0x01, 0x02, 0x11, 0x12:
			return true
		}
	case 0x1A:
		return p.ah() == 0x00 || p.ah() == 0x02 || p.ah() == 0x04
	case 0x15:
		return p.ah() == 0x86
	}
	return false
}

// Register helpers for the service routines.
func (p *PC) ah() byte         { return byte(p.cpu.R[cpu.EAX] >> 8) }
func (p *PC) al() byte         { return byte(p.cpu.R[cpu.EAX]) }
func (p *PC) r16(r int) uint16 { return p.cpu.Reg16(r) }
func (p *PC) hi(r int) byte    { return byte(p.cpu.R[r] >> 8) }
func (p *PC) lo(r int) byte    { return byte(p.cpu.R[r]) }

func (p *PC) set16(r int, v uint16) { p.cpu.SetReg16(r, v) }
func (p *PC) setHi(r int, v byte) {
	p.cpu.SetReg16(r, p.cpu.Reg16(r)&0x00FF|uint16(v)<<8)
}
func (p *PC) setLo(r int, v byte) {
	p.cpu.SetReg16(r, p.cpu.Reg16(r)&0xFF00|uint16(v))
}

// setRetFlag sets or clears flag f in the FLAGS image the IRET of the stub
// will restore (at SS:SP+4), and in the live FLAGS.
func (p *PC) setRetFlag(f uint16, on bool) {
	c := p.cpu
	sp := c.Reg16(cpu.ESP) + 4
	v := c.Read16(c.S[cpu.SS], sp)
	if on {
		v |= f
		c.Flags |= f
	} else {
		v &^= f
		c.Flags &^= f
	}
	c.Write16(c.S[cpu.SS], sp, v)
}

// ---- int 10h: video ----

func (p *PC) cursor(page int) (col, row int) {
	m := p.cpu.Mem
	return int(m[bdaCursorPos+2*page]), int(m[bdaCursorPos+2*page+1])
}

// setCursor moves the cursor of page in the BDA and, for the displayed
// page, in the CRT controller as SeaBIOS does.
func (p *PC) setCursor(page, col, row int) {
	m := p.cpu.Mem
	m[bdaCursorPos+2*page] = byte(col)
	m[bdaCursorPos+2*page+1] = byte(row)
	if page == int(m[bdaActivePage]&7) {
		loc := page*p.pageBytes()/2 + row*p.cols() + col
		p.crtc[0x0E], p.crtc[0x0F] = byte(loc>>8), byte(loc)
	}
}

// cols is the width of the text mode: 40 or 80 (BDA 0x44A).
func (p *PC) cols() int {
	if p.cpu.Mem[bdaColumns] == 40 {
		return 40
	}
	return machine.Cols
}

// pageBytes is the size of a text page (BDA 0x44C).
func (p *PC) pageBytes() int {
	if p.cols() == 40 {
		return page40
	}
	return pageSize
}

// cellAddr is the address of a cell of page: rows of cols() cells.
func (p *PC) cellAddr(page, row, col int) int {
	return vgaText + page*p.pageBytes() + (row*p.cols()+col)*2
}

// setMode is int 10h AH=00. Modes 0 and 1 are 40x25 text (2 KiB pages),
// the other text modes 80x25 (4 KiB pages); graphics modes are recorded in
// the BDA but the screen stays 80x25 text.
func (p *PC) setMode(mode byte, clear bool) {
	c := p.cpu
	m := c.Mem
	m[bdaVideoMode] = mode & 0x7F
	if mode&0x7F <= 1 {
		c.Write16(0, bdaColumns, 40)
		c.Write16(0, bdaPageBytes, page40)
	} else {
		c.Write16(0, bdaColumns, machine.Cols)
		c.Write16(0, bdaPageBytes, pageSize)
	}
	c.Write16(0, bdaPageStart, 0)
	m[bdaActivePage] = 0
	for pg := 0; pg < 8; pg++ {
		p.setCursor(pg, 0, 0)
	}
	c.Write16(0, bdaCursorShape, 0x0607)
	if clear {
		for a := vgaText; a < vgaText+8*pageSize; a += 2 {
			m[a], m[a+1] = ' ', 0x07
		}
	}
}

// scroll moves the window (top,left)-(bottom,right) of page by lines rows
// up or down, filling with blanks of attr; lines 0 clears the window.
func (p *PC) scroll(page int, up bool, lines, attr byte, top, left, bottom, right int) {
	m := p.cpu.Mem
	if bottom >= machine.Rows {
		bottom = machine.Rows - 1
	}
	if right >= p.cols() {
		right = p.cols() - 1
	}
	if top > bottom || left > right {
		return
	}
	h := bottom - top + 1
	n := int(lines)
	if n == 0 || n > h {
		n = h
	}
	w := (right - left + 1) * 2
	if up {
		for r := top; r <= bottom-n; r++ {
			copy(m[p.cellAddr(page, r, left):p.cellAddr(page, r, left)+w], m[p.cellAddr(page, r+n, left):])
		}
		for r := bottom - n + 1; r <= bottom; r++ {
			p.fillRow(page, r, left, right, attr)
		}
	} else {
		for r := bottom; r >= top+n; r-- {
			copy(m[p.cellAddr(page, r, left):p.cellAddr(page, r, left)+w], m[p.cellAddr(page, r-n, left):])
		}
		for r := top; r < top+n; r++ {
			p.fillRow(page, r, left, right, attr)
		}
	}
}

func (p *PC) fillRow(page, row, left, right int, attr byte) {
	m := p.cpu.Mem
	for col := left; col <= right; col++ {
		a := p.cellAddr(page, row, col)
		m[a], m[a+1] = ' ', attr
	}
}

// teletype writes ch at the cursor of page as int 10h AH=0E does (SeaBIOS
// write_teletype): BEL is silent, BS moves left without erasing, CR and LF
// move the cursor, other characters are written (with attr when useAttr,
// else keeping the cell's attribute) and advance; past the last column the
// cursor wraps, past the last row the page scrolls up one line.
func (p *PC) teletype(page int, ch, attr byte, useAttr bool) {
	col, row := p.cursor(page)
	switch ch {
	case 7:
	case 8:
		if col > 0 {
			col--
		}
	case '\r':
		col = 0
	case '\n':
		row++
	default:
		if row < machine.Rows && col < p.cols() {
			a := p.cellAddr(page, row, col)
			p.cpu.Mem[a] = ch
			if useAttr {
				p.cpu.Mem[a+1] = attr
			}
		}
		col++
	}
	if col >= p.cols() {
		col = 0
		row++
	}
	if row >= machine.Rows {
		row = machine.Rows - 1
		p.scroll(page, true, 1, 0x07, 0, 0, machine.Rows-1, p.cols()-1)
	}
	p.setCursor(page, col, row)
}

// writeCells writes ch (and attr when useAttr) count times from the cursor
// of page without moving it (int 10h AH=09/0A).
func (p *PC) writeCells(page int, ch, attr byte, useAttr bool, count int) {
	col, row := p.cursor(page)
	pos := row*p.cols() + col
	m := p.cpu.Mem
	for i := 0; i < count && pos+i < machine.Rows*p.cols(); i++ {
		a := vgaText + page*p.pageBytes() + (pos+i)*2
		m[a] = ch
		if useAttr {
			m[a+1] = attr
		}
	}
}

func (p *PC) int10() error {
	c := p.cpu
	m := c.Mem
	active := int(m[bdaActivePage] & 7)
	wrote := false
	switch p.ah() {
	case 0x00: // set video mode
		mode := p.al()
		p.setMode(mode, mode&0x80 == 0)
		// SeaBIOS handle_1000 returns a mode byte in AL: 30h for the
		// text and CGA modes, 3Fh for mode 6, 20h above mode 7.
		switch mode &= 0x7F; {
		case mode > 7:
			p.setLo(cpu.EAX, 0x20)
		case mode == 6:
			p.setLo(cpu.EAX, 0x3F)
		default:
			p.setLo(cpu.EAX, 0x30)
		}
		wrote = true
	case 0x01: // set cursor shape
		c.Write16(0, bdaCursorShape, p.r16(cpu.ECX))
	case 0x02: // set cursor position
		p.setCursor(int(p.hi(cpu.EBX)&7), int(p.lo(cpu.EDX)), int(p.hi(cpu.EDX)))
		wrote = true
	case 0x03: // get cursor position and shape
		col, row := p.cursor(int(p.hi(cpu.EBX) & 7))
		p.set16(cpu.EDX, uint16(row)<<8|uint16(col))
		p.set16(cpu.ECX, c.Read16(0, bdaCursorShape))
	case 0x05: // select active page
		pg := p.al() & 7
		m[bdaActivePage] = pg
		c.Write16(0, bdaPageStart, uint16(pg)*uint16(p.pageBytes()))
		wrote = true
	case 0x06, 0x07: // scroll up, down
		p.scroll(active, p.ah() == 0x06, p.al(), p.hi(cpu.EBX),
			int(p.hi(cpu.ECX)), int(p.lo(cpu.ECX)), int(p.hi(cpu.EDX)), int(p.lo(cpu.EDX)))
		wrote = true
	case 0x08: // read character and attribute at cursor
		pg := int(p.hi(cpu.EBX) & 7)
		col, row := p.cursor(pg)
		if row < machine.Rows && col < p.cols() {
			a := p.cellAddr(pg, row, col)
			p.set16(cpu.EAX, uint16(m[a+1])<<8|uint16(m[a]))
		}
	case 0x09, 0x0A: // write character (and attribute) at cursor
		p.writeCells(int(p.hi(cpu.EBX)&7), p.al(), p.lo(cpu.EBX), p.ah() == 0x09, int(p.r16(cpu.ECX)))
		wrote = true
	case 0x0E: // teletype output (SeaBIOS writes to the active page)
		p.teletype(active, p.al(), 0, false)
		wrote = true
	case 0x0F: // get video mode
		p.set16(cpu.EAX, uint16(p.cols())<<8|uint16(m[bdaVideoMode]))
		p.setHi(cpu.EBX, byte(active))
	case 0x12: // alternate select: BL=10h get EGA information
		if p.lo(cpu.EBX) == 0x10 {
			p.set16(cpu.EBX, 0x0003) // colour, 256 KiB
			p.set16(cpu.ECX, 0x0009)
		}
	case 0x13: // write string
		p.writeString()
		wrote = true
	case 0x1A: // display combination: VGA with colour display
		if p.al() == 0x00 {
			p.setLo(cpu.EAX, 0x1A)
			p.set16(cpu.EBX, 0x0008)
		}
	}
	if wrote && p.watch {
		return errYield
	}
	return nil
}

// writeString is int 10h AH=13h: CX characters from ES:BP at row DH,
// column DL of page BH; AL bit 1 says the string holds character,
// attribute pairs (else BL is the attribute), bit 0 moves the cursor.
func (p *PC) writeString() {
	c := p.cpu
	page := int(p.hi(cpu.EBX) & 7)
	mode := p.al()
	attr := p.lo(cpu.EBX)
	saveCol, saveRow := p.cursor(page)
	p.setCursor(page, int(p.lo(cpu.EDX)), int(p.hi(cpu.EDX)))
	es, bp := c.S[cpu.ES], p.r16(cpu.EBP)
	for i := 0; i < int(p.r16(cpu.ECX)); i++ {
		ch := c.Read8(es, bp)
		bp++
		if mode&2 != 0 {
			attr = c.Read8(es, bp)
			bp++
		}
		p.teletype(page, ch, attr, true)
	}
	if mode&1 == 0 {
		p.setCursor(page, saveCol, saveRow)
	}
}

// ---- int 13h: diskette ----

func (p *PC) diskResult(status byte) {
	p.diskStat = status
	p.cpu.Mem[bdaDiskStatus] = status
	p.setHi(cpu.EAX, status)
	p.setRetFlag(cpu.CF, status != 0)
}

func (p *PC) int13() {
	c := p.cpu
	drive := p.lo(cpu.EDX)
	switch p.ah() {
	case 0x00: // reset
		if drive != 0 {
			p.diskResult(0x01)
			return
		}
		p.diskResult(0)
	case 0x01: // status of the last operation
		st := p.diskStat
		p.setLo(cpu.EAX, st)
		p.diskResult(st)
	case 0x02, 0x03, 0x04: // read, write, verify
		count := int(p.al())
		cyl := int(p.hi(cpu.ECX)) | int(p.lo(cpu.ECX)&0xC0)<<2
		sec := int(p.lo(cpu.ECX) & 0x3F)
		head := int(p.hi(cpu.EDX))
		if drive != 0 {
			p.setLo(cpu.EAX, 0)
			p.diskResult(0x01)
			return
		}
		// SeaBIOS basic_access: parameter checks first.
		if count == 0 || count > 128 || sec == 0 || sec > Sectors || head >= Heads || cyl >= Cylinders {
			p.setLo(cpu.EAX, 0)
			p.diskResult(0x01)
			return
		}
		lba := (cyl*Heads+head)*Sectors + sec - 1
		if lba+count > FloppySize/SectorSize {
			p.setLo(cpu.EAX, 0)
			p.diskResult(0x04) // sector not found
			return
		}
		es, bx := c.S[cpu.ES], p.r16(cpu.EBX)
		if p.ah() != 0x04 && int(cpu.Linear(es, bx)&0xFFFF)+count*SectorSize > 0x10000 {
			// The floppy controller's DMA cannot cross a 64 KiB page.
			p.setLo(cpu.EAX, 0)
			p.diskResult(0x09)
			return
		}
		n := count * SectorSize
		off := lba * SectorSize
		switch p.ah() {
		case 0x02:
			for i := 0; i < n; i++ {
				var b byte
				if off+i < len(p.disk) {
					b = p.disk[off+i]
				}
				c.Write8(es, bx+uint16(i), b)
			}
		case 0x03:
			if !p.writable {
				p.setLo(cpu.EAX, 0)
				p.diskResult(0x03) // write protected
				return
			}
			if !p.owned {
				d := make([]byte, FloppySize)
				copy(d, p.disk)
				p.disk, p.owned = d, true
			}
			for i := 0; i < n; i++ {
				p.disk[off+i] = c.Read8(es, bx+uint16(i))
			}
		}
		p.setLo(cpu.EAX, byte(count))
		p.diskResult(0)
	case 0x08: // drive parameters
		if drive != 0 {
			p.diskResult(0x01)
			return
		}
		p.set16(cpu.EAX, 0)
		p.set16(cpu.EBX, 0x0004) // 1.44 MB 3.5"
		p.set16(cpu.ECX, (Cylinders-1)<<8|Sectors)
		p.set16(cpu.EDX, (Heads-1)<<8|1) // one floppy drive
		c.S[cpu.ES] = romSeg
		p.set16(cpu.EDI, diskParams)
		p.diskResult(0)
	case 0x15: // drive type
		if drive&0x80 != 0 {
			// No hard disk: SeaBIOS's handle_legacy_disk answers
			// DISK_RET_EPARAM and keeps it as the hard disk status.
			c.Mem[bdaHDStatus] = 0x01
			p.setHi(cpu.EAX, 0x01)
			p.setRetFlag(cpu.CF, true)
			return
		}
		if drive != 0 {
			p.setHi(cpu.EAX, 0)
			p.setRetFlag(cpu.CF, true)
			return
		}
		p.setHi(cpu.EAX, 0x01) // floppy without change-line support, as SeaBIOS says
		p.setRetFlag(cpu.CF, false)
	default:
		p.diskResult(0x01)
	}
}

// ---- int 15h: system services ----

func (p *PC) int15() error {
	if p.r16(cpu.EAX) == 0xE801 {
		// Memory size for large configurations, as SeaBIOS on QEMU's
		// 128 MiB: 15 MiB between 1 and 16 MiB, 06FEh 64 KiB blocks above.
		p.set16(cpu.EAX, 0x3C00)
		p.set16(cpu.ECX, 0x3C00)
		p.set16(cpu.EBX, 0x06FE)
		p.set16(cpu.EDX, 0x06FE)
		p.setRetFlag(cpu.CF, false)
		return nil
	}
	switch p.ah() {
	case 0x86: // wait CX:DX microseconds: let that much guest time pass
		// The trap runs again until the time has passed; meanwhile the
		// run loop skips ahead and timer interrupts are taken.
		c := p.cpu
		if !p.waiting {
			us := uint64(p.r16(cpu.ECX))<<16 | uint64(p.r16(cpu.EDX))
			p.waitUntil = c.Count + us*InstructionsPerSecond/1_000_000
			p.waiting = true
		}
		if c.Count < p.waitUntil {
			c.IP -= cpu.TrapLen
			return errWait
		}
		p.waiting = false
		p.setRetFlag(cpu.CF, false) // AH is kept, as SeaBIOS's handle_1586 does
	case 0x88: // extended memory size: SeaBIOS reports at most 63 MiB,
		// which QEMU's default 128 MiB gives
		p.set16(cpu.EAX, 0xFC00)
		p.setRetFlag(cpu.CF, false)
	case 0x90, 0x91: // device busy / post
		p.setHi(cpu.EAX, 0)
		p.setRetFlag(cpu.CF, false)
	default:
		p.setHi(cpu.EAX, 0x86) // function not supported
		p.setRetFlag(cpu.CF, true)
	}
	return nil
}

// ---- int 16h: keyboard ----

// PushKey queues a key in the BIOS keyboard buffer as the keyboard
// interrupt would: code is the int 16h AH=10h value (scan code << 8 |
// ASCII). It reports false when the 15-key buffer is full.
func (p *PC) PushKey(code uint16) bool {
	c := p.cpu
	start, end := c.Read16(0, bdaKbdStart), c.Read16(0, bdaKbdEnd)
	head, tail := c.Read16(0, bdaKbdHead), c.Read16(0, bdaKbdTail)
	next := tail + 2
	if next >= end {
		next = start
	}
	if next == head {
		return false
	}
	c.Write16(0x40, tail, code)
	c.Write16(0, bdaKbdTail, next)
	p.emptyPolls = 0
	return true
}

// peekKey returns the next key without removing it.
func (p *PC) peekKey() (uint16, bool) {
	c := p.cpu
	head, tail := c.Read16(0, bdaKbdHead), c.Read16(0, bdaKbdTail)
	if head == tail {
		return 0, false
	}
	return c.Read16(0x40, head), true
}

func (p *PC) popKey() (uint16, bool) {
	k, ok := p.peekKey()
	if !ok {
		return 0, false
	}
	p.polledNone, p.pollHalts = false, 0
	c := p.cpu
	head := c.Read16(0, bdaKbdHead) + 2
	if head >= c.Read16(0, bdaKbdEnd) {
		head = c.Read16(0, bdaKbdStart)
	}
	c.Write16(0, bdaKbdHead, head)
	return k, true
}

// legacyKey converts an extended key to what AH=00/01 return: the grey
// keys' E0 ASCII byte becomes 00.
func legacyKey(k uint16) uint16 {
	if k&0xFF == 0xE0 && k>>8 != 0 {
		return k &^ 0xFF
	}
	return k
}

func (p *PC) int16() error {
	c := p.cpu
	ah := p.ah()
	switch ah {
	case 0x00, 0x10: // read key, waiting for one
		k, ok := p.popKey()
		if !ok {
			// Idle: run this trap again when resumed.
			c.IP -= cpu.TrapLen
			return errIdle
		}
		if ah == 0x00 {
			k = legacyKey(k)
		}
		p.set16(cpu.EAX, k)
	case 0x01, 0x11: // key available?
		k, ok := p.peekKey()
		if !ok {
			// No key: ZF=1 at once, as SeaBIOS answers. Only a guest
			// that keeps polling (MaxEmptyPolls) waits for a key; its
			// poll runs again when resumed, so it sees a key queued
			// meanwhile.
			p.emptyPolls++
			p.polledNone = true
			if p.emptyPolls >= MaxEmptyPolls {
				c.IP -= cpu.TrapLen
				return errIdle
			}
			p.setRetFlag(cpu.ZF, true)
			return nil
		}
		p.emptyPolls, p.polledNone, p.pollHalts = 0, false, 0
		if ah == 0x01 {
			k = legacyKey(k)
		}
		p.set16(cpu.EAX, k)
		p.setRetFlag(cpu.ZF, false)
	case 0x02: // shift flags
		p.setLo(cpu.EAX, c.Mem[bdaKbdFlags])
	case 0x12: // extended shift flags
		p.set16(cpu.EAX, uint16(c.Mem[bdaKbdFlags2])<<8|uint16(c.Mem[bdaKbdFlags]))
	case 0x05: // store key CH scan, CL ASCII
		if p.PushKey(p.r16(cpu.ECX)) {
			p.setLo(cpu.EAX, 0)
		} else {
			p.setLo(cpu.EAX, 1)
		}
	}
	return nil
}

// int9Hooked reports whether the guest replaced the BIOS keyboard
// interrupt handler in the vector table.
func (p *PC) int9Hooked() bool {
	c := p.cpu
	return c.Read16(0, 9*4) != stubOff+4*9 || c.Read16(0, 9*4+2) != romSeg
}

// int09 is the BIOS keyboard interrupt handler, reached when a guest's own
// handler chains to it: it reads the scan code from port 60h, keeps the
// shift flags at 0040:0017 and queues the key on its make code.
func (p *PC) int09() {
	c := p.cpu
	sc := byte(p.in(0x60, 1))
	flags := c.Mem[bdaKbdFlags]
	switch sc {
	case 0x2A:
		flags |= 0x02
	case 0xAA:
		flags &^= 0x02
	case 0x36:
		flags |= 0x01
	case 0xB6:
		flags &^= 0x01
	case 0xE0:
	default:
		k := p.pendingKey
		scan := byte(k >> 8)
		if scan == 0x85 {
			scan = 0x57
		} else if scan == 0x86 {
			scan = 0x58
		}
		if k != 0 && sc == scan {
			p.PushKey(k)
			p.pendingKey = 0
		}
	}
	c.Mem[bdaKbdFlags] = flags
}
