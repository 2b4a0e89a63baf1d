package pc

import (
	"github.com/pxos-dev/pxos/internal/machine"
	"testing"
)

// A guest that checks for a key, works and halts between checks is idle
// after MaxPollHalts rounds, not after MaxHaltTicks or MaxEmptyPolls: its
// clock must not run a minute ahead for every key it waits for.
func TestIdlePollHaltIsQuick(t *testing.T) {
	p, err := New(assemble(t, "testdata/idle_poll_hlt.asm"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ticks := func() uint32 {
		m, err := p.ReadMemory(t.Context(), 0x46C, 4)
		if err != nil {
			t.Fatal(err)
		}
		return uint32(m[0]) | uint32(m[1])<<8 | uint32(m[2])<<16 | uint32(m[3])<<24
	}
	start := ticks()
	if err := p.RunUntilIdle(0); err != nil {
		t.Fatal(err)
	}
	if !p.Idle() {
		t.Fatal("not idle")
	}
	boot := ticks() - start
	if boot > 2*MaxPollHalts {
		t.Errorf("idle after %d timer ticks; want at most %d (MaxPollHalts rounds of check, work, HLT)", boot, 2*MaxPollHalts)
	}
	for i := 0; i < 3; i++ {
		before := ticks()
		if err := p.Press(t.Context(), machine.Key{Rune: 'x'}); err != nil {
			t.Fatal(err)
		}
		if d := ticks() - before; d > 2*MaxPollHalts {
			t.Errorf("key %d: idle again after %d ticks; want at most %d", i, d, 2*MaxPollHalts)
		}
	}
	s, _ := p.Screen(t.Context())
	if got := s.Row(0); got != "idlexxx" {
		t.Errorf("row 0 = %q, want %q", got, "idlexxx")
	}
}
