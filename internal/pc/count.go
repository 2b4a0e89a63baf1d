package pc

// Instructions returns the machine's instruction clock: the instructions
// the guest executed since power-on (a REP string instruction counts once
// per iteration, as cpu.CPU.Count has it), plus the time a halted guest
// waited for a timer tick, which the clock counts in instructions too
// (skipToTick). The machine is deterministic, so one image given the same
// keys gives the same figure every time: the same scenario run on two
// builds measures what their code costs. pxOS waiting for a key in the
// BIOS (int 16h AH=00h: no hook_idle handler) adds no halted time; a
// hook_idle handler halts between checks, which rounds its figure up to
// whole timer ticks.
func (p *PC) Instructions() uint64 { return p.cpu.Count }
