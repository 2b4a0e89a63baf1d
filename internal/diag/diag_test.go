package diag

import (
	"strings"
	"testing"
)

func TestErrorList(t *testing.T) {
	var l ErrorList
	if l.Err() != nil {
		t.Fatal("empty list is an error")
	}
	l.Add(Pos{"b.txt", 3}, "  WRITE x  ", "bad %s", "x")
	l.Add(Pos{"a.txt", 9}, "", "later file first")
	l.Add(Pos{"b.txt", 1}, "", "first line")
	l.Add(Pos{"b.txt", 3}, "", "second error on line 3")
	l.Sort()
	want := "a.txt:9: later file first\nb.txt:1: first line\nb.txt:3: bad x\n\tWRITE x\nb.txt:3: second error on line 3"
	if got := l.Err().Error(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestErrorListCap(t *testing.T) {
	var l ErrorList
	for i := 1; i <= Max+5; i++ {
		l.Add(Pos{"f", i}, "", "e")
	}
	out := l.Error()
	if n := strings.Count(out, "f:"); n != Max {
		t.Errorf("printed %d errors, want %d", n, Max)
	}
	if !strings.HasSuffix(out, "too many errors (5 more)") {
		t.Errorf("no cap line at the end:\n%s", out)
	}
}

func TestPos(t *testing.T) {
	for _, c := range []struct {
		p    Pos
		want string
	}{{Pos{"f", 2}, "f:2"}, {Pos{"f", 0}, "f"}, {Pos{"", 4}, "line 4"}, {Pos{}, "-"}} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#v = %q, want %q", c.p, got, c.want)
		}
	}
}

// Issue 15, items 5 and 8: an error quotes text from files and models, so
// it is bounded and shows control characters instead of sending them.
func TestErrorBoundedAndVisible(t *testing.T) {
	e := &Error{Pos: Pos{File: "f.txt", Line: 3}, Msg: "bad token " + strings.Repeat("x", 10<<20), Src: "db \x1b]0;PWNED\x07\x1b[2J" + strings.Repeat("y", 10<<20)}
	out := e.Error()
	if len(out) > MaxMsg+MaxSrc+200 || strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b]0;PWNED\x07\x1b[2J`) || !strings.Contains(out, "more bytes]") {
		t.Errorf("%d bytes: %.300q", len(out), out)
	}
	var l ErrorList
	for i := range Max + 1 {
		l.Add(Pos{File: "f", Line: i + 1}, "", "e%d", i)
	}
	if s := l.Error(); !strings.Contains(s, "e19\ntoo many errors (1 more)") {
		t.Errorf("%q", s[len(s)-60:])
	}
}
