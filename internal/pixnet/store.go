package pixnet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Options tune Open.
type Options struct {
	// ReadOnly opens an existing network without changing it: a torn tail
	// is reported (Torn) but not removed, and Append fails.
	ReadOnly bool
}

// Store is an open network. Its methods are safe for concurrent use; other
// processes may append to the same network at the same time.
type Store struct {
	mu     sync.Mutex
	path   string
	ro     bool
	lockf  *os.File // segment 0; flock(2) is taken on it
	last   *os.File // the last segment, open for writing (may be lockf)
	segs   []*segment
	recs   []Record // intact records in id order
	nextID uint64
	torn   *Torn // torn tail seen (read-only) or removed (read-write) at open
	// pending is set while records Open found are still undecoded in
	// their segments' pending lists; recs then holds only later appends.
	pending bool
	idx     *index
	closed  bool
}

// Open opens the network at path, creating an empty one (and its parent
// directories) when it does not exist, and removing a torn tail left by a
// crashed append.
func Open(path string) (*Store, error) { return OpenWith(path, Options{}) }

// OpenWith opens the network at path as o says.
func OpenWith(path string, o Options) (*Store, error) {
	s := &Store{path: path, ro: o.ReadOnly}
	var err error
	if o.ReadOnly {
		s.lockf, err = os.Open(path)
		if err != nil {
			return nil, err
		}
		err = s.lock(unix.LOCK_SH)
	} else {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		s.lockf, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, err
		}
		err = s.lock(unix.LOCK_EX)
	}
	if err == nil {
		err = s.load()
		s.unlock()
	}
	if err != nil {
		s.lockf.Close()
		if s.last != nil && s.last != s.lockf {
			s.last.Close()
		}
		return nil, err
	}
	return s, nil
}

func (s *Store) lock(how int) error {
	for {
		err := unix.Flock(int(s.lockf.Fd()), how)
		if err != unix.EINTR {
			if err != nil {
				return fmt.Errorf("lock %s: %w", s.path, err)
			}
			return nil
		}
	}
}

func (s *Store) unlock() { unix.Flock(int(s.lockf.Fd()), unix.LOCK_UN) }

// segPath names segment i: name.png, name.1.png, name.2.png, ...
func segPath(path string, i int) string {
	if i == 0 {
		return path
	}
	if base, ok := strings.CutSuffix(path, ".png"); ok {
		return base + "." + strconv.Itoa(i) + ".png"
	}
	return path + "." + strconv.Itoa(i)
}

// load reads every segment (the caller holds the lock) and, unless
// read-only, repairs a torn tail and a stale IHDR height.
func (s *Store) load() error {
	s.segs, s.recs, s.torn, s.idx, s.pending = nil, nil, nil, nil, false
	s.nextID = 1
	for i := 0; ; i++ {
		p := segPath(s.path, i)
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) && i > 0 {
			break
		}
		if err != nil {
			return err
		}
		if len(b) == 0 || isEmptyPrefix(b, i, s.nextID) {
			// Never written, or its creation was cut short: it holds no record.
			if s.ro {
				if i == 0 {
					// Read as the empty segment it would become; its size is
					// what is on disk (Stats reports bytes on disk).
					e, adler := emptySegment(0, 1)
					s.segs = append(s.segs, &segment{path: p, firstID: 1, size: int64(len(b)), tail: int64(len(e) - endingLen), rows: BandRows, ihdrRows: BandRows, adler: adler, adlerOK: true})
				}
				break
			}
			if err := s.initSegment(p, i, len(b) > 0 || i > 0); err != nil {
				return err
			}
			if b, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		seg, _, err := scanSegment(b, p, i, s.nextID, scanLazy)
		if err != nil {
			return err
		}
		s.addSegment(seg)
	}
	// Open the last segment for appending and repair it.
	if s.ro {
		return nil
	}
	last := s.segs[len(s.segs)-1]
	if len(s.segs) == 1 {
		s.last = s.lockf
	} else {
		f, err := os.OpenFile(last.path, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		s.last = f
	}
	for _, seg := range s.segs[:len(s.segs)-1] {
		if seg.torn != nil {
			// Only the last segment is ever appended to; an earlier one
			// without its ending is damage, reported by Verify.
			seg.damage = append(seg.damage, Damage{Segment: seg.path, Offset: seg.torn.Offset, Lost: true, Reason: "segment is cut short"})
			seg.torn = nil
		}
	}
	if last.torn != nil || !last.adlerOK || (len(last.damage) == 0 && last.rows != last.ihdrRows) {
		if err := s.repair(last); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) addSegment(seg *segment) {
	s.segs = append(s.segs, seg)
	if len(seg.pending) > 0 {
		s.pending = true
	}
	s.nextID = max(s.nextID, seg.firstID+uint64(seg.records))
	if seg.torn != nil {
		s.torn = seg.torn
	}
}

// ensure decodes the records Open left in their chunks (the caller holds
// s.mu). Open only checks chunk CRCs and counts records, which is all an
// append needs; reading records inflates every data chunk, spread over the
// CPUs.
func (s *Store) ensure() {
	if !s.pending {
		return
	}
	s.pending = false
	type job struct {
		seg  *segment
		b    []byte
		refs []chunkRef
		recs []Record
		dmg  []Damage
	}
	var jobs []*job
	for _, seg := range s.segs {
		if len(seg.pending) == 0 {
			continue
		}
		b, err := os.ReadFile(seg.path)
		for refs := seg.pending; len(refs) > 0; {
			n := min(len(refs), 256)
			j := &job{seg: seg, b: b, refs: refs[:n]}
			if err != nil {
				for _, r := range j.refs {
					j.dmg = append(j.dmg, Damage{ID: r.id, Segment: seg.path, Offset: int64(r.off), Lost: true, Reason: err.Error()})
				}
				j.refs = nil
			}
			jobs = append(jobs, j)
			refs = refs[n:]
		}
		seg.pending = nil
	}
	work := make(chan *job)
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				for _, ref := range j.refs {
					c, ok := readChunk(j.b, ref.off)
					var r Record
					var err error
					if !ok {
						err = errors.New("data chunk changed since open")
					} else {
						r, _, err = dataChunkRecord(c.data)
					}
					if err == nil && r.ID != ref.id {
						err = fmt.Errorf("holds record %d", r.ID)
					}
					if err != nil {
						j.dmg = append(j.dmg, Damage{ID: ref.id, Segment: j.seg.path, Offset: int64(ref.off), Lost: true, Reason: strings.TrimPrefix(err.Error(), "pixnet: ")})
						continue
					}
					j.recs = append(j.recs, r)
				}
			}
		}()
	}
	for _, j := range jobs {
		work <- j
	}
	close(work)
	wg.Wait()
	var recs []Record
	for _, j := range jobs {
		recs = append(recs, j.recs...)
		j.seg.damage = append(j.seg.damage, j.dmg...)
	}
	s.recs = append(recs, s.recs...)
	sort.SliceStable(s.recs, func(a, b int) bool { return s.recs[a].ID < s.recs[b].ID })
}

// initSegment writes an empty segment i at p (which exists, empty or cut
// short, when reuse is set).
func (s *Store) initSegment(p string, i int, reuse bool) error {
	b, _ := emptySegment(i, s.nextID)
	f := s.lockf
	if i > 0 {
		var err error
		f, err = os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
	}
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return err
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return syncDir(filepath.Dir(p))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// repair cuts the last segment at its committed end, rewrites the ending
// with the Adler-32 and row count of what is there and patches the IHDR.
func (s *Store) repair(seg *segment) error {
	b, err := os.ReadFile(seg.path)
	if err != nil {
		return err
	}
	b = b[:seg.tail]
	// Recompute the checksum over every row from the first IDAT on. A
	// damaged chunk in committed data (reported by Verify) is passed over:
	// the records around it are kept even though the image cannot be
	// decoded by others until it is restored.
	adler, rows, first := uint32(1), uint32(0), true
	c, _ := readChunk(b, ihdrOff)
	for off := c.end; off < len(b); {
		c, ok := readChunk(b, off)
		if !ok {
			if off = resync(b, off+1); off < 0 {
				break
			}
			continue
		}
		off = c.end
		if c.typ != "IDAT" {
			continue
		}
		d := c.data
		if first {
			d, first = d[min(len(d), len(zlibHeader)):], false
		}
		out, err := inflateFragment(d, 1<<31-1)
		if err != nil || len(out)%(Width+1) != 0 {
			continue
		}
		adler = adlerUpdate(adler, out)
		rows += uint32(len(out) / (Width + 1))
	}
	rows = max(rows, BandRows)
	end := appendEnding(nil, adler, rows, uint32(seg.records))
	if _, err := s.last.WriteAt(end, seg.tail); err != nil {
		return err
	}
	if err := s.last.Truncate(seg.tail + int64(len(end))); err != nil {
		return err
	}
	if err := s.patchHeight(rows); err != nil {
		return err
	}
	if err := unix.Fdatasync(int(s.last.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", seg.path, err)
	}
	seg.size = seg.tail + int64(len(end))
	seg.adler, seg.adlerOK = adler, true
	seg.rows, seg.ihdrRows = rows, rows
	seg.torn = nil
	return nil
}

// patchHeight writes the image height and the IHDR CRC of the last segment.
func (s *Store) patchHeight(rows uint32) error {
	var b [ihdrEnd - ihdrHeight]byte
	binary.BigEndian.PutUint32(b[:], rows)
	hdr := append([]byte("IHDR"), ihdrData(rows)...)
	binary.BigEndian.PutUint32(b[ihdrCRC-ihdrHeight:], crc32.ChecksumIEEE(hdr))
	copy(b[4:], hdr[4+8:])
	if _, err := s.last.WriteAt(b[:], ihdrHeight); err != nil {
		return err
	}
	return nil
}

// Append adds r to the network and returns it with its ID (and Time, when
// it was zero) set. The record is on disk when Append returns.
func (s *Store) Append(r Record) (Record, error) {
	out, err := s.AppendBatch([]Record{r})
	if err != nil {
		return Record{}, err
	}
	return out[0], nil
}

// AppendBatch adds records in order under one lock and one fsync. On error
// none of them is acknowledged (some may have been committed).
func (s *Store) AppendBatch(rs []Record) ([]Record, error) {
	return s.appendBatch(rs, false)
}

// appendBatch appends rs; with onlyIfEmpty it appends nothing (and returns
// nil) when the network already holds records.
func (s *Store) appendBatch(rs []Record, onlyIfEmpty bool) (_ []Record, err error) {
	for i, r := range rs {
		if !r.Kind.Valid() {
			return nil, fmt.Errorf("record %d of batch: unknown kind %s", i+1, quote(string(r.Kind)))
		}
		// The frame adds a few varints per field to the content.
		if n := RawSize(r) + int64(len(r.Kind)) + 10*int64(len(r.Tags)+8); n > MaxRecord {
			return nil, fmt.Errorf("record %d of batch: %d bytes, more than the %d a record may hold", i+1, n, MaxRecord)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.ro {
		return nil, ErrReadOnly
	}
	if err := s.lock(unix.LOCK_EX); err != nil {
		return nil, err
	}
	defer s.unlock()
	if err := s.refresh(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil && len(s.segs) > 0 {
			// Part of the batch may be on disk: read it all again before
			// the next append rather than trust what memory says.
			s.segs[len(s.segs)-1].size = -1
		}
	}()
	if onlyIfEmpty && s.nextID > 1 {
		return nil, nil
	}
	now := time.Now()
	out := make([]Record, len(rs))
	var buf []byte
	seg := s.segs[len(s.segs)-1]
	rows, adler, records := seg.rows, seg.adler, seg.records
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		buf = appendEnding(buf, adler, rows, uint32(records))
		if _, err := s.last.WriteAt(buf, seg.tail); err != nil {
			return err
		}
		if err := s.patchHeight(rows); err != nil {
			return err
		}
		if err := unix.Fdatasync(int(s.last.Fd())); err != nil {
			return fmt.Errorf("sync %s: %w", seg.path, err)
		}
		seg.tail += int64(len(buf) - endingLen)
		seg.size = seg.tail + endingLen
		seg.rows, seg.ihdrRows, seg.adler, seg.records = rows, rows, adler, records
		buf = buf[:0]
		return nil
	}
	for i, r := range rs {
		r.ID = s.nextID + uint64(i)
		if r.Time.IsZero() {
			r.Time = now
		}
		r.Time = time.Unix(r.Time.Unix(), int64(r.Time.Nanosecond())).UTC()
		frame := encodeFrame(&r)
		need := uint32(BandRows + (len(frame)+Width-1)/Width)
		if records > 0 && uint64(rows)+uint64(need) > uint64(maxRows) {
			if err := flush(); err != nil {
				return nil, err
			}
			if err := s.newSegment(r.ID); err != nil {
				return nil, err
			}
			seg = s.segs[len(s.segs)-1]
			rows, adler, records = seg.rows, seg.adler, seg.records
		}
		var n uint32
		buf, n, adler = recordChunks(buf, &r, frame, adler)
		rows += n
		records++
		out[i] = r
	}
	if err := flush(); err != nil {
		return nil, err
	}
	s.nextID += uint64(len(rs))
	s.recs = append(s.recs, out...)
	if s.idx != nil {
		for i := range out {
			s.idx.add(&out[i], len(s.recs)-len(out)+i)
		}
	}
	return out, nil
}

// refresh reloads the network when another process has appended to it
// since this one last looked (the caller holds the lock).
func (s *Store) refresh() error {
	seg := s.segs[len(s.segs)-1]
	fi, err := os.Stat(seg.path)
	if err != nil {
		return err
	}
	_, nerr := os.Stat(segPath(s.path, len(s.segs)))
	if fi.Size() == seg.size && errors.Is(nerr, fs.ErrNotExist) {
		return nil
	}
	if s.last != nil && s.last != s.lockf {
		s.last.Close()
	}
	s.last = nil
	return s.load()
}

// Refresh reads what other processes have appended since the store was
// opened or last appended to. Append does this by itself.
func (s *Store) Refresh() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	how := unix.LOCK_EX
	if s.ro {
		how = unix.LOCK_SH
	}
	if err := s.lock(how); err != nil {
		return err
	}
	defer s.unlock()
	return s.refresh()
}

// newSegment seals the last segment and starts the next, whose first
// record will be firstID (the caller holds the lock).
func (s *Store) newSegment(firstID uint64) error {
	i := len(s.segs)
	p := segPath(s.path, i)
	b, adler := emptySegment(i, firstID)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		f.Close()
		return err
	}
	if err := unix.Fdatasync(int(f.Fd())); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", p, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		f.Close()
		return err
	}
	if s.last != s.lockf {
		s.last.Close()
	}
	s.last = f
	s.segs = append(s.segs, &segment{path: p, index: i, firstID: firstID, size: int64(len(b)), tail: int64(len(b) - endingLen),
		rows: BandRows, ihdrRows: BandRows, adler: adler, adlerOK: true})
	return nil
}

// Records returns every intact committed record, in id order.
func (s *Store) Records() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensure()
	return append([]Record(nil), s.recs...)
}

// Len is the number of intact records.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensure()
	return len(s.recs)
}

// Get returns the record with the given id; false when there is none or it
// is damaged.
func (s *Store) Get(id uint64) (Record, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensure()
	i := sort.Search(len(s.recs), func(i int) bool { return s.recs[i].ID >= id })
	if i < len(s.recs) && s.recs[i].ID == id {
		return s.recs[i], true
	}
	return Record{}, false
}

// Path is the file name of the network's first segment.
func (s *Store) Path() string { return s.path }

// Torn returns the torn tail Open found: still there when the store is
// read-only, removed otherwise. Nil when there was none.
func (s *Store) Torn() *Torn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.torn
}

// Damaged lists damage found when the store was opened (Verify looks
// again, deeper).
func (s *Store) Damaged() []Damage {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ensure()
	var d []Damage
	for _, seg := range s.segs {
		d = append(d, seg.damage...)
	}
	return d
}

// Close releases the files.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	var err error
	if s.last != nil && s.last != s.lockf {
		err = s.last.Close()
	}
	if e := s.lockf.Close(); err == nil {
		err = e
	}
	return err
}
