package gen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/feature"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Workspace is a pxOS directory on disk: its commands file and API page.
type Workspace struct {
	Dir      string
	Commands string // path of pxos_commands.txt
	API      string // the API page (the directory's README.md, else the shipped one)
}

// OpenWorkspace finds pxos_commands.txt in dir.
func OpenWorkspace(dir string) (*Workspace, error) {
	w := &Workspace{Dir: dir, Commands: filepath.Join(dir, pxosv1.CommandsFile)}
	if _, err := os.Stat(w.Commands); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s does not exist: --pxos-dir names the directory that holds pxos_commands.txt (leave it out to use the workspace you are in; pxos init makes one)", w.Commands)
		}
		return nil, err
	}
	api, err := os.ReadFile(filepath.Join(dir, pxosv1.APIFile))
	if err != nil {
		api, _ = fs.ReadFile(pxosv1.FS, pxosv1.APIFile)
	}
	w.API = string(api)
	return w, nil
}

// Base reads and builds the current commands file.
func (w *Workspace) Base() (*feature.Base, error) {
	src, err := os.ReadFile(w.Commands)
	if err != nil {
		return nil, err
	}
	return feature.NewBase(w.Commands, src)
}
