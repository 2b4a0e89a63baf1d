package gen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// What a code request retrieves (issue 13): proven solutions of similar
// goals, then this goal's own reflections, then references; never another
// goal's failures, never the API page again, nothing twice, each cut.
func TestRetrieval(t *testing.T) {
	net := openNet(t)
	garbage := "I think you should use int 19h {{{ [" + strings.Repeat("garbage ", 2000)
	var rows []string
	for i := range 25 {
		rows = append(rows, fmt.Sprintf("%2d|row %d", i, i))
	}
	recs := []pixnet.Record{
		FailureRecord(Reflection{Goal: "Add a reboot command", Attempt: 1, Phase: "answer", Tried: AnswerSummary(garbage), Error: "no JSON value in the answer"}),
		FailureRecord(Reflection{Goal: "Add a 'ver' command that prints the version", Attempt: 1, Phase: "test", Tried: "feature ver",
			Error: `FAIL acceptance: ver (emu): FAIL at line 3: expect "v1.1": not on the screen`, Screen: rows}),
		FailureRecord(Reflection{Goal: "Add a 'ver' command that prints the version", Attempt: 2, Phase: "validate", Tried: "feature ver",
			Error: "answer.asm:4: undefined symbol print_str"}),
	}
	// A close goal's solution, and the shipped help learned again twice by
	// later runs.
	red := &feature.Spec{Name: "ver", Goal: "Add a 'ver' command that prints the version in red", Hooks: map[string]string{"cmd_head": "ver_entry"},
		Source: []byte(verAsm), Scenario: []byte(verScenario)}
	recs = append(recs, SolutionRecord(red, Proven, Provenance{Provider: "openai", Model: "m", Attempts: 2}))
	for _, s := range Solutions(net) {
		if s.Spec.Name == "help" {
			recs = append(recs, SolutionRecord(s.Spec, Proven, Provenance{Provider: "openai"}), SolutionRecord(s.Spec, Proven, Provenance{Provider: "openai"}))
		}
	}
	if _, err := net.AppendBatch(recs); err != nil {
		t.Fatal(err)
	}
	if body := recs[0].Body; len(body) > 600 || !strings.Contains(body, "an answer of 16036 bytes that begins") {
		t.Errorf("a malformed answer's reflection is not a summary (%d bytes):\n%s", len(body), body)
	}
	if strings.Contains(recs[1].Body, " 0|row 0") || !strings.Contains(recs[1].Body, "24|row 24") {
		t.Errorf("the reflection keeps the wrong rows:\n%s", recs[1].Body)
	}

	goal := "Add a 'ver' command that prints the version"
	pc := NewPromptContext(context.Background(), loadBase(t), api(t), net, nil, goal, goal)
	var labels []string
	seen := map[string]bool{}
	for _, it := range pc.Knowledge {
		labels = append(labels, it.Label)
		if strings.Contains(it.Text, "garbage") || strings.Contains(it.Label, "reboot") {
			t.Errorf("another goal's failure is retrieved: %s", it.Label)
		}
		if strings.Contains(it.Label, "API") || strings.Contains(it.Text, "## Calling convention") {
			t.Errorf("the API page is retrieved again: %s", it.Label)
		}
		if len(it.Text) > maxItemBytes+16 {
			t.Errorf("%s: %d bytes, not cut", it.Label, len(it.Text))
		}
		key := it.Text
		if seen[key] {
			t.Errorf("retrieved twice: %s", it.Label)
		}
		seen[key] = true
	}
	// Order: a close goal's solution, this goal's reflections (newest
	// first), then a solution that only shares a word.
	want := []string{"solution: ver — Add a 'ver' command that prints the version in red", "failure: attempt 2", "failure: attempt 1", "solution: help"}
	j := 0
	for _, l := range labels {
		if j < len(want) && strings.Contains(l, want[j]) {
			j++
		}
	}
	if j < len(want) {
		t.Errorf("retrieved %q; want, in order, %q", labels, want)
	}
	if !strings.Contains(pc.System(), "## Hook slots") || strings.Count(pc.System(), "## Hook slots") != 1 {
		t.Error("the API page is not in the instructions once")
	}
}

// Reusable finds the proven solutions that may meet a goal: served first,
// then equivalent goals; never one whose goal says something else.
func TestReusable(t *testing.T) {
	sol := func(id uint64, name, goal string) Solution {
		return Solution{RecordID: id, Proven: true, Spec: &feature.Spec{Name: name, Goal: goal, Source: []byte(name + goal)}}
	}
	sols := []Solution{
		sol(1, "time", "Add a time command that prints the time"),
		sol(2, "dots", "Add a 'dots' command that prints ten dots"),
		sol(3, "clear", "Add 'clear' command to clear screen"),
		sol(4, "time2", "Add a 'time' command that shows the current time"),
	}
	for _, c := range []struct {
		goal string
		want []uint64
	}{
		{"Add a 'time' command that shows the current time", []uint64{4, 1}},
		{"Add a 'time' command that prints the time in 12-hour format", nil},
		{"Add a 'dots' command that prints nine dots", nil},
		{"Add a 'cls' command that clears the screen", nil},
		{"Add a 'clear' command that clears the screen", nil}, // "to" counts: a miss costs a model call, never a verdict
		{"add 'clear' command to clear screen.", []uint64{3}},
	} {
		var got []uint64
		for _, s := range Reusable(sols, c.goal) {
			got = append(got, s.RecordID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("Reusable(%q) = %v, want %v", c.goal, got, c.want)
		}
	}
}

// Issue 15, items 3 and 4: a network left empty, or as a bare segment, by
// a process killed while creating it gets all its seed knowledge on the
// next open; reading opens read-only and changes nothing.
func TestNetworkCreationRepaired(t *testing.T) {
	shipped, err := ShippedSolutions()
	if err != nil {
		t.Fatal(err)
	}
	want := len(pixnet.SeedRecords()) + len(shipped)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.png")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	bare := filepath.Join(dir, "bare.png")
	b, err := pixnet.Open(bare)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	for _, p := range []string{empty, bare, filepath.Join(dir, "new", "fresh.png")} {
		s, err := OpenNetwork(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if n := len(s.Records()); n != want {
			t.Errorf("%s: %d records, want the %d of the seed", filepath.Base(p), n, want)
		}
		s.Close()
		// Opened again, nothing is appended twice.
		s, _ = OpenNetwork(p)
		if n := len(s.Records()); n != want {
			t.Errorf("%s reopened: %d records", filepath.Base(p), n)
		}
		s.Close()
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 3 {
		t.Errorf("leftovers in the directory: %v", ents)
	}
	before, _ := os.ReadFile(bare)
	r, err := OpenNetworkRead(bare)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Append(pixnet.Record{Kind: pixnet.KindQA, Title: "x"}); !errors.Is(err, pixnet.ErrReadOnly) {
		t.Errorf("append on a read opener: %v", err)
	}
	r.Close()
	if after, _ := os.ReadFile(bare); !bytes.Equal(before, after) {
		t.Error("reading changed the file")
	}
}

// Issue 15, item 9: a solution record whose feature name is not a pxos
// name ([a-z][a-z0-9_]*, at most 24) is no solution: its name would become
// labels and file names.
func TestSolutionNamesChecked(t *testing.T) {
	net := openNet(t)
	n := len(Solutions(net))
	for _, name := range []string{"../evil", "Bad Name", "9lives", "x\x1b[2J", "ok_name"} {
		spec := &feature.Spec{Name: name, Goal: "Add a thing " + name, Hooks: map[string]string{"cmd_head": "e"}, Source: []byte("e: ret\n"), Scenario: []byte(verScenario)}
		if _, err := net.Append(SolutionRecord(spec, Proven, Provenance{Provider: "openai"})); err != nil {
			t.Fatal(err)
		}
	}
	sols := Solutions(net)
	if len(sols) != n+1 || sols[0].Spec.Name != "ok_name" {
		var names []string
		for _, s := range sols[:len(sols)-n] {
			names = append(names, s.Spec.Name)
		}
		t.Errorf("new solutions %q, want only ok_name", names)
	}
}

// Issue 15, item 5: a model's infeasible reason is printable when shown.
func TestInfeasiblePrintable(t *testing.T) {
	if s := (&InfeasibleError{Reason: "no \x1b]0;PWNED\a\x1b[2J way"}).Error(); strings.ContainsAny(s, "\x1b\a") {
		t.Errorf("%q", s)
	}
}
