package cpu

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// opsRegs maps the register names of testdata/ops.txt to getters and setters.
var opsRegs = map[string]struct {
	get func(c *CPU) uint32
	set func(c *CPU, v uint32)
}{}

func init() {
	for i, n := range []string{"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"} {
		i := i
		opsRegs[n] = struct {
			get func(c *CPU) uint32
			set func(c *CPU, v uint32)
		}{func(c *CPU) uint32 { return c.R[i] }, func(c *CPU, v uint32) { c.R[i] = v }}
		opsRegs[n[1:]] = struct {
			get func(c *CPU) uint32
			set func(c *CPU, v uint32)
		}{func(c *CPU) uint32 { return c.R[i] & 0xFFFF }, func(c *CPU, v uint32) { c.SetReg16(i, uint16(v)) }}
	}
	for i, n := range []string{"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"} {
		i := uint8(i)
		opsRegs[n] = struct {
			get func(c *CPU) uint32
			set func(c *CPU, v uint32)
		}{func(c *CPU) uint32 { return uint32(c.reg8(i)) }, func(c *CPU, v uint32) { c.setReg8(i, uint8(v)) }}
	}
	for i, n := range []string{"es", "cs", "ss", "ds", "fs", "gs"} {
		i := i
		opsRegs[n] = struct {
			get func(c *CPU) uint32
			set func(c *CPU, v uint32)
		}{func(c *CPU) uint32 { return uint32(c.S[i]) }, func(c *CPU, v uint32) { c.S[i] = uint16(v) }}
	}
	for n, f := range map[string]func(c *CPU) *uint32{
		"cr0": func(c *CPU) *uint32 { return &c.CR[0] }, "cr2": func(c *CPU) *uint32 { return &c.CR[2] },
		"cr3": func(c *CPU) *uint32 { return &c.CR[3] }, "cr4": func(c *CPU) *uint32 { return &c.CR[4] },
		"gdtbase": func(c *CPU) *uint32 { return &c.GDTBase }, "idtbase": func(c *CPU) *uint32 { return &c.IDTBase },
	} {
		opsRegs[n] = struct {
			get func(c *CPU) uint32
			set func(c *CPU, v uint32)
		}{func(c *CPU) uint32 { return *f(c) }, func(c *CPU, v uint32) { *f(c) = v }}
	}
	opsRegs["gdtlimit"] = struct {
		get func(c *CPU) uint32
		set func(c *CPU, v uint32)
	}{func(c *CPU) uint32 { return uint32(c.GDTLimit) }, func(c *CPU, v uint32) { c.GDTLimit = uint16(v) }}
	opsRegs["idtlimit"] = struct {
		get func(c *CPU) uint32
		set func(c *CPU, v uint32)
	}{func(c *CPU) uint32 { return uint32(c.IDTLimit) }, func(c *CPU, v uint32) { c.IDTLimit = uint16(v) }}
	opsRegs["ip"] = struct {
		get func(c *CPU) uint32
		set func(c *CPU, v uint32)
	}{func(c *CPU) uint32 { return uint32(c.IP) }, func(c *CPU, v uint32) { c.IP = uint16(v) }}
}

const opsFlagsMask = CF | PF | AF | ZF | SF | OF | DF | IF

// applyState applies "name=hex" items to c, or checks them when check is
// set, returning the mismatches.
func applyState(c *CPU, items string, check bool) (string, error) {
	var b strings.Builder
	for _, it := range strings.Fields(items) {
		name, val, ok := strings.Cut(it, "=")
		if !ok {
			return "", fmt.Errorf("bad item %q", it)
		}
		if addr, ok := strings.CutPrefix(name, "m:"); ok {
			a, err := strconv.ParseUint(addr, 16, 32)
			if err != nil {
				return "", err
			}
			bs, err := hex.DecodeString(val)
			if err != nil {
				return "", err
			}
			for i, x := range bs {
				p := (uint32(a) + uint32(i)) & addrMask
				if !check {
					c.Mem[p] = x
				} else if c.Mem[p] != x {
					fmt.Fprintf(&b, " [%05X]=%02X want %02X", p, c.Mem[p], x)
				}
			}
			continue
		}
		if name == "flags" {
			vs, ms, hasMask := strings.Cut(val, "/")
			v, err := strconv.ParseUint(vs, 16, 16)
			if err != nil {
				return "", err
			}
			mask := uint64(opsFlagsMask)
			if hasMask {
				if mask, err = strconv.ParseUint(ms, 16, 16); err != nil {
					return "", err
				}
			}
			if !check {
				c.Flags = uint16(v) | 2
			} else if uint64(c.Flags)&mask != v&mask {
				fmt.Fprintf(&b, " flags=%04X want %04X (mask %04X)", c.Flags, v, mask)
			}
			continue
		}
		r, ok := opsRegs[name]
		if !ok {
			return "", fmt.Errorf("unknown register %q", name)
		}
		v, err := strconv.ParseUint(val, 16, 32)
		if err != nil {
			return "", err
		}
		if !check {
			r.set(c, uint32(v))
		} else if got := r.get(c); got != uint32(v) {
			fmt.Fprintf(&b, " %s=%X want %X", name, got, v)
		}
	}
	return b.String(), nil
}

// TestOps runs the instruction table in testdata/ops.txt.
func TestOps(t *testing.T) {
	f, err := os.Open("testdata/ops.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	line := 0
	cases := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		parts := strings.Split(text, "|")
		if len(parts) != 3 {
			t.Fatalf("ops.txt:%d: want 3 fields separated by |", line)
		}
		code, err := hex.DecodeString(strings.ReplaceAll(parts[0], " ", ""))
		if err != nil {
			t.Fatalf("ops.txt:%d: %v", line, err)
		}
		cases++
		c := New()
		c.R[ESP] = 0x1000
		c.IP = 0x100
		copy(c.Mem[0x100:], code)
		if _, err := applyState(c, parts[1], false); err != nil {
			t.Fatalf("ops.txt:%d: %v", line, err)
		}
		end := 0x100 + len(code)
		for n := 0; n < 100 && int(c.IP) >= 0x100 && int(c.IP) < end && c.S[CS] == 0; n++ {
			if err := c.Step(); err != nil {
				t.Errorf("ops.txt:%d: %s: %v", line, strings.TrimSpace(parts[0]), err)
				break
			}
		}
		diff, err := applyState(c, parts[2], true)
		if err != nil {
			t.Fatalf("ops.txt:%d: %v", line, err)
		}
		if !strings.Contains(parts[2], "ip=") && int(c.IP) != end {
			diff += fmt.Sprintf(" ip=%04X want %04X", c.IP, end)
		}
		if diff != "" {
			t.Errorf("ops.txt:%d: %s:%s", line, strings.TrimSpace(parts[0]), diff)
		}
	}
	if cases < 40 {
		t.Fatalf("only %d cases read", cases)
	}
}

func TestFaults(t *testing.T) {
	tests := []struct {
		name  string
		code  []byte
		flags uint16
		kind  Kind
		ip    uint16 // CPU IP after the stop
	}{
		{"invalid 0F 0B (ud2)", []byte{0x90, 0x0F, 0x0B}, 0, InvalidOpcode, 0x101},
		{"address-size prefix", []byte{0x67, 0x8B, 0x00}, 0, InvalidOpcode, 0x100},
		{"x87 escape", []byte{0xD9, 0xC0}, 0, InvalidOpcode, 0x100},
		{"hlt with IF=0", []byte{0xF4}, 0, Halted, 0x101},
		{"hlt with IF=1", []byte{0xF4}, IF, WaitInterrupt, 0x101},
		{"trap outside the ROM segment", []byte{0x0F, 0xFF, 0x10}, 0, InvalidOpcode, 0x100},
		{"lmsw setting PE", []byte{0x0F, 0x01, 0xF0}, 0, ProtectedMode, 0x100},    // lmsw ax, AX=1
		{"mov cr0 setting PE", []byte{0x0F, 0x22, 0xC1}, 0, ProtectedMode, 0x100}, // mov cr0, ecx, ECX=1
		{"lgdt with a register operand", []byte{0x0F, 0x01, 0xD0}, 0, InvalidOpcode, 0x100},
		{"mov to cr1", []byte{0x0F, 0x22, 0xC8}, 0, InvalidOpcode, 0x100},
		{"endless prefixes", []byte{0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26, 0x26}, 0, InvalidOpcode, 0x100},
	}
	for _, tt := range tests {
		c := New()
		c.IP = 0x100
		c.Flags |= tt.flags
		c.R[EAX], c.R[ECX] = 1, 1
		copy(c.Mem[0x100:], tt.code)
		_, err := c.Run(10)
		var f *Fault
		if !errors.As(err, &f) {
			t.Errorf("%s: got %v, want a *Fault", tt.name, err)
			continue
		}
		wantIP := uint16(0x100)
		if tt.code[0] == 0x90 {
			wantIP = 0x101
		}
		if f.Kind != tt.kind || f.IP != wantIP || c.IP != tt.ip {
			t.Errorf("%s: got %v (CPU IP %04X), want %v at %04X (CPU IP %04X)", tt.name, f, c.IP, tt.kind, wantIP, tt.ip)
		}
	}
}

// TestIDTLimit checks real-mode interrupt dispatch through IDTR: a vector
// past the limit raises #GP (13), then a double fault (8), then a triple
// fault, which stops the CPU until Reset (h10.asm: lidt with limit 0, int 3).
func TestIDTLimit(t *testing.T) {
	c := New()
	c.IP = 0x100
	c.R[ESP] = 0x1000
	copy(c.Mem[0x100:], []byte{0x0F, 0x01, 0x1E, 0x00, 0x02, 0xCC}) // lidt [0200h]; int3
	if _, err := c.Run(10); err == nil {
		t.Fatal("lidt limit 0, int3: ran on, want a triple fault")
	} else if f, ok := err.(*Fault); !ok || f.Kind != TripleFault || f.IP != 0x105 {
		t.Fatalf("lidt limit 0, int3: got %v, want triple fault at 0000:0105", err)
	}
	if _, err := c.Run(1); err == nil {
		t.Fatal("Run after a triple fault: got nil, want the triple fault again")
	}
	c.Reset()
	if c.IDTLimit != 0x3FF || c.CR[0] != CR0ET {
		t.Fatalf("after Reset: IDTR limit %X CR0 %X, want 3FF and %X", c.IDTLimit, c.CR[0], CR0ET)
	}

	// Limit 3Fh covers vectors 0-15: int 20h raises #GP, delivered
	// through vector 13 with the INT instruction as the return address;
	// a hardware interrupt past it faults the same way.
	c = New()
	c.IP, c.R[ESP], c.IDTLimit = 0x100, 0x1000, 0x3F
	copy(c.Mem[0x100:], []byte{0xCD, 0x20})
	copy(c.Mem[13*4:], []byte{0x00, 0x05, 0x00, 0x00}) // #GP handler at 0000:0500
	if err := c.Step(); err != nil || c.IP != 0x500 || c.Read16(0, 0xFFA) != 0x100 {
		t.Fatalf("int 20h past the limit: err %v, IP %04X, return IP %04X; want the #GP handler 0500 returning to 0100", err, c.IP, c.Read16(0, 0xFFA))
	}
	c.IDTBase = 0x800 // the table moves: vector 13 now reads zeros
	c.Interrupt(9)
	if c.IP != 0 || c.S[CS] != 0 {
		t.Fatalf("IRQ through IDT base 800h: at %04X:%04X, want 0000:0000", c.S[CS], c.IP)
	}
}

func TestTrap(t *testing.T) {
	c := New()
	c.S[CS] = TrapSegment
	c.IP = 0x10
	// 0F FF 42 ; 0F FF 43 ; hlt
	copy(c.Mem[Linear(TrapSegment, 0x10):], []byte{0x0F, 0xFF, 0x42, 0x0F, 0xFF, 0x43, 0xF4})
	var got []byte
	errWait := errors.New("wait")
	waits := 0
	c.Trap = func(n byte) error {
		got = append(got, n)
		if n == 0x43 && waits < 2 {
			waits++
			c.IP -= TrapLen // retry when resumed
			return errWait
		}
		return nil
	}
	for i := 0; i < 2; i++ {
		if _, err := c.Run(100); err != errWait {
			t.Fatalf("run %d: got %v, want the trap's error", i, err)
		}
		if c.IP != 0x13 {
			t.Fatalf("run %d: IP %04X, want 0013 (the waiting trap)", i, c.IP)
		}
	}
	_, err := c.Run(100)
	var f *Fault
	if !errors.As(err, &f) || f.Kind != Halted {
		t.Fatalf("got %v, want hlt", err)
	}
	if string(got) != "\x42\x43\x43\x43" {
		t.Fatalf("trap numbers % X, want 42 43 43 43", got)
	}
}

func TestBudget(t *testing.T) {
	c := New()
	c.IP = 0x100
	copy(c.Mem[0x100:], []byte{0xEB, 0xFE}) // jmp $
	n, err := c.Run(12345)
	if err != nil || n != 12345 || c.Count != 12345 {
		t.Fatalf("Run = %d, %v (Count %d), want 12345, nil", n, err, c.Count)
	}
}

func TestWraparound(t *testing.T) {
	c := New()
	c.S[DS] = 0xFFFF
	c.R[EBX] = 0x0010 // FFFF:0010 = linear 0x100000 -> 0x00000
	c.IP = 0x100
	copy(c.Mem[0x100:], []byte{0xC6, 0x07, 0xAB}) // mov byte [bx], 0ABh
	if err := c.Step(); err != nil {
		t.Fatal(err)
	}
	if c.Mem[0] != 0xAB {
		t.Fatalf("mem[0] = %02X, want AB (20-bit wraparound)", c.Mem[0])
	}
}

// FuzzRun runs random code: it must never panic and must stop within its
// budget.
func FuzzRun(f *testing.F) {
	f.Add([]byte{0xEB, 0xFE})
	f.Add([]byte{0xF3, 0xA4, 0x66, 0x0F, 0xA3, 0x07, 0xC8, 0xFF, 0xFF, 0x1F})
	f.Add([]byte{0xF7, 0xF3, 0xCF})
	c := New()
	f.Fuzz(func(t *testing.T, code []byte) {
		*c.Mem = [MemSize]byte{}
		c.Reset()
		c.R[ESP] = 0xFFFE
		copy(c.Mem[0x7C00:], code)
		c.IP = 0x7C00
		n, _ := c.Run(10000)
		if n > 10000+0x10000 {
			t.Fatalf("ran %d instructions on a budget of 10000", n)
		}
	})
}

// BenchmarkTightLoop measures guest instructions per second on a loop of
// register arithmetic, a memory store and a conditional jump.
func BenchmarkTightLoop(b *testing.B) {
	c := New()
	// l: add ax, bx ; inc bx ; mov [si], ax ; dec cx ; jnz l ; jmp start
	code := []byte{
		0xB9, 0xFF, 0xFF, // mov cx, 0FFFFh
		0x01, 0xD8, // add ax, bx
		0x43,       // inc bx
		0x89, 0x04, // mov [si], ax
		0x49,       // dec cx
		0x75, 0xF8, // jnz -8
		0xEB, 0xF3, // jmp start
	}
	copy(c.Mem[0x100:], code)
	c.IP = 0x100
	c.R[ESI] = 0x2000
	b.ResetTimer()
	total := uint64(0)
	for i := 0; i < b.N; i++ {
		n, err := c.Run(1_000_000)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "Minstr/s")
}
