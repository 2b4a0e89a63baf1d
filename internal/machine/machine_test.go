package machine

import "testing"

func TestScreenText(t *testing.T) {
	mem := make([]byte, 4000)
	for i := range mem {
		mem[i] = 0
	}
	copy(mem, []byte{'p', 7, 'x', 7, '>', 7, ' ', 7})
	s := ScreenFromVGA(mem, 0, 4)
	if got := s.Row(0); got != "px>" {
		t.Errorf("Row(0) = %q, want %q", got, "px>")
	}
	if !s.Contains("px> ") {
		t.Error("Contains does not see trailing blanks at a row's end")
	}
	if s.Contains("px> x") || s.Contains("nothing") {
		t.Error("Contains sees text that is not there")
	}
	if s.CursorCol != 4 || s.Cells[0][0].Attr != 7 {
		t.Errorf("screen = %+v", s.Cells[0][:2])
	}
}
