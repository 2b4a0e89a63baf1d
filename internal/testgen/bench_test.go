package testgen

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// BenchmarkOfflineJudge derives help's offline tests and judges them on
// the builds with and without help (the built-in emulator): what pxos gen
// --tests costs without a model.
func BenchmarkOfflineJudge(b *testing.B) {
	src, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		b.Fatal(err)
	}
	base, err := feature.NewBase(pxosv1.CommandsFile, src)
	if err != nil {
		b.Fatal(err)
	}
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		b.Fatal(err)
	}
	need, err := feature.WithRequires(specs, "help")
	if err != nil {
		b.Fatal(err)
	}
	with, insts, err := base.InstallAll(need)
	if err != nil {
		b.Fatal(err)
	}
	without, _, err := with.Remove("help", nil)
	if err != nil {
		b.Fatal(err)
	}
	help := insts[len(insts)-1]
	b.ReportAllocs()
	for b.Loop() {
		props := Offline(help.Spec, feature.CommandWords(help))
		Judge(context.Background(), [][]byte{with.Image.Floppy}, without.Image.Floppy, props, nil)
		for _, p := range props {
			if !p.Kept {
				b.Fatalf("%s: %s", p.Name, p.Reason)
			}
		}
	}
}
