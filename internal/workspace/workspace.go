// Package workspace finds pxOS workspaces and makes new ones.
//
// A workspace is a directory that holds pxos-v1.0/pxos_commands.txt — the
// seed's layout, so a clone of the pxos repository is one — and what pxos
// keeps beside it:
//
//	pxos-v1.0/         the pxOS directory: pxos_commands.txt (grown by pxos
//	                   auto), the API page README.md, pxos.asm, scenarios/
//	                   (the regression suite; scenarios/feature_NAME.txt is
//	                   the kept scenario of feature NAME), features/
//	pxos.img           the current build as a 1.44 MB floppy image
//	reports/           one folder per pxos auto run, with index.html
//	pxvm/networks/     the pixel networks (pxos_autobuild.png for the loop,
//	                   learning_network.png for the bridge)
//
// Every command finds the workspace it runs in as git finds a repository:
// in the current directory, else in the nearest parent that is one. Init
// makes a workspace anywhere from the base inside the binary (package
// pxosv1). The package owns the layout; it does not build, run or grow
// pxOS.
package workspace

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// Names of the workspace's parts, relative to its root.
const (
	PxosDir    = "pxos-v1.0"            // the pxOS directory
	Image      = "pxos.img"             // the current build
	Reports    = "reports"              // one folder per pxos auto run
	NetworkDir = "pxvm/networks"        // the pixel networks
	Autobuild  = "pxos_autobuild.png"   // the network of pxos auto and pxos gen
	Learning   = "learning_network.png" // the network of pxos bridge
	Dev        = "pxos_dev.png"         // the seed's third network
	commands   = PxosDir + "/pxos_commands.txt"
)

// Networks are the names of the workspace's networks, the seed's three.
var Networks = []string{Autobuild, Dev, Learning}

// Workspace is a workspace found on disk.
type Workspace struct {
	// Root is the workspace's directory. Find gives it relative to the
	// directory it started from when that lies inside the workspace ("."
	// or "..", "../.." …), so the paths pxos prints are the ones a user
	// would type.
	Root string
	// Pxos is the pxOS directory when it is not Root/pxos-v1.0 (At); ""
	// for that one.
	Pxos string
}

// At returns the workspace of an explicitly named pxOS directory (a
// --pxos-dir): its root is the directory's parent, where the image,
// reports and networks go.
func At(pxosDir string) *Workspace {
	return &Workspace{Root: filepath.Dir(filepath.Clean(pxosDir)), Pxos: pxosDir}
}

// NotFoundError says that no workspace holds a directory.
type NotFoundError struct {
	Dir string // the directory the search started from, absolute
	// Stray is the nearest pxos-v1.0 directory on the way that holds no
	// commands file (a workspace whose file was lost), "" for none.
	Stray string
}

func (e *NotFoundError) Error() string {
	if e.Stray != "" {
		return fmt.Sprintf("no pxOS workspace in %s or any parent: %s has no pxos_commands.txt (deleted or moved?); pxos init --force %s puts the base inside pxos back into it", e.Dir, e.Stray, filepath.Dir(e.Stray))
	}
	return fmt.Sprintf("no pxOS workspace in %s or any parent (none holds %s): run `pxos init` to make one here, or `pxos auto`, which makes one on first use", e.Dir, commands)
}

// Find returns the workspace holding dir: dir itself, or the nearest parent
// holding pxos-v1.0/pxos_commands.txt. Its error is a *NotFoundError when
// there is none.
func Find(dir string) (*Workspace, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("finding the workspace: %w", err)
	}
	stray := ""
	for d := abs; ; {
		if st, err := os.Stat(filepath.Join(d, PxosDir)); stray == "" && err == nil && st.IsDir() && !Is(d) {
			stray = filepath.Join(d, PxosDir)
		}
		if Is(d) {
			rel, err := filepath.Rel(abs, d)
			if err != nil {
				rel = d
			}
			return &Workspace{Root: filepath.Join(dir, rel)}, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return nil, &NotFoundError{Dir: abs, Stray: stray}
		}
		d = parent
	}
}

// Is reports whether dir is the root of a workspace.
func Is(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(commands)))
	return err == nil && st.Mode().IsRegular()
}

// Path returns a part of w (one of the names above, slash-separated) as a
// path.
func (w *Workspace) Path(name string) string {
	return filepath.Join(w.Root, filepath.FromSlash(name))
}

// Dir is the pxOS directory: pxos_commands.txt, its API page, scenarios/.
func (w *Workspace) Dir() string {
	if w.Pxos != "" {
		return w.Pxos
	}
	return w.Path(PxosDir)
}

// Commands is the commands file, pxos-v1.0/pxos_commands.txt.
func (w *Workspace) Commands() string { return filepath.Join(w.Dir(), pxosv1.CommandsFile) }

// Scenarios is the directory of the regression suite.
func (w *Workspace) Scenarios() string { return filepath.Join(w.Dir(), pxosv1.ScenarioDir) }

// Network returns the path of the network called name (Autobuild, Learning,
// Dev).
func (w *Workspace) Network(name string) string { return w.Path(NetworkDir + "/" + name) }

// ExistsError says that Init was asked to make a workspace where one is.
type ExistsError struct{ Dir string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("%s is already a pxOS workspace (it holds %s): `pxos reset` takes it back to the base", e.Dir, commands)
}

// Init makes dir (created when missing) a workspace: it writes the base
// pxOS v1.0 inside the binary (pxosv1.FS) to dir/pxos-v1.0 and returns the
// workspace and the number of files written. The files go to a temporary
// directory first, renamed into place when all were written, so a failure
// leaves no half-made workspace; when another pxos made the workspace
// meanwhile, that one is returned (0 files written).
//
// It refuses (*ExistsError) a dir that is a workspace already. Without
// force it also refuses a dir/pxos-v1.0 that exists without a commands file
// (with force the shipped files are written into it, replacing those of the
// same names: the way back for a workspace whose commands file was lost),
// and a dir inside another workspace (*NestedError: the new one would take
// over every command run below it).
func Init(dir string, force bool) (*Workspace, int, error) {
	if Is(dir) {
		return nil, 0, &ExistsError{Dir: dir}
	}
	target := filepath.Join(dir, PxosDir)
	if _, err := os.Lstat(target); err == nil {
		if !force {
			return nil, 0, fmt.Errorf("%s exists but holds no pxos_commands.txt: pxos init --force writes the shipped base into it (files of the same names are replaced), or move it away", target)
		}
		n, err := Export(target)
		return &Workspace{Root: dir}, n, err
	}
	if !force {
		if outer, err := Find(dir); err == nil {
			return nil, 0, &NestedError{Dir: dir, Outer: outer.Root}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	tmp, err := os.MkdirTemp(dir, ".pxos-init-")
	if err != nil {
		return nil, 0, err
	}
	defer os.RemoveAll(tmp)
	n, err := Export(tmp)
	if err != nil {
		return nil, 0, err
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp makes it 0700
		return nil, 0, err
	}
	if err := os.Rename(tmp, target); err != nil {
		if Is(dir) { // another pxos made it meanwhile: use that one
			return &Workspace{Root: dir}, 0, nil
		}
		return nil, 0, err
	}
	return &Workspace{Root: dir}, n, nil
}

// NestedError is Init's refusal of a directory inside another workspace.
type NestedError struct{ Dir, Outer string }

func (e *NestedError) Error() string {
	return fmt.Sprintf("%s is inside the workspace %s: a workspace here would take over every pxos command run below it; pxos init --force makes it anyway", e.Dir, e.Outer)
}

// Export writes the base pxOS v1.0 inside the binary (source, primitives,
// API page, base scenarios, default features) to dir and returns how many
// files it wrote. Existing files of the same names are replaced.
func Export(dir string) (int, error) {
	n := 0
	err := fs.WalkDir(pxosv1.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := pxosv1.FS.ReadFile(p)
		if err != nil {
			return err
		}
		n++
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		return n, fmt.Errorf("writing the base to %s: %w", dir, err)
	}
	return n, nil
}

// Differing returns the files of the base inside the binary that exist in
// dir with other content (a grown commands file, a project's README.md):
// what Export would write over.
func Differing(dir string) ([]string, error) {
	var out []string
	err := fs.WalkDir(pxosv1.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(p))
		have, err := os.ReadFile(target)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		want, _ := pxosv1.FS.ReadFile(p)
		if err != nil || !bytes.Equal(have, want) {
			out = append(out, target)
		}
		return nil
	})
	return out, err
}

// IsNotFound reports whether err says that no workspace was found.
func IsNotFound(err error) bool {
	var nf *NotFoundError
	return errors.As(err, &nf)
}
