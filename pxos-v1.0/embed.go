// Package pxosv1 ships pxOS (v1.1, in the seed's directory pxos-v1.0) inside the pxos binary: the base system's
// source (pxos.asm) and primitives (pxos_commands.txt), its API page
// (README.md), the base regression scenarios (scenarios/*.txt) and the
// default features (features/<name>/feature.asm, feature.json, scenario.txt),
// so pxos works outside the repository.
//
// It holds data only; package feature loads and installs the features.
package pxosv1

import (
	"bytes"
	"embed"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"
)

//go:embed pxos.asm pxos_commands.txt README.md scenarios/*.txt features
var files embed.FS

// FS holds the files of pxOS with their paths in this directory, e.g.
// "pxos_commands.txt", "scenarios/banner.txt", "features/help/feature.asm".
//
// It is always the bare base system. `pxos auto` grows the working copy of
// pxos_commands.txt in place (it appends feature blocks, each starting with a
// "# ==== feature" line) and keeps each feature's scenario as
// scenarios/feature_<name>.txt; a binary built from such a checkout still
// ships the base: FS cuts pxos_commands.txt before the first feature block
// and leaves the feature scenarios out.
var FS = baseOnly(files)

// Version is the version of the base pxOS this package ships (its banner
// says "pxOS v1.1"). The directory keeps the seed's name, pxos-v1.0.
const Version = "1.1"

// FeatureHeader starts every feature block appended to a commands file.
const FeatureHeader = "# ==== feature "

// Paths of the files in FS.
const (
	SourceFile   = "pxos.asm"
	CommandsFile = "pxos_commands.txt"
	APIFile      = "README.md"
	ScenarioDir  = "scenarios"
	FeatureDir   = "features"
)

// BaseOf returns the part of a commands file before its first feature block.
func BaseOf(src []byte) []byte {
	if bytes.HasPrefix(src, []byte(FeatureHeader)) {
		return nil
	}
	if i := bytes.Index(src, []byte("\n"+FeatureHeader)); i >= 0 {
		// Also drop the blank line that separates the block from the base.
		return append(bytes.TrimRight(src[:i], "\n"), '\n')
	}
	return src
}

// baseOnly copies the embedded files into an in-memory file system
// (testing/fstest.MapFS: the standard library's general in-memory fs.FS),
// with the commands file cut to the base and the feature scenarios left out.
func baseOnly(src embed.FS) fstest.MapFS {
	m := fstest.MapFS{}
	err := fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if path.Dir(p) == ScenarioDir && strings.HasPrefix(path.Base(p), "feature_") {
			return nil
		}
		data, err := src.ReadFile(p)
		if err != nil {
			return err
		}
		if p == CommandsFile {
			data = BaseOf(data)
		}
		m[p] = &fstest.MapFile{Data: data, Mode: 0o644}
		return nil
	})
	if err != nil {
		panic("pxosv1: reading the embedded files: " + err.Error())
	}
	return m
}
