package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every step it accepts
// prints (String) as a line that parses back to the same step, and that
// every error is positioned inside the input.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/run/*.txt")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	if b, err := os.ReadFile("testdata/parse.txt"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if in, _, ok := cut(l, " => "); ok {
				f.Add([]byte(in))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		lines := strings.Count(string(src), "\n") + 1
		sc, err := Parse("f.txt", src)
		if err != nil {
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(l, "f.txt:") {
					var n int
					rest := strings.TrimPrefix(l, "f.txt:")
					for len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
						n = n*10 + int(rest[0]-'0')
						rest = rest[1:]
					}
					if n < 1 || n > lines {
						t.Fatalf("error at line %d of %d: %s", n, lines, l)
					}
				}
			}
			return
		}
		for _, st := range sc.Steps {
			back, err := Parse("back.txt", []byte(st.String()))
			if err != nil || len(back.Steps) != 1 || back.Steps[0].String() != st.String() {
				t.Fatalf("step %q (from %q) does not round-trip: %v", st.String(), st.Src, err)
			}
		}
	})
}
