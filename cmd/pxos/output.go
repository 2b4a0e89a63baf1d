package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// stdoutPath is the output path that means standard output, as for cat,
// tar and curl: `pxos build -o - | dd of=/dev/sdX`.
const stdoutPath = "-"

// stdoutHelp ends the help text of every output flag that accepts "-".
const stdoutHelp = "; - is standard output"

// outputFile is one file a command writes: Path, or standard output when
// Path is "-". Its content is Data, or what Write writes.
type outputFile struct {
	Path   string
	Data   []byte
	Write  func(io.Writer) error
	NoSync bool // see atomicfile.File
	// Primitives marks an output in the primitive language (pxos asm -o,
	// pxos gen --output); Force lets one replace a grown commands file
	// (see checkOverwrite).
	Primitives, Force bool
	// CanForce says the command has a --force flag to name in a refusal.
	CanForce bool
	// Grows marks a file of the workspace's pxOS directory written by the
	// command that grows it (feature install): exempt from checkOutput's
	// protection of that directory.
	Grows bool
}

// summaryTo checks a command's output paths ("" for one it does not write)
// and returns where its summary goes: stderr when one of them is "-", so
// that stdout carries the data alone, else stdout. More than one "-" is a
// usage error: their data would be mixed.
func summaryTo(e *env, paths ...string) (io.Writer, error) {
	n := 0
	for _, p := range paths {
		if p == stdoutPath {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, usagef("at most one output may be - (standard output); %d are", n)
	case n == 1:
		return e.stderr, nil
	}
	return e.stdout, nil
}

// outputName is how a summary names an output path.
func outputName(p string) string {
	if p == stdoutPath {
		return "<stdout>"
	}
	return p
}

// writeOutputs writes outs with permissions 0644: the files with
// atomicfile.WriteAll, all or nothing (a device or a FIFO is written in
// place), then the one "-" to stdout. Its content is made in memory first
// and written last, so standard output gets data only when every file was
// written.
func writeOutputs(e *env, outs ...outputFile) error {
	for _, o := range outs {
		if o.Grows {
			continue
		}
		if err := checkOutput(o.Path, o.Primitives, o.Force, o.CanForce); err != nil {
			return err
		}
	}
	var files []atomicfile.File
	var stream *outputFile
	for i := range outs {
		o := &outs[i]
		if o.Path == stdoutPath {
			stream = o
			continue
		}
		fl := atomicfile.File{Path: o.Path, Data: o.Data, NoSync: o.NoSync}
		if o.Write != nil {
			fl.Fill = func(f *os.File) error { return o.Write(f) }
		}
		files = append(files, fl)
	}
	var data []byte
	if stream != nil {
		data = stream.Data
		if stream.Write != nil {
			var b bytes.Buffer
			if err := stream.Write(&b); err != nil {
				return err
			}
			data = b.Bytes()
		}
	}
	if err := atomicfile.WriteAll(0o644, files...); err != nil {
		return err
	}
	if stream == nil {
		return nil
	}
	_, err := e.stdout.Write(data)
	return err
}

// checkOutput checks a path given for an output before anything is
// written: its directory must exist (a mistyped path is an error, not a new
// tree of directories); a file of a workspace's pxOS directory (pxos-v1.0/:
// its commands file, API page, source, scenarios, features) is written only
// by the commands that grow pxOS — an output of the primitive language may
// go to its commands file, subject to checkOverwrite; and checkOverwrite.
func checkOutput(path string, primitives, force, canForce bool) error {
	if path == "" || path == stdoutPath {
		return nil
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist (pxos makes no directories for an output path)", path, dir)
	}
	if pdir, ok := inPxosDir(path); ok && !(primitives && filepath.Base(path) == pxosv1.CommandsFile) {
		return fmt.Errorf("%s is in the pxOS directory %s, whose files only the commands that grow pxOS write; write elsewhere", path, pdir)
	}
	return checkOverwrite(path, primitives, force, canForce)
}

// inPxosDir returns the pxOS directory of a workspace (its pxos-v1.0/) that
// path lies in, symbolic links resolved, when it lies in one.
func inPxosDir(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r // the file itself, through a link
	} else if r, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(r, filepath.Base(abs)) // a new file in a linked directory
	}
	w, err := workspace.Find(filepath.Dir(abs))
	if err != nil {
		return "", false
	}
	dir, err := filepath.Abs(w.Dir())
	if err != nil {
		return "", false
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return dir, true
}

// checkOverwrite refuses an output that would destroy a commands file: an
// existing regular file at path that holds feature blocks (a grown pxOS,
// `pxos auto`'s work), unless force and the output is primitives too; and
// a file in the primitive language (WRITE or DEFINE lines) that an image,
// listing or other non-primitives output would replace. A path that does
// not exist, "-", a device or a FIFO (never read) is fine.
func checkOverwrite(path string, primitives, force, canForce bool) error {
	if path == "" || path == stdoutPath {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxCommandsCheck {
		return nil
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if blocks := feature.Blocks(src); len(blocks) > 0 && !(primitives && force) {
		names := make([]string, len(blocks))
		for i, b := range blocks {
			names[i] = b.Name
		}
		how := "write elsewhere"
		if primitives && canForce {
			how += ", or give --force"
		}
		return fmt.Errorf("%s holds %d feature block%s (%s) of a grown pxOS that this output would overwrite; %s",
			path, len(blocks), plural(len(blocks)), strings.Join(names, ", "), how)
	}
	if !primitives && isPrimitives(src) {
		return fmt.Errorf("%s is a primitives file (WRITE/DEFINE lines), which this output would overwrite; write elsewhere", path)
	}
	return nil
}

// maxCommandsCheck is the largest file checkOverwrite reads: the largest
// primitives file pxos build accepts.
const maxCommandsCheck = 64 << 20

// isPrimitives reports whether src reads as the primitive language: text
// whose first statement is a WRITE or DEFINE (after comments and blank
// lines).
func isPrimitives(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") || strings.EqualFold(f[0], "COMMENT") {
			continue
		}
		return strings.EqualFold(f[0], "WRITE") || strings.EqualFold(f[0], "DEFINE")
	}
	return false
}
