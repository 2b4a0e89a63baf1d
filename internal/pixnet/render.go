package pixnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"strings"
	"time"

	"golang.org/x/image/font/basicfont"
)

// Render geometry: 100 columns of the 7x13 font.
const (
	renderCols     = 100
	renderMaxLines = 5000
	lineHeight     = 13
)

// Render draws r in full — header, tags, title, body and payload, wrapped
// at 100 columns — as a greyscale image, for people. Bodies longer than
// 5000 lines end with a line saying how many were left out.
func Render(r Record) *image.Gray {
	var lines []string
	add := func(s string) {
		for _, l := range strings.Split(s, "\n") {
			l = printable(strings.ReplaceAll(l, "\t", "    "))
			for {
				rs := []rune(l)
				if len(rs) <= renderCols {
					lines = append(lines, l)
					break
				}
				lines = append(lines, string(rs[:renderCols]))
				l = string(rs[renderCols:])
			}
		}
	}
	add(fmt.Sprintf("#%d  %s  %s", r.ID, r.Kind, r.Time.UTC().Format(time.RFC3339)))
	if len(r.Tags) > 0 {
		add("tags: " + strings.Join(r.Tags, ", "))
	}
	add("title: " + r.Title)
	add(strings.Repeat("-", renderCols))
	add(r.Body)
	if len(r.Payload) > 0 {
		add(strings.Repeat("-", renderCols))
		var b bytes.Buffer
		if json.Indent(&b, r.Payload, "", "  ") != nil {
			b.Reset()
			b.Write(r.Payload)
		}
		add("payload:\n" + b.String())
	}
	if len(lines) > renderMaxLines {
		n := len(lines) - renderMaxLines + 1
		lines = append(lines[:renderMaxLines-1], fmt.Sprintf("... %d more lines", n))
	}
	const margin = 8
	img := image.NewGray(image.Rect(0, 0, 2*margin+renderCols*basicfont.Face7x13.Advance, 2*margin+len(lines)*lineHeight))
	for i := range img.Pix {
		img.Pix[i] = 0xff // white
	}
	for i, l := range lines {
		drawText(img, margin, margin+i*lineHeight+basicfont.Face7x13.Ascent, l)
	}
	return img
}
