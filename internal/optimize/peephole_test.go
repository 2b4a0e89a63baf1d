package optimize

import (
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestPeephole runs the cases of testdata/peephole.txt: each names the
// rules that fire on its input and, after "=>", the source they make.
func TestPeephole(t *testing.T) {
	a, err := txtar.ParseFile("testdata/peephole.txt")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range a.Files {
		rules, _, _ := strings.Cut(f.Name, ":")
		in, want, changed := strings.Cut(string(f.Data), "=>\n")
		if !changed {
			want = in
		}
		t.Run(f.Name, func(t *testing.T) {
			got, changes := Peephole([]byte(in))
			var fired []string
			for _, c := range changes {
				fired = append(fired, c.Rule)
				seen[c.Rule] = true
			}
			if rules == "none" {
				rules = ""
			}
			if strings.Join(fired, ",") != rules {
				t.Errorf("rules fired: %q, want %q (%+v)", fired, rules, changes)
			}
			if string(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	for _, r := range Rules {
		if !seen[r.Name] {
			t.Errorf("no case in testdata/peephole.txt shows rule %s firing", r.Name)
		}
	}
}

// Each change names the line it was made on, in the source given.
func TestPeepholeChanges(t *testing.T) {
	src := "f:\n        mov bx, 0\n        cmp al, 8\n        jne .pass\n        call newline\n        ret\n.pass:  jmp prev_hook_key\n"
	got, changes := Peephole([]byte(src))
	want := []Change{
		{Rule: "mov-zero", Line: 2, Old: "mov bx, 0", New: "xor bx, bx"},
		{Rule: "tail-call", Line: 5, Old: "call newline; ret", New: "jmp newline"},
	}
	if len(changes) != len(want) {
		t.Fatalf("changes %+v, want %+v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, changes[i], want[i])
		}
	}
	if !strings.Contains(string(got), "xor bx, bx\n        cmp al, 8\n        jne .pass\n        jmp newline\n.pass:") {
		t.Errorf("source:\n%s", got)
	}
}
