package qemu

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// This file hides SeaBIOS's boot messages ("SeaBIOS (version ...)",
// "Booting from Floppy...") from the guest, so QEMU starts the boot sector
// on a blank screen with the cursor at 0,0, as the emulator does (package
// pc sets mode 3 and clears the screen). Nothing in SeaBIOS turns its
// screen output off (-boot menu=off only drops the menu prompt; the
// etc/sercon-port fw_cfg file copies the output to a serial port, it does
// not take it off the screen); QMP reads guest memory (pmemsave) but does
// not write it, and the gdbstub writes only RAM, not VGA memory. So the
// guest clears it itself, at the right moment: QEMU starts stopped (-S)
// and the driver, over QEMU's gdbstub, stops the guest at 0x7C00 where
// SeaBIOS jumps to the boot sector, saves the registers and the first
// bytes there, puts "mov ax,0003h; int 10h" (set mode 3: a blank screen,
// the cursor at 0,0, what the emulator shows) in their place and runs it
// to its end, then puts back the bytes and the registers and detaches,
// which lets the guest run from its first instruction. What the guest can
// see of this is what a BIOS call leaves: the words int 10h pushed below
// its stack pointer. After a guest reboot the same is done again.
//
// The protocol is GDB's remote serial protocol (gdb/doc/gdb.texinfo,
// "Remote Protocol"): packets "$data#cs" (cs the modulo-256 sum of data in
// two hex digits), each acknowledged with "+".

// bootAddr is where the BIOS jumps to the boot sector (0000:7C00).
const bootAddr = 0x7C00

// gdbConn is a connection to QEMU's gdbstub.
type gdbConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialGDB(path string, deadline time.Time) (*gdbConn, error) {
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			c.SetDeadline(deadline)
			return &gdbConn{c: c, r: bufio.NewReader(c)}, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("QEMU: connect to gdbstub: %w", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send writes one packet and waits for its acknowledgement.
func (g *gdbConn) send(data string) error {
	var sum byte
	for i := 0; i < len(data); i++ {
		sum += data[i]
	}
	if _, err := fmt.Fprintf(g.c, "$%s#%02x", data, sum); err != nil {
		return err
	}
	for {
		b, err := g.r.ReadByte()
		if err != nil {
			return err
		}
		switch b {
		case '+':
			return nil
		case '-':
			return errors.New("QEMU: gdbstub refused a packet")
		}
	}
}

// reply reads one packet and acknowledges it.
func (g *gdbConn) reply() (string, error) {
	for {
		b, err := g.r.ReadByte()
		if err != nil {
			return "", err
		}
		if b == '$' {
			break
		}
	}
	data, err := g.r.ReadString('#')
	if err != nil {
		return "", err
	}
	if _, err := g.r.Discard(2); err != nil {
		return "", err
	}
	if _, err := g.c.Write([]byte("+")); err != nil {
		return "", err
	}
	return strings.TrimSuffix(data, "#"), nil
}

// command sends a packet and returns the reply.
func (g *gdbConn) command(data string) (string, error) {
	if err := g.send(data); err != nil {
		return "", err
	}
	return g.reply()
}

// modeStub sets text mode 3 (mov ax,0003h; int 10h).
var modeStub = []byte{0xB8, 0x03, 0x00, 0xCD, 0x10}

// bootBlank runs the stopped guest to its boot sector and blanks the
// screen there (see the top of this file). It returns when the guest runs
// its boot sector on a blank screen, or with an error, in which case the
// guest runs on as it is (an image SeaBIOS will not boot never gets there).
func (m *Machine) bootBlank(deadline time.Time) (err error) {
	g, err := dialGDB(m.gdbPath, deadline)
	if err != nil {
		return err
	}
	stubEnd := bootAddr + len(modeStub)
	defer func() {
		if err != nil {
			// Let the guest run whatever happened: stop it if it runs,
			// drop the breakpoints, detach.
			g.c.SetDeadline(time.Now().Add(time.Second))
			g.c.Write([]byte{0x03})
			g.reply()
			g.command(fmt.Sprintf("z1,%x,1", bootAddr))
			g.command(fmt.Sprintf("z1,%x,1", stubEnd))
			g.command("D")
		}
		g.c.Close()
	}()
	ok := func(cmd string) error {
		if r, err := g.command(cmd); err != nil || r != "OK" {
			return fmt.Errorf("QEMU: gdbstub %.3s: %q %v", cmd, r, err)
		}
		return nil
	}
	run := func() error {
		r, err := g.command("c")
		if err != nil {
			return fmt.Errorf("QEMU: the guest did not reach its boot sector: %w", err)
		}
		if !strings.HasPrefix(r, "T") && !strings.HasPrefix(r, "S") {
			return fmt.Errorf("QEMU: gdbstub: unexpected stop %q", r)
		}
		return nil
	}
	if err := ok(fmt.Sprintf("Z1,%x,1", bootAddr)); err != nil {
		return err
	}
	if err := run(); err != nil {
		return err
	}
	regs, err := g.command("g")
	if err != nil || regs == "" || regs[0] == 'E' {
		return fmt.Errorf("QEMU: gdbstub registers: %q %v", regs, err)
	}
	code, err := g.command(fmt.Sprintf("m%x,%x", bootAddr, len(modeStub)))
	if err != nil || len(code) != 2*len(modeStub) {
		return fmt.Errorf("QEMU: gdbstub read: %q %v", code, err)
	}
	for _, cmd := range []string{
		fmt.Sprintf("z1,%x,1", bootAddr),
		fmt.Sprintf("M%x,%x:%s", bootAddr, len(modeStub), hex.EncodeToString(modeStub)),
		fmt.Sprintf("Z1,%x,1", stubEnd),
	} {
		if err := ok(cmd); err != nil {
			return err
		}
	}
	if err := run(); err != nil {
		return err
	}
	for _, cmd := range []string{
		fmt.Sprintf("z1,%x,1", stubEnd),
		fmt.Sprintf("M%x,%x:%s", bootAddr, len(modeStub), code),
		"G" + regs,
	} {
		if err := ok(cmd); err != nil {
			return err
		}
	}
	// Guest resets stop the guest again before its first instruction
	// runs (reboot sets "reset" while SeaBIOS starts).
	if err := m.setReboot("shutdown"); err != nil {
		return err
	}
	return ok("D") // the guest runs
}
