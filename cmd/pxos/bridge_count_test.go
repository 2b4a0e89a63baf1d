package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// TestBridgeDemoCounts: pxos bridge --demo on a new network counts what
// pxos net counts. The network is seeded as every network is (issue 16:
// the demo said 55 records, the seed without the API page and the shipped
// solutions, where pxos net showed 60), and the count after the demo is the
// network's.
func TestBridgeDemoCounts(t *testing.T) {
	srv := llmtest.New(t, llmtest.Options{})
	network := filepath.Join(t.TempDir(), "learning.png")
	code, out, stderr := netRun(t, "", "bridge", "--demo", "--network", network, "--url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, stderr)
	}
	m := regexp.MustCompile(`\((\d+) records before the demo\)(?s:.*)\n(?:network .*): (\d+) records after the demo \(#(\d+) taught`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no counts in:\n%s", out)
	}
	before, _ := strconv.Atoi(m[1])
	after, _ := strconv.Atoi(m[2])
	s, err := pixnet.Open(network)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, seeded, err := gen.MissingSeed(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Stats().Records; before != seeded || after != n || after != before+1 || m[3] != fmt.Sprint(n) {
		t.Errorf("demo counts %d before, %d after (taught #%s); the seed has %d records, the network %d", before, after, m[3], seeded, n)
	}
	code, stats, _ := netRun(t, "", "net", "stats", "--network", network)
	if want := fmt.Sprintf("records   %d ", after); code != 0 || !regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(want)).MatchString(stats) {
		t.Errorf("net stats does not say %q:\n%s", want, stats)
	}
}
