package bench

import (
	"context"
	"testing"
)

// BenchmarkRunKB is one sample of the 'help' goal with the offline
// provider: a fresh workspace and network, the loop, and the hidden
// scenarios (what pxos bench --provider kb costs per goal it can pass).
func BenchmarkRunKB(b *testing.B) {
	all, err := Goals()
	if err != nil {
		b.Fatal(err)
	}
	gs, err := Select(all, []string{"help"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		res, err := Run(context.Background(), Options{Goals: gs, Models: []Model{{Name: "kb"}}, Samples: 1, MaxAttempts: 1, TempDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Runs) != 1 || res.Runs[0].Outcome != OutcomePassed {
			b.Fatalf("%+v", res.Runs)
		}
	}
}
