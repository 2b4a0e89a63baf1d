package pc

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/asm"
	"github.com/pxos-dev/pxos/internal/machine"
)

// bootSource assembles a boot sector (org 7C00h, padded and signed here).
func bootSource(t testing.TB, src string) []byte {
	t.Helper()
	src = "\torg 0x7C00\n" + src + "\n\ttimes 510-($-$$) db 0\n\tdw 0xAA55\n"
	res, err := asm.Assemble("test.asm", []byte(src), asm.Options{})
	if err != nil {
		t.Fatalf("assembling:\n%v", err)
	}
	return res.Bytes
}

// settled boots img with opts and runs it until it waits for a key.
func settled(t *testing.T, img []byte, opts Options) *PC {
	t.Helper()
	p, err := New(img, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	if err := p.Settle(context.Background()); err != nil {
		t.Fatalf("Settle: %v", err)
	}
	if !p.Idle() {
		t.Fatal("Settle returned, the guest is not idle")
	}
	return p
}

// words returns n little-endian words of guest memory at addr.
func words(p *PC, addr uint32, n int) []uint16 {
	w := make([]uint16, n)
	for i := range w {
		w[i] = uint16(p.cpu.Mem[addr+uint32(2*i)]) | uint16(p.cpu.Mem[addr+uint32(2*i)+1])<<8
	}
	return w
}

// TestPollForever: a guest that only polls int 16h AH=01h is idle after
// MaxEmptyPolls checks, and the poll sees a key typed then.
func TestPollForever(t *testing.T) {
	img := bootSource(t, `
.l:	mov ah, 1
	int 0x16
	jz .l
	xor ah, ah
	int 0x16
	mov ah, 0x0E
	int 0x10
	jmp .l`)
	p := settled(t, img, Options{})
	if p.Stopped() != "" {
		t.Fatalf("stopped: %s", p.Stopped())
	}
	if err := p.Press(context.Background(), machine.Key{Rune: 'x'}, machine.Key{Rune: 'y'}); err != nil {
		t.Fatal(err)
	}
	s, _ := p.Screen(context.Background())
	if s.Row(0) != "xy" {
		t.Fatalf("row 0 = %q, want %q", s.Row(0), "xy")
	}
}

// TestClock: the RTC starts at Options.Clock and runs with the instruction
// clock; the tick count starts at the clock's time of day and rolls over
// at midnight with the flag int 1Ah AH=00h returns; CMOS reads the same
// clock.
func TestClock(t *testing.T) {
	img := bootSource(t, `
	xor ax, ax
	mov ds, ax
	mov ah, 2
	int 0x1A
	mov [0x500], cx
	mov [0x502], dx
	mov ah, 4
	int 0x1A
	mov [0x504], cx
	mov [0x506], dx
	xor ah, ah
	int 0x1A
	mov [0x508], dx
	mov [0x50A], cx
	mov ah, 0x86		; wait 3 s
	mov cx, 0x002D
	mov dx, 0xC6C0
	int 0x15
	mov ah, 2
	int 0x1A
	mov [0x510], cx
	mov [0x512], dx
	mov ah, 4
	int 0x1A
	mov [0x514], cx
	mov [0x516], dx
	xor ah, ah
	int 0x1A
	mov [0x518], dx
	mov [0x51A], cx
	mov [0x51C], al
	mov si, regs
	mov di, 0x520
.c:	mov al, [si]
	cmp al, 0xFF
	je .d
	out 0x70, al
	in al, 0x71
	mov [di], al
	inc si
	inc di
	jmp .c
.d:	xor ah, ah
	int 0x16
regs	db 0, 2, 4, 6, 7, 8, 9, 0x32, 0x0A, 0x0B, 0x0D, 0x10, 0x15, 0x16, 0xFF`)
	clock := time.Date(2030, time.June, 15, 23, 59, 58, 0, time.UTC)
	p := settled(t, img, Options{Clock: clock})
	// Before the wait: 23:59:58 on 2030-06-15, 18008Bh ticks
	// (86398 s * 1193180 / 65536).
	if got, want := words(p, 0x500, 6), []uint16{0x2359, 0x5800, 0x2030, 0x0615, 0x008B, 0x0018}; !equal(got, want) {
		t.Errorf("before: time, date, ticks = %04X, want %04X", got, want)
	}
	// After 3 s: 00:00:01 on the 16th; 54 ticks later the count rolled
	// over at 1800B0h to 11h and AL says so.
	if got, want := words(p, 0x510, 6), []uint16{0x0000, 0x0100, 0x2030, 0x0616, 0x11, 0}; !equal(got, want) {
		t.Errorf("after: time, date, ticks = %04X, want %04X", got, want)
	}
	if al := p.cpu.Mem[0x51C]; al != 1 {
		t.Errorf("midnight flag = %d, want 1", al)
	}
	// CMOS: sec min hour weekday (Sunday 1) day month year century, A B D,
	// floppy, base memory.
	want := []byte{0x01, 0x00, 0x00, 0x01, 0x16, 0x06, 0x30, 0x20, 0x26, 0x02, 0x80, 0x40, 0x80, 0x02}
	if got := p.cpu.Mem[0x520 : 0x520+len(want)]; string(got) != string(want) {
		t.Errorf("CMOS = % X, want % X", got, want)
	}

	// The zero clock is machine.DefaultClock.
	p = settled(t, img, Options{})
	d := machine.DefaultClock
	if got, want := words(p, 0x500, 4), []uint16{uint16(bcd(d.Hour()))<<8 | uint16(bcd(d.Minute())), uint16(bcd(d.Second())) << 8,
		uint16(bcd(d.Year()/100))<<8 | uint16(bcd(d.Year()%100)), uint16(bcd(int(d.Month())))<<8 | uint16(bcd(d.Day()))}; !equal(got, want) {
		t.Errorf("default clock: %04X, want %04X", got, want)
	}
}

func equal(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPIT: channel 0 counts down from 65536 in mode 2 at the PIT's rate
// (65536 clocks per InstructionsPerTick instructions), latches, reads back
// its status; reprogrammed, it sets the rate of IRQ 0; channel 2 and port
// 61h give the speaker gate, OUT2 and the refresh bit.
func TestPIT(t *testing.T) {
	img := bootSource(t, `
	xor ax, ax
	mov ds, ax
	mov al, 0xE2		; read-back status of channel 0
	out 0x43, al
	in al, 0x40
	mov [0x500], al
	cli
	xor al, al		; latch channel 0
	out 0x43, al
	in al, 0x40
	mov ah, al
	in al, 0x40
	xchg al, ah
	mov [0x502], ax
	mov cx, 1000
.d:	loop .d
	xor al, al
	out 0x43, al
	in al, 0x40
	mov ah, al
	in al, 0x40
	xchg al, ah
	mov [0x504], ax
	in al, 0x61		; the refresh bit flips at every read
	mov [0x506], al
	in al, 0x61
	mov [0x507], al
	mov al, 0xB0		; channel 2, lobyte/hibyte, mode 0
	out 0x43, al
	mov al, 100
	out 0x42, al
	xor al, al
	out 0x42, al
	mov al, 1		; gate on
	out 0x61, al
	in al, 0x61
	mov [0x508], al		; OUT2 low while counting
	mov cx, 3000
.e:	loop .e
	in al, 0x61
	mov [0x509], al		; OUT2 high after 100 clocks
	mov al, 0x34		; channel 0: mode 2, 1193 clocks (1 kHz)
	out 0x43, al
	mov ax, 1193
	out 0x40, al
	mov al, ah
	out 0x40, al
	mov dword [0x46C], 0
	sti
	mov ah, 0x86		; wait 1 s: about 1000 interrupts
	mov cx, 0x000F
	mov dx, 0x4240
	int 0x15
	mov ax, [0x46C]
	mov [0x50A], ax
	xor ah, ah
	int 0x16`)
	p := settled(t, img, Options{})
	m := p.cpu.Mem
	if m[0x500] != 0x34 {
		t.Errorf("channel 0 status = %02X, want 34 (lobyte/hibyte, mode 2)", m[0x500])
	}
	w := words(p, 0x502, 2)
	// 1000 LOOPs and a dozen instructions: about 2000 instructions'
	// worth of PIT clocks (15.26 instructions each).
	if d := w[0] - w[1]; d < 1000*1024/15625 || d > 1100*1024/15625 {
		t.Errorf("channel 0 read %04X then %04X: want a count going down by about %d", w[0], w[1], 1000*1024/15625)
	}
	if m[0x506]&0x10 == m[0x507]&0x10 {
		t.Errorf("port 61h reads %02X then %02X: the refresh bit did not flip", m[0x506], m[0x507])
	}
	if m[0x508]&0x21 != 0x01 || m[0x509]&0x21 != 0x21 {
		t.Errorf("port 61h with channel 2 counting %02X, after %02X: want OUT2 (20h) low then high, gate (01h) on", m[0x508], m[0x509])
	}
	if n := words(p, 0x50A, 1)[0]; n < 995 || n > 1005 {
		t.Errorf("%d timer interrupts in 1 s at 1193 clocks each, want about 1000", n)
	}
}

// TestReboot: int 19h, a jump to the reset vector and the reset lines of
// the keyboard controller and port 92h each boot the floppy again; a
// reset also clears the screen and restores the vector table.
func TestReboot(t *testing.T) {
	for _, tt := range []struct{ name, code string }{
		{"int19", "int 0x19"},
		{"resetvector", "jmp 0xFFFF:0x0000"},
		{"kbc", "mov al, 0xFE\n\tout 0x64, al\n\tmov byte [0x501], 1\n\tcli\n\thlt"},
		{"port92", "mov al, 1\n\tout 0x92, al\n\tcli\n\thlt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			img := bootSource(t, `
	xor ax, ax
	mov ds, ax
	mov word [0x20*4], 0x1234	; a vector a reset restores
	mov ax, 0x0E41
	int 0x10
	inc byte [0x500]
	cmp byte [0x500], 3
	je .done
	`+tt.code+`
.done:	xor ah, ah
	int 0x16`)
			p := settled(t, img, Options{})
			if n := p.cpu.Mem[0x500]; n != 3 {
				t.Fatalf("booted %d times, want 3", n)
			}
			if p.cpu.Mem[0x501] != 0 {
				t.Error("an instruction ran after the reset command")
			}
			s, _ := p.Screen(context.Background())
			want := "ABooting from Floppy..." // SeaBIOS announces the boot
			if tt.name != "int19" {           // a reset clears the screen
				want = "A"
			}
			if s.Row(0) != want {
				t.Errorf("row 0 = %q, want %q", s.Row(0), want)
			}
		})
	}
}

// Test40Columns: modes 0 and 1 are 40x25 text: 40 cells per row in text
// memory, the BDA says 40 columns, teletype wraps at 40, and the screen
// snapshot is 40 wide. (repro r_40col.asm)
func Test40Columns(t *testing.T) {
	img := bootSource(t, `
	mov ax, 0x0001
	int 0x10
	mov ax, 0x0E41
	int 0x10
	mov al, 13
	int 0x10
	mov al, 10
	int 0x10
	mov al, 0x42
	int 0x10
	mov al, 13
	int 0x10
	mov al, 10
	int 0x10
	mov cx, 45
.l:	mov al, 0x30
	int 0x10
	loop .l
	mov ah, 0x0F
	int 0x10
	mov [0x500], ax
	xor ah, ah
	int 0x16`)
	p := settled(t, img, Options{})
	s, _ := p.Screen(context.Background())
	if s.Width != 40 {
		t.Errorf("Width = %d, want 40", s.Width)
	}
	want := []string{"A", "B", strings.Repeat("0", 40), "00000"}
	for r, w := range want {
		if s.Row(r) != w {
			t.Errorf("row %d = %q, want %q", r, s.Row(r), w)
		}
	}
	if s.CursorRow != 3 || s.CursorCol != 5 {
		t.Errorf("cursor %d,%d, want 3,5", s.CursorRow, s.CursorCol)
	}
	m := p.cpu.Mem
	if m[0xB8000] != 'A' || m[0xB8000+80] != 'B' || m[0x449] != 1 || m[0x44A] != 40 {
		t.Errorf("text memory A at %02X, B at %02X, BDA mode %d columns %d", m[0xB8000], m[0xB8000+80], m[0x449], m[0x44A])
	}
	if ax := words(p, 0x500, 1)[0]; ax != 0x2801 {
		t.Errorf("int 10h AH=0Fh AX = %04X, want 2801", ax)
	}
}

// TestStoppedWaitText: WaitText on a guest that stopped for good fails at
// once, saying so, without a crash.
func TestStoppedWaitText(t *testing.T) {
	p, _ := New(bootImage(0xFA, 0xF4), Options{}) // cli ; hlt
	err := p.WaitText(context.Background(), "never")
	var cr *machine.Crash
	if err == nil || errors.As(err, &cr) || !strings.Contains(err.Error(), "stopped") {
		t.Fatalf("WaitText = %v, want a plain error saying the guest stopped", err)
	}
}

// TestLongComputationHonoursContext: under the default budget a guest
// that computes forever runs until the context ends, not into a crash.
func TestLongComputationHonoursContext(t *testing.T) {
	p, _ := New(bootImage(0x40, 0xEB, 0xFD), Options{}) // l: inc ax ; jmp l
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Settle(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Settle = %v, want the context's deadline", err)
	}
	if p.Crashed() != nil {
		t.Fatal("a busy guest crashed")
	}
}
