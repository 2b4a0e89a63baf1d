package workspace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

func TestInitFind(t *testing.T) {
	dir := t.TempDir()
	if _, err := Find(dir); !IsNotFound(err) || !strings.Contains(err.Error(), "pxos init") {
		t.Fatalf("Find in an empty dir: %v, want not found naming pxos init", err)
	}
	w, n, err := Init(filepath.Join(dir, "os"), false)
	if err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Errorf("Init wrote %d files", n)
	}
	want, _ := pxosv1.FS.ReadFile(pxosv1.CommandsFile)
	if got, err := os.ReadFile(w.Commands()); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the commands file is not the shipped base: %v", err)
	}
	if st, err := os.Stat(w.Dir()); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("pxOS directory: %v %v", st.Mode(), err)
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "os")); len(ents) != 1 {
		t.Errorf("Init left %d entries, want pxos-v1.0 alone", len(ents))
	}
	var exists *ExistsError
	if _, _, err := Init(filepath.Join(dir, "os"), false); !errors.As(err, &exists) {
		t.Errorf("Init twice: %v", err)
	}

	// Found from the root, from deep inside, and from the pxOS directory,
	// as a path relative to where the search started.
	deep := filepath.Join(dir, "os", "a", "b")
	os.MkdirAll(deep, 0o755)
	for start, root := range map[string]string{
		filepath.Join(dir, "os"):              filepath.Join(dir, "os"),
		deep:                                  filepath.Join(deep, "..", ".."),
		filepath.Join(dir, "os", "pxos-v1.0"): filepath.Join(dir, "os", "pxos-v1.0", ".."),
	} {
		w, err := Find(start)
		if err != nil || filepath.Clean(w.Root) != filepath.Clean(root) {
			t.Errorf("Find(%s) = %v, %v; want %s", start, w, err, root)
		}
	}
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(deep)
	if w, err := Find("."); err != nil || w.Root != filepath.Join("..", "..") || w.Commands() != filepath.Join("..", "..", "pxos-v1.0", "pxos_commands.txt") {
		t.Errorf("Find(.) from inside: %v %v", w, err)
	}
}

func TestInitRefusesAStrayDir(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, PxosDir), 0o755)
	if _, _, err := Init(dir, false); err == nil || !strings.Contains(err.Error(), "holds no pxos_commands.txt") {
		t.Errorf("Init over a pxos-v1.0 without commands: %v", err)
	}
}

// Issue 16, item 2: reset goes back to the base and takes the kept
// scenarios with it; the network stays unless asked.
func TestReset(t *testing.T) {
	w, _, err := Init(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	base := b.Src
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	var bs *feature.Spec
	for _, s := range specs {
		if s.Name == "backspace" {
			bs = s
		}
	}
	grown, _, err := b.InstallAll([]*feature.Spec{bs})
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(w.Commands(), grown.Src, 0o644)
	kept := filepath.Join(w.Scenarios(), "feature_backspace.txt")
	os.WriteFile(kept, bs.Scenario, 0o644)
	orphan := filepath.Join(w.Scenarios(), "feature_echo.txt")
	os.WriteFile(orphan, []byte("wait \"x\"\n"), 0o644)
	net := w.Network(Autobuild)
	os.MkdirAll(filepath.Dir(net), 0o755)
	os.WriteFile(net, []byte("png"), 0o644)
	os.WriteFile(strings.TrimSuffix(net, ".png")+".1.png", []byte("png"), 0o644)

	paths, orphans, err := Suite(w.Scenarios(), grown)
	if err != nil || len(orphans) != 1 || orphans[0] != orphan {
		t.Errorf("Suite orphans %v, %v", orphans, err)
	}
	if !contains(paths, kept) || contains(paths, orphan) {
		t.Errorf("Suite %v", paths)
	}

	r, err := w.Reset(ResetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(w.Commands()); !bytes.Equal(got, base) {
		t.Error("reset did not give back the base")
	}
	if strings.Join(r.Removed, ",") != "backspace" || len(r.Scenarios) != 2 {
		t.Errorf("reset: %+v", r)
	}
	for _, p := range []string{kept, orphan} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	if img, err := os.ReadFile(r.Image); err != nil || len(img) != 1474560 {
		t.Errorf("image: %d bytes, %v", len(img), err)
	}
	if _, err := os.Stat(net); err != nil {
		t.Error("reset without forget deleted the network")
	}
	if _, err := os.Stat(filepath.Join(w.Scenarios(), "banner.txt")); err != nil {
		t.Error("reset deleted a base scenario")
	}

	r, err = w.Reset(ResetOptions{Forget: true})
	if err != nil || len(r.Networks) != 2 || len(r.Removed) != 0 {
		t.Errorf("reset --forget: %+v %v", r, err)
	}
	if _, err := os.Stat(net); err == nil {
		t.Error("forget kept the network")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
