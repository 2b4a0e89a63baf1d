package scenario

import (
	"context"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
)

// Text counts only where a person would see it: not drawn in its own
// background colour.
func TestVisibleText(t *testing.T) {
	var s machine.Screen
	put := func(row int, text string, attr byte) {
		for i := 0; i < len(text); i++ {
			s.Cells[row][i] = machine.Cell{Ch: text[i], Attr: attr}
		}
	}
	put(0, "grey on black", 0x07)
	put(1, "black on black", 0x00)
	put(2, "dark grey on black", 0x08)
	put(3, "white on white", 0x77)
	put(4, "blinking grey", 0x87)
	put(5, "mixed", 0x07)
	s.Cells[5][2].Attr = 0x00 // the x is hidden
	put(6, "twice twice", 0x07)
	for i := 0; i < 5; i++ {
		s.Cells[6][i].Attr = 0x00 // the first "twice" is hidden, the second not
	}
	for _, c := range []struct {
		text        string
		row, hidden int
	}{
		{"grey on black", 0, -1},
		{"black on black", -1, 1},
		{"dark grey", 2, -1},
		{"white on white", -1, 3},
		{"blinking", 4, -1},
		{"mixed", -1, 5},
		{"mi", 5, -1},
		{"twice", 6, -1},
		{"nowhere", -1, -1},
	} {
		if got := Find(&s, c.text); got != c.row {
			t.Errorf("Find(%q) = %d, want %d", c.text, got, c.row)
		}
		if got := FindHidden(&s, c.text); got != c.hidden {
			t.Errorf("FindHidden(%q) = %d, want %d", c.text, got, c.hidden)
		}
	}
}

// A scenario that expects text drawn black on black fails, and says why;
// expect-not passes for it.
func TestRunInvisible(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"expect \"pxOS test system\"\n", "is on row 0 but invisible"},
		{"expect-row 0 \"pxOS test\"\n", "row 0 holds \"pxOS test\", but invisible"},
		{"wait \"pxOS test\"\n", "invisible"},
		{"expect-not \"pxOS test\"\n", ""},
	} {
		m := newFake("testos")
		for i := range m.s.Cells[0] {
			m.s.Cells[0][i].Attr = 0x00
		}
		sc, err := Parse("t.txt", []byte(c.src))
		if err != nil {
			t.Fatal(err)
		}
		res := sc.Run(context.Background(), m)
		if res.Passed != (c.want == "") || !strings.Contains(res.Error, c.want) {
			t.Errorf("%q: passed %v, error %q; want %q", c.src, res.Passed, res.Error, c.want)
		}
	}
}
