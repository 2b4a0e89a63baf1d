// Package pxosv1 ships pxOS v1.0 inside the pxos binary: the base system's
// source (pxos.asm) and primitives (pxos_commands.txt), its API page
// (README.md), the base regression scenarios (scenarios/*.txt) and the
// default features (features/<name>/feature.asm, feature.json, scenario.txt),
// so pxos works outside the repository.
//
// It holds data only; package feature loads and installs the features.
package pxosv1

import "embed"

// FS holds the files of pxOS v1.0 with their paths in this directory, e.g.
// "pxos_commands.txt", "scenarios/banner.txt", "features/help/feature.asm".
//
//go:embed pxos.asm pxos_commands.txt README.md scenarios/*.txt features
var FS embed.FS

// Paths of the files in FS.
const (
	SourceFile   = "pxos.asm"
	CommandsFile = "pxos_commands.txt"
	APIFile      = "README.md"
	ScenarioDir  = "scenarios"
	FeatureDir   = "features"
)
