// Package atomicfile writes files so that a reader (or a crash) sees either
// the old content or the whole new content, never a part: the data goes to a
// temporary file in the same directory, is synced, and is renamed over the
// target. On any error the temporary file is removed and the target is
// untouched.
//
// A path is resolved as open(2) resolves it, through symbolic links (os.Stat,
// not os.Lstat), and what it names decides how it is written:
//
//   - nothing, or a regular file: temporary file and rename, as above. A
//     symbolic link to a regular file stays a link: the temporary goes beside
//     the file it names, which is replaced. A dangling link is replaced by
//     the new file.
//   - anything else that exists (a character or block device such as
//     /dev/null, a FIFO, a socket): written in place, as `cat > PATH` would.
//     It is opened for writing, without O_TRUNC, and nothing is created,
//     renamed, chmod-ed or synced: renaming a temporary over /dev/null would
//     turn it into a regular file (issue 16, item 4). Opening a FIFO blocks
//     until a reader opens it; a socket cannot be opened and is an error.
//     Such a write is not atomic: on an error the target may have received
//     part of the data.
//   - a directory: an error ("PATH is a directory"); nothing is written.
//
// This package does not own the "-" (standard output) convention of the
// command line: that is cmd/pxos's.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFile writes data to path atomically with permissions perm, creating
// parent directories as needed. A path that names a device or a FIFO is
// written in place (see the package comment); perm is then not applied.
// Errors start with "atomicfile:" and name path.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// Write creates a temporary file beside path, lets fill write it, then syncs
// and renames it over path. When fill fails nothing is left behind and the
// target is untouched; the error wraps fill's. A path that names a device or
// a FIFO is opened for writing and given to fill instead (see the package
// comment): fill must then not rely on f being a regular file (Truncate and
// Seek fail on a FIFO).
func Write(path string, perm os.FileMode, fill func(*os.File) error) error {
	return WriteAll(perm, File{Path: path, Fill: fill})
}

// File is one file for WriteAll: its content is Data, or what Fill writes.
type File struct {
	Path string
	Data []byte
	Fill func(*os.File) error
	// NoSync skips the fsync before the rename: the file is still replaced
	// atomically, but a power cut may leave it empty. Right for outputs that
	// are rebuilt from their source (images, listings); wrong for sources.
	NoSync bool
}

// WriteAll writes every file to a temporary beside it first and renames them
// into place only when all were written, so a failure leaves every target as
// it was and no temporary behind.
//
// Targets that name a device or a FIFO (see the package comment) are written
// in place, in their order in files, after every temporary is written and
// closed and before any rename: a failure while a temporary is written
// leaves the devices unwritten, and a failure while a device is written
// leaves the regular targets as they were (that device may have received
// part of its data). Errors start with "atomicfile:" and name the path.
func WriteAll(perm os.FileMode, files ...File) (err error) {
	type job struct {
		File
		name    string // what is renamed over: Path with its symbolic links resolved
		inPlace bool
		tmp     string
	}
	jobs := make([]job, len(files))
	defer func() {
		if err != nil {
			for _, j := range jobs {
				if j.tmp != "" {
					os.Remove(j.tmp)
				}
			}
		}
	}()
	for i, fl := range files {
		j := &jobs[i]
		j.File = fl
		if j.name, j.inPlace, err = resolve(fl.Path); err != nil {
			return err
		}
		if j.inPlace {
			continue
		}
		dir := filepath.Dir(j.name)
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		var f *os.File
		if f, err = os.CreateTemp(dir, "."+filepath.Base(j.name)+".tmp*"); err != nil {
			return fmt.Errorf("cannot write %s: %w", fl.Path, cause(err))
		}
		j.tmp = f.Name()
		err = fill(f, fl)
		if err == nil {
			err = f.Chmod(perm)
		}
		if err == nil && !fl.NoSync {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", fl.Path, err)
		}
	}
	for _, j := range jobs {
		if !j.inPlace {
			continue
		}
		var f *os.File
		if f, err = os.OpenFile(j.name, os.O_WRONLY, 0); err != nil {
			return err
		}
		err = fill(f, j.File)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", j.Path, err)
		}
	}
	for i := range jobs {
		j := &jobs[i]
		if j.inPlace {
			continue
		}
		if err = os.Rename(j.tmp, j.name); err != nil {
			return fmt.Errorf("cannot write %s: %w", j.Path, cause(err))
		}
		j.tmp = ""
	}
	return nil
}

// fill writes fl's content to f.
func fill(f *os.File, fl File) error {
	if fl.Fill != nil {
		return fl.Fill(f)
	}
	_, err := f.Write(fl.Data)
	return err
}

// resolve says where path's content goes: name is path, or the regular file
// a symbolic link at path names; inPlace is true when path names an
// existing file that is neither regular nor a directory (a device, a FIFO,
// a socket), which must be written where it is rather than replaced. A
// directory is an error.
func resolve(path string) (name string, inPlace bool, err error) {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, false, nil // a new file, or a dangling link replaced
	case err != nil:
		return "", false, err
	case fi.IsDir():
		return "", false, fmt.Errorf("%s is a directory", path)
	case !fi.Mode().IsRegular():
		return path, true, nil
	}
	if li, err := os.Lstat(path); err != nil || li.Mode()&fs.ModeSymlink == 0 {
		return path, false, err
	}
	name, err = filepath.EvalSymlinks(path)
	return name, false, err
}

// StaleAge is how old a temporary file of Write must be to count as left
// behind by a killed process: a write takes milliseconds.
const StaleAge = 10 * time.Minute

// CleanStale removes the temporary files Write leaves beside path when the
// process is killed mid-write (".NAME.tmp…") that are older than age, and
// returns their names.
func CleanStale(path string, age time.Duration) []string {
	dir, base := filepath.Dir(path), filepath.Base(path)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), "."+base+".tmp") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < age {
			continue
		}
		if os.Remove(filepath.Join(dir, e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}

// CleanStaleDir is CleanStale for every file Write may have left in dir
// (".NAME.tmp…", whatever NAME), older than age.
func CleanStaleDir(dir string, age time.Duration) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if e.IsDir() || !strings.HasPrefix(e.Name(), ".") || !strings.Contains(e.Name(), ".tmp") {
			continue
		}
		removed = append(removed, CleanStale(filepath.Join(dir, strings.SplitN(strings.TrimPrefix(e.Name(), "."), ".tmp", 2)[0]), age)...)
	}
	return removed
}

// cause is err without the file it names when that is a temporary (an
// *fs.PathError): what a person can act on is the target and the reason.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
