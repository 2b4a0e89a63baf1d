package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/feature"
)

// Removal is what RemoveFeature did.
type Removal struct {
	Name     string   // the feature removed
	Again    []string // the features after it, installed again (feature.Base.Remove)
	Suite    []string // the scenario files the smaller build passed
	Scenario string   // its kept scenario, deleted ("" when it had none)
	Tests    []string // its generated tests (feature_NAME.TEST.txt), deleted
	Image    string   // the image written: the new build
}

// RemoveFeature takes the feature called name out of the workspace's
// commands file (feature.Base.Remove, whose refusals it returns: not
// installed, required by another feature, code another feature uses),
// proves the smaller build with prove — given the build and the scenario
// files of its regression suite, the removed feature's own left out; a
// non-nil error refuses the removal — and only then writes the commands
// file and the image together (atomicfile.WriteAll) and deletes the
// feature's kept scenario. prove gets the current build too, to tell a
// failure the removal causes from one that was there before it. requires
// gives the requirements of a block that does not record them. It holds
// the workspace's writer lock.
func (w *Workspace) RemoveFeature(name string, requires func(string) []string, prove func(cur, next *feature.Base, suite []string) error) (*Removal, error) {
	r := &Removal{Name: name}
	err := w.change(func(cur *feature.Base) (next *feature.Base, err error) {
		next, r.Again, err = cur.Remove(name, requires)
		return next, err
	}, prove, false, func(_, _ *feature.Base, suite []string, img string) { r.Suite, r.Image = suite, img })
	if err != nil {
		return nil, err
	}
	kept := filepath.Join(w.Scenarios(), feature.MarkerPrefix+name+".txt")
	if err := os.Remove(kept); err == nil {
		r.Scenario = kept
	} else if !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	// Its generated tests (feature_NAME.TEST.txt) go with it.
	tests, _ := filepath.Glob(filepath.Join(w.Scenarios(), feature.MarkerPrefix+name+".*.txt"))
	for _, p := range tests {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return r, err
		}
		r.Tests = append(r.Tests, p)
	}
	return r, nil
}
