package pixnet

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Stats describe a network.
type Stats struct {
	Path     string       `json:"path"`
	Records  int          `json:"records"`   // intact records
	ByKind   map[Kind]int `json:"by_kind"`   // intact records per kind
	NextID   uint64       `json:"next_id"`   // the id the next record gets
	Segments int          `json:"segments"`  // PNG files
	Rows     int64        `json:"rows"`      // image rows over all segments
	Bytes    int64        `json:"bytes"`     // bytes on disk over all segments
	RawBytes int64        `json:"raw_bytes"` // bytes of title, tags, body and payload over all records
	Damaged  int          `json:"damaged"`   // damaged places found at open
	Torn     *Torn        `json:"torn"`      // torn tail found at open (removed unless read-only)
}

// Stats returns counts and sizes of the network.
func (s *Store) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensure()
	st := Stats{Path: s.path, Records: len(s.recs), ByKind: map[Kind]int{}, NextID: s.nextID, Segments: len(s.segs), Torn: s.torn}
	for _, r := range s.recs {
		st.ByKind[r.Kind]++
		st.RawBytes += RawSize(r)
	}
	for _, seg := range s.segs {
		st.Rows += int64(seg.rows)
		st.Bytes += seg.size
		st.Damaged += len(seg.damage)
	}
	return st
}

// RawSize is the number of bytes of content in r: title, tags, body and
// payload — what the bytes on disk are measured against.
func RawSize(r Record) int64 {
	n := len(r.Title) + len(r.Body) + len(r.Payload)
	for _, t := range r.Tags {
		n += len(t)
	}
	return int64(n)
}

// VerifyReport is what Verify found.
type VerifyReport struct {
	Segments int
	Records  int      // intact records
	Damaged  []Damage // damaged records and title bands, in file order
	Torn     *Torn    // an uncommitted torn tail, if there is one
}

// Verify reads every segment from disk again, checks every chunk CRC, every
// record frame's CRC and every title band, and reports what it finds. The
// error is nil when every committed record is intact (a torn tail is not an
// error: it was never committed); otherwise it wraps ErrCorrupt and names
// the damaged records.
func (s *Store) Verify() (VerifyReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return VerifyReport{}, ErrClosed
	}
	if err := s.lock(unix.LOCK_SH); err != nil {
		return VerifyReport{}, err
	}
	defer s.unlock()
	var rep VerifyReport
	next := uint64(1)
	for i := 0; ; i++ {
		p := segPath(s.path, i)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) && i > 0 {
			break
		}
		if err != nil {
			return rep, err
		}
		if len(b) == 0 || isEmptyPrefix(b, i, next) {
			if len(b) > 0 {
				rep.Torn = &Torn{Segment: p, Bytes: int64(len(b))}
			}
			break
		}
		seg, recs, err := scanSegment(b, p, i, next, scanDeep)
		if err != nil {
			return rep, err
		}
		rep.Segments++
		rep.Records += len(recs)
		rep.Damaged = append(rep.Damaged, seg.damage...)
		if len(recs) > 0 {
			next = recs[len(recs)-1].ID + 1
		}
		if n := seg.firstID + uint64(seg.records); n > next {
			next = n
		}
		if seg.torn != nil {
			if _, err := os.Stat(segPath(s.path, i+1)); err == nil {
				rep.Damaged = append(rep.Damaged, Damage{Segment: p, Offset: seg.torn.Offset, Lost: true, Reason: "segment is cut short"})
			} else {
				rep.Torn = seg.torn
			}
		} else if len(seg.damage) == 0 && seg.rows != seg.ihdrRows {
			rep.Damaged = append(rep.Damaged, Damage{Segment: p, Offset: ihdrOff, Reason: fmt.Sprintf("IHDR height %d, rows %d", seg.ihdrRows, seg.rows)})
		}
	}
	if len(rep.Damaged) == 0 {
		return rep, nil
	}
	var msg []string
	for _, d := range rep.Damaged {
		msg = append(msg, d.String())
	}
	return rep, fmt.Errorf("%w: %s", ErrCorrupt, strings.Join(msg, "; "))
}
