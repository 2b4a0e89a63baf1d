package pixnet

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"io"
	"strings"
	"sync"

	"golang.org/x/image/font/basicfont"
)

// Image geometry of a segment.
const (
	// Width is the width of every segment in pixels (and bytes per row).
	Width = 640
	// BandRows is the height of a title band: a grey rule, one line of
	// 7x13 text, a blank row.
	BandRows = 16
	// MaxRows is the height at which a segment is sealed and the next
	// record starts a new one. It keeps every segment within the limits
	// viewers impose (ImageMagick's default policy allows 16K rows).
	MaxRows = 16000
)

// maxRows is MaxRows; tests lower it to exercise sealing.
var maxRows = MaxRows

// pngSig is the PNG file signature (PNG spec §5.2).
const pngSig = "\x89PNG\r\n\x1a\n"

// Fixed offsets in a segment: the signature, then IHDR (length, type, 13
// bytes of data, CRC).
const (
	ihdrOff    = 8
	ihdrHeight = ihdrOff + 8 + 4 // height field inside IHDR data
	ihdrCRC    = ihdrOff + 8 + 13
	ihdrEnd    = ihdrCRC + 4
	endingLen  = 12 + 9 + 12 + 8 + 12 // tail IDAT (9 data bytes), pxRW (8), IEND
)

// zlibHeader starts the one zlib stream of a segment (RFC 1950: deflate,
// 32K window, no dictionary, check bits so 0x7801 % 31 == 0).
var zlibHeader = []byte{0x78, 0x01}

// finalBlock is the tail's deflate data: an empty final stored block
// (BFINAL=1, BTYPE=00, LEN=0, NLEN=0xffff). The Adler-32 follows it.
var finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// fragmentEnd terminates a non-final run of deflate blocks for inflating it
// on its own: an empty final block with fixed codes (BFINAL=1, BTYPE=01,
// then the 7-bit end-of-block code 0).
var fragmentEnd = []byte{0x03, 0x00}

// appendChunk appends a PNG chunk (PNG spec §5.3) to b.
func appendChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

func ihdrData(height uint32) []byte {
	d := make([]byte, 13)
	binary.BigEndian.PutUint32(d[0:], Width)
	binary.BigEndian.PutUint32(d[4:], height)
	d[8] = 8 // bit depth
	d[9] = 0 // colour type: greyscale
	// compression, filter and interlace methods: 0
	return d
}

// countType is a private ancillary chunk (PNG spec §5.4: lower-case first
// and second letters; upper-case fourth: not safe to copy, it describes the
// image data) between the last IDAT and IEND. It holds the segment's row
// count and number of records, written with them in one write, so that
// Open can check the IHDR height without decoding the image.
const countType = "pxRW"

// appendEnding appends the tail IDAT (final empty block and the Adler-32 of
// every row), the pxRW chunk and IEND.
func appendEnding(b []byte, adler, rows, records uint32) []byte {
	d := append(append([]byte(nil), finalBlock...), 0, 0, 0, 0)
	binary.BigEndian.PutUint32(d[5:], adler)
	b = appendChunk(b, "IDAT", d)
	var n [8]byte
	binary.BigEndian.PutUint32(n[:], rows)
	binary.BigEndian.PutUint32(n[4:], records)
	b = appendChunk(b, countType, n[:])
	return appendChunk(b, "IEND", nil)
}

// emptySegment returns the bytes of a segment with no records: signature,
// IHDR, text chunks naming the format, an IDAT that opens the zlib stream
// with a heading band, and the ending. It is deterministic, so a segment
// torn while it was being created is recognised as a prefix of it.
func emptySegment(index int, firstID uint64) ([]byte, uint32) {
	b := []byte(pngSig)
	b = appendChunk(b, "IHDR", ihdrData(BandRows))
	b = appendChunk(b, "tEXt", []byte("Title\x00pxOS pixel network"))
	b = appendChunk(b, "tEXt", []byte("Software\x00pxos (internal/pixnet)"))
	b = appendChunk(b, "tEXt", fmt.Appendf(nil, "pxnet\x00format=PXNR/%d segment=%d first=%d width=%d band=%d", frameVersion, index, firstID, Width, BandRows))
	rows := renderBand(fmt.Sprintf("pxOS pixel network - segment %d, records from #%d - each title band is followed by its record's data rows", index, firstID), 0x40)
	d := append([]byte(nil), zlibHeader...)
	d = append(d, deflateFragment(rows)...)
	b = appendChunk(b, "IDAT", d)
	adler := adlerUpdate(1, rows)
	return appendEnding(b, adler, BandRows, 0), adler
}

// segmentFirstID reads first= from the pxnet tEXt chunk.
func parsePxnetText(data []byte) (index int, first uint64, ok bool) {
	s, found := strings.CutPrefix(string(data), "pxnet\x00")
	if !found {
		return 0, 0, false
	}
	for _, f := range strings.Fields(s) {
		if v, ok := strings.CutPrefix(f, "first="); ok {
			fmt.Sscan(v, &first)
		}
		if v, ok := strings.CutPrefix(f, "segment="); ok {
			fmt.Sscan(v, &index)
		}
	}
	return index, first, first > 0
}

// recordChunks returns the band and data IDAT chunks of r, the number of
// rows they add and the uncompressed rows' Adler-32 continued from adler.
func recordChunks(b []byte, r *Record, frame []byte, adler uint32) ([]byte, uint32, uint32) {
	band := renderBand(bandText(r), 0xc0)
	adler = adlerUpdate(adler, band)
	b = appendChunk(b, "IDAT", deflateFragment(band))
	data := dataRows(frame)
	adler = adlerUpdate(adler, data)
	b = appendChunk(b, "IDAT", deflateFragment(data))
	return b, BandRows + uint32(len(data)/(Width+1)), adler
}

// dataRows lays frame out in rows of Width bytes, each preceded by filter
// type 0 (None), the last one padded with zeros.
func dataRows(frame []byte) []byte {
	n := (len(frame) + Width - 1) / Width
	rows := make([]byte, n*(Width+1))
	for i := 0; i < n; i++ {
		copy(rows[i*(Width+1)+1:(i+1)*(Width+1)], frame[i*Width:])
	}
	return rows
}

var writers = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.DefaultCompression)
	return w
}}

// deflateFragment compresses p into byte-aligned, non-final deflate blocks
// that refer to nothing before them (a fresh compressor, ended by Flush,
// never Close).
func deflateFragment(p []byte) []byte {
	var buf bytes.Buffer
	w := writers.Get().(*flate.Writer)
	w.Reset(&buf)
	w.Write(p)
	w.Flush()
	writers.Put(w)
	return buf.Bytes()
}

var readers = sync.Pool{New: func() any { return flate.NewReader(bytes.NewReader(nil)) }}

// fragmentReader reads a fragment followed by fragmentEnd without copying
// it; it is an io.ByteReader so flate does not wrap it in a bufio.Reader.
type fragmentReader struct {
	b   []byte
	end int
}

func (r *fragmentReader) ReadByte() (byte, error) {
	if len(r.b) > 0 {
		c := r.b[0]
		r.b = r.b[1:]
		return c, nil
	}
	if r.end < len(fragmentEnd) {
		r.end++
		return fragmentEnd[r.end-1], nil
	}
	return 0, io.EOF
}

func (r *fragmentReader) Read(p []byte) (int, error) {
	n := copy(p, r.b)
	r.b = r.b[n:]
	if n < len(p) && r.end < len(fragmentEnd) {
		m := copy(p[n:], fragmentEnd[r.end:])
		r.end += m
		n += m
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// inflateFragment decompresses one record chunk's deflate data, appending
// to dst. limit bounds the output so damaged data cannot exhaust memory.
func inflateFragment(frag []byte, limit int) ([]byte, error) {
	return inflateAppend(nil, frag, limit)
}

func inflateAppend(dst, frag []byte, limit int) ([]byte, error) {
	fr := readers.Get().(io.ReadCloser)
	defer readers.Put(fr)
	if err := fr.(flate.Resetter).Reset(&fragmentReader{b: frag}, nil); err != nil {
		return nil, err
	}
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := fr.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if len(dst)-start > limit {
			return nil, fmt.Errorf("chunk inflates past %d bytes", limit)
		}
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return nil, fmt.Errorf("inflate: %v", err)
		}
	}
}

// bandText is the line drawn above a record's data rows. It leaves out tags
// and body: every glyph costs about eight bytes of compressed pixels, and
// the title is what a person scans for (pxos net render draws a whole
// record).
func bandText(r *Record) string {
	return fmt.Sprintf("#%d %s: %s", r.ID, r.Kind, oneLine(r.Title))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// bandCols is how many glyphs fit in a band.
const bandCols = (Width - 8) / 7

// renderBand draws text (truncated to bandCols) on a white band with a rule
// of grey level rule on top, and returns its rows with filter bytes.
func renderBand(text string, rule byte) []byte {
	img := image.NewGray(image.Rect(0, 0, Width, BandRows))
	for i := range img.Pix {
		img.Pix[i] = 0xff // white
	}
	for x := 0; x < Width; x++ {
		img.Pix[x] = rule
	}
	drawText(img, 4, 1+basicfont.Face7x13.Ascent, clip(printable(text), bandCols))
	rows := make([]byte, BandRows*(Width+1))
	for y := 0; y < BandRows; y++ {
		copy(rows[y*(Width+1)+1:], img.Pix[y*img.Stride:y*img.Stride+Width])
	}
	return rows
}

// printable maps what the 7x13 font cannot draw: tabs and control
// characters to spaces, other non-ASCII runes to U+FFFD.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f:
			return ' '
		case r > 0x7e:
			return '\ufffd'
		}
		return r
	}, s)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// drawText draws s in black with the 7x13 font, baseline at y, onto a
// white-ish dst. It blits the font's alpha mask directly, which is what
// font.Drawer with draw.Over does, several times faster.
func drawText(dst *image.Gray, x, y int, s string) {
	face := basicfont.Face7x13
	mask := face.Mask.(*image.Alpha)
	h := face.Ascent + face.Descent
	for _, r := range s {
		gi := -1
		for _, c := range [2]rune{r, '\ufffd'} { // basicfont falls back to U+FFFD
			for _, rg := range face.Ranges {
				if gi < 0 && rg.Low <= c && c < rg.High {
					gi = int(c-rg.Low) + rg.Offset
				}
			}
		}
		if gi >= 0 {
			for gy := 0; gy < h; gy++ {
				py := y - face.Ascent + gy
				if py < dst.Rect.Min.Y || py >= dst.Rect.Max.Y {
					continue
				}
				row := mask.Pix[(gi*h+gy)*mask.Stride:]
				for gx := 0; gx < face.Width; gx++ {
					px := x + face.Left + gx
					if a := row[gx]; a != 0 && px >= dst.Rect.Min.X && px < dst.Rect.Max.X {
						o := dst.PixOffset(px, py)
						dst.Pix[o] = byte(uint32(dst.Pix[o]) * (255 - uint32(a)) / 255)
					}
				}
			}
		}
		x += face.Advance
	}
}

// adlerUpdate continues the Adler-32 checksum (RFC 1950 §8.2) adler over p.
func adlerUpdate(adler uint32, p []byte) uint32 {
	const mod, nmax = 65521, 5552
	s1, s2 := adler&0xffff, adler>>16
	for len(p) > 0 {
		n := min(len(p), nmax)
		for _, c := range p[:n] {
			s1 += uint32(c)
			s2 += s1
		}
		s1 %= mod
		s2 %= mod
		p = p[n:]
	}
	return s2<<16 | s1
}
