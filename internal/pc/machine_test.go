package pc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
)

func TestKeyCodes(t *testing.T) {
	f, err := os.Open("testdata/keycodes.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(text, ' ')
		keyText, codeText := strings.TrimSpace(text[:i]), text[i+1:]
		var k machine.Key
		if keyText[0] == '\'' {
			r, _, _, err := strconv.UnquoteChar(keyText[1:len(keyText)-1], '\'')
			if err != nil {
				t.Fatalf("keycodes.txt:%d: %v", line, err)
			}
			k.Rune = r
		} else {
			k.Name = keyText
		}
		want, err := strconv.ParseUint(codeText, 16, 16)
		if err != nil {
			t.Fatalf("keycodes.txt:%d: %v", line, err)
		}
		got, err := KeyCode(k)
		if err != nil || got != uint16(want) {
			t.Errorf("keycodes.txt:%d: KeyCode(%v) = %04X, %v; want %04X", line, k, got, err, want)
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d cases", n)
	}
	for _, name := range machine.KeyNames {
		if _, err := KeyCode(machine.Key{Name: name}); err != nil {
			t.Errorf("named key %q: %v", name, err)
		}
	}
	for r := rune(0x20); r < 0x7F; r++ {
		if _, err := KeyCode(machine.Key{Rune: r}); err != nil {
			t.Errorf("printable %q: %v", r, err)
		}
	}
	for _, k := range []machine.Key{{Rune: 'é'}, {Name: "f13"}, {Rune: 0}} {
		if _, err := KeyCode(k); err == nil {
			t.Errorf("KeyCode(%v) succeeded, want an error", k)
		}
	}
}

func bootImage(code ...byte) []byte {
	img := make([]byte, 512)
	copy(img, code)
	img[510], img[511] = 0x55, 0xAA
	return img
}

func TestNewErrors(t *testing.T) {
	if _, err := New(make([]byte, 512), Options{}); err == nil || !strings.Contains(err.Error(), "55 AA") {
		t.Errorf("no signature: got %v", err)
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("empty image accepted")
	}
	big := make([]byte, FloppySize+1)
	big[510], big[511] = 0x55, 0xAA
	if _, err := New(big, Options{}); err == nil || !strings.HasPrefix(err.Error(), "emu: ") {
		t.Errorf("oversized image: got %v", err)
	}
}

func TestBootState(t *testing.T) {
	p, err := New(bootImage(0xEB, 0xFE), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.CPU()
	if got := c.Dump(); !strings.Contains(got, "AX=AA55") || !strings.Contains(got, "SP=6F04") ||
		!strings.Contains(got, "CS=0000") || !strings.Contains(got, "IP=7C00") || !strings.Contains(got, "DX=0000") {
		t.Errorf("boot registers:\n%s", got)
	}
	if c.Mem[0x7C00] != 0xEB || c.Mem[0x7DFE] != 0x55 {
		t.Error("sector 0 not at 7C00")
	}
	s, _ := p.Screen(context.Background())
	if s.Text() != strings.Repeat("\n", 24) || s.Cells[0][0].Attr != 0x07 || s.CursorRow != 0 || s.CursorCol != 0 {
		t.Errorf("boot screen not blank with attribute 07 and the cursor home")
	}
}

func TestCrashReport(t *testing.T) {
	// 7C00: mov ax, 1234h ; 7C03: ud2
	p, err := New(bootImage(0xB8, 0x34, 0x12, 0x0F, 0x0B), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = p.Settle(context.Background())
	var cr *machine.Crash
	if !errors.As(err, &cr) {
		t.Fatalf("got %v, want a crash", err)
	}
	if cr.Reason != "invalid opcode" || cr.CS != 0 || cr.IP != 0x7C03 || !bytes.HasPrefix(cr.Bytes, []byte{0x0F, 0x0B}) ||
		!strings.Contains(cr.Regs, "AX=1234") {
		t.Errorf("crash report: %v", cr)
	}
	if err2 := p.Press(context.Background(), machine.Key{Rune: 'a'}); err2 != err {
		t.Errorf("after a crash Press returned %v, want the same crash", err2)
	}
	if p.Crashed() != cr {
		t.Error("Crashed() does not return the crash")
	}
}

func TestBudgetIsPerCall(t *testing.T) {
	// A loop of 3M instructions, then wait for a key; a budget of 2M per
	// call is not enough, 4M is.
	code := []byte{
		0xB9, 0x00, 0x00, // mov cx, 0
		0xBA, 0x2E, 0x00, // mov dx, 46
		0xE2, 0xFE, // loop $
		0x4A,       // dec dx
		0x75, 0xFB, // jnz -5 (to loop)
		0x31, 0xC0, // xor ax, ax
		0xCD, 0x16, // int 16h
		0xEB, 0xFE, // jmp $
	}
	p, _ := New(bootImage(code...), Options{Budget: 2_000_000})
	var cr *machine.Crash
	if err := p.Settle(context.Background()); !errors.As(err, &cr) || !strings.Contains(cr.Reason, "budget") {
		t.Fatalf("budget 2M: got %v, want a budget crash", err)
	}
	p, _ = New(bootImage(code...), Options{Budget: 4_000_000})
	if err := p.Settle(context.Background()); err != nil || !p.Idle() {
		t.Fatalf("budget 4M: got %v (idle %v), want idle", err, p.Idle())
	}
}

func TestWaitTextIdle(t *testing.T) {
	p, _ := New(bootImage(0x31, 0xC0, 0xCD, 0x16, 0xEB, 0xFE), Options{})
	err := p.WaitText(context.Background(), "never")
	if err == nil || !strings.Contains(err.Error(), `"never" is not on the screen`) {
		t.Fatalf("got %v", err)
	}
	var cr *machine.Crash
	if errors.As(err, &cr) {
		t.Fatal("a missing text is not a crash")
	}
}

func TestContextCancelled(t *testing.T) {
	p, _ := New(bootImage(0xEB, 0xFE), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.Settle(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestClose(t *testing.T) {
	p, _ := New(bootImage(0xEB, 0xFE), Options{})
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := p.Screen(context.Background()); err == nil {
		t.Error("Screen after Close succeeded")
	}
	if err := p.Settle(context.Background()); err == nil {
		t.Error("Settle after Close succeeded")
	}
}

// TestDiskWriteCopies checks that int 13h writes never reach the caller's
// image.
func TestDiskWriteCopies(t *testing.T) {
	img := make([]byte, FloppySize)
	code := []byte{
		0x31, 0xC0, 0x8E, 0xC0, // xor ax, ax ; mov es, ax
		0xB8, 0x01, 0x03, // mov ax, 0301h
		0xB9, 0x02, 0x00, // mov cx, 2
		0x31, 0xD2, // xor dx, dx
		0xBB, 0x00, 0x7C, // mov bx, 7C00h
		0xCD, 0x13, // int 13h
		0x31, 0xC0, 0xCD, 0x16, // xor ax, ax ; int 16h
	}
	copy(img, bootImage(code...))
	p, _ := New(img, Options{WritableDisk: true})
	if err := p.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if img[512] != 0 {
		t.Error("the caller's image was modified")
	}
	if p.Disk()[512] != 0x31 {
		t.Error("the machine's disk was not written")
	}
}

// echoOS is a boot sector that prints a banner and echoes keys.
func echoOS(t testing.TB) []byte { return assemble(t, "testdata/echo.asm") }

func TestDeterministic(t *testing.T) {
	img := echoOS(t)
	run := func() (string, uint64) {
		p, err := New(img, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if err := p.WaitText(ctx, "pxOS"); err != nil {
			t.Fatal(err)
		}
		keys := []machine.Key{{Rune: 'h'}, {Rune: 'i'}, {Name: "enter"}, {Rune: 'X'}, {Name: "backspace"}}
		if err := p.Press(ctx, keys...); err != nil {
			t.Fatal(err)
		}
		s, _ := p.Screen(ctx)
		var b strings.Builder
		for r := range s.Cells {
			for _, cell := range s.Cells[r] {
				b.WriteByte(cell.Ch)
				b.WriteByte(cell.Attr)
			}
		}
		b.WriteString(strconv.Itoa(s.CursorRow*100 + s.CursorCol))
		return b.String(), p.CPU().Count
	}
	s1, n1 := run()
	s2, n2 := run()
	if s1 != s2 || n1 != n2 {
		t.Fatalf("two runs differ: %d vs %d instructions", n1, n2)
	}
	if !strings.Contains(s1, "h\x07i\x07") {
		t.Fatal("the typed text is not on the screen")
	}
}

// BenchmarkBootTypeHelp boots the echo OS, types "help" and Enter and
// checks the screen: the emulator's cost of one small scenario.
func BenchmarkBootTypeHelp(b *testing.B) {
	img := echoOS(b)
	keys := []machine.Key{{Rune: 'h'}, {Rune: 'e'}, {Rune: 'l'}, {Rune: 'p'}, {Name: "enter"}}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := New(img, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.WaitText(ctx, "pxOS echo"); err != nil {
			b.Fatal(err)
		}
		if err := p.Press(ctx, keys...); err != nil {
			b.Fatal(err)
		}
		s, _ := p.Screen(ctx)
		if !s.Contains("> help") {
			b.Fatal("help not echoed")
		}
		p.Close()
	}
}

// BenchmarkGuestLoop measures guest instructions per second through the
// whole PC (run loop, chunking, BIOS tick updates) on a tight loop.
func BenchmarkGuestLoop(b *testing.B) {
	// l: add ax, bx ; inc bx ; mov [si], ax ; dec cx ; jnz l ; jmp l
	code := []byte{0x01, 0xD8, 0x43, 0x89, 0x04, 0x49, 0x75, 0xF8, 0xEB, 0xF6}
	p, _ := New(bootImage(code...), Options{Budget: 10_000_000})
	b.ResetTimer()
	var total uint64
	for i := 0; i < b.N; i++ {
		p.crash = nil
		start := p.CPU().Count
		p.Settle(context.Background()) // ends in a budget crash, by design
		total += p.CPU().Count - start
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "Minstr/s")
}

// BenchmarkNew measures booting a machine: its allocation is the memory a
// PC costs (1 MiB of guest memory plus the disk when it must be padded).
func BenchmarkNew(b *testing.B) {
	img := make([]byte, FloppySize)
	copy(img, bootImage(0xEB, 0xFE))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := New(img, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzBoot boots random boot sectors: the machine must never panic or hang,
// and every run ends idle, crashed or with a screen it can read.
func FuzzBoot(f *testing.F) {
	f.Add([]byte{0xEB, 0xFE})
	f.Add([]byte{0xB4, 0x0E, 0xB0, 0x41, 0xCD, 0x10, 0x31, 0xC0, 0xCD, 0x16})
	f.Add([]byte{0xB8, 0x01, 0x13, 0xB9, 0xFF, 0xFF, 0xCD, 0x10})
	f.Add([]byte{0xB8, 0x80, 0x02, 0xB9, 0x01, 0x00, 0xCD, 0x13, 0xF4})
	f.Add([]byte{0xB4, 0x06, 0xB0, 0x00, 0xB9, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xCD, 0x10})
	f.Fuzz(func(t *testing.T, code []byte) {
		if len(code) > 510 {
			code = code[:510]
		}
		p, err := New(bootImage(code...), Options{Budget: 20_000})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		ctx := context.Background()
		err = p.Settle(ctx)
		var cr *machine.Crash
		if err != nil && !errors.As(err, &cr) {
			t.Fatalf("Settle: %v", err)
		}
		if err == nil && !p.Idle() {
			t.Fatal("Settle returned without idle or crash")
		}
		p.Press(ctx, machine.Key{Rune: 'a'}, machine.Key{Name: "enter"})
		if _, err := p.Screen(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAdvance(t *testing.T) {
	p, _ := New(bootImage(0x40, 0xEB, 0xFD), Options{Budget: 1000}) // l: inc ax ; jmp l
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if err := p.Advance(ctx, 700); err != nil {
			t.Fatalf("Advance: %v", err)
		}
	}
	if n := p.CPU().Count; n != 3500 {
		t.Fatalf("ran %d instructions, want 3500", n)
	}
	if p.Idle() || p.Crashed() != nil {
		t.Fatal("a busy guest is neither idle nor crashed under Advance")
	}
	var cr *machine.Crash
	if err := p.Settle(ctx); !errors.As(err, &cr) {
		t.Fatalf("Settle: got %v, want a budget crash", err)
	}
}

func TestScanCodes(t *testing.T) {
	tests := []struct {
		key  machine.Key
		want string
	}{
		{machine.Key{Rune: 'a'}, "1E 9E"},
		{machine.Key{Rune: 'B'}, "2A 30 B0 AA"},
		{machine.Key{Rune: '!'}, "2A 02 82 AA"},
		{machine.Key{Rune: ' '}, "39 B9"},
		{machine.Key{Name: "up"}, "E0 48 E0 C8"},
		{machine.Key{Name: "f12"}, "58 D8"},
		{machine.Key{Name: "enter"}, "1C 9C"},
	}
	for _, tt := range tests {
		code, err := KeyCode(tt.key)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.ToUpper(fmt.Sprintf("% x", scanCodes(tt.key, code))); got != tt.want {
			t.Errorf("scanCodes(%v) = %s, want %s", tt.key, got, tt.want)
		}
	}
}

// BenchmarkLongComputation boots a guest that computes silently for about
// 50 million instructions (r_long.asm's nested LOOP, 763 x 65535) and then
// waits for a key: the emulator's cost of a compute-heavy guest, to compare
// with QEMU running the same image.
func BenchmarkLongComputation(b *testing.B) {
	code := []byte{
		0xBA, 0xFB, 0x02, // mov dx, 763
		0xB9, 0xFF, 0xFF, // .o: mov cx, 0FFFFh
		0xE2, 0xFE, // .i: loop .i
		0x4A,       // dec dx
		0x75, 0xF8, // jnz .o
		0x31, 0xC0, // xor ax, ax
		0xCD, 0x16, // int 16h
		0xEB, 0xFA, // jmp (to xor ax, ax)
	}
	img := bootImage(code...)
	ctx := context.Background()
	b.ReportAllocs()
	var total uint64
	for i := 0; i < b.N; i++ {
		p, err := New(img, Options{Budget: 1 << 40})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Settle(ctx); err != nil || !p.Idle() {
			b.Fatalf("Settle: %v (idle %v)", err, p.Idle())
		}
		total += p.CPU().Count
		p.Close()
	}
	b.ReportMetric(float64(total)/float64(b.N)/1e6, "Minstr/op")
	b.ReportMetric(float64(total)/b.Elapsed().Seconds()/1e6, "Minstr/s")
}
