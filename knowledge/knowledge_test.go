package knowledge

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/tooltest"
)

func TestSplit(t *testing.T) {
	in := "# Title\nTags: a, b ,\n\nintro line\n## One\nfirst\n\n## Two\nsecond\n  ## not a heading? it is, trimmed\n"
	got := Split("f.md", in)
	want := []Section{
		{File: "f.md", Title: "Title", Tags: []string{"a", "b"}, Text: "intro line"},
		{File: "f.md", Title: "Title: One", Tags: []string{"a", "b"}, Text: "## One\nfirst"},
		{File: "f.md", Title: "Title: Two", Tags: []string{"a", "b"}, Text: "## Two\nsecond"},
		{File: "f.md", Title: "Title: not a heading? it is, trimmed", Tags: []string{"a", "b"}, Text: "## not a heading? it is, trimmed"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d sections, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.File != w.File || g.Title != w.Title || strings.Join(g.Tags, "|") != strings.Join(w.Tags, "|") || g.Text != w.Text {
			t.Errorf("section %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if s := Split("p.md", "# P\nStatus: placeholder\n## A\nx\n"); s != nil {
		t.Errorf("placeholder file gave %d sections", len(s))
	}
}

// TestSeedFiles checks that every embedded file has a title and tags and
// that the seed covers what the pixel network promises.
func TestSeedFiles(t *testing.T) {
	secs := Sections()
	titles := map[string]bool{}
	for _, s := range secs {
		if s.Title == "" || len(s.Tags) == 0 || strings.TrimSpace(s.Text) == "" {
			t.Errorf("%s: section %q lacks a title, tags or text", s.File, s.Title)
		}
		if titles[s.Title] {
			t.Errorf("%s: duplicate section %q", s.File, s.Title)
		}
		titles[s.Title] = true
	}
	for _, want := range []string{"INT 10h AH=0Eh", "INT 13h AH=02h", "INT 16h AH=00h", "INT 1Ah AH=00h", "ModRM", "Loading and signature", "Compare two strings", "Clear the screen"} {
		found := false
		for ti := range titles {
			if strings.Contains(ti, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no section about %q", want)
		}
	}
}

var (
	// `mov ah, 0x0E` = B4 0E
	inlineExample = regexp.MustCompile("`([^`]+)` = ((?:[0-9A-F]{2}(?: |$|[;,.)]))+)")
	// "    mov ah, 0x0E        ; B4 0E"
	codeExample = regexp.MustCompile(`^\s{4,}([a-z][^;]*?)\s*;\s*((?:[0-9A-F]{2}(?: |$))+)`)
	identifier  = regexp.MustCompile(`[A-Za-z_.][A-Za-z0-9_.]*`)
	keywords    = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields("al cl dl bl ah ch dh bh ax cx dx bx sp bp si di cs ds es ss fs gs byte word short near far") {
		keywords[w] = true
	}
}

// TestEncodingsAgainstNasm assembles every instruction the seed text gives
// bytes for with nasm and compares. Examples that jump to a label are left
// out (their bytes depend on the surrounding code).
func TestEncodingsAgainstNasm(t *testing.T) {
	nasm := tooltest.Need(t, "nasm")
	dir := t.TempDir()
	n := 0
	names, _ := filepathGlob()
	for _, name := range names {
		b, _ := files.ReadFile(name)
		for ln, line := range strings.Split(string(b), "\n") {
			var pairs [][2]string
			for _, m := range inlineExample.FindAllStringSubmatch(line, -1) {
				pairs = append(pairs, [2]string{m[1], m[2]})
			}
			if m := codeExample.FindStringSubmatch(line); m != nil {
				pairs = append(pairs, [2]string{m[1], m[2]})
			}
			for _, p := range pairs {
				instr := strings.TrimSpace(p[0])
				want := strings.Join(strings.Fields(strings.Trim(p[1], ";,.)")), " ")
				if refersToLabel(instr) {
					continue
				}
				src := filepath.Join(dir, "a.asm")
				os.WriteFile(src, []byte("bits 16\n"+instr+"\n"), 0o644)
				out, err := exec.Command(nasm, "-f", "bin", "-o", filepath.Join(dir, "a.bin"), src).CombinedOutput()
				if err != nil {
					t.Errorf("%s:%d: nasm rejects %q: %s", name, ln+1, instr, out)
					continue
				}
				bin, _ := os.ReadFile(filepath.Join(dir, "a.bin"))
				var got []string
				for _, c := range bin {
					got = append(got, strings.ToUpper(hex2(c)))
				}
				if g := strings.Join(got, " "); g != want {
					t.Errorf("%s:%d: %s: text says %s, nasm gives %s", name, ln+1, instr, want, g)
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Errorf("only %d examples checked", n)
	}
	t.Logf("%d encodings agree with nasm", n)
}

func filepathGlob() ([]string, error) {
	var names []string
	ents, err := files.ReadDir(".")
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names, err
}

func hex2(c byte) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[c>>4], digits[c&15]})
}

func refersToLabel(instr string) bool {
	ops := instr
	if i := strings.IndexByte(instr, ' '); i >= 0 {
		ops = instr[i:]
	} else {
		return false
	}
	ops = regexp.MustCompile(`'[^']*'|0x[0-9A-Fa-f]+|[0-9]+h?`).ReplaceAllString(ops, "")
	for _, id := range identifier.FindAllString(ops, -1) {
		if !keywords[strings.ToLower(id)] {
			return true
		}
	}
	return strings.Contains(ops, "$") && !strings.HasPrefix(strings.TrimSpace(ops), "$")
}
