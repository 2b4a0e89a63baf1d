package workspace

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/pxos-dev/pxos/internal/feature"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// grown returns a new workspace with the shipped features named installed
// and their kept scenarios, and its commands file as written.
func grown(t *testing.T, names ...string) (*Workspace, []byte) {
	t.Helper()
	w, _, err := Init(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Build()
	if err != nil {
		t.Fatal(err)
	}
	specs, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		t.Fatal(err)
	}
	pick, err := feature.WithRequires(specs, names...)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err = b.InstallAll(pick)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.Commands(), b.Src, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range pick {
		path, data := Kept(w.Scenarios(), s, "a test")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return w, b.Src
}

// smallerClear is clear with call+ret made one jmp: a byte smaller.
func smallerClear(cur *feature.Base) (*feature.Spec, error) {
	spec, err := cur.Source("clear")
	if err != nil {
		return nil, err
	}
	spec.Source = bytes.Replace(spec.Source, []byte("call clear_screen\nret\n"), []byte("jmp clear_screen\n"), 1)
	return spec, nil
}

func TestReplaceFeature(t *testing.T) {
	w, before := grown(t, "help", "clear")
	img := w.Path(Image)
	os.Remove(img)

	// prove refuses: nothing is written.
	var suite []string
	no := errors.New("the scenario fails")
	_, err := w.ReplaceFeature("clear", smallerClear, func(cur, next *feature.Base, s []string) error {
		suite = s
		if !bytes.Equal(cur.Src, before) || !next.Present("clear") || bytes.Equal(next.Src, before) {
			t.Error("prove got the wrong builds")
		}
		return no
	}, false)
	if !errors.Is(err, no) {
		t.Fatalf("refused by prove: %v", err)
	}
	if got, _ := os.ReadFile(w.Commands()); !bytes.Equal(got, before) {
		t.Error("a refused replacement changed the commands file")
	}
	if _, err := os.Stat(img); err == nil {
		t.Error("a refused replacement wrote the image")
	}
	if !contains(suite, filepath.Join(w.Scenarios(), "feature_clear.txt")) || !contains(suite, filepath.Join(w.Scenarios(), "banner.txt")) {
		t.Errorf("the suite lacks clear's kept scenario or a base one: %v", suite)
	}

	// A dry run proves and writes nothing.
	ok := func(cur, next *feature.Base, s []string) error { return nil }
	r, err := w.ReplaceFeature("clear", smallerClear, ok, true)
	if err != nil || r.Image != "" || r.Next == nil {
		t.Fatalf("dry run: %+v, %v", r, err)
	}
	if got, _ := os.ReadFile(w.Commands()); !bytes.Equal(got, before) {
		t.Error("a dry run changed the commands file")
	}

	// version's error ends it.
	if _, err := w.ReplaceFeature("clear", func(*feature.Base) (*feature.Spec, error) { return nil, no }, ok, false); !errors.Is(err, no) {
		t.Errorf("version's error: %v", err)
	}
	// Replace's refusals come back.
	if _, err := w.ReplaceFeature("echo", smallerClear, ok, false); err == nil {
		t.Error("replacing a feature that is not installed worked")
	}

	// Proven: the commands file and the image are the new build.
	r, err = w.ReplaceFeature("clear", smallerClear, ok, false)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(w.Commands())
	if !bytes.Equal(got, r.Next.Src) || !regexp.MustCompile(`COMMENT feature clear at 0x[0-9A-F]{4}-0x[0-9A-F]{4} \(34 bytes\)`).Match(got) {
		t.Errorf("the commands file is not the new build:\n%s", got)
	}
	if im, err := os.ReadFile(r.Image); err != nil || !bytes.Equal(im, r.Next.Image.Floppy) {
		t.Errorf("the image is not the new build: %v", err)
	}
}
