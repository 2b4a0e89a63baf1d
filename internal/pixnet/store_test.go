package pixnet

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as a child process that appends
// records: PIXNET_CHILD=who,path,count (see runChild).
func TestMain(m *testing.M) {
	if v := os.Getenv("PIXNET_CHILD"); v != "" {
		os.Exit(runChild(v))
	}
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// runChild appends count records made by testRecord(who, i) one by one and
// prints "ok ID i" after each Append returns (that is, once it is durable).
func runChild(spec string) int {
	f := strings.Split(spec, ",")
	n, _ := strconv.Atoi(f[2])
	s, err := Open(f[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	w := bufio.NewWriter(os.Stdout)
	for i := 0; i < n; i++ {
		r, err := s.Append(testRecord(f[0], i))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(w, "ok %d %d\n", r.ID, i)
		w.Flush()
	}
	return 0
}

func startChild(t *testing.T, who, path string, n int) (*exec.Cmd, *bufio.Scanner) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PIXNET_CHILD="+who+","+path+","+strconv.Itoa(n))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(out)
}

func TestRoundTrip(t *testing.T) {
	want := loadRoundTrip(t)
	path := tempNet(t)
	s := mustOpen(t, path)
	for i := range want {
		if i%2 == 0 {
			want[i].Time = time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
		}
		before := time.Now()
		r, err := s.Append(want[i])
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != uint64(i+1) {
			t.Errorf("Append gave id %d, want %d", r.ID, i+1)
		}
		if want[i].Time.IsZero() && (r.Time.Before(before.Add(-time.Second)) || r.Time.After(time.Now())) {
			t.Errorf("record %d: Append set time %v, want about now", r.ID, r.Time)
		}
		want[i].ID, want[i].Time = r.ID, r.Time
	}
	checkRecords(t, s.Records(), want)
	s.Close()

	s2 := mustOpen(t, path)
	checkRecords(t, s2.Records(), want)
	for _, w := range want {
		got, ok := s2.Get(w.ID)
		if !ok {
			t.Fatalf("Get(%d): not found", w.ID)
		}
		if d := sameRecord(got, w); d != "" {
			t.Errorf("Get(%d): %s", w.ID, d)
		}
	}
	if _, ok := s2.Get(uint64(len(want) + 1)); ok {
		t.Errorf("Get(%d) found a record that was never added", len(want)+1)
	}
	if _, err := s2.Verify(); err != nil {
		t.Fatal(err)
	}
	st := s2.Stats()
	img := decodePNG(t, path)
	if img.Bounds().Dx() != Width || int64(img.Bounds().Dy()) != st.Rows {
		t.Errorf("image is %v, want %dx%d", img.Bounds(), Width, st.Rows)
	}
	if st.ByKind[KindFailure] != 2 || st.Records != len(want) {
		t.Errorf("stats %+v", st)
	}
}

func TestAppendRejectsUnknownKind(t *testing.T) {
	s := mustOpen(t, tempNet(t))
	if _, err := s.Append(Record{Kind: "gossip", Title: "x"}); err == nil || !strings.Contains(err.Error(), "unknown kind") {
		t.Fatalf("Append with kind gossip: %v", err)
	}
	if s.Len() != 0 {
		t.Fatalf("%d records after a rejected append", s.Len())
	}
}

func TestReadOnly(t *testing.T) {
	path := tempNet(t)
	if _, err := OpenWith(path, Options{ReadOnly: true}); err == nil {
		t.Fatal("read-only open of a missing network succeeded")
	}
	s := mustOpen(t, path)
	s.Append(testRecord("a", 1))
	s.Close()
	ro, err := OpenWith(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Append(testRecord("a", 2)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("Append on read-only store: %v", err)
	}
	if ro.Len() != 1 {
		t.Fatalf("%d records", ro.Len())
	}
}

// build returns a network of n testRecords and its records.
func build(t *testing.T, n int) (string, []Record) {
	t.Helper()
	path := tempNet(t)
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var rs []Record
	for i := 0; i < n; i++ {
		r, err := s.Append(testRecord("t", i))
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	return path, rs
}

// TestTornAppend truncates the file at every byte offset of one append, and
// also keeps the old IHDR (a crash before the height was patched): every
// earlier record survives, the torn record is gone unless its data chunk is
// complete, and the repaired file is a valid PNG that takes more appends.
func TestTornAppend(t *testing.T) {
	path, rs := build(t, 3)
	before, _ := os.ReadFile(path)
	s := mustOpen(t, path)
	r4, err := s.Append(Record{Kind: KindQA, Title: "the torn one", Body: "short body"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	after, _ := os.ReadFile(path)
	start := len(before) - endingLen
	if !bytes.Equal(before[ihdrEnd:start], after[ihdrEnd:start]) {
		t.Fatal("append changed bytes before the old ending")
	}
	dataEnd := len(after) - endingLen
	for _, oldHeader := range []bool{false, true} {
		for n := start; n < len(after); n++ {
			b := append([]byte(nil), after[:n]...)
			if oldHeader {
				copy(b, before[:ihdrEnd])
			}
			p := tempNet(t)
			os.MkdirAll(p[:len(p)-len("/n.png")], 0o755)
			os.WriteFile(p, b, 0o644)

			ro, err := OpenWith(p, Options{ReadOnly: true})
			if err != nil {
				t.Fatalf("cut at %d: read-only open: %v", n, err)
			}
			if ro.Torn() == nil {
				t.Errorf("cut at %d: read-only open reports no torn tail", n)
			}
			ro.Close()

			s, err := Open(p)
			if err != nil {
				t.Fatalf("cut at %d (old header %v): %v", n, oldHeader, err)
			}
			want := rs
			if n >= dataEnd {
				want = append(append([]Record(nil), rs...), r4)
			}
			checkRecords(t, s.Records(), want)
			if d := s.Damaged(); len(d) > 0 {
				t.Errorf("cut at %d: damage reported: %v", n, d)
			}
			if rep, err := s.Verify(); err != nil || rep.Torn != nil {
				t.Errorf("cut at %d: after repair Verify = %+v, %v", n, rep, err)
			}
			if n == start || n == dataEnd-1 || n == len(after)-1 {
				decodePNG(t, p)
			}
			r, err := s.Append(Record{Kind: KindTest, Title: "after repair"})
			if err != nil || r.ID != uint64(len(want)+1) {
				t.Fatalf("cut at %d: append after repair: id %d, %v", n, r.ID, err)
			}
			s.Close()
			if n == start+1 || n == len(after)-2 {
				decodePNG(t, p)
				s := mustOpen(t, p)
				if s.Len() != len(want)+1 {
					t.Errorf("cut at %d: %d records after repair and append, want %d", n, s.Len(), len(want)+1)
				}
				s.Close()
			}
			os.RemoveAll(p[:len(p)-len("/n.png")])
		}
	}
}

// chunks lists the chunks of a segment file.
func chunks(t *testing.T, b []byte) []chunk {
	var cs []chunk
	for off := 8; off < len(b); {
		c, ok := readChunk(b, off)
		if !ok {
			t.Fatalf("bad chunk at %d", off)
		}
		cs = append(cs, c)
		off = c.end
	}
	return cs
}

// recordChunkOffsets returns, per record id, its band and data chunks.
func recordChunkOffsets(t *testing.T, b []byte) map[uint64][2]chunk {
	cs := chunks(t, b)
	m := map[uint64][2]chunk{}
	var idats []chunk
	for _, c := range cs {
		if c.typ == "IDAT" && !c.isTail() {
			idats = append(idats, c)
		}
	}
	for i := 1; i+1 < len(idats); i += 2 {
		r, _, err := dataChunkRecord(idats[i+1].data)
		if err != nil {
			t.Fatal(err)
		}
		m[r.ID] = [2]chunk{idats[i], idats[i+1]}
	}
	return m
}

func TestFlippedByte(t *testing.T) {
	path, rs := build(t, 12)
	orig, _ := os.ReadFile(path)
	cm := recordChunkOffsets(t, orig)
	type flip struct {
		name string
		id   uint64 // record that must be reported
		lost bool
		off  int
	}
	var flips []flip
	for _, id := range []uint64{1, 7, 12} {
		band, data := cm[id][0], cm[id][1]
		flips = append(flips,
			flip{"data length", id, true, data.off + 2},
			flip{"data type", id, true, data.off + 5},
			flip{"data body", id, true, data.off + 8 + len(data.data)/2},
			flip{"data last byte", id, true, data.end - 5},
			flip{"data crc", id, true, data.end - 1},
			flip{"band body", id, false, band.off + 10},
			flip{"band length", id, false, band.off + 3},
		)
	}
	for _, f := range flips {
		t.Run(fmt.Sprintf("%s of %d", f.name, f.id), func(t *testing.T) {
			b := append([]byte(nil), orig...)
			b[f.off] ^= 0x20
			os.WriteFile(path, b, 0o644)
			s := mustOpen(t, path)
			rep, err := s.Verify()
			if err == nil || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Verify: %v, want corruption", err)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("record %d:", f.id)) {
				t.Errorf("Verify error does not name record %d: %v", f.id, err)
			}
			if rep.Torn != nil {
				t.Errorf("damage taken for a torn tail: %+v", rep.Torn)
			}
			var want []Record
			for _, r := range rs {
				if !(f.lost && r.ID == f.id) {
					want = append(want, r)
				}
			}
			checkRecords(t, s.Records(), want)
			if _, ok := s.Get(f.id); ok == f.lost {
				t.Errorf("Get(%d) = %v", f.id, ok)
			}
			// The damage must not have been "repaired" away.
			now, _ := os.ReadFile(path)
			if !bytes.Equal(now, b) {
				t.Errorf("Open changed a damaged file (%d bytes, was %d)", len(now), len(b))
			}
		})
	}
}

// TestFrameChecksum damages a record's bytes behind intact PNG chunk CRCs,
// as a buggy writer would: the frame CRC still catches it.
func TestFrameChecksum(t *testing.T) {
	path, rs := build(t, 5)
	b, _ := os.ReadFile(path)
	data := recordChunkOffsets(t, b)[3][1]
	rows, err := inflateFragment(data.data, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	rows[1+frameHeader+3] ^= 1 // inside the frame body
	nc := appendChunk(nil, "IDAT", deflateFragment(rows))
	nb := append(append(append([]byte(nil), b[:data.off]...), nc...), b[data.end:]...)
	os.WriteFile(path, nb, 0o644)
	s := mustOpen(t, path)
	_, err = s.Verify()
	if err == nil || !strings.Contains(err.Error(), "record 3: bad frame: checksum mismatch") {
		t.Fatalf("Verify: %v", err)
	}
	checkRecords(t, s.Records(), append(append([]Record(nil), rs[:2]...), rs[3:]...))
}

func TestSegments(t *testing.T) {
	defer func(m int) { maxRows = m }(maxRows)
	maxRows = 200
	path := tempNet(t)
	s := mustOpen(t, path)
	var want []Record
	for i := 0; i < 40; i++ {
		r, err := s.Append(testRecord("seg", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	batch := []Record{testRecord("b", 1), testRecord("b", 2), testRecord("b", 3), testRecord("b", 4), testRecord("b", 5), testRecord("b", 6), testRecord("b", 7), testRecord("b", 8)}
	got, err := s.AppendBatch(batch)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, got...)
	st := s.Stats()
	if st.Segments < 3 {
		t.Fatalf("%d segments, want several", st.Segments)
	}
	s.Close()
	s = mustOpen(t, path)
	checkRecords(t, s.Records(), want)
	if _, err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < st.Segments; i++ {
		img := decodePNG(t, segPath(path, i))
		if img.Bounds().Dy() > maxRows {
			t.Errorf("segment %d has %d rows, limit %d", i, img.Bounds().Dy(), maxRows)
		}
	}
	if _, err := os.Stat(segPath(path, st.Segments)); err == nil {
		t.Errorf("unexpected segment %d", st.Segments)
	}
}

// TestImageShowsTitles decodes the PNG and checks that each record's title
// band holds exactly the text drawn for it, and that text is not blank.
func TestImageShowsTitles(t *testing.T) {
	path, rs := build(t, 4)
	img := decodePNG(t, path).(*image.Gray)
	y := BandRows
	for _, r := range rs {
		want := renderBand(bandText(&r), 0xc0)
		dark := 0
		for row := 0; row < BandRows; row++ {
			got := img.Pix[(y+row)*img.Stride : (y+row)*img.Stride+Width]
			if !bytes.Equal(got, want[row*(Width+1)+1:(row+1)*(Width+1)]) {
				t.Fatalf("record %d: band row %d differs from the drawn title", r.ID, row)
			}
			if row > 0 {
				for _, p := range got {
					if p < 0x80 {
						dark++
					}
				}
			}
		}
		if dark < 50*len(r.Title)/10 {
			t.Errorf("record %d: only %d dark pixels in the title band", r.ID, dark)
		}
		frame := encodeFrame(&r)
		y += BandRows + (len(frame)+Width-1)/Width
	}
	if y != img.Bounds().Dy() {
		t.Errorf("rows add up to %d, image has %d", y, img.Bounds().Dy())
	}
}

// TestImageMagick opens a network with ImageMagick's convert, when present.
func TestImageMagick(t *testing.T) {
	conv, err := exec.LookPath("convert")
	if err != nil {
		t.Skip("skipping: ImageMagick convert not found")
	}
	path, _ := build(t, 3)
	out, err := exec.Command(conv, path, "ppm:-").Output()
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	img := decodePNG(t, path)
	want := fmt.Sprintf("P6\n%d %d\n255\n", Width, img.Bounds().Dy())
	if !bytes.HasPrefix(out, []byte(want)) || len(out) != len(want)+3*Width*img.Bounds().Dy() {
		t.Fatalf("convert output starts %q (%d bytes), want %q", out[:min(20, len(out))], len(out), want)
	}
}

// TestKill9 kills a child process in the middle of its appends, again and
// again: every record it acknowledged is there and intact.
func TestKill9(t *testing.T) {
	path := tempNet(t)
	acked := map[uint64]int{}
	for round := 0; round < 6; round++ {
		cmd, out := startChild(t, "k"+strconv.Itoa(round), path, 100000)
		stop := 30 + round*17
		for n := 0; n < stop && out.Scan(); n++ {
			var id uint64
			var i int
			fmt.Sscanf(out.Text(), "ok %d %d", &id, &i)
			acked[id] = round*1000000 + i
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if d := s.Damaged(); len(d) > 0 {
			t.Fatalf("round %d: damage after kill -9: %v", round, d)
		}
		for id, v := range acked {
			r, ok := s.Get(id)
			if !ok {
				t.Fatalf("round %d: acknowledged record %d lost", round, id)
			}
			want := testRecord("k"+strconv.Itoa(v/1000000), v%1000000)
			want.ID = id
			if d := sameRecord(r, want); d != "" {
				t.Fatalf("round %d: record %d: %s", round, id, d)
			}
		}
		s.Close()
	}
	decodePNG(t, path)
}

// TestConcurrentProcesses runs two processes appending at once.
func TestConcurrentProcesses(t *testing.T) {
	path := tempNet(t)
	const n = 150
	s := mustOpen(t, path) // a third writer, in this process
	c1, o1 := startChild(t, "p1", path, n)
	c2, o2 := startChild(t, "p2", path, n)
	for i := 0; i < 20; i++ {
		if _, err := s.Append(testRecord("p0", i)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		cmd *exec.Cmd
		out *bufio.Scanner
	}{{c1, o1}, {c2, o2}} {
		for c.out.Scan() {
		}
		if err := c.cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	s = mustOpen(t, path)
	rs := s.Records()
	if len(rs) != 2*n+20 {
		t.Fatalf("%d records, want %d", len(rs), 2*n+20)
	}
	next := map[string]int{}
	for i, r := range rs {
		if r.ID != uint64(i+1) {
			t.Fatalf("record %d has id %d", i+1, r.ID)
		}
		who := r.Tags[0]
		want := testRecord(who, next[who])
		want.ID = r.ID
		if d := sameRecord(r, want); d != "" {
			t.Fatalf("record %d: %s", r.ID, d)
		}
		next[who]++
	}
	if next["p1"] != n || next["p2"] != n || next["p0"] != 20 {
		t.Fatalf("records per writer: %v", next)
	}
	if _, err := s.Verify(); err != nil {
		t.Fatal(err)
	}
}

func TestAdler(t *testing.T) {
	// adlerUpdate must agree with zlib's Adler-32 over split input.
	p := bytes.Repeat([]byte("pixel network \xff\x00"), 5000)
	a := adlerUpdate(adlerUpdate(1, p[:7777]), p[7777:])
	var want uint32 = 1
	s1, s2 := want&0xffff, want>>16
	for _, c := range p {
		s1 = (s1 + uint32(c)) % 65521
		s2 = (s2 + s1) % 65521
	}
	if a != s2<<16|s1 {
		t.Fatalf("adler %08x, want %08x", a, s2<<16|s1)
	}
	_ = binary.BigEndian
	_ = crc32.IEEE
}

func TestRefresh(t *testing.T) {
	path, _ := build(t, 2)
	a := mustOpen(t, path)
	ro, err := OpenWith(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	b := mustOpen(t, path)
	r, err := b.Append(testRecord("b", 9))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Store{a, ro} {
		if _, ok := s.Get(r.ID); ok {
			t.Fatal("a record appended elsewhere seen before Refresh")
		}
		if err := s.Refresh(); err != nil {
			t.Fatal(err)
		}
		if got, ok := s.Get(r.ID); !ok || sameRecord(got, r) != "" {
			t.Fatalf("after Refresh: %v %+v", ok, got)
		}
	}
	// a appends after b without refreshing: ids stay unique.
	r2, err := a.Append(testRecord("a", 1))
	if err != nil || r2.ID != r.ID+1 {
		t.Fatalf("append after another writer: id %d, %v", r2.ID, err)
	}
}

// TestTornAndDamaged: a torn tail after a damaged record is still cut off,
// and the damage is still reported, not silently dropped.
func TestTornAndDamaged(t *testing.T) {
	path, rs := build(t, 6)
	b, _ := os.ReadFile(path)
	data := recordChunkOffsets(t, b)[3][1]
	b[data.off+8+len(data.data)/2] ^= 0x40
	os.WriteFile(path, b[:len(b)-10], 0o644)
	s := mustOpen(t, path)
	want := append(append([]Record(nil), rs[:2]...), rs[3:]...)
	checkRecords(t, s.Records(), want)
	_, err := s.Verify()
	if err == nil || !strings.Contains(err.Error(), "record 3:") {
		t.Fatalf("Verify: %v", err)
	}
	if s.Torn() == nil {
		t.Error("torn tail not reported")
	}
	if r, err := s.Append(testRecord("x", 1)); err != nil || r.ID != 7 {
		t.Fatalf("append: id %d, %v", r.ID, err)
	}
}

// TestUnknownKindDecodes: a record of a kind a newer pxos added is read back
// (frame kind code 0), not taken for damage.
func TestUnknownKindDecodes(t *testing.T) {
	r := Record{ID: 1, Kind: "prompt", Title: "t", Time: time.Unix(1, 0).UTC()}
	got, err := decodeFrame(encodeFrame(&r))
	if err != nil || sameRecord(got, r) != "" {
		t.Fatalf("decode: %v %+v", err, got)
	}
	r.Kind = ""
	if _, err := decodeFrame(encodeFrame(&r)); err == nil {
		t.Fatal("a frame without a kind decoded")
	}
}

// TestTornIHDR: the height and CRC that Append patches in place, damaged
// (a write torn by a power cut): Verify reports it, Open rewrites it.
func TestTornIHDR(t *testing.T) {
	path, rs := build(t, 4)
	orig, _ := os.ReadFile(path)
	for _, off := range []int{ihdrHeight, ihdrHeight + 3, ihdrCRC, ihdrCRC + 3} {
		b := append([]byte(nil), orig...)
		b[off] ^= 0x10
		os.WriteFile(path, b, 0o644)
		ro, err := OpenWith(path, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("offset %d: read-only open: %v", off, err)
		}
		if _, err := ro.Verify(); err == nil || !strings.Contains(err.Error(), "IHDR") {
			t.Errorf("offset %d: Verify: %v", off, err)
		}
		checkRecords(t, ro.Records(), rs)
		ro.Close()
		s := mustOpen(t, path)
		if _, err := s.Verify(); err != nil {
			t.Errorf("offset %d: after Open: %v", off, err)
		}
		checkRecords(t, s.Records(), rs)
		s.Close()
		decodePNG(t, path)
	}
}

// TestKill9WithConcurrentWriter kills one of two writers in the middle of
// its appends: the other repairs the torn tail under the lock and goes on,
// and nothing either of them acknowledged is lost.
func TestKill9WithConcurrentWriter(t *testing.T) {
	path := tempNet(t)
	s := mustOpen(t, path) // create it before the children race
	s.Close()
	steady, sout := startChild(t, "steady", path, 200)
	victim, vout := startChild(t, "victim", path, 100000)
	acked := map[uint64]string{}
	for n := 0; n < 60 && vout.Scan(); n++ {
		var id uint64
		var i int
		fmt.Sscanf(vout.Text(), "ok %d %d", &id, &i)
		acked[id] = "victim," + strconv.Itoa(i)
	}
	victim.Process.Signal(syscall.SIGKILL)
	victim.Wait()
	for sout.Scan() {
		var id uint64
		var i int
		fmt.Sscanf(sout.Text(), "ok %d %d", &id, &i)
		acked[id] = "steady," + strconv.Itoa(i)
	}
	if err := steady.Wait(); err != nil {
		t.Fatalf("steady writer: %v", err)
	}
	s = mustOpen(t, path)
	if d := s.Damaged(); len(d) > 0 {
		t.Fatalf("damage: %v", d)
	}
	steadyCount := 0
	for id, v := range acked {
		who, i, _ := strings.Cut(v, ",")
		n, _ := strconv.Atoi(i)
		want := testRecord(who, n)
		want.ID = id
		got, ok := s.Get(id)
		if !ok {
			t.Fatalf("acknowledged record %d (%s) lost", id, v)
		}
		if d := sameRecord(got, want); d != "" {
			t.Fatalf("record %d: %s", id, d)
		}
		if who == "steady" {
			steadyCount++
		}
	}
	if steadyCount != 200 {
		t.Fatalf("%d steady records acknowledged, want 200", steadyCount)
	}
	if _, err := s.Verify(); err != nil {
		t.Fatal(err)
	}
	decodePNG(t, path)
}

// TestDamagedEnding: damage in the ending (tail IDAT, pxRW, IEND) looks like
// a torn append and is repaired without losing a record.
func TestDamagedEnding(t *testing.T) {
	path, rs := build(t, 5)
	orig, _ := os.ReadFile(path)
	for back := 1; back <= endingLen; back++ {
		b := append([]byte(nil), orig...)
		b[len(b)-back] ^= 0x04
		os.WriteFile(path, b, 0o644)
		s := mustOpen(t, path)
		checkRecords(t, s.Records(), rs)
		if d := s.Damaged(); len(d) > 0 {
			t.Errorf("byte %d from the end: damage %v", back, d)
		}
		if r, err := s.Append(testRecord("e", back)); err != nil || r.ID != 6 {
			t.Fatalf("byte %d from the end: append: id %d, %v", back, r.ID, err)
		}
		s.Close()
		decodePNG(t, path)
	}
}

// TestDamagedHeader: damage in a segment's text chunks or heading band is
// reported but costs no record.
func TestDamagedHeader(t *testing.T) {
	path, rs := build(t, 5)
	orig, _ := os.ReadFile(path)
	cs := chunks(t, orig)
	for _, c := range cs[1:5] { // three tEXt chunks and the first IDAT
		b := append([]byte(nil), orig...)
		b[c.off+8+len(c.data)/2] ^= 0x02
		os.WriteFile(path, b, 0o644)
		s := mustOpen(t, path)
		checkRecords(t, s.Records(), rs)
		if _, err := s.Verify(); err == nil || !strings.Contains(err.Error(), "segment header chunk damaged") {
			t.Errorf("%s chunk damaged: Verify: %v", c.typ, err)
		}
		if r, err := s.Append(testRecord("h", 1)); err != nil || r.ID != 6 {
			t.Errorf("%s chunk damaged: append: id %d, %v", c.typ, r.ID, err)
		}
		s.Close()
	}
}

// TestFlipEveryByte flips each byte of a small network in turn. Opening it
// read-only must never return a record that differs from what was written,
// must lose at most the one record whose chunk was hit, and must say so:
// every missing record is named as damaged. Only the signature and IHDR,
// which hold no record, may make the file unreadable.
func TestFlipEveryByte(t *testing.T) {
	path, rs := build(t, 3)
	orig, _ := os.ReadFile(path)
	byID := map[uint64]Record{}
	for _, r := range rs {
		byID[r.ID] = r
	}
	for off := range orig {
		b := append([]byte(nil), orig...)
		b[off] ^= 0x55
		os.WriteFile(path, b, 0o644)
		s, err := OpenWith(path, Options{ReadOnly: true})
		if err != nil {
			if off >= ihdrEnd {
				t.Fatalf("flip at %d: %v", off, err)
			}
			continue
		}
		got := s.Records()
		for _, r := range got {
			if d := sameRecord(r, byID[r.ID]); d != "" {
				t.Fatalf("flip at %d: record %d returned wrong: %s", off, r.ID, d)
			}
		}
		if len(got) < len(rs)-1 {
			t.Fatalf("flip at %d: %d records left of %d", off, len(got), len(rs))
		}
		if len(got) < len(rs) {
			named := false
			for _, d := range s.Damaged() {
				if d.Lost && byID[d.ID].ID == d.ID {
					named = true
				}
			}
			if !named {
				t.Errorf("flip at %d: a record is missing but none is named damaged: %v", off, s.Damaged())
			}
		}
		s.Close()
	}
}

// Issue 15, item 8: a record over MaxRecord is refused with its size, and
// nothing is written.
func TestMaxRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.png")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Append(Record{Kind: KindQA, Title: "big", Body: strings.Repeat("x", 50<<20)})
	if err == nil || !strings.Contains(err.Error(), "more than the 8388608 a record may hold") {
		t.Errorf("err = %v", err)
	}
	if st := s.Stats(); st.Records != 0 || st.Rows > 100 {
		t.Errorf("records %d rows %d after a refused record", st.Records, st.Rows)
	}
}
