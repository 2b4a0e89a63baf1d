// Package pixnet is the pixel network: pxos's knowledge store, kept in PNG
// files that a person can open and read and that the program reads back
// exactly.
//
// A network is one or more PNG segments (name.png, name.1.png, ...). Each is
// an 8-bit grayscale image, Width pixels wide. Every record appends two IDAT
// chunks to the last segment: a title band (the record's id, kind and title
// drawn with the basicfont 7x13 bitmap font, for people) and data rows
// holding the record's frame byte for byte (for the program). The frame is
// magic, version, kind, length and a CRC-32 over what is stored; see frame.go.
//
// Append writes only the new record: each record's rows are compressed as an
// independent, byte-aligned, non-final run of deflate blocks (a sync flush;
// RFC 1951 §3.2.3 lets blocks start anywhere on a byte boundary and back
// references are optional), so the segment's single zlib stream (PNG spec
// §10) stays valid when new blocks are written over the old ending. The
// ending — a final empty stored block plus the Adler-32 of all rows, a
// private pxRW chunk with the row and record counts, and IEND — is rewritten
// after the record in the same write, the IHDR height is patched in place
// and the file is fsynced once. Rows use PNG filter type None (PNG spec
// §9.2): record bytes are text, and the adaptive filters that image/png
// picks make text deflate about 2.4 times worse. A segment is sealed at
// MaxRows rows and the next record starts name.N.png.
//
// Open checks every chunk CRC and counts the records without inflating
// them; the first call that needs record contents (Records, Get, Search,
// Stats, Damaged) decodes them all, spread over the CPUs. Appending needs
// no decoding at all.
//
// A record is committed once its data chunk is complete and its chunk CRC
// and frame CRC hold. A crash (kill -9) can only leave a torn tail after the
// last committed record; Open cuts it off and rewrites the ending. Damage in
// the middle of a file is never mistaken for a torn tail: it is reported by
// record id and the damaged record is never returned. Writers in different
// processes are serialised with flock(2) on the first segment.
//
// Search is BM25 over title, tags and body, optionally fused with embedding
// similarity. pixnet owns the store and its format; what goes into records
// (prompts, verdicts, solutions) belongs to its callers, and the seed text
// lives in package knowledge.
package pixnet

import (
	"encoding/json"
	"errors"
	"time"
)

// Kind says what a record is.
type Kind string

// The kinds of record a network holds.
const (
	KindQA        Kind = "qa"        // a question and its answer
	KindBuild     Kind = "build"     // a build result
	KindTest      Kind = "test"      // a scenario run
	KindSolution  Kind = "solution"  // a verified solution (assembly that passed its scenario)
	KindFailure   Kind = "failure"   // a failed attempt with its reflection
	KindReference Kind = "reference" // seeded reference knowledge
)

// Kinds lists every kind in the order of their frame codes (code = index+1).
var Kinds = []Kind{KindQA, KindBuild, KindTest, KindSolution, KindFailure, KindReference}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return kindCode(k) != 0 }

func kindCode(k Kind) byte {
	for i, v := range Kinds {
		if v == k {
			return byte(i + 1)
		}
	}
	return 0
}

// ParseKind returns the kind named s, or an error listing the valid kinds.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if !k.Valid() {
		return "", errors.New("unknown kind " + quote(s) + " (want qa, build, test, solution, failure or reference)")
	}
	return k, nil
}

// Record is one entry of the network.
type Record struct {
	ID      uint64          // assigned by Append: 1, 2, 3, ...
	Kind    Kind            // one of Kinds
	Time    time.Time       // set by Append when zero; stored to the nanosecond, returned in UTC
	Tags    []string        // free-form labels
	Title   string          // one line, drawn in the image
	Body    string          // any bytes
	Payload json.RawMessage // structured data; may be nil
}

// MaxRecord is the most bytes one record may hold (title, tags, body and
// payload, framed): 8 MiB, about 13,000 rows, so that a record always fits
// in one segment (MaxRows) and no model answer or file grows a segment
// past it. Records are text; a solution or a reflection is a few KiB.
const MaxRecord = 8 << 20

// Errors callers test for.
var (
	// ErrCorrupt is wrapped by every error that reports damaged records.
	ErrCorrupt = errors.New("corrupt network")
	// ErrReadOnly is returned by Append on a store opened read-only.
	ErrReadOnly = errors.New("store opened read-only")
	// ErrClosed is returned by methods of a closed store.
	ErrClosed = errors.New("store closed")
	// ErrExists is returned by SeedNew when the network already exists.
	ErrExists = errors.New("network already exists")
)

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
