package gen

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
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
// command): assemble, place, decode, branch and chain checks.
func BenchmarkValidate(b *testing.B) {
	base, _ := benchBase(b)
	c := &Candidate{Source: verAsm, Hooks: map[string]string{"cmd_head": "ver_entry"}, Scenario: verScenario}
	req := &Request{Feature: "Add a ver command", Format: FormatAsm}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Validate(base, req, c); err != nil {
			b.Fatal(err)
		}
	}
}
