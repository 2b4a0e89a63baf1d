package gen

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/pixnet"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// benchBase is the shipped base (gen_test.go's helpers take a *testing.T).
func benchBase(b *testing.B) (*feature.Base, string) {
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		b.Fatal(err)
	}
	base, err := feature.NewBase("pxos_commands.txt", src)
	if err != nil {
		b.Fatal(err)
	}
	apiPage, err := fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	if err != nil {
		b.Fatal(err)
	}
	return base, string(apiPage)
}

// BenchmarkGenerateKB is one offline `pxos gen` without the I/O: the kb
// provider's best match, reassembled and validated on the shipped base.
func BenchmarkGenerateKB(b *testing.B) {
	base, apiPage := benchBase(b)
	net, err := OpenNetwork(filepath.Join(b.TempDir(), "net.png"))
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	g := &Generator{Base: base, API: apiPage, Provider: &KB{Network: net}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := g.Generate(context.Background(), Request{Feature: "Add backspace support to shell"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate is the static check of one model answer (the "ver"
// command, on the base with the command parser): assemble, place, decode,
// branch and chain checks.
func BenchmarkValidate(b *testing.B) {
	bare, apiPage := benchBase(b)
	net, err := OpenNetwork(filepath.Join(b.TempDir(), "net.png"))
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	// A command needs the parser: install it from the shipped solution.
	g := &Generator{Base: bare, API: apiPage, Provider: &KB{Network: net}}
	res, _, err := g.Generate(context.Background(), Request{Feature: "Implement command parser for basic commands"})
	if err != nil {
		b.Fatal(err)
	}
	base, err := bare.Apply(res.Install)
	if err != nil {
		b.Fatal(err)
	}
	c := &Candidate{Source: verAsm, Hooks: map[string]string{"cmd_head": "ver_entry"}, Scenario: verScenario}
	req := &Request{Feature: "Add a ver command", Format: FormatAsm}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(base, req, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPromptContext is the retrieval for one code request from a
// network that learned 100 solutions and 200 reflections (of 100 goals)
// on top of its seed: similar solutions, this goal's reflections and
// matching references.
func BenchmarkPromptContext(b *testing.B) {
	base, apiPage := benchBase(b)
	net, err := OpenNetwork(filepath.Join(b.TempDir(), "net.png"))
	if err != nil {
		b.Fatal(err)
	}
	defer net.Close()
	var recs []pixnet.Record
	for i := range 100 {
		goal := fmt.Sprintf("Add a 'cmd%d' command that prints the number %d", i, i)
		spec := &feature.Spec{Name: fmt.Sprintf("cmd%d", i), Goal: goal, Hooks: map[string]string{"cmd_head": "c_entry"},
			Source: []byte(strings.Replace(verAsm, "ver", fmt.Sprintf("cmd%d", i), -1)), Scenario: []byte(verScenario)}
		recs = append(recs, SolutionRecord(spec, Proven, Provenance{Provider: "openai", Model: "m", Attempts: 1}),
			FailureRecord(Reflection{Goal: goal, Attempt: 1, Phase: "test", Tried: "feature x", Error: "FAIL acceptance: x (emu): FAIL at line 3"}),
			FailureRecord(Reflection{Goal: goal, Attempt: 2, Phase: "validate", Tried: "feature x", Error: "answer.asm:4: undefined symbol print_str"}))
	}
	if _, err := net.AppendBatch(recs); err != nil {
		b.Fatal(err)
	}
	goal := "Add a 'cmd42' command that prints the number 42"
	b.ReportAllocs()
	for b.Loop() {
		pc := NewPromptContext(context.Background(), base, apiPage, net, nil, goal, goal)
		if len(pc.Knowledge) < 3 {
			b.Fatalf("knowledge %d items", len(pc.Knowledge))
		}
	}
}
