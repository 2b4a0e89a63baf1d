package asm

import (
	"bytes"
	"errors"
	"flag"
	"fmt"

	"encoding/hex"
	"github.com/pxos-dev/pxos/internal/diag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// update rewrites the bytes after every "; =>" in testdata/*.asm with
// what nasm -f bin makes of the line (go test -run TestCorpus -update).
var update = flag.Bool("update", false, "rewrite the corpus's expected bytes from nasm's output")

var (
	wantBytesRE = regexp.MustCompile(`;\s*=>\s*([0-9a-fA-F ]*)$`)
	wantErrRE   = regexp.MustCompile(`;\s*ERROR\s+("(?:[^"\\]|\\.)*")\s*$`)
)

// expectation returns the expectation a corpus line carries: "=> bytes" as
// hex, or an error substring, and whether there is one.
func expectation(line string) (string, bool) {
	if m := wantBytesRE.FindStringSubmatch(line); m != nil {
		return strings.ReplaceAll(m[1], " ", ""), true
	}
	if m := wantErrRE.FindStringSubmatch(line); m != nil {
		s, err := strconv.Unquote(m[1])
		if err != nil {
			return "", false
		}
		return s, true
	}
	return "", false
}

// TestCorpus runs testdata/*.asm: each line ending in `; => b8 34 12` must
// assemble to those bytes, each line ending in `; ERROR "text"` must give an
// error containing text at that line, and no other line may fail.
func TestCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.asm")
	if len(files) == 0 {
		t.Fatal("no corpus files")
	}
	for _, f := range files {
		if *update {
			updateCorpus(t, f)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(src), "\n")
			wantErr := map[int]string{}
			wantBytes := map[int]string{}
			for i, l := range lines {
				if s, ok := expectation(l); ok {
					if strings.Contains(l, "; ERROR") {
						wantErr[i+1] = s
						lines[i] = ""
					} else {
						wantBytes[i+1] = s
					}
				}
			}
			// Without the error lines, everything assembles to the expected bytes.
			r, err := Assemble(f, []byte(strings.Join(lines, "\n")), Options{})
			if err != nil {
				t.Fatalf("unexpected errors:\n%v", err)
			}
			seen := map[int]bool{}
			for _, l := range r.Lines {
				want, ok := wantBytes[l.Pos.Line]
				if !ok {
					continue
				}
				seen[l.Pos.Line] = true
				if got := hex.EncodeToString(l.Bytes); got != strings.ToLower(want) {
					t.Errorf("%s: %s: got %s, want %s", l.Pos, l.Text, got, strings.ToLower(want))
				}
			}
			for line := range wantBytes {
				if !seen[line] {
					t.Errorf("%s:%d: expected bytes but the line produced no output line", f, line)
				}
			}
			// With them, each error line reports its error, and only those.
			if len(wantErr) == 0 {
				return
			}
			_, err = Assemble(f, src, Options{})
			if errorList(err) == nil {
				t.Fatalf("want errors at lines %v, got %v", wantErr, err)
			}
			got := map[int][]string{}
			for _, e := range errorList(err) {
				got[e.Pos.Line] = append(got[e.Pos.Line], e.Msg)
			}
			for line, want := range wantErr {
				msgs := got[line]
				found := false
				for _, m := range msgs {
					found = found || strings.Contains(m, want)
				}
				if !found {
					t.Errorf("%s:%d: want error containing %q, got %q", f, line, want, msgs)
				}
			}
			for line, msgs := range got {
				if _, ok := wantErr[line]; !ok {
					t.Errorf("%s:%d: unexpected error %q", f, line, msgs)
				}
			}
		})
	}
}

func errorList(err error) diag.ErrorList {
	var l diag.ErrorList
	if errors.As(err, &l) {
		return l
	}
	return nil
}

// updateCorpus fills in the "; =>" bytes of file from nasm's binary: the
// error lines are blanked, both assemblers must agree on the whole output,
// and each annotated line gets nasm's bytes at the line's address.
func updateCorpus(t *testing.T, file string) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	clean := make([]string, len(lines))
	for i, l := range lines {
		if !strings.Contains(l, "; ERROR") {
			clean[i] = l
		}
	}
	text := strings.Join(clean, "\n")
	bin, err := nasm(t, text)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	r, err := Assemble(file, []byte(text), Options{})
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if !bytes.Equal(r.Bytes, bin) {
		t.Fatalf("%s: output differs from nasm's; see TestNasmCorpus", file)
	}
	for _, l := range r.Lines {
		i := l.Pos.Line - 1
		m := wantBytesRE.FindStringSubmatchIndex(lines[i])
		if m == nil {
			continue
		}
		off := int(l.Addr - r.Org)
		if off+len(l.Bytes) > len(bin) {
			t.Fatalf("%s: nasm output too short for %q", l.Pos, l.Text)
		}
		lines[i] = strings.TrimRight(lines[i][:m[0]], " \t")
		lines[i] = fmt.Sprintf("%-39s ; => % x", lines[i], bin[off:off+len(l.Bytes)])
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
