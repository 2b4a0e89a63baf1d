package screen

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.png")

// sample is a screen with text, colours, a frame and blocks.
func sample() *machine.Screen {
	var s machine.Screen
	put := func(r, c int, text string, attr byte) {
		for i := 0; i < len(text); i++ {
			s.Cells[r][c+i] = machine.Cell{Ch: text[i], Attr: attr}
		}
	}
	for r := range s.Cells {
		for c := range s.Cells[r] {
			s.Cells[r][c] = machine.Cell{Ch: ' ', Attr: 0x07}
		}
	}
	put(0, 0, "pxOS test system 1.0", 0x07)
	put(1, 0, "> help", 0x0F)
	put(2, 0, "\xC9\xCD\xCD\xCD\xBB \xDA\xC4\xC4\xC4\xBF", 0x1E)
	put(3, 0, "\xBA Hi\xBA \xB3 \x01 \xB3", 0x1E)
	put(4, 0, "\xC8\xCD\xCD\xCD\xBC \xC0\xC4\xC4\xC4\xD9", 0x1E)
	put(5, 0, "\xB0\xB1\xB2\xDB\xDC\xDD\xDE\xDF\xFE \x82t\x82 \xE1", 0x4E)
	for i := 0; i < 16; i++ {
		put(6, i*2, "##", byte(i)|byte(15-i)<<4)
	}
	s.CursorRow, s.CursorCol = 1, 6
	return &s
}

func TestCP437(t *testing.T) {
	if len(cp437) != 256 {
		t.Fatalf("cp437 has %d entries, want 256", len(cp437))
	}
	for _, tc := range []struct {
		b    byte
		want rune
	}{{0, ' '}, {0x01, '☺'}, {'A', 'A'}, {0x7F, '⌂'}, {0x80, 'Ç'}, {0xB0, '░'}, {0xC9, '╔'}, {0xDB, '█'}, {0xE1, 'ß'}, {0xFE, '■'}, {0xFF, '\u00A0'}} {
		if got := Unicode(tc.b); got != tc.want {
			t.Errorf("Unicode(%#02x) = %q, want %q", tc.b, got, tc.want)
		}
	}
	// Every box-drawing byte has arms.
	for b := 0xB3; b <= 0xDA; b++ {
		if _, ok := boxArms[Unicode(byte(b))]; !ok {
			t.Errorf("no box arms for %#02x %q", b, Unicode(byte(b)))
		}
	}
}

// fgPixels counts pixels of colour c in cell (r, col).
func countColor(img *image.Paletted, r, col int, c uint8) int {
	n := 0
	for y := r * CellH; y < (r+1)*CellH; y++ {
		for x := col * CellW; x < (col+1)*CellW; x++ {
			if img.ColorIndexAt(x, y) == c {
				n++
			}
		}
	}
	return n
}

func TestRender(t *testing.T) {
	s := sample()
	img := Render(s, Options{})
	if b := img.Bounds(); b != image.Rect(0, 0, 640, 400) {
		t.Fatalf("bounds %v, want 640x400", b)
	}
	// A blank cell is all background.
	if n := countColor(img, 10, 10, 0); n != CellW*CellH {
		t.Errorf("blank cell has %d black pixels, want %d", n, CellW*CellH)
	}
	// 'p' in light grey on black: some foreground, mostly background.
	if n := countColor(img, 0, 0, 7); n < 10 || n > 60 {
		t.Errorf("'p' has %d light grey pixels", n)
	}
	// Different letters render differently.
	a, b := glyphBits(img, 0, 0), glyphBits(img, 0, 1)
	if a == b {
		t.Error("'p' and 'x' render the same")
	}
	// Colours from the attribute: yellow on blue.
	if n := countColor(img, 3, 2, 1); n == 0 || countColor(img, 3, 2, 14) == 0 {
		t.Error("row 3 'H' is not yellow on blue")
	}
	// Full block is all foreground, halves half.
	if n := countColor(img, 5, 3, 14); n != CellW*CellH {
		t.Errorf("full block has %d yellow pixels", n)
	}
	for col := 4; col <= 7; col++ {
		if n := countColor(img, 5, col, 14); n != CellW*CellH/2 {
			t.Errorf("half block %#02x has %d yellow pixels, want %d", s.Cells[5][col].Ch, n, CellW*CellH/2)
		}
	}
	// Box drawing: a horizontal double line crosses the cell edge to edge.
	if img.ColorIndexAt(2*CellW+0, 2*CellH+7) != 14 || img.ColorIndexAt(2*CellW+7, 2*CellH+9) != 14 {
		t.Error("double horizontal line not drawn across its cell")
	}
	// Background colours beyond 7 are taken as blink: 0xF0 shows grey on...
	// here row 6 col 0 is attr 0xF0: background 7, foreground 0.
	if img.ColorIndexAt(0, 6*CellH) != 7 {
		t.Errorf("attr 0xF0 background = %d, want 7 (blink bit ignored)", img.ColorIndexAt(0, 6*CellH))
	}
	// The cursor underlines row 1 col 6 (a blank cell, grey foreground).
	y := 1*CellH + 14
	for x := 6 * CellW; x < 7*CellW; x++ {
		if img.ColorIndexAt(x, y) != 7 || img.ColorIndexAt(x, y+1) != 7 {
			t.Fatalf("cursor pixel %d,%d not drawn", x, y)
		}
	}
	if countColor(Render(s, Options{NoCursor: true}), 1, 6, 7) != 0 {
		t.Error("NoCursor still draws the cursor")
	}
}

func glyphBits(img *image.Paletted, r, c int) string {
	var b strings.Builder
	for y := r * CellH; y < (r+1)*CellH; y++ {
		for x := c * CellW; x < (c+1)*CellW; x++ {
			b.WriteByte('0' + img.ColorIndexAt(x, y))
		}
	}
	return b.String()
}

// TestGolden compares the rendering of the sample screen with
// testdata/golden.png (regenerate with go test -update after a deliberate
// change, and look at it).
func TestGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePNG(&buf, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.png")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	wimg, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	gimg, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for y := 0; y < Height; y++ {
		for x := 0; x < Width; x++ {
			if wimg.At(x, y) != gimg.At(x, y) {
				t.Fatalf("pixel %d,%d = %v, golden %v", x, y, gimg.At(x, y), wimg.At(x, y))
			}
		}
	}
}

func TestWriteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.png")
	if err := WriteFile(path, sample(), Options{}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(path)
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 640 || cfg.Height != 400 {
		t.Errorf("file: %v %v", cfg, err)
	}
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "dir", "s.png"), sample(), Options{}); err == nil || !strings.HasPrefix(err.Error(), "") {
		t.Errorf("bad path: err = %v", err)
	}
}

func TestANSI(t *testing.T) {
	s := sample()
	out := ANSI(s)
	if !strings.HasPrefix(out, "\x1b[H") || !strings.HasSuffix(out, "\x1b[2;7H") {
		t.Errorf("ANSI does not home first and place the cursor last: %q...%q", out[:10], out[len(out)-10:])
	}
	if n := strings.Count(out, "\r\n"); n != machine.Rows-1 {
		t.Errorf("%d line breaks, want %d", n, machine.Rows-1)
	}
	// Yellow (VGA 14) on blue (VGA 1) is bright yellow 93 on ANSI blue 44.
	if !strings.Contains(out, "\x1b[0;93;44m╔═══╗") {
		t.Errorf("frame colours wrong")
	}
	if !strings.Contains(out, "\x1b[0;37;40mpxOS test system 1.0") {
		t.Errorf("grey on black row wrong")
	}
}

func BenchmarkRenderPNG(b *testing.B) {
	s := sample()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		var buf bytes.Buffer
		if err := WritePNG(&buf, s, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCP437RoundTrip(t *testing.T) {
	for i := 1; i < 256; i++ {
		b, ok := CP437(Unicode(byte(i)))
		if !ok || b != byte(i) {
			t.Errorf("CP437(Unicode(%#02x) = %q) = %#02x, %v", i, Unicode(byte(i)), b, ok)
		}
	}
	if b, _ := CP437(' '); b != 0x20 {
		t.Errorf("CP437(' ') = %#02x, want 0x20", b)
	}
	enc, _, ok := Encode("╔═╗ ░▒▓ ☺ ok")
	if !ok || enc != "\xC9\xCD\xBB \xB0\xB1\xB2 \x01 ok" {
		t.Errorf("Encode = %q, %v", enc, ok)
	}
	if got := Decode(enc); got != "╔═╗ ░▒▓ ☺ ok" {
		t.Errorf("Decode = %q", got)
	}
	if _, r, ok := Encode("a€"); ok || r != '€' {
		t.Errorf("Encode(€) = %q, %v, want failure on €", r, ok)
	}
	if got := Decode("\x00a"); got != " a" {
		t.Errorf("Decode(NUL a) = %q, want \" a\"", got)
	}
}
