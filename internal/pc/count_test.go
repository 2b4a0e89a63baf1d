package pc

import (
	"fmt"
	"testing"

	"github.com/pxos-dev/pxos/internal/asm"
)

// countProgram is a boot sector that runs a loop of n rounds, then waits
// for a key in the BIOS: boot, loop and wait cost the same but for the n
// LOOP instructions.
func countProgram(t *testing.T, n int) []byte {
	t.Helper()
	src := fmt.Sprintf("\torg 0x7C00\n\tmov cx, %d\n.l:\tloop .l\n\txor ah, ah\n\tint 0x16\n\tjmp $\n\ttimes 510-($-$$) db 0\n\tdw 0xAA55\n", n)
	res, err := asm.Assemble("count.asm", []byte(src), asm.Options{Org: 0x7C00})
	if err != nil {
		t.Fatal(err)
	}
	return res.Bytes
}

// instructionsUntilIdle boots img and returns Instructions once the guest
// waits for a key.
func instructionsUntilIdle(t *testing.T, img []byte) uint64 {
	t.Helper()
	p, err := New(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.RunUntilIdle(0); err != nil {
		t.Fatal(err)
	}
	if !p.Idle() {
		t.Fatal("the guest is not waiting for a key")
	}
	return p.Instructions()
}

// Instructions counts what the guest executed, deterministically: the same
// image gives the same figure, and 30 more rounds of a loop give exactly
// 30 more.
func TestInstructions(t *testing.T) {
	a := instructionsUntilIdle(t, countProgram(t, 10))
	if again := instructionsUntilIdle(t, countProgram(t, 10)); again != a {
		t.Errorf("the same image counted %d, then %d instructions", a, again)
	}
	if a < 13 {
		t.Errorf("Instructions() = %d, want at least the program's own 13", a)
	}
	if b := instructionsUntilIdle(t, countProgram(t, 40)); b-a != 30 {
		t.Errorf("40 rounds counted %d, 10 rounds %d: difference %d, want 30", b, a, b-a)
	}
}
