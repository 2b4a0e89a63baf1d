package qemu

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/tooltest"
)

// Tests of issue 17: the guest's state (settle, keys), the clock, the boot
// screen and reboots. Each program is a boot sector written here.

// assemble builds a boot sector from src (org 0x7C00, signature added).
func assemble(t testing.TB, src string) []byte {
	t.Helper()
	src = "org 0x7c00\n" + src + "\ntimes 510-($-$$) db 0\ndw 0xaa55\n"
	res, err := asm.Assemble("test.asm", []byte(src), asm.Options{Org: 0x7C00})
	if err != nil {
		t.Fatal(err)
	}
	return res.Bytes
}

func startWith(t testing.TB, img []byte, opts Options) *Machine {
	t.Helper()
	tooltest.Need(t, Binary)
	m, err := Start(ctxT(t), img, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// echo prints every key it reads with int 16h AH=00h.
const echo = `
        mov ax,0x0003
        int 0x10
.k:     mov ah,0
        int 0x16
        mov ah,0x0e
        int 0x10
        jmp .k`

// TestKeysBeforeBoot is issue 17 item 11: keys pressed at once after the
// start are not lost while SeaBIOS starts.
func TestKeysBeforeBoot(t *testing.T) {
	m := startWith(t, assemble(t, echo), Options{})
	ctx := ctxT(t)
	if err := m.Press(ctx, typeText("abc")...); err != nil {
		t.Fatal(err)
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := m.Screen(ctx)
	if got := s.Row(0); got != "abc" {
		t.Errorf("row 0 = %q, want %q", got, "abc")
	}
}

// TestSettleWaitsForComputation is item 10: a guest that computes silently
// for half a second (busy polling the tick count) has not settled.
func TestSettleWaitsForComputation(t *testing.T) {
	m := startWith(t, assemble(t, `
        xor ax,ax
        mov ds,ax
        mov ax,0x0003
        int 0x10
        mov ax,0x0e41
        int 0x10
        mov bx,[0x46c]
        add bx,9
.w:     cmp [0x46c],bx
        jne .w
        mov ax,0x0e42
        int 0x10
.k:     mov ah,0
        int 0x16
        jmp .k`), Options{})
	ctx := ctxT(t)
	if err := m.WaitText(ctx, "A"); err != nil {
		t.Fatal(err)
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := m.Screen(ctx)
	if got := s.Row(0); got != "AB" {
		t.Errorf("row 0 after Settle = %q, want %q", got, "AB")
	}
}

// TestSettleEndings: guests that end in a key read, cli;hlt, jmp $ or a
// hlt loop settle quickly, and none is a crash.
func TestSettleEndings(t *testing.T) {
	for name, end := range map[string]string{
		"keyread": ".k: mov ah,0\nint 0x16\njmp .k",
		"clihlt":  "cli\nhlt",
		"jmpself": "jmp $",
		"hltloop": "sti\n.h: hlt\njmp .h",
	} {
		t.Run(name, func(t *testing.T) {
			m := startWith(t, assemble(t, "mov ax,0x0003\nint 0x10\nmov ax,0x0e68\nint 0x10\n"+end), Options{})
			ctx := ctxT(t)
			begin := time.Now()
			if err := m.Settle(ctx); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(begin); d > 900*time.Millisecond {
				t.Errorf("Settle took %v, want it to see the guest idle well before the quiet fallback", d)
			}
			s, _ := m.Screen(ctx)
			if s.Row(0) != "h" || m.Crashed() != nil {
				t.Errorf("row 0 = %q, crash %v; want \"h\", none", s.Row(0), m.Crashed())
			}
		})
	}
}

// TestBootScreenBlank is item 4: the boot sector starts on a blank screen
// with the cursor at 0,0, without SeaBIOS's lines, as on the emulator.
func TestBootScreenBlank(t *testing.T) {
	m := startWith(t, assemble(t, `
        mov ax,0x0e58
        int 0x10
.k:     mov ah,0
        int 0x16
        jmp .k`), Options{})
	ctx := ctxT(t)
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	s, _ := m.Screen(ctx)
	if got := s.Text(); strings.TrimRight(got, "\n") != "X" || s.CursorRow != 0 || s.CursorCol != 1 {
		t.Errorf("screen =\n%s\ncursor %d %d; want only X at 0,0 and the cursor at 0,1", got, s.CursorRow, s.CursorCol)
	}
	if a := s.Cells[5][5]; a.Ch != ' ' || a.Attr != 0x07 {
		t.Errorf("blank cell = %+v, want ' ' on attribute 07h", a)
	}
}

// TestClock is item 2: the tick count starts at the clock asked for and
// advances with time at about 18.2 ticks a second.
func TestClock(t *testing.T) {
	clock := time.Date(2026, 3, 4, 8, 59, 0, 0, time.UTC)
	m := startWith(t, assemble(t, echo), Options{Clock: clock})
	ctx := ctxT(t)
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	ticks := func() float64 {
		b, err := m.ReadMemory(ctx, 0x46C, 4)
		if err != nil {
			t.Fatal(err)
		}
		return float64(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24)
	}
	const perSecond = 1193180.0 / 65536
	want := (8*3600 + 59*60) * perSecond
	t0 := ticks()
	if t0 < want || t0 > want+5*perSecond {
		t.Errorf("ticks at start = %.0f, want %.0f (08:59:00) to 5 s later", t0, want)
	}
	time.Sleep(time.Second)
	if d := ticks() - t0; d < 0.5*perSecond || d > 3*perSecond {
		t.Errorf("ticks advanced %.0f in a second, want about %.0f", d, perSecond)
	}
}

// TestReboot is item 8: a reboot the guest asks for (jmp FFFF:0000) is a
// reboot, not a crash; the guest boots again and runs on.
func TestReboot(t *testing.T) {
	m := startWith(t, assemble(t, `
        mov ax,0x0003
        int 0x10
        mov ax,0x0e52       ; 'R'
        int 0x10
        mov ah,0
        int 0x16
        jmp 0xffff:0x0000`), Options{})
	ctx := ctxT(t)
	if err := m.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	if err := m.Press(ctx, machine.Key{Rune: 'x'}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for m.Reboots() == 0 && time.Now().Before(deadline) {
		if _, err := m.Screen(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if m.Reboots() != 1 {
		t.Fatalf("reboots = %d, want 1", m.Reboots())
	}
	if err := m.Settle(ctx); err != nil {
		t.Fatalf("Settle after the reboot = %v", err)
	}
	s, _ := m.Screen(ctx)
	if s.Row(0) != "R" || m.Crashed() != nil {
		t.Errorf("after the reboot row 0 = %q, crash %v; want \"R\" again, no crash", s.Row(0), m.Crashed())
	}
	// And keys still arrive.
	if err := m.Press(ctx, machine.Key{Rune: 'x'}); err != nil {
		var c *machine.Crash
		if errors.As(err, &c) {
			t.Fatalf("Press after the reboot = crash %v", c)
		}
		t.Fatal(err)
	}
}

func TestParseRegs(t *testing.T) {
	dump := "EAX=00000000 EBX=0000d980 ECX=0000b79d EDX=00000000\nESI=0 EDI=0 EBP=0 ESP=0\nEIP=0000b7b9 EFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\nES =0040 00000400 0000ffff 00009300\nCS =f000 000f0000 0000ffff 00009b00\nCR0=00000010 CR2=00000000"
	st, ok := parseRegs(dump)
	if !ok || st != (cpuState{CS: 0xF000, IP: 0xB7B9, Halted: true, IF: true, Real: true}) {
		t.Errorf("parseRegs = %+v, %v", st, ok)
	}
	if _, ok := parseRegs("garbage"); ok {
		t.Error("parseRegs(garbage) ok")
	}
	_ = context.Background
}

// TestResetLine: a reset through the keyboard controller (out 64h,FEh) or
// port 92h bit 0 is a reboot too, and WaitText and Settle see the guest
// after it (rk.asm: a boot counter in CMOS 4Eh).
func TestResetLine(t *testing.T) {
	for _, tt := range []struct{ name, reset string }{
		{"kbc", "mov al,0xfe\n out 0x64,al"},
		{"port92", "in al,0x92\n or al,1\n out 0x92,al"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := startWith(t, assemble(t, `
        mov al,0x4e
        out 0x70,al
        in al,0x71
        inc al
        mov bl,al
        mov al,0x4e
        out 0x70,al
        mov al,bl
        out 0x71,al
        mov ah,0x0e
        mov al,bl
        and al,7
        add al,'0'
        int 0x10
        mov ax,0x0e42       ; 'B'
        int 0x10
        mov ah,0
        int 0x16
        `+tt.reset+`
        jmp $`), Options{})
			ctx := ctxT(t)
			s, err := waitScreen(ctx, m, "B")
			if err != nil {
				t.Fatal(err)
			}
			first := s.Row(0)
			for i := 0; i < 2; i++ {
				if err := m.Press(ctx, machine.Key{Rune: 'x'}); err != nil {
					t.Fatal(err)
				}
				want := string(rune(first[0]-'0'+byte(i)+1)%8+'0') + "B"
				if err := m.WaitText(ctx, want); err != nil {
					s, _ := m.Screen(ctx)
					t.Fatalf("reboot %d: %v (screen row 0 %q, reboots %d)", i+1, err, s.Row(0), m.Reboots())
				}
				if err := m.Settle(ctx); err != nil {
					t.Fatalf("Settle after reboot %d = %v", i+1, err)
				}
			}
			if m.Reboots() != 2 || m.Crashed() != nil {
				t.Errorf("reboots %d, crash %v; want 2, none", m.Reboots(), m.Crashed())
			}
		})
	}
}

func waitScreen(ctx context.Context, m *Machine, text string) (machine.Screen, error) {
	if err := m.WaitText(ctx, text); err != nil {
		return machine.Screen{}, err
	}
	return m.Screen(ctx)
}
