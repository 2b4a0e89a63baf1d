// Package atomicfile writes files so that a reader (or a crash) sees either
// the old content or the whole new content, never a part: the data goes to a
// temporary file in the same directory, is synced, and is renamed over the
// target. On any error the temporary file is removed and the target is
// untouched.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFile writes data to path atomically with permissions perm, creating
// parent directories as needed.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// Write creates a temporary file beside path, lets fill write it, then syncs
// and renames it over path. When fill fails nothing is left behind.
func Write(path string, perm os.FileMode, fill func(*os.File) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	return nil
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
func WriteAll(perm os.FileMode, files ...File) (err error) {
	tmps := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
	}()
	for _, fl := range files {
		dir := filepath.Dir(fl.Path)
		if err = os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		var f *os.File
		if f, err = os.CreateTemp(dir, "."+filepath.Base(fl.Path)+".tmp*"); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
		tmps = append(tmps, f.Name())
		if fl.Fill != nil {
			err = fl.Fill(f)
		} else {
			_, err = f.Write(fl.Data)
		}
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
			return fmt.Errorf("atomicfile: %s: %w", fl.Path, err)
		}
	}
	for i, fl := range files {
		if err = os.Rename(tmps[i], fl.Path); err != nil {
			return fmt.Errorf("atomicfile: %w", err)
		}
	}
	return nil
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
