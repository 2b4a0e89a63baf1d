package gen

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/wslock"
)

// ErrChanged is returned (wrapped) when the commands file on disk is no
// longer the one a run built on: someone else wrote it meanwhile, and
// writing over it would lose their work.
var ErrChanged = errors.New("changed on disk since this run read it; nothing was written — run again")

// Lock takes the workspace's writer lock (package wslock): a command that
// will replace the commands file takes it before it reads the file and
// releases it after its last write. Another pxos holding it is a
// *wslock.HeldError naming the directory and its pid.
func (w *Workspace) Lock() (*wslock.Lock, error) { return wslock.Acquire(w.Dir) }

// CheckUnchanged re-reads the commands file and returns an error wrapping
// ErrChanged unless it holds exactly base: the source the caller built on
// and is about to replace.
func (w *Workspace) CheckUnchanged(base []byte) error {
	src, err := os.ReadFile(w.Commands)
	if err != nil {
		return err
	}
	if !bytes.Equal(src, base) {
		return fmt.Errorf("%s %w", w.Commands, ErrChanged)
	}
	return nil
}

// Append appends block to the commands file, atomically, when the file on
// disk still holds exactly base.Src (else ErrChanged) and the block
// overlaps nothing in it (feature.Base.Extend). The caller holds the lock.
func (w *Workspace) Append(base *feature.Base, block []byte) (*feature.Base, error) {
	if err := w.CheckUnchanged(base.Src); err != nil {
		return nil, err
	}
	next, err := base.Extend(block)
	if err != nil {
		return nil, fmt.Errorf("nothing was written: %w", err)
	}
	if err := atomicfile.WriteFile(w.Commands, next.Src, 0o644); err != nil {
		return nil, err
	}
	return next, nil
}
