package workspace

import (
	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/wslock"
)

// Replacement is what ReplaceFeature did.
type Replacement struct {
	Name string        // the feature replaced
	Cur  *feature.Base // the build before
	Next *feature.Base // the build with the new version (feature.Base.Replace)
	// Suite is the scenario files of the new build's regression suite,
	// which prove passed: the feature's kept scenario among them.
	Suite []string
	Image string // the image written; "" on a dry run
}

// ReplaceFeature puts a new version of the feature called name in its
// place in the workspace's commands file. version makes the new version
// from the current build; feature.Base.Replace installs it (its refusals
// are returned: not installed, other hooks, no room, a later block that
// does not install again). prove gets the current build, the new one and
// the scenario files of the new build's regression suite (the feature's
// own kept scenario among them: the feature stays); a non-nil error
// refuses the replacement. Only then, unless dryRun, the commands file and
// the image are written together (atomicfile.WriteAll). It holds the
// workspace's writer lock throughout, so the build version starts from is
// the file it replaces.
func (w *Workspace) ReplaceFeature(name string, version func(cur *feature.Base) (*feature.Spec, error), prove func(cur, next *feature.Base, suite []string) error, dryRun bool) (*Replacement, error) {
	r := &Replacement{Name: name}
	err := w.change(func(cur *feature.Base) (*feature.Base, error) {
		spec, err := version(cur)
		if err != nil {
			return nil, err
		}
		return cur.Replace(name, spec)
	}, prove, dryRun, func(cur, next *feature.Base, suite []string, img string) {
		r.Cur, r.Next, r.Suite, r.Image = cur, next, suite, img
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// change makes the workspace's next build from its current one with
// build, under the writer lock, proves it and commits it (see commit), and
// tells done what it did. RemoveFeature and ReplaceFeature are this.
func (w *Workspace) change(build func(cur *feature.Base) (*feature.Base, error), prove func(cur, next *feature.Base, suite []string) error, dryRun bool,
	done func(cur, next *feature.Base, suite []string, img string)) error {
	lock, err := wslock.Acquire(w.Dir())
	if err != nil {
		return err
	}
	defer lock.Release()
	cur, err := w.Build()
	if err != nil {
		return err
	}
	next, err := build(cur)
	if err != nil {
		return err
	}
	suite, img, err := w.commit(cur, next, prove, dryRun)
	if err != nil {
		return err
	}
	done(cur, next, suite, img)
	return nil
}

// commit proves next, the build that is to follow cur, with prove, given
// the scenario files of next's regression suite, and then, unless dryRun,
// writes it as the workspace's commands file and image together
// (atomicfile.WriteAll). It returns the suite and the image it wrote (""
// on a dry run). The caller holds the lock.
func (w *Workspace) commit(cur, next *feature.Base, prove func(cur, next *feature.Base, suite []string) error, dryRun bool) ([]string, string, error) {
	suite, _, err := Suite(w.Scenarios(), next)
	if err != nil {
		return nil, "", err
	}
	if err := prove(cur, next, suite); err != nil {
		return nil, "", err
	}
	if dryRun {
		return suite, "", nil
	}
	img := w.Path(Image)
	err = atomicfile.WriteAll(0o644,
		atomicfile.File{Path: w.Commands(), Data: next.Src},
		atomicfile.File{Path: img, Data: next.Image.Floppy, NoSync: true})
	if err != nil {
		return nil, "", err
	}
	return suite, img, nil
}
