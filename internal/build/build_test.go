package build

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/diag"
)

var update = flag.Bool("update", false, "rewrite the golden .bin and .lst files under testdata/good")

// TestGood builds every testdata/good/*.txt and compares the trimmed image and
// the listing with their golden files.
func TestGood(t *testing.T) {
	files, _ := filepath.Glob("testdata/good/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/good/*.txt")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			im, err := FromSource(f, src, Options{})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			var lst bytes.Buffer
			if _, err := im.WriteListing(&lst); err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(f, ".txt")+".bin", im.Bin)
			golden(t, strings.TrimSuffix(f, ".txt")+".lst", lst.Bytes())

			// Every image is a full floppy with the signature at offset 510
			// and the first written byte at offset 0.
			if len(im.Floppy) != FloppySize {
				t.Errorf("floppy is %d bytes, want %d", len(im.Floppy), FloppySize)
			}
			if im.Floppy[510] != 0x55 || im.Floppy[511] != 0xAA {
				t.Errorf("bytes 510-511 = % X, want 55 AA", im.Floppy[510:512])
			}
			// Building twice gives identical bytes.
			again, _ := FromSource(f, src, Options{})
			if !bytes.Equal(again.Floppy, im.Floppy) {
				t.Error("second build differs")
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the build (run go test -update after checking):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

var errMark = regexp.MustCompile(`ERROR ("(?:[^"\\]|\\.)*")`)

// TestBad builds every testdata/bad/*.txt: each line carrying ERROR "text"
// must get exactly one error containing text at that line, and no other line
// may get an error. Files named strict*.txt build with Strict.
func TestBad(t *testing.T) {
	files, _ := filepath.Glob("testdata/bad/*.txt")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want := map[int]string{}
			for i, line := range strings.Split(string(src), "\n") {
				if m := errMark.FindStringSubmatch(line); m != nil {
					s, err := strconv.Unquote(m[1])
					if err != nil {
						t.Fatalf("line %d: bad ERROR mark: %v", i+1, err)
					}
					want[i+1] = s
				}
			}
			_, err = FromSource(f, src, Options{Strict: strings.HasPrefix(filepath.Base(f), "strict")})
			var list diag.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v, want a diag.ErrorList", err)
			}
			got := map[int]string{}
			last := 0
			for _, e := range list {
				if e.Pos.File != f {
					t.Errorf("error names file %q, want %q", e.Pos.File, f)
				}
				if e.Pos.Line < last {
					t.Errorf("errors out of line order: %d after %d", e.Pos.Line, last)
				}
				last = e.Pos.Line
				if _, dup := got[e.Pos.Line]; dup {
					t.Errorf("line %d: more than one error: %q and %q", e.Pos.Line, got[e.Pos.Line], e.Msg)
				}
				got[e.Pos.Line] = e.Msg
				if e.Src == "" {
					t.Errorf("line %d: error carries no source text", e.Pos.Line)
				}
			}
			for line, w := range want {
				g, ok := got[line]
				switch {
				case !ok:
					t.Errorf("%s:%d: no error, want one containing %q", f, line, w)
				case !strings.Contains(g, w):
					t.Errorf("%s:%d: error %q, want one containing %q", f, line, g, w)
				}
			}
			for line, g := range got {
				if _, ok := want[line]; !ok {
					t.Errorf("%s:%d: unexpected error %q", f, line, g)
				}
			}
		})
	}
}

func TestPatchReported(t *testing.T) {
	src, _ := os.ReadFile("testdata/good/patch.txt")
	im, err := FromSource("patch.txt", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "0x7C02-0x7C03 written at lines 4-5, rewritten at lines 7-8"
	if len(im.Summary.Patches) != 1 || im.Summary.Patches[0].String() != want {
		t.Fatalf("patches = %v, want [%s]", im.Summary.Patches, want)
	}
	if im.Floppy[2] != 0xF4 || im.Floppy[3] != 0xF4 {
		t.Errorf("patched bytes = % X, want F4 F4", im.Floppy[2:4])
	}
}

func TestSummary(t *testing.T) {
	src := []byte("DEFINE a 0x7E00\nWRITE a 1\nWRITE 0x7C00 2 COMMENT x\nCALL a\n")
	im, err := FromSource("s.txt", src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := im.Summary
	if s.Writes != 2 || s.Defines != 1 || s.Calls != 1 || s.Comments != 1 || s.Symbols != 1 {
		t.Errorf("counts = %+v", s)
	}
	if s.BytesUsed != 4 || s.SectorsUsed != 2 || s.End != 0x7E01 {
		t.Errorf("usage = %d bytes, %d sectors, end 0x%X; want 4, 2, 0x7E01", s.BytesUsed, s.SectorsUsed, s.End)
	}
	wantFree := []Range{{0x7C01, 0x7DFE}, {0x7E01, 0x10000}}
	if len(s.Free) != 2 || s.Free[0] != wantFree[0] || s.Free[1] != wantFree[1] {
		t.Errorf("free = %v, want %v", s.Free, wantFree)
	}
	if len(im.Bin) != 0x201 || im.Bin[0x200] != 1 || im.Bin[0] != 2 {
		t.Errorf("bin is %d bytes (first %02X, last %02X); want 513, 02, 01", len(im.Bin), im.Bin[0], im.Bin[len(im.Bin)-1])
	}
	if im.Word(0x7DFE) != 0xAA55 {
		t.Errorf("signature word = %04X", im.Word(0x7DFE))
	}
}

func TestErrorCap(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 30; i++ {
		b.WriteString("WRITE 0x100 0\n")
	}
	_, err := FromSource("many.txt", []byte(b.String()), Options{})
	if err == nil {
		t.Fatal("no error")
	}
	out := err.Error()
	if n := strings.Count(out, "many.txt:"); n != diag.Max {
		t.Errorf("printed %d errors, want %d", n, diag.Max)
	}
	if !strings.Contains(out, "too many errors") {
		t.Errorf("no 'too many errors' line in:\n%s", out)
	}
}

// FuzzBuild: building the same input twice gives identical bytes, and a build
// that succeeds always yields a bootable-shaped floppy.
func FuzzBuild(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.txt")
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		a, errA := FromSource("f.txt", src, Options{})
		b, errB := FromSource("f.txt", src, Options{})
		if (errA == nil) != (errB == nil) {
			t.Fatalf("builds disagree: %v / %v", errA, errB)
		}
		if errA != nil {
			return
		}
		if !bytes.Equal(a.Floppy, b.Floppy) || !bytes.Equal(a.Bin, b.Bin) {
			t.Fatal("two builds of the same input differ")
		}
		if len(a.Floppy) != FloppySize || a.Floppy[510] != 0x55 || a.Floppy[511] != 0xAA {
			t.Fatal("built image lacks size or signature")
		}
	})
}

// Issue 15, item 8: the summary lists at most maxPatchesShown patches and
// says how many more there are.
func TestSummaryPatchesBounded(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		// Every other address, so that no two patches merge into one run.
		fmt.Fprintf(&b, "WRITE %d 1\nWRITE %d 2\n", 0x7C00+2*i, 0x7C00+2*i)
	}
	im, err := FromSource("p.txt", []byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	im.Summary.WriteSummary(&out)
	if n := strings.Count(out.String(), "rewritten at"); n != maxPatchesShown || !strings.Contains(out.String(), "… 150 more (all in --json)") {
		t.Errorf("%d patches listed:\n%s", n, out.String())
	}
}
