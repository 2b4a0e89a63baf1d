package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/scenario"
	"github.com/pxos-dev/pxos/internal/wslock"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Suite returns the scenario files of build b's regression suite in the
// scenario directory dir, sorted: the base scenarios and the kept
// scenarios of the features b holds. A kept scenario of a feature b does
// not hold (scenarios/feature_NAME.txt left by a checkout of the commands
// file alone, say) is no test of b: it is returned in orphans instead.
func Suite(dir string, b *feature.Base) (paths, orphans []string, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if name, ok := KeptFeature(e.Name()); ok && !b.Present(name) {
			orphans = append(orphans, p)
			continue
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	sort.Strings(orphans)
	return paths, orphans, nil
}

// KeptFeature returns the feature whose kept scenario the file called
// name is: scenarios/feature_NAME.txt, its acceptance scenario, or
// scenarios/feature_NAME.TEST.txt, a test generated for it (pxos gen
// --tests; feature names hold no dot).
func KeptFeature(name string) (string, bool) {
	f, ok := strings.CutPrefix(strings.TrimSuffix(name, ".txt"), feature.MarkerPrefix)
	f, _, _ = strings.Cut(f, ".")
	return f, ok && f != "" && strings.HasSuffix(name, ".txt")
}

// KeptTest returns the path of the generated test called test of feature
// name in the scenario directory dir: scenarios/feature_NAME.TEST.txt.
func KeptTest(dir, name, test string) string {
	return filepath.Join(dir, feature.MarkerPrefix+name+"."+test+".txt")
}

// Kept returns the path and content of the kept scenario of feature spec
// in the scenario directory dir: scenarios/feature_NAME.txt, the feature's
// acceptance scenario under a comment naming it, its goal and by, the
// command that kept it ("pxos auto"). The regression suite runs it where
// the feature is installed (Suite). The default prompt written literally
// in a text to look for becomes {prompt} (scenario.PromptTexts), so the
// scenario still holds after a later feature changes the prompt.
func Kept(dir string, spec *feature.Spec, by string) (string, []byte) {
	path, data := KeptAsIs(dir, spec, by)
	header, _, _ := bytes.Cut(data, []byte("\n"))
	return path, append(append(header, '\n'), scenario.PromptTexts(spec.Scenario, scenario.DefaultPrompt)...)
}

// KeptAsIs is Kept with the scenario as the feature has it.
func KeptAsIs(dir string, spec *feature.Spec, by string) (string, []byte) {
	header := fmt.Sprintf("# Acceptance scenario of feature %s (%s), kept by %s as a regression test.\n", spec.Name, strings.Join(strings.Fields(spec.Goal), " "), by)
	return filepath.Join(dir, feature.MarkerPrefix+spec.Name+".txt"), append([]byte(header), spec.Scenario...)
}

// Build reads and builds the workspace's commands file.
func (w *Workspace) Build() (*feature.Base, error) {
	src, err := os.ReadFile(w.Commands())
	if err != nil {
		return nil, err
	}
	return feature.NewBase(w.Commands(), src)
}

// Reset is what Reset did.
type Reset struct {
	Removed   []string // the features whose blocks were dropped, in file order
	Scenarios []string // the kept scenarios deleted
	Networks  []string // the network files deleted (forget)
	Image     string   // the image written: the base's build
	// Edited is set when the base kept is not the one inside pxos (edited
	// by hand, or another version): Shipped puts that one back.
	Edited bool
}

// ResetOptions say how far Reset goes.
type ResetOptions struct {
	Forget  bool // also delete the workspace's networks
	Shipped bool // put back the base inside pxos (every file of pxos-v1.0/ it ships), not the workspace's own
}

// Reset takes the workspace back to its base: the commands file loses its
// feature blocks (pxosv1.BaseOf: what comes before the first one, so a
// workspace keeps its own base; with o.Shipped, the base inside pxos and
// every other file of pxos-v1.0/ it ships), the kept scenarios of the
// features go, and the image becomes the base's build. The commands file
// need not build: a hand edit that broke it is what a reset is for. With
// o.Forget, the workspace's pixel networks are deleted too (everything
// learned); without, they stay, and pxos auto can bring the features back
// from them with no model call.
//
// It holds the workspace's writer lock (a *wslock.HeldError when another
// pxos holds it). The commands file, the image and the shipped files are
// replaced together (atomicfile.WriteAll) before anything is deleted: a
// failure leaves the workspace as it was, and a kept scenario left behind
// by a crash after that is no part of the suite (Suite).
func (w *Workspace) Reset(o ResetOptions) (*Reset, error) {
	lock, err := wslock.Acquire(w.Dir())
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	src, err := os.ReadFile(w.Commands())
	if err != nil {
		return nil, err
	}
	shipped, err := fs.ReadFile(pxosv1.FS, pxosv1.CommandsFile)
	if err != nil {
		return nil, err
	}
	baseSrc := pxosv1.BaseOf(src)
	if o.Shipped {
		baseSrc = shipped
	}
	base, err := feature.NewBase(w.Commands(), baseSrc)
	if err != nil {
		return nil, fmt.Errorf("the base in %s does not build, so there is nothing to go back to (pxos reset --shipped puts back the base inside pxos): %w", w.Commands(), err)
	}
	for _, slot := range feature.CoreSlots {
		if _, ok := base.Image.Program.Symbols[slot]; !ok {
			return nil, fmt.Errorf("the base in %s is no pxOS (it defines no %s), so there is nothing to go back to: pxos reset --shipped puts back the base inside pxos", w.Commands(), slot)
		}
	}
	r := &Reset{Image: w.Path(Image), Edited: !bytes.Equal(baseSrc, shipped)}
	for _, bl := range feature.Blocks(src) {
		r.Removed = append(r.Removed, bl.Name)
	}
	files := []atomicfile.File{
		{Path: w.Commands(), Data: base.Src},
		{Path: r.Image, Data: base.Image.Floppy, NoSync: true},
	}
	if o.Shipped {
		err := fs.WalkDir(pxosv1.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || p == pxosv1.CommandsFile {
				return err
			}
			data, err := fs.ReadFile(pxosv1.FS, p)
			files = append(files, atomicfile.File{Path: filepath.Join(w.Dir(), filepath.FromSlash(p)), Data: data})
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	if err := atomicfile.WriteAll(0o644, files...); err != nil {
		return nil, err
	}
	_, kept, err := Suite(w.Scenarios(), base)
	if err != nil {
		return r, err
	}
	for _, p := range kept {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return r, err
		}
		r.Scenarios = append(r.Scenarios, p)
	}
	if o.Forget {
		r.Networks, err = w.removeNetworks()
	}
	return r, err
}

// removeNetworks deletes the segments of the workspace's networks
// (NAME.png, NAME.1.png, …) and returns their paths.
func (w *Workspace) removeNetworks() ([]string, error) {
	var gone []string
	dir := w.Path(NetworkDir)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, name := range Networks {
		seg := regexp.MustCompile(`^` + regexp.QuoteMeta(strings.TrimSuffix(name, ".png")) + `(\.\d+)?\.png$`)
		for _, e := range ents {
			if !seg.MatchString(e.Name()) {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				return gone, fmt.Errorf("forgetting %s: %w", p, err)
			}
			gone = append(gone, p)
		}
	}
	return gone, nil
}
