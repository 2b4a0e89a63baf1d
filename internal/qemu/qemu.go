// Package qemu runs a pxOS floppy image in qemu-system-i386 and drives it over
// QMP, implementing machine.Machine so the same scenarios run here as on the
// built-in emulator (package pc).
//
// It owns the QEMU process, its QMP socket and its temporary files; it knows
// nothing of scenarios. QEMU runs headless with the flags measured for pxOS:
//
//	-display none -nodefaults -vga std
//	-drive file=IMG,if=floppy,format=raw,readonly=on -boot a
//	-rtc base=2026-01-01T12:00:00,clock=vm
//	-action reboot=shutdown,shutdown=pause -d cpu_reset -D LOG
//	-qmp unix:SOCK,server=on,wait=off
//
// -vga std is needed for text memory at 0xB8000 (-nodefaults removes the
// default card). -rtc starts the CMOS clock at Options.Clock (default
// machine.DefaultClock, the emulator's clock), and clock=vm makes it follow
// the guest's virtual time, which stands still while the guest is stopped;
// SeaBIOS sets the BIOS tick count (0x46C) from it at power-on.
//
// A guest reset stops the guest (-action: SHUTDOWN and STOP events instead
// of a reset), so the driver can tell its cause before anything is lost:
// QEMU logs "Triple fault" (-d cpu_reset, to LOG) when a triple fault
// caused it, which is a crash, reported with the registers where the guest
// stopped. Any other reset is a reboot the guest asked for (jmp FFFF:0000,
// the keyboard controller's reset line, port CF9h): the driver resets the
// machine and lets it run on (system_reset, cont), as a PC would.
//
// KVM is not used: nested here, it is 40 times slower than TCG for this
// workload.
//
// The text screen is read with pmemsave of 4000 bytes at 0xB8000, the cursor
// from the BIOS data area word at 0x450 (column, row of page 0), other guest
// memory (ReadMemory) with pmemsave too, keys are sent with send-key,
// screenshots taken with screendump.
package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
)

// FloppySize is the size of a 1.44 MB floppy; shorter images are padded with
// zeros to it so QEMU's floppy controller sees a standard geometry
// (80 cylinders, 2 heads, 18 sectors).
const FloppySize = 1474560

// Binary is the QEMU program used when Options.Binary is empty.
const Binary = "qemu-system-i386"

// Options tune a QEMU machine. The zero value is ready to use.
type Options struct {
	Binary string // program to run; default Binary, looked up on PATH
	// Clock is the wall clock the guest's CMOS clock starts at; zero
	// means machine.DefaultClock.
	Clock time.Time
	// Quiet is Settle's fallback for a guest that never waits: a guest
	// that neither waits for a key nor halts (a polling loop, a long
	// computation) has settled once its screen has not changed for this
	// long; default 1s.
	Quiet       time.Duration
	Poll        time.Duration // interval between screen reads while polling; default 10ms
	StartLimit  time.Duration // how long QEMU may take to open its QMP socket; default 10s
	ExtraArgs   []string      // appended to the command line (for example "-d", "int")
	KeepTempDir bool          // leave the temporary directory for debugging
}

// Machine is a running qemu-system-i386. It implements machine.Machine.
type Machine struct {
	opts   Options
	dir    string
	cmd    *exec.Cmd
	stderr *lockedBuffer
	exited chan struct{} // closed when the process has exited
	q      *qmp

	crash     *machine.Crash // set once a crash was seen
	closed    bool           // Close was called
	evSeen    int            // QMP events handled so far
	reboots   int            // guest reboots so far
	booted    bool           // the boot sector has run (isBooted)
	rebooted  bool           // a reboot happened: booted waits for SeaBIOS's self test again
	sawPM     bool           // protected mode seen (SeaBIOS's self test) since the last reboot
	logPath   string         // QEMU's -D log: "Triple fault" tells a crash from a reboot
	gdbPath   string         // QEMU's gdbstub socket, for bootBlank
	logSeen   int            // bytes of the log read before the last reboot
	closeOnce sync.Once
	closeErr  error
}

var (
	_ machine.Machine      = (*Machine)(nil)
	_ machine.MemoryReader = (*Machine)(nil)
)

// Start boots img (a floppy image; padded to FloppySize when shorter) in a
// new QEMU process and connects to its QMP socket. ctx bounds only the start;
// the machine runs until Close.
func Start(ctx context.Context, img []byte, opts Options) (*Machine, error) {
	if len(img) < 512 {
		return nil, fmt.Errorf("QEMU: image is %d bytes, want at least one 512-byte sector", len(img))
	}
	if len(img) > FloppySize {
		return nil, fmt.Errorf("QEMU: image is %d bytes, larger than a 1.44 MB floppy (%d)", len(img), FloppySize)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("QEMU: start: %w", err)
	}
	if opts.Binary == "" {
		opts.Binary = Binary
	}
	if opts.Quiet <= 0 {
		opts.Quiet = time.Second
	}
	if opts.Clock.IsZero() {
		opts.Clock = machine.DefaultClock
	}
	if opts.Poll <= 0 {
		opts.Poll = 10 * time.Millisecond
	}
	if opts.StartLimit <= 0 {
		opts.StartLimit = 10 * time.Second
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		return nil, fmt.Errorf("QEMU: %s not found (install qemu-system-x86): %w", opts.Binary, err)
	}
	// Unix socket paths are limited to about 108 bytes: keep the directory
	// short. Its name holds this process's pid, so that a later run can
	// tell a directory left by a killed pxos (CleanStale).
	CleanStale()
	dir, err := os.MkdirTemp("", fmt.Sprintf("pxos-qemu-%d-", os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("QEMU: %w", err)
	}
	m := &Machine{opts: opts, dir: dir, stderr: new(lockedBuffer), exited: make(chan struct{})}
	fail := func(err error) (*Machine, error) {
		m.Close()
		return nil, err
	}
	disk := make([]byte, FloppySize)
	copy(disk, img)
	imgPath := filepath.Join(dir, "floppy.img")
	if err := os.WriteFile(imgPath, disk, 0o600); err != nil {
		return fail(fmt.Errorf("QEMU: %w", err))
	}
	sock := filepath.Join(dir, "qmp.sock")
	m.logPath = filepath.Join(dir, "qemu.log")
	m.gdbPath = filepath.Join(dir, "gdb.sock")
	args := []string{
		"-display", "none", "-nodefaults", "-vga", "std",
		"-drive", "file=" + imgPath + ",if=floppy,format=raw,readonly=on",
		"-boot", "a",
		"-rtc", "base=" + RTCBase(opts.Clock) + ",clock=vm",
		"-action", "reboot=shutdown,shutdown=pause",
		"-d", "cpu_reset", "-D", m.logPath,
		"-qmp", "unix:" + sock + ",server=on,wait=off",
		"-S", "-gdb", "unix:" + m.gdbPath + ",server=on,wait=off",
	}
	args = append(args, opts.ExtraArgs...)
	m.cmd = exec.Command(bin, args...)
	m.cmd.Stderr = m.stderr
	m.cmd.Stdout = m.stderr
	dieWithParent(m.cmd)
	if err := m.cmd.Start(); err != nil {
		close(m.exited)
		return fail(fmt.Errorf("QEMU: start %s: %w", bin, err))
	}
	go func() {
		m.cmd.Wait()
		close(m.exited)
	}()

	deadline := time.Now().Add(opts.StartLimit)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ch := make(chan dialResult, 1)
	go func() {
		q, err := dialQMP(sock, deadline)
		ch <- dialResult{q, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return fail(m.withStderr(r.err))
		}
		m.q = r.q
	case <-m.exited:
		// The dial goroutine gives up at its deadline; it holds no resources
		// the Close below does not release.
		go drainDial(ch)
		return fail(m.withStderr(errors.New("QEMU: process exited during start")))
	case <-ctx.Done():
		go drainDial(ch)
		return fail(fmt.Errorf("QEMU: start: %w", ctx.Err()))
	}
	m.startGuest(deadline)
	return m, nil
}

// RTCBase formats t for -rtc base=: UTC, to the second.
func RTCBase(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

type dialResult struct {
	q   *qmp
	err error
}

// drainDial closes the connection of a dial that finished after Start gave up.
func drainDial(ch <-chan dialResult) {
	if r := <-ch; r.q != nil {
		r.q.close()
	}
}

// withStderr appends what QEMU printed, if anything, to err.
func (m *Machine) withStderr(err error) error {
	if s := strings.TrimSpace(m.stderr.String()); s != "" {
		return fmt.Errorf("%w: %s", err, s)
	}
	return err
}

// alive returns an error when the process has exited or the guest crashed.
func (m *Machine) alive() error {
	if err := m.checkCrash(); err != nil {
		return err
	}
	select {
	case <-m.exited:
		return m.withStderr(errors.New("QEMU: process exited"))
	default:
		return nil
	}
}

// checkCrash handles the SHUTDOWN events that -action reboot=shutdown
// turns every guest reset and power-off into: a reset caused by a triple
// fault (QEMU's log says so) or a power-off is returned as a
// *machine.Crash with the registers where the guest stopped; any other
// reset is a reboot, and the guest is reset and let run on.
func (m *Machine) checkCrash() error {
	if m.crash != nil {
		return m.crash
	}
	if m.q == nil || m.closed {
		return nil
	}
	evs := m.q.eventsSince(m.evSeen)
	m.evSeen += len(evs)
	rebooted := false
	for _, ev := range evs {
		if ev.Name != "SHUTDOWN" {
			continue
		}
		if rebooted {
			// SeaBIOS tries one reset method after another (the
			// keyboard controller, port CF9h, a triple fault); the
			// later requests belong to the reboot already done.
			continue
		}
		var data struct {
			Guest  bool   `json:"guest"`
			Reason string `json:"reason"`
		}
		json.Unmarshal(ev.Data, &data)
		if data.Reason == "host-qmp-system-reset" {
			continue // the driver's own reset, in reboot
		}
		if data.Reason == "guest-reset" && (!m.tripleFaulted() || m.inBIOS()) {
			if err := m.reboot(); err != nil {
				return err
			}
			rebooted = true
			continue
		}
		c := &machine.Crash{Reason: "guest stopped: " + data.Reason}
		if data.Reason == "guest-reset" {
			c.Reason = "triple fault (the CPU reset itself)"
		}
		m.fillRegs(c)
		m.crash = c
		return c
	}
	return nil
}

// tripleFaulted reports whether QEMU logged a triple fault (-d cpu_reset)
// since the last reboot.
func (m *Machine) tripleFaulted() bool {
	b, err := os.ReadFile(m.logPath)
	if err != nil || len(b) < m.logSeen {
		return false
	}
	return bytes.Contains(b[m.logSeen:], []byte("Triple fault"))
}

// inBIOS reports whether the stopped CPU is in the BIOS (linear 0xE0000 to
// 0xFFFFF, real or protected mode): a reset from there is SeaBIOS carrying
// out a reboot the guest asked for (int 19h's reset path, jmp FFFF:0000),
// whose last resort is a deliberate triple fault.
func (m *Machine) inBIOS() bool {
	regs, err := m.registers()
	if err != nil {
		return false
	}
	st, ok := parseRegs(regs)
	e := reEIP.FindStringSubmatch(regs)
	if !ok || e == nil {
		return false
	}
	eip, _ := strconv.ParseUint(e[1], 16, 32)
	lin := eip
	if st.Real {
		lin = uint64(st.CS)<<4 + eip
	}
	return lin >= 0xE0000 && lin <= 0xFFFFF
}

// reboot resets the stopped guest and lets it run again: a reboot the
// guest asked for, which a PC carries out. The boot sector must run again
// before the guest counts as idle or gets keys.
func (m *Machine) reboot() error {
	// -action reboot=shutdown would turn this reset into a shutdown too:
	// reset for now. The action stays "reset" until the boot sector is
	// reached: after a reset the guest asked for outside the BIOS (out
	// 64h,FEh, port 92h), SeaBIOS finds its RAM copy already initialised
	// and resets the machine once more itself (tryReboot in SeaBIOS
	// src/resume.c), which must be a plain reset, not a stop that
	// bootBlank would wait on until its deadline.
	if err := m.setReboot("reset"); err != nil {
		return err
	}
	if _, err := m.q.execute("system_reset", nil); err != nil {
		return m.withStderr(err)
	}
	m.reboots++
	m.booted, m.rebooted, m.sawPM = false, true, false
	err := m.startGuest(time.Now().Add(m.opts.StartLimit))
	// What SeaBIOS's own resets logged until now belongs to this reboot.
	if b, err := os.ReadFile(m.logPath); err == nil {
		m.logSeen = len(b)
	}
	return err
}

// setReboot sets QEMU's action on a guest reset: "reset" or "shutdown".
func (m *Machine) setReboot(action string) error {
	if _, err := m.q.execute("set-action", map[string]any{"reboot": action}); err != nil {
		return m.withStderr(err)
	}
	return nil
}

// startGuest lets the stopped guest run: to its boot sector on a blank
// screen (bootBlank), or, should that fail, on as it is (cont). Guest
// resets from then on stop the guest (-action reboot=shutdown), so
// checkCrash can tell a triple fault from a reboot.
func (m *Machine) startGuest(deadline time.Time) error {
	if err := m.bootBlank(deadline); err == nil {
		m.booted = true
		return nil
	}
	m.q.execute("stop", nil)
	if err := m.setReboot("shutdown"); err != nil {
		return err
	}
	m.q.execute("cont", nil)
	return nil
}

// Reboots returns how many times the guest rebooted.
func (m *Machine) Reboots() int { return m.reboots }

var (
	reEIP = regexp.MustCompile(`EIP=([0-9a-fA-F]{8})`)
	reCS  = regexp.MustCompile(`CS =([0-9a-fA-F]{4})`)
)

// fillRegs asks the human monitor for the registers (QMP has no structured
// command for them in 7.2) and the bytes at CS:IP.
func (m *Machine) fillRegs(c *machine.Crash) {
	regs, err := m.registers()
	if err != nil {
		return
	}
	c.Regs = shortRegs(regs)
	if s := reEIP.FindStringSubmatch(regs); s != nil {
		v, _ := strconv.ParseUint(s[1], 16, 32)
		c.IP = uint16(v)
	}
	if s := reCS.FindStringSubmatch(regs); s != nil {
		v, _ := strconv.ParseUint(s[1], 16, 16)
		c.CS = uint16(v)
	}
	if b, err := m.readMem(uint32(c.CS)<<4+uint32(c.IP), 8, "code.bin"); err == nil {
		c.Bytes = b
	}
}

// shortRegs keeps the general, flag and segment register lines of an
// "info registers" dump, which is what a real-mode crash report needs.
func shortRegs(dump string) string {
	var keep []string
	for _, l := range strings.Split(strings.ReplaceAll(dump, "\r", ""), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "CPU#") {
			continue
		}
		keep = append(keep, l)
		if strings.HasPrefix(l, "GS =") {
			break
		}
	}
	return strings.Join(keep, "\n")
}

// readMem copies size bytes of guest physical memory at addr via pmemsave.
func (m *Machine) readMem(addr uint32, size int, name string) ([]byte, error) {
	path := filepath.Join(m.dir, name)
	if _, err := m.q.execute("pmemsave", map[string]any{"val": addr, "size": size, "filename": path}); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("QEMU: %w", err)
	}
	if len(b) != size {
		return nil, fmt.Errorf("QEMU: pmemsave at %#x wrote %d bytes, want %d", addr, len(b), size)
	}
	return b, nil
}

// Screen reads the text screen and the cursor. It works on a crashed
// (stopped) guest too, so a crash report can show the last screen. It
// carries out a reboot the guest asked for, so a console that only reads
// the screen sees the guest come back.
func (m *Machine) Screen(ctx context.Context) (machine.Screen, error) {
	if err := ctx.Err(); err != nil {
		return machine.Screen{}, err
	}
	if m.q == nil {
		return machine.Screen{}, errors.New("QEMU: machine closed")
	}
	m.checkCrash() // a crash is the next call's error; the screen still shows
	// The BIOS data area says how text memory is laid out (IBM PC BIOS
	// reference: 0x44A columns, 0x44E the active page's offset, 0x450 the
	// cursor of each page, 0x462 the active page).
	bda, err := m.readMem(0x449, 0x463-0x449, "bda.bin")
	if err != nil {
		return machine.Screen{}, m.withStderr(err)
	}
	width := int(bda[0x44A-0x449]) | int(bda[0x44B-0x449])<<8
	if width != 40 {
		width = machine.Cols
	}
	offset := uint32(bda[0x44E-0x449]) | uint32(bda[0x44F-0x449])<<8
	page := int(bda[0x462-0x449] & 7)
	cur := bda[0x450-0x449+2*page:]
	if offset >= 0x8000 {
		offset = 0
	}
	vga, err := m.readMem(0xB8000+offset, machine.Rows*width*2, "vga.bin")
	if err != nil {
		return machine.Screen{}, m.withStderr(err)
	}
	return machine.ScreenFromText(vga, width, int(cur[1]), int(cur[0])), nil
}

// ReadMemory returns a copy of n bytes of guest physical memory at addr,
// within the bounds of machine.CheckRead, read with pmemsave. Like Screen it
// works on a crashed (stopped) guest; after Close it fails.
func (m *Machine) ReadMemory(ctx context.Context, addr uint32, n int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.q == nil || m.closed {
		return nil, errors.New("QEMU: machine closed")
	}
	if err := machine.CheckRead(addr, n); err != nil {
		return nil, err
	}
	b, err := m.readMem(addr, n, "mem.bin")
	if err != nil {
		return nil, m.withStderr(err)
	}
	return b, nil
}

// poll calls check with the current screen every Poll interval until it
// returns true, the guest crashes or ctx ends (pollState, without reading
// the CPU's state).
func (m *Machine) poll(ctx context.Context, check func(s *machine.Screen) bool) error {
	return m.pollEach(ctx, false, func(_ guest, s *machine.Screen) bool { return check(s) })
}

// Settle waits until the guest is idle, judged by its CPU (state.go) with
// the screen unchanged meanwhile: it waits for a key in the BIOS (int 16h
// AH=00h: halted with interrupts on in segment F000, keyboard buffer
// empty), is dead (halted with interrupts off) or spins in place (jmp $),
// each for settleBIOS; or it halts in its own code with interrupts on for
// settleHalt (several timer ticks). A guest that never does any of these
// (a polling loop) settles when its screen has not changed for
// Options.Quiet. Time the guest spends computing silently does not count:
// it has not settled while it runs.
func (m *Machine) Settle(ctx context.Context) error {
	err := m.waitSettled(ctx)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("QEMU: the guest is still running: %w", err)
	}
	return err
}

// WaitText polls the screen until text is on it.
func (m *Machine) WaitText(ctx context.Context, text string) error {
	err := m.poll(ctx, func(s *machine.Screen) bool { return contains(s, text) })
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return fmt.Errorf("QEMU: text %q did not appear: %w", text, err)
	}
	return err
}

// Press sends each key with send-key (hold time 1 ms), with shift for
// capitals and shifted symbols, and paces the keys by the BIOS keyboard
// buffer: after each key it waits until the key has arrived there (the
// buffer's tail word at 0x41C moves) and until the buffer has room, and at
// the end until the guest has read every key (head equals tail). Without
// this pacing QEMU queues the keys and delivers them a millisecond or more
// apart, so a screen that stops changing does not mean the keys are in: a
// guest that ignores keys (a full line) shows nothing while the queue drains.
//
// A guest that takes keys from the keyboard controller itself (its own IRQ 1
// handler) never moves the BIOS buffer: Press then waits keyWait per key
// and goes on.
//
// Keys wait for the guest: none is sent before the boot sector runs (while
// SeaBIOS starts it resets the keyboard and its buffer, and keys sent then
// are lost), and after a key the BIOS buffer did not take (a guest that
// reads the keyboard itself) the next waits until the guest is idle again,
// for at most keyWait, so it can read them one at a time.
func (m *Machine) Press(ctx context.Context, keys ...machine.Key) error {
	if len(keys) == 0 {
		return nil
	}
	if err := m.waitBooted(ctx); err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return fmt.Errorf("QEMU: the guest did not boot: %w", err)
		}
		return err
	}
	unbuffered := false // the last key did not go through the BIOS buffer
	for _, k := range keys {
		if unbuffered {
			wctx, cancel := context.WithTimeout(ctx, keyWait)
			err := m.waitSettled(wctx)
			cancel()
			if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				err = nil // still busy: send the key anyway
			}
			if err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := m.alive(); err != nil {
			return err
		}
		codes, err := QCodes(k)
		if err != nil {
			return err
		}
		_, tail, err := m.kbdBuffer()
		if err != nil {
			return err
		}
		list := make([]map[string]string, len(codes))
		for i, c := range codes {
			list[i] = map[string]string{"type": "qcode", "data": c}
		}
		if _, err := m.q.execute("send-key", map[string]any{"keys": list, "hold-time": 1}); err != nil {
			return m.withStderr(err)
		}
		// Wait for the key to arrive and for room for the next one (the
		// ring holds 15 keys; keep a few free for shift states).
		arrived := false
		if err := m.waitKbd(ctx, func(head, t uint16) bool {
			arrived = arrived || t != tail
			return t != tail && kbdUsed(head, t) < 8
		}); err != nil {
			return err
		}
		unbuffered = !arrived
	}
	// Let the guest read what it was sent.
	return m.waitKbd(ctx, func(head, tail uint16) bool { return head == tail })
}

// keyWait bounds how long Press waits on the BIOS keyboard buffer per key.
const keyWait = 500 * time.Millisecond

// kbdBuffer reads the BIOS keyboard ring's head and tail pointers (BDA
// 0x41A and 0x41C, offsets from 0x400 into the ring at 0x41E-0x43D).
func (m *Machine) kbdBuffer() (head, tail uint16, err error) {
	b, err := m.readMem(0x41A, 4, "kbd.bin")
	if err != nil {
		return 0, 0, m.withStderr(err)
	}
	return uint16(b[0]) | uint16(b[1])<<8, uint16(b[2]) | uint16(b[3])<<8, nil
}

// kbdUsed is the number of keys in the ring (two bytes each, 16 slots).
func kbdUsed(head, tail uint16) int { return int((tail-head)&0x1F) / 2 }

// waitKbd polls the keyboard ring until ok says so, keyWait passes (a guest
// not using the BIOS buffer), the guest crashes or ctx ends.
func (m *Machine) waitKbd(ctx context.Context, ok func(head, tail uint16) bool) error {
	deadline := time.Now().Add(keyWait)
	for {
		head, tail, err := m.kbdBuffer()
		if err != nil {
			return err
		}
		if ok(head, tail) || time.Now().After(deadline) {
			return nil
		}
		if err := m.alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// Screendump writes QEMU's own rendering of the display to path as PNG.
func (m *Machine) Screendump(ctx context.Context, path string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.q == nil {
		return errors.New("QEMU: machine closed")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("QEMU: %w", err)
	}
	_, err = m.q.execute("screendump", map[string]any{"filename": abs, "format": "png"})
	return err
}

// Crashed returns the crash seen so far, or nil.
func (m *Machine) Crashed() *machine.Crash {
	var c *machine.Crash
	if errors.As(m.checkCrash(), &c) {
		return c
	}
	return nil
}

// Close quits QEMU (asking over QMP first, then killing it), waits for the
// process and removes the temporary directory. It is safe to call more than
// once.
func (m *Machine) Close() error {
	m.closeOnce.Do(func() {
		m.closed = true
		if m.q != nil {
			done := make(chan struct{})
			go func() {
				m.q.execute("quit", nil)
				close(done)
			}()
			select {
			case <-done:
			case <-time.After(time.Second):
			}
			m.q.close()
		}
		if m.cmd != nil && m.cmd.Process != nil {
			select {
			case <-m.exited:
			case <-time.After(2 * time.Second):
				m.cmd.Process.Kill()
				<-m.exited
			}
		}
		if !m.opts.KeepTempDir {
			if err := os.RemoveAll(m.dir); err != nil {
				m.closeErr = fmt.Errorf("QEMU: %w", err)
			}
		}
	})
	return m.closeErr
}

// Pid returns the QEMU process id, or 0 when it did not start.
func (m *Machine) Pid() int {
	if m.cmd == nil || m.cmd.Process == nil {
		return 0
	}
	return m.cmd.Process.Pid
}

// Exited reports whether the QEMU process has exited.
func (m *Machine) Exited() bool {
	select {
	case <-m.exited:
		return true
	default:
		return false
	}
}

// TempDir is the directory holding the image, the socket and memory dumps;
// Close removes it.
func (m *Machine) TempDir() string { return m.dir }

// contains reports whether text is on one row of s. Unlike
// machine.Screen.Contains it sees trailing blanks, so a prompt "> " at the
// end of a row matches.
func contains(s *machine.Screen, text string) bool {
	var row [machine.Cols]byte
	for r := 0; r < machine.Rows; r++ {
		for c := range row {
			row[c] = s.Cells[r][c].Ch
			if row[c] == 0 {
				row[c] = ' '
			}
		}
		if strings.Contains(string(row[:]), text) {
			return true
		}
	}
	return false
}

// lockedBuffer collects the process output; exec writes from its own goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil // enough to explain a failure
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// CleanStale removes the working directories (floppy image, QMP socket) of
// QEMU machines whose pxos process is gone: "pxos-qemu-PID-…" in the
// temporary directory where no process PID runs, and older unnamed ones
// ("pxos-qemu-…", before pids were in the name) a day old. It returns
// their paths. A pxos killed with SIGKILL cannot remove its own.
func CleanStale() []string {
	tmp := os.TempDir()
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		name, ok := strings.CutPrefix(e.Name(), "pxos-qemu-")
		if !e.IsDir() || !ok {
			continue
		}
		stale := false
		if pid, rest, found := strings.Cut(name, "-"); found && rest != "" {
			if n, err := strconv.Atoi(pid); err == nil && n > 0 {
				stale = n != os.Getpid() && syscall.Kill(n, 0) == syscall.ESRCH
			}
		} else if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			stale = true
		}
		if stale {
			p := filepath.Join(tmp, e.Name())
			if os.RemoveAll(p) == nil {
				removed = append(removed, p)
			}
		}
	}
	return removed
}
