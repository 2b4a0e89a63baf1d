package feature

import (
	"context"
	"testing"

	"github.com/pxos-dev/pxos/internal/pc"
)

// BenchmarkInstall measures one installation (build the base, assemble the
// feature, render and verify the block) of the largest default feature.
func BenchmarkInstall(b *testing.B) {
	base := v1Base(b)
	f := byName(b, v1Specs(b), "command_parser")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := base.Install(f, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstallAll measures building the base and installing all four
// default features, one after the other, from source.
func BenchmarkInstallAll(b *testing.B) {
	src := readV1(b, "pxos_commands.txt")
	specs, err := Order(v1Specs(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		base, err := NewBase("pxos_commands.txt", src)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := base.InstallAll(specs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScenariosEmu measures booting the all-features build on the
// built-in emulator and running every base and feature scenario once.
func BenchmarkScenariosEmu(b *testing.B) {
	img, scs := buildConfig(b, configs[len(configs)-2])
	b.ReportAllocs()
	for b.Loop() {
		for _, sc := range scs {
			m, err := pc.New(img, pc.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if r := sc.Run(context.Background(), m); !r.Passed {
				b.Fatalf("%s: %s", sc.File, r.Error)
			}
			m.Close()
		}
	}
}

// BenchmarkRemove: help taken out of the four default features, clear
// installed again past it (what pxos feature remove does before it proves
// the result).
func BenchmarkRemove(b *testing.B) {
	specs := v1Specs(b)
	var order []*Spec
	for _, n := range []string{"backspace", "command_parser", "help", "clear"} {
		order = append(order, byName(b, specs, n))
	}
	four, _, err := v1Base(b).InstallAll(order)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := four.Remove("help", nil); err != nil {
			b.Fatal(err)
		}
	}
}
