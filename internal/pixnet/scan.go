package pixnet

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"sync"
)

// Damage is one damaged place in a network: a record whose bytes fail their
// checksum, or whose title band does.
type Damage struct {
	ID      uint64 // the record concerned, 0 when it cannot be told
	Segment string // file name of the segment
	Offset  int64  // byte offset of the damaged chunk
	Lost    bool   // the record's data is unreadable (false: only its title band is damaged)
	Reason  string
}

func (d Damage) String() string {
	id := "record ?"
	if d.ID != 0 {
		id = fmt.Sprintf("record %d", d.ID)
	}
	return fmt.Sprintf("%s: %s (%s, offset %d)", id, d.Reason, d.Segment, d.Offset)
}

// Torn describes bytes after the last committed record that do not form a
// complete append: what a crash in the middle of Append leaves.
type Torn struct {
	Segment string `json:"segment"` // file name of the segment
	Offset  int64  `json:"offset"`  // where the committed part ends
	Bytes   int64  `json:"bytes"`   // how many bytes follow it
}

// segment is what a scan learns about one PNG file.
type segment struct {
	path     string
	index    int
	firstID  uint64
	size     int64  // bytes in the file as committed, ending included
	tail     int64  // offset of the tail IDAT: where the next record goes
	rows     uint32 // image height
	ihdrRows uint32 // height stored in IHDR
	adler    uint32 // Adler-32 of every row so far
	adlerOK  bool   // adler is known (the ending was intact)
	records  int    // record pairs written, damaged ones included
	torn     *Torn
	damage   []Damage
	pending  []chunkRef // data chunks not decoded yet (scanLazy)
}

// chunkRef locates the data chunk of record id in its segment file.
type chunkRef struct {
	off int
	id  uint64
}

// scanMode says how much of a segment scanSegment decodes.
type scanMode int

const (
	scanLazy   scanMode = iota // check chunk CRCs; note data chunks in pending
	scanDecode                 // also decode every record
	scanDeep                   // also inflate every title band
)

type chunk struct {
	typ  string
	data []byte
	off  int
	end  int
}

// readChunk reads the chunk at off; ok is false when it runs past the end
// of b or its CRC does not match.
func readChunk(b []byte, off int) (chunk, bool) {
	if off < 0 || off+12 > len(b) {
		return chunk{}, false
	}
	n := binary.BigEndian.Uint32(b[off:])
	if uint64(n) > uint64(len(b)-off-12) {
		return chunk{}, false
	}
	end := off + 12 + int(n)
	if crc32.ChecksumIEEE(b[off+4:end-4]) != binary.BigEndian.Uint32(b[end-4:]) {
		return chunk{}, false
	}
	return chunk{typ: string(b[off+4 : off+8]), data: b[off+8 : end-4], off: off, end: end}, true
}

func (c chunk) isTail() bool { return c.typ == "IDAT" && len(c.data) == 9 && c.data[0]&1 == 1 }

// resync finds the next intact IDAT or IEND chunk at or after from, or -1.
func resync(b []byte, from int) int {
	for i := from; i+12 <= len(b); {
		j1 := bytes.Index(b[i+4:], []byte("IDAT"))
		j2 := bytes.Index(b[i+4:], []byte("IEND"))
		j := j1
		if j < 0 || (j2 >= 0 && j2 < j) {
			j = j2
		}
		if j < 0 {
			return -1
		}
		if _, ok := readChunk(b, i+j); ok {
			return i + j
		}
		i += j + 1
	}
	return -1
}

// isEmptyPrefix reports whether b is a prefix of the empty segment for
// (index, first): a segment whose creation was cut short.
func isEmptyPrefix(b []byte, index int, first uint64) bool {
	e, _ := emptySegment(index, first)
	return len(b) < len(e) && bytes.Equal(b, e[:len(b)])
}

// dataChunkRecord inflates a data chunk and decodes its frame.
func dataChunkRecord(data []byte) (Record, int, error) {
	limit := 1100*len(data) + Width + 1
	if limit > maxFrameBody+maxFrameBody/Width+2*Width {
		limit = maxFrameBody + maxFrameBody/Width + 2*Width
	}
	bp := rowBufs.Get().(*[]byte)
	defer rowBufs.Put(bp)
	out, err := inflateAppend((*bp)[:0], data, limit)
	if err != nil {
		return Record{}, 0, err
	}
	if cap(out) <= 4<<20 {
		*bp = out
	}
	if len(out) == 0 || len(out)%(Width+1) != 0 {
		return Record{}, 0, fmt.Errorf("%w: %d bytes of rows", errFrame, len(out))
	}
	rows := len(out) / (Width + 1)
	// Drop the filter bytes in place; the decoded record copies what it keeps.
	frame := out[:0]
	for i := 0; i < rows; i++ {
		row := out[i*(Width+1) : (i+1)*(Width+1)]
		if row[0] != 0 {
			return Record{}, 0, fmt.Errorf("%w: row filter %d, want 0", errFrame, row[0])
		}
		frame = append(frame, row[1:]...)
	}
	n, err := frameLen(frame)
	if err != nil {
		return Record{}, 0, err
	}
	if (n+Width-1)/Width != rows {
		return Record{}, 0, fmt.Errorf("%w: %d rows for a %d-byte frame", errFrame, rows, n)
	}
	r, err := decodeFrame(frame)
	return r, rows, err
}

var rowBufs = sync.Pool{New: func() any { return new([]byte) }}

// classify says what an intact IDAT chunk found by resync holds.
func classify(c chunk) byte {
	switch {
	case c.typ != "IDAT":
		return 'E'
	case c.isTail():
		return 'T'
	}
	out, err := inflateFragment(c.data, 64<<20)
	if err == nil && len(out) > 5 && string(out[1:5]) == frameMagic {
		return 'D'
	}
	return 'B'
}

// scanSegment reads one segment. expectFirst is the id its first record
// should have when the segment does not say. The returned records are the
// intact ones (none in scanLazy mode); damage and a torn tail are noted in
// the segment.
func scanSegment(b []byte, path string, index int, expectFirst uint64, mode scanMode) (*segment, []Record, error) {
	s := &segment{path: path, index: index, firstID: expectFirst}
	if len(b) < ihdrEnd || string(b[:8]) != pngSig {
		return nil, nil, fmt.Errorf("%s: not a PNG file", path)
	}
	ihdr, ok := readChunk(b, ihdrOff)
	if !ok && string(b[ihdrOff:ihdrOff+8]) == "\x00\x00\x00\x0dIHDR" {
		// Append patches the height and CRC in place; a write torn there
		// (a power cut) leaves the rest of the IHDR intact. Take it with an
		// unknown height, which Open rewrites and Verify reports.
		ihdr, ok = chunk{typ: "IHDR", data: b[ihdrOff+8 : ihdrOff+8+13], off: ihdrOff, end: ihdrEnd}, true
		defer func() { s.ihdrRows = 0 }()
	}
	if !ok || ihdr.typ != "IHDR" || len(ihdr.data) != 13 {
		return nil, nil, fmt.Errorf("%s: damaged IHDR", path)
	}
	if w := binary.BigEndian.Uint32(ihdr.data); w != Width || ihdr.data[8] != 8 || ihdr.data[9] != 0 || ihdr.data[12] != 0 {
		return nil, nil, fmt.Errorf("%s: not a pixel network segment (want %d-pixel 8-bit greyscale, not interlaced)", path, Width)
	}
	s.ihdrRows = binary.BigEndian.Uint32(ihdr.data[4:])
	damage := func(at int, id uint64, lost bool, format string, args ...any) {
		s.damage = append(s.damage, Damage{ID: id, Segment: path, Offset: int64(at), Lost: lost, Reason: fmt.Sprintf(format, args...)})
	}
	off := ihdr.end
	for {
		c, ok := readChunk(b, off)
		if !ok {
			// A damaged text chunk or heading band holds no record: note it
			// and go on with the next intact chunk.
			next := resync(b, off+1)
			if next < 0 {
				return nil, nil, fmt.Errorf("%s: damaged header chunk at offset %d", path, off)
			}
			damage(off, 0, false, "segment header chunk damaged")
			off = next
			continue
		}
		off = c.end
		if c.typ == "tEXt" {
			if idx, first, ok := parsePxnetText(c.data); ok {
				if idx != index {
					return nil, nil, fmt.Errorf("%s: holds segment %d, want %d", path, idx, index)
				}
				s.firstID = first
			}
		}
		if c.typ == "IDAT" {
			if !bytes.HasPrefix(c.data, zlibHeader) {
				if len(s.damage) == 0 {
					return nil, nil, fmt.Errorf("%s: first IDAT does not start the zlib stream", path)
				}
				// The heading band was the damaged chunk; this is the first
				// record's title band (deflate data never starts 78 01 here).
				off = c.off
			}
			break
		}
		if c.typ == "IEND" {
			return nil, nil, fmt.Errorf("%s: no image data", path)
		}
	}

	var recs []Record
	var countRows uint32
	var countRecords int
	rows := uint32(BandRows)
	lastDataEnd := off
	expect := s.firstID
	wantBand := true
	for {
		c, ok := readChunk(b, off)
		if ok && c.isTail() {
			if n, nok := readChunk(b, c.end); nok && n.typ == countType && len(n.data) == 8 {
				if e, eok := readChunk(b, n.end); eok && e.typ == "IEND" && e.end == len(b) {
					s.tail = int64(off)
					s.size = int64(len(b))
					s.adler = binary.BigEndian.Uint32(c.data[5:])
					s.adlerOK = true
					countRows = binary.BigEndian.Uint32(n.data)
					countRecords = int(binary.BigEndian.Uint32(n.data[4:]))
					if !wantBand {
						damage(off, expect, true, "record has a title band but no data")
						expect++
						s.records++
					}
					for ; s.records < countRecords; s.records++ {
						damage(off, expect, true, "record lost in damaged chunks")
						expect++
					}
					break
				}
			}
			ok = false // an ending that does not end the file: torn
		}
		if ok && c.typ == "IDAT" {
			if wantBand {
				if mode == scanDeep {
					if out, err := inflateFragment(c.data, BandRows*(Width+1)); err != nil || len(out) != BandRows*(Width+1) {
						damage(off, expect, false, "title band does not decode")
					}
				}
				wantBand, off = false, c.end
				continue
			}
			if mode == scanLazy {
				s.pending = append(s.pending, chunkRef{off: off, id: expect})
				expect++
			} else {
				r, n, err := dataChunkRecord(c.data)
				switch {
				case err != nil:
					damage(off, expect, true, "%s", strings.TrimPrefix(err.Error(), "pixnet: "))
					expect++
				case r.ID < expect:
					damage(off, r.ID, true, "record id %d out of order (want %d)", r.ID, expect)
				default:
					for ; expect < r.ID; expect++ {
						damage(off, expect, true, "record missing before record %d", r.ID)
					}
					recs = append(recs, r)
					rows += BandRows + uint32(n)
					expect = r.ID + 1
				}
			}
			s.records++
			wantBand, off, lastDataEnd = true, c.end, c.end
			continue
		}
		// A damaged or incomplete chunk. If an intact chunk follows, this is
		// damage inside committed data; if nothing does, a torn tail.
		next := -1
		if ok {
			next = c.end // an intact chunk out of place (IEND too early)
		} else if len(b)-off >= 12 {
			next = resync(b, off+1)
		}
		kind := byte('E')
		if next >= 0 {
			nc, _ := readChunk(b, next)
			kind = classify(nc)
		}
		if kind == 'E' {
			// Nothing but an IEND (or nothing at all) follows: the end of
			// the file is a torn append, not committed data.
			s.torn = &Torn{Segment: path, Offset: int64(lastDataEnd), Bytes: int64(len(b) - lastDataEnd)}
			s.tail = int64(lastDataEnd)
			s.size = int64(len(b))
			// Damage noted inside the torn region belongs to it.
			for len(s.damage) > 0 && s.damage[len(s.damage)-1].Offset >= int64(lastDataEnd) {
				s.damage = s.damage[:len(s.damage)-1]
			}
			break
		}
		switch {
		case wantBand && kind == 'D':
			damage(off, expect, false, "title band checksum mismatch")
			wantBand = false
		case wantBand:
			damage(off, expect, true, "damaged chunks")
			expect++
			s.records++
		case kind == 'D':
			damage(off, expect, true, "data checksum mismatch")
			expect++
			s.records++
			wantBand = false
		default:
			damage(off, expect, true, "data checksum mismatch")
			expect++
			s.records++
			wantBand = true
		}
		off = next
	}
	if mode != scanLazy && s.adlerOK && len(s.damage) == 0 && rows != countRows {
		damage(int(s.tail), 0, false, "segment ending counts %d rows, records take %d", countRows, rows)
	}
	switch {
	case s.adlerOK:
		s.rows = countRows
	case len(s.damage) > 0:
		// Rows of damaged records are unknown; the IHDR is the best account.
		s.rows = max(rows, s.ihdrRows)
	default:
		s.rows = rows
	}
	return s, recs, nil
}
