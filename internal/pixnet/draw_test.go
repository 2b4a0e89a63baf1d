package pixnet

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// TestDrawTextMatchesFontDrawer: the direct blit draws exactly what
// x/image/font's Drawer draws, for every glyph the font has.
func TestDrawTextMatchesFontDrawer(t *testing.T) {
	var text []rune
	for r := rune(0x20); r < 0x7f; r++ {
		text = append(text, r)
	}
	text = append(text, '\ufffd', 'é', '\t')
	for _, s := range []string{string(text[:60]), string(text[60:]), "#12 qa: Hello, pixel network!  [bios, int 10h]"} {
		a := image.NewGray(image.Rect(0, 0, 7*len([]rune(s))+20, BandRows))
		b := image.NewGray(a.Rect)
		draw.Draw(a, a.Rect, image.White, image.Point{}, draw.Src)
		draw.Draw(b, b.Rect, image.White, image.Point{}, draw.Src)
		drawText(a, 4, 12, s)
		d := font.Drawer{Dst: b, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13, Dot: fixed.P(4, 12)}
		d.DrawString(s)
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%q: pixels differ from font.Drawer", s)
		}
	}
}
