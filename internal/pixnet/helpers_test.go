package pixnet

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadRoundTrip reads testdata/roundtrip.txt: one record per line.
func loadRoundTrip(t testing.TB) []Record {
	t.Helper()
	f, err := os.Open("testdata/roundtrip.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		kind, rest, _ := strings.Cut(text, " ")
		var fields []string
		for rest = strings.TrimSpace(rest); rest != ""; rest = strings.TrimSpace(rest) {
			q, err := strconv.QuotedPrefix(rest)
			if err != nil {
				t.Fatalf("roundtrip.txt:%d: %v", line, err)
			}
			s, _ := strconv.Unquote(q)
			fields = append(fields, s)
			rest = rest[len(q):]
		}
		if len(fields) != 4 {
			t.Fatalf("roundtrip.txt:%d: %d quoted fields, want 4", line, len(fields))
		}
		r := Record{Kind: Kind(kind), Title: fields[0], Body: fields[2]}
		if fields[1] != "" {
			r.Tags = strings.Split(fields[1], ",")
		}
		if b, ok := strings.CutPrefix(r.Body, "@repeat "); ok {
			n, s, _ := strings.Cut(b, " ")
			k, _ := strconv.Atoi(n)
			r.Body = strings.Repeat(s, k)
		}
		if fields[3] != "nil" {
			r.Payload = json.RawMessage(fields[3])
		}
		out = append(out, r)
	}
	return out
}

// sameRecord reports how got differs from want, or "".
func sameRecord(got, want Record) string {
	var d []string
	if got.ID != want.ID {
		d = append(d, fmt.Sprintf("id %d, want %d", got.ID, want.ID))
	}
	if got.Kind != want.Kind {
		d = append(d, fmt.Sprintf("kind %q, want %q", got.Kind, want.Kind))
	}
	if !got.Time.Equal(want.Time) {
		d = append(d, fmt.Sprintf("time %v, want %v", got.Time, want.Time))
	}
	if len(got.Tags) != len(want.Tags) || len(got.Tags) > 0 && !reflect.DeepEqual(got.Tags, want.Tags) {
		d = append(d, fmt.Sprintf("tags %q, want %q", got.Tags, want.Tags))
	}
	if got.Title != want.Title {
		d = append(d, fmt.Sprintf("title %q, want %q", got.Title, want.Title))
	}
	if got.Body != want.Body {
		d = append(d, fmt.Sprintf("body differs (%d bytes, want %d)", len(got.Body), len(want.Body)))
	}
	if (got.Payload == nil) != (want.Payload == nil) || !bytes.Equal(got.Payload, want.Payload) {
		d = append(d, fmt.Sprintf("payload %q, want %q", got.Payload, want.Payload))
	}
	return strings.Join(d, "; ")
}

func checkRecords(t testing.TB, got, want []Record) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d", len(got), len(want))
	}
	for i := range want {
		if d := sameRecord(got[i], want[i]); d != "" {
			t.Errorf("record %d: %s", want[i].ID, d)
		}
	}
}

func tempNet(t testing.TB) string {
	return filepath.Join(t.TempDir(), "net", "n.png")
}

func mustOpen(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// decodePNG decodes a segment with the standard library.
func decodePNG(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("image/png: %s: %v", path, err)
	}
	return img
}

// testRecord is a deterministic record for id i (used by the crash and
// concurrency children, which must agree with the parent).
func testRecord(who string, i int) Record {
	return Record{
		Kind:    Kinds[i%len(Kinds)],
		Time:    time.Unix(1700000000+int64(i), int64(i)).UTC(),
		Tags:    []string{who, "n" + strconv.Itoa(i)},
		Title:   fmt.Sprintf("%s record %d", who, i),
		Body:    strings.Repeat(fmt.Sprintf("%s body line %d\t", who, i), 1+i%17),
		Payload: json.RawMessage(fmt.Sprintf(`{"who":%q,"i":%d}`, who, i)),
	}
}
