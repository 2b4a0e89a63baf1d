package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/backend"
	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// TestPassAtK checks the estimator against testdata/passk.txt: a case a
// line, "n c k want", the wants computed with exact binomials.
func TestPassAtK(t *testing.T) {
	data, err := os.ReadFile("testdata/passk.txt")
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range strings.Split(string(data), "\n") {
		line := i + 1
		if text = strings.TrimSpace(text); text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		var n, c, k int
		var want float64
		if _, err := fmt.Sscan(text, &n, &c, &k, &want); err != nil {
			t.Fatalf("passk.txt:%d: %v", line, err)
		}
		if got := PassAtK(n, c, k); math.Abs(got-want) > 1e-6 {
			t.Errorf("passk.txt:%d: PassAtK(%d, %d, %d) = %.6f, want %.6f", line, n, c, k, got, want)
		}
	}
}

// The suite has at least 15 goals, graded 1 to 5 in order, every grade
// used, names unique, and each goal's hidden scenarios load.
func TestSuite(t *testing.T) {
	goals, err := Goals()
	if err != nil {
		t.Fatal(err)
	}
	if len(goals) < 15 {
		t.Fatalf("%d goals, want at least 15", len(goals))
	}
	seen, grades := map[string]bool{}, map[int]bool{}
	last := 1
	for _, g := range goals {
		if seen[g.Name] {
			t.Errorf("goal name %s twice", g.Name)
		}
		seen[g.Name] = true
		grades[g.Grade] = true
		if g.Grade < last {
			t.Errorf("%s: grade %d after grade %d: the suite goes from easy to hard", g.ID, g.Grade, last)
		}
		last = g.Grade
	}
	for gr := 1; gr <= 5; gr++ {
		if !grades[gr] {
			t.Errorf("no goal of grade %d", gr)
		}
	}
	if sel, err := Select(goals, []string{"help", "01-ver", "17"}); err != nil || len(sel) != 3 || sel[0].Name != "ver" || sel[1].Name != "help" || sel[2].Name != "dir" {
		t.Errorf("Select: %v %v", sel, err)
	}
	if _, err := Select(goals, []string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "goals: ver, help") {
		t.Errorf("Select of an unknown goal: %v", err)
	}
}

// reference returns the reference solution of a goal: testdata/ref/NAME,
// else the shipped default feature of that name (help, clear).
func reference(t *testing.T, g *Goal) *feature.Spec {
	t.Helper()
	dir := path.Join("testdata/ref", g.Name)
	if meta, err := os.ReadFile(path.Join(dir, feature.MetaName)); err == nil {
		s, err := feature.ParseMeta(path.Join(dir, feature.MetaName), meta)
		if err != nil {
			t.Fatal(err)
		}
		s.SourceFile = path.Join(dir, feature.SourceName)
		if s.Source, err = os.ReadFile(s.SourceFile); err != nil {
			t.Fatal(err)
		}
		return s
	}
	s, err := feature.Load(pxosv1.FS, path.Join(pxosv1.FeatureDir, g.Name))
	if err != nil {
		t.Fatalf("%s: no reference solution in testdata/ref and no shipped feature: %v", g.ID, err)
	}
	return s
}

// Every hidden scenario is sound: the goal's starting build fails it (a
// build without the feature does not pass by accident), and the build
// with a reference solution installed, written as a person would, passes
// every one. The FAT12 goal runs on the floppy with the test volume.
func TestHiddenScenarios(t *testing.T) {
	goals, err := Goals()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, g := range goals {
		t.Run(g.ID, func(t *testing.T) {
			start, err := g.Build()
			if err != nil {
				t.Fatal(err)
			}
			img := func(b *feature.Base) []byte {
				if g.VolumeLBA == 0 {
					return b.Image.Floppy
				}
				out, err := WithVolume(b.Image.Floppy, g.VolumeLBA)
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			for _, r := range Hidden(ctx, g, img(start), "emu", 0).Results {
				if r.Passed {
					t.Errorf("hidden scenario %q passes without the feature", r.Scenario)
				}
			}
			inst, err := start.Install(reference(t, g), 0)
			if err != nil {
				t.Fatal(err)
			}
			with, err := start.Apply(inst)
			if err != nil {
				t.Fatal(err)
			}
			sr := Hidden(ctx, g, img(with), "emu", 0)
			for _, r := range sr.Results {
				if !r.Passed {
					var b strings.Builder
					r.WriteReport(&b, false)
					t.Errorf("hidden scenario %q fails with the reference solution:\n%s", r.Scenario, b.String())
				}
			}
			if g.VolumeLBA > 0 {
				// What the goal promises on a floppy without the volume,
				// where the loop's own scenarios run.
				sc, err := scenario.Parse("novolume", []byte("wait \"{prompt}\"\ntype \"dir\\n\"\nexpect-row 2 \"No volume\"\n"))
				if err != nil {
					t.Fatal(err)
				}
				if r := sc.Run(ctx, boot(t, with.Image.Floppy)); !r.Passed {
					t.Errorf("without the volume the reference solution does not say so: %s", r.Error)
				}
			}
			if len(sr.Results) != len(g.Hidden) {
				t.Errorf("%d results for %d hidden scenarios", len(sr.Results), len(g.Hidden))
			}
		})
	}
}

// boot starts the emulator on img, closed when the test ends.
func boot(t *testing.T, img []byte) machine.Machine {
	t.Helper()
	m, err := backend.Open(context.Background(), "emu", img, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// The test volume reads back as FAT12 by the book: the BPB, both FATs, the
// root directory's entries and a two-cluster chain.
func TestVolume(t *testing.T) {
	const lba = 100
	v := Volume(lba)
	le := binary.LittleEndian
	if len(v) != VolumeSectors*512 || v[510] != 0x55 || v[511] != 0xAA {
		t.Fatalf("volume of %d bytes, signature % x", len(v), v[510:512])
	}
	bps, rsvd, nfat, roots, fatsz := int(le.Uint16(v[11:])), int(le.Uint16(v[14:])), int(v[16]), int(le.Uint16(v[17:])), int(le.Uint16(v[22:]))
	if bps != 512 || v[13] != 1 || le.Uint32(v[28:]) != lba || string(v[54:62]) != "FAT12   " {
		t.Errorf("BPB: bytes/sector %d, sectors/cluster %d, hidden %d, type %q", bps, v[13], le.Uint32(v[28:]), v[54:62])
	}
	fat := func(copyN, n int) int {
		base := (rsvd + copyN*fatsz) * bps
		w := int(le.Uint16(v[base+n*3/2:]))
		if n%2 == 1 {
			return w >> 4
		}
		return w & 0xFFF
	}
	root := v[(rsvd+nfat*fatsz)*bps:]
	var names []string
	for i := 0; i < roots && root[i*32] != 0; i++ {
		e := root[i*32 : i*32+32]
		if e[0] == 0xE5 || e[11]&0x08 != 0 {
			continue
		}
		name := strings.TrimRight(string(e[:8]), " ")
		if ext := strings.TrimRight(string(e[8:11]), " "); ext != "" {
			name += "." + ext
		}
		names = append(names, name)
		first := int(le.Uint16(e[26:]))
		size := int(le.Uint32(e[28:]))
		clusters := 0
		for c := first; c < 0xFF8; c = fat(0, c) {
			if fat(0, c) != fat(1, c) {
				t.Errorf("%s: the two FATs differ at cluster %d", name, c)
			}
			clusters++
		}
		if want := (size + bps - 1) / bps; clusters != want {
			t.Errorf("%s: %d clusters in its chain, want %d for %d bytes", name, clusters, want, size)
		}
	}
	if got := strings.Join(names, " "); got != "README.TXT HELLO.COM NOTES.TXT KERNEL" {
		t.Errorf("root directory lists %s", got)
	}
	img := make([]byte, build.FloppySize)
	if _, err := WithVolume(img, 20); err == nil {
		t.Error("a volume over pxOS's own sectors was written")
	}
	if out, err := WithVolume(img, lba); err != nil || string(out[lba*512+3:lba*512+11]) != "PXBENCH " || img[lba*512] != 0 {
		t.Errorf("WithVolume: %v", err)
	}
}
