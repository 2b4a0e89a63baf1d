package loop

import (
	"context"
	"os"
	"testing"

	"github.com/pxos-dev/pxos/internal/gen"
)

// BenchmarkOfflineDefaults is `pxos auto` on the built-in defaults without
// reports: the four default goals from the verified solutions, each tested
// and proven fail-to-pass on the emulator (the budget: 0.5 s).
func BenchmarkOfflineDefaults(b *testing.B) {
	net := network(b)
	ws := workspace(b)
	base := readFile(b, ws.Commands)
	o := Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		if err := os.WriteFile(ws.Commands, base, 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := Run(context.Background(), o); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPresentDefaults is the second run: every goal found present
// (recorded by its block), nothing generated.
func BenchmarkPresentDefaults(b *testing.B) {
	net := network(b)
	ws := workspace(b, "backspace", "command_parser", "help", "clear")
	o := Options{Workspace: ws, Network: net, Provider: &gen.KB{Network: net}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Run(context.Background(), o); err != nil {
			b.Fatal(err)
		}
	}
}
