package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
)

// This file tells what the guest CPU is doing, for Settle and Press: QEMU
// has no "the guest waits for a key" signal, so it is read from the CPU
// state that the human monitor's "info registers" prints (QMP 7.2 has no
// structured command for x86 registers; query-cpus-fast has no halt flag).
//
// SeaBIOS waits for a key in int 16h AH=00h with "sti; hlt" in a loop
// (dequeue_key and yield_toirq in src/kbd.c and src/stacks.c): the CPU is
// halted with interrupts on, in real mode, at segment F000, and each timer
// or keyboard interrupt wakes it for a moment. Measured on QEMU 7.2 with
// SeaBIOS 1.16: at F000:B7B9 with HLT=1 and IF=1 every time it is sampled.
// Before the boot sector runs SeaBIOS works in 32-bit protected mode and
// its own waits look alike, so a guest only counts as idle once its boot
// sector runs (booted).

// cpuState is one sample of the CPU.
type cpuState struct {
	CS, IP uint16
	Halted bool // HLT=1: the CPU executed hlt and waits for an interrupt
	IF     bool // interrupts enabled (EFLAGS bit 9)
	Real   bool // real mode (CR0.PE clear)
}

var (
	reEFL = regexp.MustCompile(`EFL=([0-9a-fA-F]{8})`)
	reHLT = regexp.MustCompile(`HLT=([01])`)
	reCR0 = regexp.MustCompile(`CR0=([0-9a-fA-F]{8})`)
)

// parseRegs reads a cpuState from an "info registers" dump.
func parseRegs(dump string) (cpuState, bool) {
	var st cpuState
	hex := func(re *regexp.Regexp) (uint64, bool) {
		s := re.FindStringSubmatch(dump)
		if s == nil {
			return 0, false
		}
		v, err := strconv.ParseUint(s[1], 16, 32)
		return v, err == nil
	}
	eip, ok1 := hex(reEIP)
	cs, ok2 := hex(reCS)
	efl, ok3 := hex(reEFL)
	cr0, ok4 := hex(reCR0)
	hlt := reHLT.FindStringSubmatch(dump)
	if !ok1 || !ok2 || !ok3 || !ok4 || hlt == nil {
		return st, false
	}
	st.CS, st.IP = uint16(cs), uint16(eip)
	st.IF = efl&(1<<9) != 0
	st.Real = cr0&1 == 0
	st.Halted = hlt[1] == "1"
	return st, true
}

// registers returns the "info registers" dump.
func (m *Machine) registers() (string, error) {
	ret, err := m.q.execute("human-monitor-command", map[string]any{"command-line": "info registers"})
	if err != nil {
		return "", err
	}
	var regs string
	if err := json.Unmarshal(ret, &regs); err != nil {
		return "", err
	}
	return regs, nil
}

// guest is what the guest does, as far as settling goes.
type guest int

const (
	running  guest = iota // computing, printing, booting
	keyRead               // halted with interrupts on in the BIOS (F000), keyboard buffer empty: int 16h AH=00h
	haltWait              // halted with interrupts on in its own code: waits for an interrupt
	dead                  // halted with interrupts off: nothing wakes it
	spinning              // jmp $ (EB FE): loops in place forever
)

func (g guest) String() string {
	return [...]string{"running", "waiting for a key", "halted", "halted with interrupts off", "spinning in place"}[g]
}

// sample reads the CPU and classifies what the guest does.
func (m *Machine) sample() (guest, cpuState, error) {
	regs, err := m.registers()
	if err != nil {
		return running, cpuState{}, m.withStderr(err)
	}
	st, ok := parseRegs(regs)
	if !ok {
		return running, st, nil
	}
	if !st.Real {
		m.sawPM = true
	}
	if !st.Real || !m.isBooted() {
		return running, st, nil
	}
	switch {
	case st.Halted && !st.IF:
		return dead, st, nil
	case st.Halted && st.CS == 0xF000:
		head, tail, err := m.kbdBuffer()
		if err != nil {
			return running, st, err
		}
		if head == tail {
			return keyRead, st, nil
		}
		return running, st, nil
	case st.Halted:
		return haltWait, st, nil
	}
	if b, err := m.readMem(uint32(st.CS)<<4+uint32(st.IP), 2, "ip.bin"); err == nil && b[0] == 0xEB && b[1] == 0xFE {
		return spinning, st, nil
	}
	return running, st, nil
}

// isBooted reports whether the boot sector has been loaded and run: the
// signature 55 AA is at 0x7DFE, where SeaBIOS loads it just before it jumps
// there, and, after a guest reboot, SeaBIOS has run its power-on self test
// again (protected mode seen since), so the old sector does not count.
func (m *Machine) isBooted() bool {
	if m.booted {
		return true
	}
	if m.rebooted && !m.sawPM {
		return false
	}
	b, err := m.readMem(0x7DFE, 2, "sig.bin")
	if err != nil || !bytes.Equal(b, []byte{0x55, 0xAA}) {
		return false
	}
	m.booted = true
	return true
}

// Settling: how long a state must hold before Settle believes it.
const (
	// settleBIOS is how long the guest must wait for a key in the BIOS
	// (or be dead, or spin in place) with the screen unchanged: a few
	// samples, so a transient halt does not count.
	settleBIOS = 30 * time.Millisecond
	// settleHalt is how long a guest halted in its own code must stay so
	// with the screen unchanged: several timer ticks (55 ms each), so a
	// delay loop of hlt instructions is not taken for idleness.
	settleHalt = 300 * time.Millisecond
)

// settler decides, sample by sample, when the guest has settled.
type settler struct {
	quiet      time.Duration // fallback: the screen unchanged this long, whatever the CPU does
	last       machine.Screen
	screenAt   time.Time // when the screen last changed
	state      guest
	stateAt    time.Time // since when the guest is in state (with the screen unchanged)
	haveScreen bool
}

// add takes a sample at time now and reports whether the guest settled.
func (s *settler) add(now time.Time, g guest, scr *machine.Screen) bool {
	if !s.haveScreen || *scr != s.last {
		s.last, s.screenAt, s.haveScreen = *scr, now, true
		s.state, s.stateAt = g, now
		return false
	}
	if g != s.state {
		s.state, s.stateAt = g, now
		return false
	}
	held := now.Sub(s.stateAt)
	switch g {
	case keyRead, dead, spinning:
		if held >= settleBIOS {
			return true
		}
	case haltWait:
		if held >= settleHalt {
			return true
		}
	}
	return now.Sub(s.screenAt) >= s.quiet
}

// waitSettled polls until the guest settles (see Settle) or ctx ends.
func (m *Machine) waitSettled(ctx context.Context) error {
	st := settler{quiet: m.opts.Quiet}
	return m.pollState(ctx, func(g guest, s *machine.Screen) bool {
		return st.add(time.Now(), g, s)
	})
}

// pollState calls check with the guest's state and screen every Poll
// interval until it returns true, the guest crashes or ctx ends.
func (m *Machine) pollState(ctx context.Context, check func(g guest, s *machine.Screen) bool) error {
	return m.pollEach(ctx, true, check)
}

// pollEach is the loop of poll and pollState: withState reads the guest's
// CPU state too (an HMP call) before each screen.
func (m *Machine) pollEach(ctx context.Context, withState bool, check func(g guest, s *machine.Screen) bool) error {
	t := time.NewTicker(m.opts.Poll)
	defer t.Stop()
	for {
		if err := m.alive(); err != nil {
			return err
		}
		var g guest
		if withState {
			var err error
			if g, _, err = m.sample(); err != nil {
				return err
			}
		}
		s, err := m.Screen(ctx)
		if err != nil {
			return err
		}
		if err := m.checkCrash(); err != nil {
			return err
		}
		if check(g, &s) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// waitBooted polls until the boot sector runs (see isBooted), so that keys
// are not sent while SeaBIOS starts (it resets the keyboard and its buffer:
// keys sent then are lost).
func (m *Machine) waitBooted(ctx context.Context) error {
	for {
		if err := m.alive(); err != nil {
			return err
		}
		if _, _, err := m.sample(); err != nil { // notes protected mode after a reboot
			return err
		}
		if m.isBooted() {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(m.opts.Poll):
		}
	}
}
