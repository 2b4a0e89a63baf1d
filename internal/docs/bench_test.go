package docs

import (
	"context"
	"io"
	"testing"
)

// BenchmarkManual builds the manual of the four default features (no
// scenarios to run) and writes it as Markdown and HTML.
func BenchmarkManual(b *testing.B) {
	build, _, _ := grow(b, "backspace command_parser help clear")
	b.ReportAllocs()
	for b.Loop() {
		m, err := New(context.Background(), build, Options{Source: "pxos_commands.txt"})
		if err != nil {
			b.Fatal(err)
		}
		if err := m.WriteMarkdown(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := m.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
