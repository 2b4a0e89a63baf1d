// Package screen renders a machine.Screen (the 80x25 VGA text screen) for
// people: as a 640x400 PNG with 8x16 glyphs and the 16 VGA colours, the way
// a VGA card in mode 3 shows it, and as ANSI escape sequences for a terminal.
//
// It owns the code page 437 character set and the VGA palette; it knows
// nothing of how the screen was obtained.
//
// Glyphs come from golang.org/x/image/font/inconsolata (Regular8x16) after
// mapping each code page 437 byte to Unicode; the box-drawing and block
// characters (0xB0-0xDF, 0xFE), which that font lacks, are drawn as lines and
// blocks so menus and frames look as on a VGA. Attribute bit 7 is taken as
// blink (the VGA default), so backgrounds use colours 0-7.
package screen

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"os"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/inconsolata"
	"golang.org/x/image/math/fixed"

	"github.com/pxos-dev/pxos/internal/machine"
)

// Size of a character cell and of the whole image in pixels.
const (
	CellW  = 8
	CellH  = 16
	Width  = machine.Cols * CellW // 640
	Height = machine.Rows * CellH // 400
)

// Palette is the 16 colours of the VGA text attribute, in attribute order
// (IBM VGA Technical Reference, default DAC values for mode 3).
var Palette = color.Palette{
	color.RGBA{0x00, 0x00, 0x00, 0xFF}, // 0 black
	color.RGBA{0x00, 0x00, 0xAA, 0xFF}, // 1 blue
	color.RGBA{0x00, 0xAA, 0x00, 0xFF}, // 2 green
	color.RGBA{0x00, 0xAA, 0xAA, 0xFF}, // 3 cyan
	color.RGBA{0xAA, 0x00, 0x00, 0xFF}, // 4 red
	color.RGBA{0xAA, 0x00, 0xAA, 0xFF}, // 5 magenta
	color.RGBA{0xAA, 0x55, 0x00, 0xFF}, // 6 brown
	color.RGBA{0xAA, 0xAA, 0xAA, 0xFF}, // 7 light grey
	color.RGBA{0x55, 0x55, 0x55, 0xFF}, // 8 dark grey
	color.RGBA{0x55, 0x55, 0xFF, 0xFF}, // 9 light blue
	color.RGBA{0x55, 0xFF, 0x55, 0xFF}, // 10 light green
	color.RGBA{0x55, 0xFF, 0xFF, 0xFF}, // 11 light cyan
	color.RGBA{0xFF, 0x55, 0x55, 0xFF}, // 12 light red
	color.RGBA{0xFF, 0x55, 0xFF, 0xFF}, // 13 light magenta
	color.RGBA{0xFF, 0xFF, 0x55, 0xFF}, // 14 yellow
	color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}, // 15 white
}

// Options change how Render draws. The zero value draws the cursor.
type Options struct {
	NoCursor bool // leave the cursor out
}

// Render draws s as a 640x400 image with the 16-colour VGA palette. The
// cursor is an underline on scan lines 14-15 of its cell (the BIOS default
// cursor shape for mode 3) in the cell's foreground colour.
func Render(s *machine.Screen, opts Options) *image.Paletted {
	img := image.NewPaletted(image.Rect(0, 0, Width, Height), Palette)
	for r := 0; r < machine.Rows; r++ {
		for c := 0; c < machine.Cols; c++ {
			cell := s.Cells[r][c]
			drawCell(img, c*CellW, r*CellH, cell.Ch, cell.Attr&0x0F, (cell.Attr>>4)&0x07)
		}
	}
	if !opts.NoCursor && s.CursorRow >= 0 && s.CursorRow < machine.Rows && s.CursorCol >= 0 && s.CursorCol < machine.Cols {
		fg := s.Cells[s.CursorRow][s.CursorCol].Attr & 0x0F
		x, y := s.CursorCol*CellW, s.CursorRow*CellH
		fill(img, image.Rect(x, y+14, x+CellW, y+16), fg)
	}
	return img
}

// WritePNG writes s rendered as PNG to w.
func WritePNG(w io.Writer, s *machine.Screen, opts Options) error {
	if err := png.Encode(w, Render(s, opts)); err != nil {
		return err
	}
	return nil
}

// WriteFile writes s rendered as PNG to the file at path.
func WriteFile(path string, s *machine.Screen, opts Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = WritePNG(bw, s, opts)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("%w", cerr)
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

func fill(img *image.Paletted, r image.Rectangle, c uint8) {
	r = r.Intersect(img.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := range row {
			row[i] = c
		}
	}
}

// drawCell paints one character cell at x, y.
func drawCell(img *image.Paletted, x, y int, ch, fg, bg uint8) {
	cell := image.Rect(x, y, x+CellW, y+CellH)
	fill(img, cell, bg)
	if drawSpecial(img, x, y, ch, fg) {
		return
	}
	r := Unicode(ch)
	if r == ' ' || r == 0xA0 {
		return
	}
	face := inconsolata.Regular8x16
	// Baseline so the 17-pixel-tall glyph box (ascent 14, descent 3) sits
	// in the 16-pixel cell with its lowest, rarely used row clipped.
	dot := fixed.P(x, y+13)
	dr, mask, mp, _, ok := face.Glyph(dot, r)
	if !ok {
		return
	}
	clip := dr.Intersect(cell)
	mp = mp.Add(clip.Min.Sub(dr.Min))
	draw.DrawMask(img, clip, image.NewUniform(Palette[fg]), image.Point{}, mask, mp, draw.Over)
}

var _ font.Face = inconsolata.Regular8x16

// drawSpecial draws the block and box-drawing characters; it reports
// whether ch was one of them.
func drawSpecial(img *image.Paletted, x, y int, ch, fg uint8) bool {
	switch ch {
	case 0xB0, 0xB1, 0xB2: // light, medium, dark shade
		for py := 0; py < CellH; py++ {
			for px := 0; px < CellW; px++ {
				on := false
				switch ch {
				case 0xB0:
					on = px%2 == 0 && py%2 == 0
				case 0xB1:
					on = (px+py)%2 == 0
				case 0xB2:
					on = !(px%2 == 1 && py%2 == 1)
				}
				if on {
					img.SetColorIndex(x+px, y+py, fg)
				}
			}
		}
		return true
	case 0xDB: // full block
		fill(img, image.Rect(x, y, x+CellW, y+CellH), fg)
		return true
	case 0xDC: // lower half
		fill(img, image.Rect(x, y+CellH/2, x+CellW, y+CellH), fg)
		return true
	case 0xDD: // left half
		fill(img, image.Rect(x, y, x+CellW/2, y+CellH), fg)
		return true
	case 0xDE: // right half
		fill(img, image.Rect(x+CellW/2, y, x+CellW, y+CellH), fg)
		return true
	case 0xDF: // upper half
		fill(img, image.Rect(x, y, x+CellW, y+CellH/2), fg)
		return true
	case 0xFE: // small square
		fill(img, image.Rect(x+2, y+5, x+6, y+11), fg)
		return true
	}
	arms, ok := boxArms[Unicode(ch)]
	if !ok {
		return false
	}
	const cx, cy = 3, 8 // where the lines meet
	up, down, left, right := arms[0], arms[1], arms[2], arms[3]
	vline := func(y0, y1 int, weight uint8) {
		switch weight {
		case 1:
			fill(img, image.Rect(x+cx, y+y0, x+cx+1, y+y1), fg)
		case 2:
			fill(img, image.Rect(x+cx-1, y+y0, x+cx, y+y1), fg)
			fill(img, image.Rect(x+cx+1, y+y0, x+cx+2, y+y1), fg)
		}
	}
	hline := func(x0, x1 int, weight uint8) {
		switch weight {
		case 1:
			fill(img, image.Rect(x+x0, y+cy, x+x1, y+cy+1), fg)
		case 2:
			fill(img, image.Rect(x+x0, y+cy-1, x+x1, y+cy), fg)
			fill(img, image.Rect(x+x0, y+cy+1, x+x1, y+cy+2), fg)
		}
	}
	vline(0, cy+2, up)
	vline(cy-1, CellH, down)
	hline(0, cx+2, left)
	hline(cx-1, CellW, right)
	return true
}

// boxArms gives, for each box-drawing character of code page 437, the
// weight (0 none, 1 single, 2 double) of its up, down, left and right arms.
var boxArms = map[rune][4]uint8{
	'│': {1, 1, 0, 0}, '┤': {1, 1, 1, 0}, '╡': {1, 1, 2, 0}, '╢': {2, 2, 1, 0},
	'╖': {0, 2, 1, 0}, '╕': {0, 1, 2, 0}, '╣': {2, 2, 2, 0}, '║': {2, 2, 0, 0},
	'╗': {0, 2, 2, 0}, '╝': {2, 0, 2, 0}, '╜': {2, 0, 1, 0}, '╛': {1, 0, 2, 0},
	'┐': {0, 1, 1, 0}, '└': {1, 0, 0, 1}, '┴': {1, 0, 1, 1}, '┬': {0, 1, 1, 1},
	'├': {1, 1, 0, 1}, '─': {0, 0, 1, 1}, '┼': {1, 1, 1, 1}, '╞': {1, 1, 0, 2},
	'╟': {2, 2, 0, 1}, '╚': {2, 0, 0, 2}, '╔': {0, 2, 0, 2}, '╩': {2, 0, 2, 2},
	'╦': {0, 2, 2, 2}, '╠': {2, 2, 0, 2}, '═': {0, 0, 2, 2}, '╬': {2, 2, 2, 2},
	'╧': {1, 0, 2, 2}, '╨': {2, 0, 1, 1}, '╤': {0, 1, 2, 2}, '╥': {0, 2, 1, 1},
	'╙': {2, 0, 0, 1}, '╘': {1, 0, 0, 2}, '╒': {0, 1, 0, 2}, '╓': {0, 2, 0, 1},
	'╫': {2, 2, 1, 1}, '╪': {1, 1, 2, 2}, '┘': {1, 0, 1, 0}, '┌': {0, 1, 0, 1},
}

// cp437 maps code page 437 to Unicode (the IBM PC character ROM). 0x00
// shows as a blank, as on the screen.
var cp437 = []rune(" ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼" +
	" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂" +
	"ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»" +
	"░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀" +
	"αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00A0")

// Unicode returns the Unicode character that code page 437 byte ch shows.
func Unicode(ch byte) rune { return cp437[ch] }

// ansiColor maps a VGA colour number (blue is 1) to an ANSI one (red is 1).
var ansiColor = [8]int{0, 4, 2, 6, 1, 5, 3, 7}

// ANSI returns escape sequences that draw s on a terminal of at least 80x25
// from its top-left corner: home, each row with SGR colours from the
// attributes, then the cursor placed where the guest's cursor is.
func ANSI(s *machine.Screen) string {
	var b strings.Builder
	b.WriteString("\x1b[H")
	last := -1
	for r := 0; r < machine.Rows; r++ {
		if r > 0 {
			b.WriteString("\x1b[0m\r\n")
			last = -1
		}
		for c := 0; c < machine.Cols; c++ {
			cell := s.Cells[r][c]
			if a := int(cell.Attr & 0x7F); a != last {
				fg, bg := cell.Attr&0x0F, (cell.Attr>>4)&0x07
				code := 30 + ansiColor[fg&7]
				if fg >= 8 {
					code = 90 + ansiColor[fg&7]
				}
				fmt.Fprintf(&b, "\x1b[0;%d;%dm", code, 40+ansiColor[bg])
				last = a
			}
			b.WriteRune(Unicode(cell.Ch))
		}
	}
	fmt.Fprintf(&b, "\x1b[0m\x1b[%d;%dH", s.CursorRow+1, s.CursorCol+1)
	return b.String()
}

// fromUnicode is the inverse of cp437 for the characters a scenario may
// write: every glyph of the table but the blank of 0x00 (a space is 0x20).
var fromUnicode = func() map[rune]byte {
	m := make(map[rune]byte, 256)
	for i := len(cp437) - 1; i >= 1; i-- {
		m[cp437[i]] = byte(i)
	}
	return m
}()

// CP437 returns the code page 437 byte that shows r, and whether there is
// one: ASCII maps to itself, box-drawing, block and accented characters to
// their IBM PC codes (the inverse of Unicode; a space is 0x20, never 0x00).
func CP437(r rune) (byte, bool) {
	b, ok := fromUnicode[r]
	return b, ok
}

// Encode maps text to code page 437 bytes, as they are in VGA text memory.
// It returns the first character that has no code page 437 byte, if any.
func Encode(text string) (string, rune, bool) {
	b := make([]byte, 0, len(text))
	for _, r := range text {
		c, ok := CP437(r)
		if !ok {
			return "", r, false
		}
		b = append(b, c)
	}
	return string(b), 0, true
}

// Decode maps code page 437 bytes (a row of text memory) to the Unicode
// text a person sees: 0x00 as a blank, box drawing as box drawing.
func Decode(cp string) string {
	var b strings.Builder
	b.Grow(len(cp))
	for i := 0; i < len(cp); i++ {
		b.WriteRune(cp437[cp[i]])
	}
	return b.String()
}
