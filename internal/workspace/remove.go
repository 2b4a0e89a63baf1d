package workspace

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/wslock"
)

// Removal is what RemoveFeature did.
type Removal struct {
	Name     string   // the feature removed
	Again    []string // the features after it, installed again (feature.Base.Remove)
	Suite    []string // the scenario files the smaller build passed
	Scenario string   // its kept scenario, deleted ("" when it had none)
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
	lock, err := wslock.Acquire(w.Dir())
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	cur, err := w.Build()
	if err != nil {
		return nil, err
	}
	next, again, err := cur.Remove(name, requires)
	if err != nil {
		return nil, err
	}
	suite, _, err := Suite(w.Scenarios(), next)
	if err != nil {
		return nil, err
	}
	if err := prove(cur, next, suite); err != nil {
		return nil, err
	}
	r := &Removal{Name: name, Again: again, Suite: suite, Image: w.Path(Image)}
	err = atomicfile.WriteAll(0o644,
		atomicfile.File{Path: w.Commands(), Data: next.Src},
		atomicfile.File{Path: r.Image, Data: next.Image.Floppy, NoSync: true})
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
	}
	return r, nil
}
