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
	wantBytesRE = regexp.MustCompile(`;\s*=>\s*([0-9a-fA-F ]*?)\s*(;\s*WARNING\s+"(?:[^"\\]|\\.)*"\s*)?$`)
	wantErrRE   = regexp.MustCompile(`;\s*ERROR\s+("(?:[^"\\]|\\.)*")\s*$`)
	wantWarnRE  = regexp.MustCompile(`;\s*WARNING\s+("(?:[^"\\]|\\.)*")\s*$`)
)

// nasmHeader, as the first line of a corpus file, assembles it with
// Options.NASM. Its lines may end in `; WARNING "text"` (after the bytes, if
// any): the warning --nasm gives there. The default options must then
// refuse exactly those lines: each is a deliberate difference from nasm.
const nasmHeader = "; pxos asm --nasm"

// corpusOptions are the options a corpus file is assembled with.
func corpusOptions(src []byte) Options {
	return Options{NASM: bytes.HasPrefix(src, []byte(nasmHeader))}
}

// warnExpectation returns the warning text a corpus line expects, if any.
func warnExpectation(line string) (string, bool) {
	m := wantWarnRE.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	s, err := strconv.Unquote(m[1])
	return s, err == nil
}

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
// error containing text at that line, and no other line may fail. In a file
// that starts with nasmHeader, `; WARNING "text"` (alone or after the bytes)
// is the warning Options.NASM gives at that line, no other line may warn,
// and without Options.NASM exactly those lines are refused.
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
			opts := corpusOptions(src)
			lines := strings.Split(string(src), "\n")
			wantErr := map[int]string{}
			wantBytes := map[int]string{}
			wantWarn := map[int]string{}
			for i, l := range lines {
				if s, ok := warnExpectation(l); ok {
					wantWarn[i+1] = s
				}
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
			clean := []byte(strings.Join(lines, "\n"))
			r, err := Assemble(f, clean, opts)
			if err != nil {
				t.Fatalf("unexpected errors:\n%v", err)
			}
			checkLines(t, f, "warning", r.Warnings, wantWarn)
			if opts.NASM {
				// What --nasm warns about, the default refuses.
				_, err := Assemble(f, clean, Options{})
				refused := map[int]string{}
				for line := range wantWarn {
					refused[line] = ""
				}
				checkLines(t, f, "error without --nasm", errorList(err), refused)
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
			_, err = Assemble(f, src, opts)
			if errorList(err) == nil {
				t.Fatalf("want errors at lines %v, got %v", wantErr, err)
			}
			checkLines(t, f, "error", errorList(err), wantErr)
		})
	}
}

// checkLines checks that each line of want has a message of the kind
// containing its text, and that no other line has one.
func checkLines(t *testing.T, file, kind string, l diag.ErrorList, want map[int]string) {
	t.Helper()
	got := map[int][]string{}
	for _, e := range l {
		got[e.Pos.Line] = append(got[e.Pos.Line], e.Msg)
	}
	for line, w := range want {
		msgs := got[line]
		found := false
		for _, m := range msgs {
			found = found || strings.Contains(m, w)
		}
		if !found {
			t.Errorf("%s:%d: want %s containing %q, got %q", file, line, kind, w, msgs)
		}
	}
	for line, msgs := range got {
		if _, ok := want[line]; !ok {
			t.Errorf("%s:%d: unexpected %s %q", file, line, kind, msgs)
		}
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
	r, err := Assemble(file, []byte(text), corpusOptions(src))
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
		warn := ""
		if m[4] >= 0 {
			warn = " " + strings.TrimSpace(lines[i][m[4]:m[5]])
		}
		lines[i] = strings.TrimRight(lines[i][:m[0]], " \t")
		lines[i] = fmt.Sprintf("%-39s ; => % x%s", lines[i], bin[off:off+len(l.Bytes)], warn)
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}
