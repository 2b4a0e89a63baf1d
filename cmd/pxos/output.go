package main

import (
	"bytes"
	"io"
	"os"

	"github.com/pxos-dev/pxos/internal/atomicfile"
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
}

// summaryTo checks a command's output paths ("" for one it does not write)
// and returns where its summary goes: stderr when one of them is "-", so
// that stdout carries the data alone, else stdout. More than one "-" is a
// usage error: their data would be mixed.
func summaryTo(e *env, cmd string, paths ...string) (io.Writer, error) {
	n := 0
	for _, p := range paths {
		if p == stdoutPath {
			n++
		}
	}
	switch {
	case n > 1:
		return nil, usagef("%s: at most one output may be - (standard output); %d are", cmd, n)
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
