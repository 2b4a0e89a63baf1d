package pixnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// A frame is how one record sits in the data rows of the image:
//
//	offset size
//	0      4    magic "PXNR"
//	4      1    version (frameVersion)
//	5      1    kind code (index in Kinds + 1)
//	6      2    reserved, zero
//	8      4    body length n, big-endian
//	12     4    CRC-32 (IEEE) of bytes 4..12 followed by the body, big-endian
//	16     n    body
//
// The body is, in order: uvarint id, varint Unix seconds, uvarint nanoseconds,
// then length-prefixed (uvarint) kind, tag count and tags, title, body, and
// payload, whose length is stored plus one so that 0 means nil.
// The rest of the last data row is zero.
const (
	frameMagic   = "PXNR"
	frameVersion = 1
	frameHeader  = 16
	// maxFrameBody bounds a frame so a damaged length cannot ask for
	// gigabytes; records are text and a gigabyte is far beyond any.
	maxFrameBody = 1 << 30
)

var errFrame = errors.New("bad frame")

// encodeFrame returns the frame of r.
func encodeFrame(r *Record) []byte {
	n := 3*binary.MaxVarintLen64 + len(r.Kind) + len(r.Title) + len(r.Body) + len(r.Payload) + 5*binary.MaxVarintLen64
	for _, t := range r.Tags {
		n += len(t) + binary.MaxVarintLen64
	}
	b := make([]byte, frameHeader, frameHeader+n)
	copy(b, frameMagic)
	b[4] = frameVersion
	b[5] = kindCode(r.Kind)
	b = binary.AppendUvarint(b, r.ID)
	b = binary.AppendVarint(b, r.Time.Unix())
	b = binary.AppendUvarint(b, uint64(r.Time.Nanosecond()))
	b = appendString(b, string(r.Kind))
	b = binary.AppendUvarint(b, uint64(len(r.Tags)))
	for _, t := range r.Tags {
		b = appendString(b, t)
	}
	b = appendString(b, r.Title)
	b = appendString(b, r.Body)
	if r.Payload == nil {
		b = binary.AppendUvarint(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(r.Payload))+1)
		b = append(b, r.Payload...)
	}
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-frameHeader))
	binary.BigEndian.PutUint32(b[12:], frameCRC(b[4:12], b[frameHeader:]))
	return b
}

func frameCRC(hdr, body []byte) uint32 {
	return crc32.Update(crc32.ChecksumIEEE(hdr), crc32.IEEETable, body)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// frameLen returns the total length of the frame starting at b, which must
// hold at least the header, or an error when the header is not a frame's.
func frameLen(b []byte) (int, error) {
	if len(b) < frameHeader || string(b[:4]) != frameMagic {
		return 0, fmt.Errorf("%w: no frame magic", errFrame)
	}
	if b[4] != frameVersion {
		return 0, fmt.Errorf("%w: version %d, want %d", errFrame, b[4], frameVersion)
	}
	n := binary.BigEndian.Uint32(b[8:])
	if n > maxFrameBody {
		return 0, fmt.Errorf("%w: length %d too large", errFrame, n)
	}
	return frameHeader + int(n), nil
}

// decodeFrame decodes the frame at the start of b (trailing bytes are
// ignored). The CRC is checked before anything else is believed.
func decodeFrame(b []byte) (Record, error) {
	n, err := frameLen(b)
	if err != nil {
		return Record{}, err
	}
	if len(b) < n {
		return Record{}, fmt.Errorf("%w: %d bytes, frame needs %d", errFrame, len(b), n)
	}
	body := b[frameHeader:n]
	if got, want := frameCRC(b[4:12], body), binary.BigEndian.Uint32(b[12:]); got != want {
		return Record{}, fmt.Errorf("%w: checksum mismatch", errFrame)
	}
	d := decoder{b: body}
	var r Record
	r.ID = d.uvarint()
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
	}
	r.Time = time.Unix(sec, int64(nsec)).UTC()
	r.Kind = Kind(d.str())
	if nt := d.uvarint(); nt > 0 {
		if nt > uint64(len(d.b)) {
			d.fail()
		} else {
			r.Tags = make([]string, nt)
			for i := range r.Tags {
				r.Tags[i] = d.str()
			}
		}
	}
	r.Title = d.str()
	r.Body = d.str()
	if pl := d.uvarint(); pl > 0 {
		b := d.bytes(pl - 1)
		r.Payload = make([]byte, len(b))
		copy(r.Payload, b)
	}
	if d.err {
		return Record{}, fmt.Errorf("%w: malformed body", errFrame)
	}
	if len(d.b) != 0 {
		return Record{}, fmt.Errorf("%w: %d trailing bytes in body", errFrame, len(d.b))
	}
	// Kinds this build does not know have code 0: a newer pxos may add kinds.
	if kindCode(r.Kind) != b[5] || r.Kind == "" {
		return Record{}, fmt.Errorf("%w: kind %q does not match code %d", errFrame, r.Kind, b[5])
	}
	return r, nil
}

// decoder reads the frame body; any overrun sets err and yields zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) fail() { d.err = true; d.b = nil }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) str() string { return string(d.bytes(d.uvarint())) }
