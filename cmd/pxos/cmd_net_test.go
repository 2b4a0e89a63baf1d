package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// netRun runs pxos in-process and returns its exit status and output.
func netRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// netRandomText makes a body with non-ASCII, tabs, CR LF, sometimes bytes
// that are not UTF-8, and sometimes nothing.
func netRandomText(rng *rand.Rand, i int) string {
	if i%50 == 7 {
		return ""
	}
	pieces := []string{"mov ah, 0x0E", "\t", "\r\n", "\n", "int 0x10", " ", "ünïcode", "命令", "🚀", "\"quoted\"", "\\", "<&>", "x", "0x7C00"}
	var b strings.Builder
	for n := rng.Intn(400); n > 0; n-- {
		b.WriteString(pieces[rng.Intn(len(pieces))])
	}
	if i%37 == 5 {
		b.WriteString("\xff\xfe raw bytes \x00")
	}
	fmt.Fprintf(&b, " uniqword%dzq", i)
	return b.String()
}

// TestNet500 adds 500 records through the command line, one process run
// each, and checks that export gives every byte back, that search finds a
// record by its unique word first, and that verify names a damaged record
// and tells a torn tail from damage.
func TestNet500(t *testing.T) {
	dir := t.TempDir()
	network := filepath.Join(dir, "nets", "n.png")
	os.MkdirAll(filepath.Dir(network), 0o755)
	rng := rand.New(rand.NewSource(500))
	kinds := []string{"qa", "build", "test", "solution", "failure", "reference"}
	type rec struct {
		kind, title, body string
		tags              []string
	}
	var want []rec
	for i := 0; i < 500; i++ {
		r := rec{kind: kinds[i%len(kinds)], title: fmt.Sprintf("record %d: «%s»\tend", i, strings.Repeat("é", i%7)), body: netRandomText(rng, i)}
		for j := 0; j < i%4; j++ {
			r.tags = append(r.tags, fmt.Sprintf("tag%d-ü", (i+j)%9))
		}
		f := filepath.Join(dir, fmt.Sprintf("body%d", i))
		os.WriteFile(f, []byte(r.body), 0o644)
		args := []string{"net", "add", "--network", network, "--kind", r.kind, "--title", r.title, "--file", f}
		if len(r.tags) > 0 {
			args = append(args, "--tags", strings.Join(r.tags, ","))
		}
		if code, _, stderr := netRun(t, "", args...); code != 0 {
			t.Fatalf("add %d: exit %d: %s", i, code, stderr)
		}
		want = append(want, r)
	}

	code, out, stderr := netRun(t, "", "net", "export", "--json", "--network", network)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, stderr)
	}
	var got []netRecord
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r netRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("export line %q: %v", sc.Text(), err)
		}
		got = append(got, r)
	}
	if len(got) < 500 {
		t.Fatalf("export gave %d records", len(got))
	}
	seeded := len(got) - 500
	for i, w := range want {
		g := got[seeded+i]
		var body string
		switch {
		case g.Body != nil:
			body = *g.Body
		default:
			body = string(g.BodyBase64)
		}
		if utf8.ValidString(w.body) != (g.Body != nil) {
			t.Errorf("record %d: body given as base64 = %v", i, g.Body == nil)
		}
		if string(g.Kind) != w.kind || g.Title != w.title || body != w.body || strings.Join(g.Tags, ",") != strings.Join(w.tags, ",") || string(g.Payload) != "null" {
			t.Fatalf("record %d (id %d) differs:\n got %q %q %q %q\nwant %q %q %q %q", i, g.ID, g.Kind, g.Title, g.Tags, body, w.kind, w.title, w.tags, w.body)
		}
		if g.ID != uint64(seeded+i+1) {
			t.Errorf("record %d has id %d, want %d", i, g.ID, seeded+i+1)
		}
	}

	for _, i := range []int{0, 123, 250, 499} {
		code, out, _ := netRun(t, "", "net", "search", "--json", "--network", network, fmt.Sprintf("which record says uniqword%dzq?", i))
		var hits []struct {
			ID    uint64 `json:"id"`
			Title string `json:"title"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &hits) != nil || len(hits) == 0 {
			t.Fatalf("search %d: exit %d, %q", i, code, out)
		}
		if hits[0].Title != want[i].title {
			t.Errorf("search for record %d's unique word: first hit %q", i, hits[0].Title)
		}
	}

	if code, out, stderr := netRun(t, "", "net", "verify", "--network", network); code != 0 || !strings.Contains(out, fmt.Sprintf("%d intact records", seeded+500)) {
		t.Fatalf("verify: exit %d: %s%s", code, out, stderr)
	}

	// A torn tail (an append cut short) is reported, not an error, and
	// --repair removes it.
	orig, _ := os.ReadFile(network)
	os.WriteFile(network, orig[:len(orig)-7], 0o644)
	code, out, _ = netRun(t, "", "net", "verify", "--network", network)
	if code != 0 || !strings.Contains(out, "torn tail (never committed)") {
		t.Fatalf("verify of a torn tail: exit %d: %s", code, out)
	}
	code, out, _ = netRun(t, "", "net", "verify", "--repair", "--network", network)
	if code != 0 || !strings.Contains(out, "removed torn tail") || !strings.Contains(out, fmt.Sprintf("%d intact records", seeded+500)) {
		t.Fatalf("verify --repair: exit %d: %s", code, out)
	}
	if code, out, _ = netRun(t, "", "net", "verify", "--network", network); code != 0 || strings.Contains(out, "torn") {
		t.Fatalf("verify after repair: exit %d: %s", code, out)
	}

	// A flipped byte inside the last record's data is damage: verify names
	// the record, --repair does not hide it, export leaves it out.
	b, _ := os.ReadFile(network)
	b[len(b)-33-40] ^= 0x01
	os.WriteFile(network, b, 0o644)
	last := seeded + 500
	for _, args := range [][]string{{"net", "verify"}, {"net", "verify", "--repair"}} {
		code, _, stderr = netRun(t, "", append(args, "--network", network)...)
		if code != 1 || !strings.Contains(stderr, fmt.Sprintf("record %d: ", last)) {
			t.Errorf("%s after a flipped byte: exit %d, stderr %q", strings.Join(args, " "), code, stderr)
		}
	}
	code, out, stderr = netRun(t, "", "net", "export", "--json", "--network", network)
	if code != 1 || strings.Count(out, "\n") != last-1 || !strings.Contains(stderr, "1 damaged records left out") {
		t.Errorf("export after a flipped byte: exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), stderr)
	}
	if code, _, stderr := netRun(t, "", "net", "show", "--network", network, fmt.Sprint(last)); code != 1 || !strings.Contains(stderr, fmt.Sprintf("record %d is damaged", last)) {
		t.Errorf("show of the damaged record: exit %d, %q", code, stderr)
	}
}

// TestNetSearchEmbeddings fuses embeddings from a fake LLM server on
// 127.0.0.1, and says so when the server has no embedding model.
func TestNetSearchEmbeddings(t *testing.T) {
	network := filepath.Join(t.TempDir(), "n.png")
	for _, title := range []string{"routine one", "routine two"} {
		if code, _, stderr := netRun(t, "", "net", "add", "--network", network, "--kind", "qa", "--title", title, "--text", "a routine"); code != 0 {
			t.Fatal(stderr)
		}
	}
	srv := llmtest.New(t, llmtest.Options{EmbeddingModel: "nomic-embed"})
	code, out, stderr := netRun(t, "", "net", "search", "--network", network, "--embeddings", "--url", srv.URL, "--json", "routine")
	if code != 0 || stderr != "" || !strings.Contains(out, `"title": "routine`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	embeds := 0
	for _, r := range srv.Requests() {
		if strings.HasSuffix(r.Path, "/embeddings") {
			embeds++
		}
	}
	if embeds == 0 {
		t.Errorf("no /v1/embeddings request reached the server: %+v", srv.Requests())
	}
	plain := llmtest.New(t, llmtest.Options{})
	code, out, stderr = netRun(t, "", "net", "search", "--network", network, "--embeddings", "--url", plain.URL, "routine")
	if code != 0 || !strings.Contains(stderr, "ranked by words only") || !strings.Contains(out, "routine one") {
		t.Fatalf("without embeddings: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
}

// A record holds model text, which may carry terminal escape sequences:
// net show, export and search print it made printable; --json keeps the
// exact bytes, escaped.
func TestNetShowPrintable(t *testing.T) {
	network := filepath.Join(t.TempDir(), "n.png")
	evil := "\x1b[2J\x1b[31mPWNED\x1b]0;title\x07\x1b[?1049h"
	code, out, errs := netRun(t, evil, "net", "add", "--network", network, "--kind", "failure", "--title", "failure zqevil "+evil, "--tags", "x"+evil, "--file", "-")
	var id uint64
	if _, err := fmt.Sscanf(out, "added record %d", &id); code != 0 || err != nil {
		t.Fatalf("net add: %d %q %s", code, out, errs)
	}
	for _, args := range [][]string{{"net", "show", fmt.Sprint(id)}, {"net", "export"}, {"net", "search", "zqevil"}} {
		code, out, errs := netRun(t, "", append(args, "--network", network)...)
		if code != 0 || !strings.Contains(out, "PWNED") || strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("pxos %s: exit %d, output %q %s", strings.Join(args, " "), code, out, errs)
		}
	}
	if _, out, _ := netRun(t, "", "net", "export", "--json", "--network", network); !strings.Contains(out, `\u001b[2J`) {
		t.Errorf("--json does not keep the bytes: %s", out)
	}
	// A C1 CSI (U+009B), which Go's JSON encoder passes through, is escaped
	// too; decoded, the body is what was stored.
	code, _, errs = netRun(t, "x\u009b2J", "net", "add", "--network", network, "--kind", "qa", "--title", "c1", "--file", "-")
	if code != 0 {
		t.Fatal(errs)
	}
	if _, out, _ := netRun(t, "", "net", "export", "--json", "--network", network); strings.Contains(out, "\u009b") || !strings.Contains(out, `x\u009b2J`) {
		t.Errorf("C1 in --json: %q", out[len(out)-200:])
	}
}

// Issue 15, item 3: a network a crash left empty says that it lacks its
// seed knowledge (read-only: the file is not changed), and the next write
// restores it.
func TestNetStatsSaysSeedMissing(t *testing.T) {
	network := filepath.Join(t.TempDir(), "n.png")
	if err := os.WriteFile(network, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := netRun(t, "", "net", "stats", "--network", network)
	if !strings.Contains(out, "seed      60 of its 60 built-in records are missing") {
		t.Errorf("stats:\n%s", out)
	}
	if fi, _ := os.Stat(network); fi.Size() != 0 {
		t.Error("net stats wrote the network")
	}
	if _, out, _ = netRun(t, "", "net", "verify", "--network", network); !strings.Contains(out, "60 of its 60 built-in records are missing") {
		t.Errorf("verify:\n%s", out)
	}
	if code, _, errs := netRun(t, "", "net", "add", "--network", network, "--kind", "qa", "--title", "q", "--text", "a"); code != 0 {
		t.Fatal(errs)
	}
	if _, out, _ = netRun(t, "", "net", "stats", "--network", network); strings.Contains(out, "seed ") || !strings.Contains(out, "records   61") {
		t.Errorf("after net add:\n%s", out)
	}
}

// Issue 15, item 3: a pxos killed (SIGKILL) at any moment while it creates
// a network leaves either nothing or a whole one: the next run finds all
// the seed knowledge, and nothing half made beside it.
func TestKillDuringNetworkCreation(t *testing.T) {
	bin := buildPxos(t)
	dir := t.TempDir()
	for i := range 12 {
		network := filepath.Join(dir, fmt.Sprintf("n%d", i), "net.png")
		os.MkdirAll(filepath.Dir(network), 0o755)
		cmd := exec.Command(bin, "net", "add", "--network", network, "--kind", "qa", "--title", "t", "--text", "x")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i) * 2 * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		out, err := exec.Command(bin, "net", "stats", "--network", network).CombinedOutput()
		if err != nil && strings.Contains(string(out), "no pixel network") {
			continue // killed before it made one: nothing is there
		}
		if err != nil || !regexp.MustCompile(`records   6[01] `).Match(out) || strings.Contains(string(out), "missing") {
			t.Errorf("killed after %d ms: %v\n%s", 2*i, err, out)
		}
		ents, _ := os.ReadDir(filepath.Dir(network))
		for _, e := range ents {
			if strings.Contains(e.Name(), "creating") {
				t.Errorf("killed after %d ms: left %s", 2*i, e.Name())
			}
		}
	}
}
