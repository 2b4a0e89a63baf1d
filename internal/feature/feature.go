// Package feature loads pxOS features and installs them into a build.
//
// A feature is a block of 16-bit assembly that plugs into pxOS through the
// base system's hook slots (hook_key, hook_line, cmd_head; see
// pxos-v1.0/README.md). On disk it is a directory holding
//
//	feature.asm    the source, NASM syntax, without an org line
//	feature.json   {"name", "goal", "keywords", "hooks", "requires", "size"}
//	scenario.txt   its acceptance scenario, run on a freshly booted build
//
// Install assembles a feature at a free address with every symbol of the
// current build predefined (plus prev_<slot>, the slot's current handler, so
// the new handler can chain to it) and renders it as a primitives block whose
// only overwrites are the slot words it declares. The shipped default
// features, the generator and the build loop all install code this way.
//
// The package owns the feature format and the installation convention; it
// does not run scenarios (package scenario) or decide what to build (the
// loop).
package feature

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/diag"
)

// File names inside a feature directory.
const (
	SourceName   = "feature.asm"
	MetaName     = "feature.json"
	ScenarioName = "scenario.txt"
)

// Spec is one feature: its metadata, source and acceptance scenario.
type Spec struct {
	Name     string            `json:"name"`               // a label-safe name: [a-z][a-z0-9_]*
	Goal     string            `json:"goal"`               // the goal text it meets
	Aliases  []string          `json:"aliases,omitempty"`  // other wordings of Goal that its scenario proves ("backspace")
	Keywords []string          `json:"keywords,omitempty"` // words for retrieval and suggestions, never for verdicts
	Hooks    map[string]string `json:"hooks"`              // slot -> label in Source that becomes the new slot value
	Requires []string          `json:"requires,omitempty"` // features it needs at run time
	Size     int               `json:"size,omitempty"`     // bytes when assembled (informative; checked by tests)

	Source       []byte `json:"-"` // the assembly
	SourceFile   string `json:"-"` // names Source in errors; default Name + ".asm"
	Scenario     []byte `json:"-"` // the acceptance scenario, may be empty
	ScenarioFile string `json:"-"` // names Scenario in errors
	MetaFile     string `json:"-"` // names the metadata in errors

	metaSrc []byte // the metadata as read, to position errors about it
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Load reads the feature in directory dir of fsys. Every problem with the
// metadata is reported as a positioned error (file:line).
func Load(fsys fs.FS, dir string) (*Spec, error) {
	metaFile := path.Join(dir, MetaName)
	meta, err := fs.ReadFile(fsys, metaFile)
	if err != nil {
		return nil, err
	}
	s, err := ParseMeta(metaFile, meta)
	if err != nil {
		return nil, err
	}
	s.SourceFile = path.Join(dir, SourceName)
	if s.Source, err = fs.ReadFile(fsys, s.SourceFile); err != nil {
		return nil, err
	}
	s.ScenarioFile = path.Join(dir, ScenarioName)
	if s.Scenario, err = fs.ReadFile(fsys, s.ScenarioFile); err != nil {
		return nil, err
	}
	if base := path.Base(dir); base != s.Name {
		var errs diag.ErrorList
		errs.Add(diag.Pos{File: metaFile, Line: lineOf(meta, `"name"`)}, "", "name %q differs from its directory %q", s.Name, base)
		return nil, errs.Err()
	}
	return s, nil
}

// ParseMeta parses feature.json (named file in errors) into a Spec without
// source. Unknown fields are errors, so a misspelt "hooks" is not ignored.
func ParseMeta(file string, data []byte) (*Spec, error) {
	var s Spec
	var errs diag.ErrorList
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		line := 0
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			line = lineAt(data, se.Offset)
		case errors.As(err, &te):
			line = lineAt(data, te.Offset)
		case errors.Is(err, io.ErrUnexpectedEOF):
			line = lineAt(data, int64(len(data)))
		default:
			if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
				line = lineOf(data, strings.Trim(f, `"`))
			}
		}
		errs.Add(diag.Pos{File: file, Line: line}, "", "%s", strings.TrimPrefix(err.Error(), "json: "))
		return nil, errs.Err()
	}
	s.MetaFile, s.metaSrc = file, data
	if len(s.Keywords) == 0 {
		s.Keywords = nil
	}
	if len(s.Requires) == 0 {
		s.Requires = nil
	}
	if !nameRE.MatchString(s.Name) {
		errs.Add(diag.Pos{File: file, Line: lineOf(data, `"name"`)}, "", "name %q must match %s", s.Name, nameRE)
	}
	if strings.TrimSpace(s.Goal) == "" {
		errs.Add(diag.Pos{File: file, Line: lineOf(data, `"goal"`)}, "", "goal is empty")
	}
	for _, slot := range sortedKeys(s.Hooks) {
		if !IsSlot(slot) {
			errs.Add(diag.Pos{File: file, Line: lineOf(data, `"`+slot+`"`)}, "", "%q is not a hook slot (slots: %s)", slot, strings.Join(Slots, ", "))
		}
	}
	for _, r := range s.Requires {
		if !nameRE.MatchString(r) {
			errs.Add(diag.Pos{File: file, Line: lineOf(data, `"requires"`)}, "", "required feature name %q is not valid", r)
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	s.SourceFile = s.Name + ".asm"
	return &s, nil
}

// LoadAll loads every feature directory directly under dir (those holding
// feature.json), sorted by name.
func LoadAll(fsys fs.FS, dir string) ([]*Spec, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var specs []*Spec
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		d := path.Join(dir, e.Name())
		if _, err := fs.Stat(fsys, path.Join(d, MetaName)); err != nil {
			continue
		}
		s, err := Load(fsys, d)
		if err != nil {
			return nil, err
		}
		specs = append(specs, s)
	}
	sort.Slice(specs, func(i, j int) bool { return specs[i].Name < specs[j].Name })
	return specs, nil
}

// Order returns specs sorted so that every feature comes after the features
// it requires, otherwise keeping their order. A requirement that is not in
// specs or a cycle is an error.
func Order(specs []*Spec) ([]*Spec, error) {
	byName := map[string]*Spec{}
	for _, s := range specs {
		byName[s.Name] = s
	}
	var out []*Spec
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(s *Spec, from string) error
	visit = func(s *Spec, from string) error {
		switch state[s.Name] {
		case 1:
			return fmt.Errorf("requirement cycle through %s", s.Name)
		case 2:
			return nil
		}
		state[s.Name] = 1
		for _, r := range s.Requires {
			d, ok := byName[r]
			if !ok {
				return fmt.Errorf("%s requires %s, which is not available", s.Name, r)
			}
			if err := visit(d, s.Name); err != nil {
				return err
			}
		}
		state[s.Name] = 2
		out = append(out, s)
		return nil
	}
	for _, s := range specs {
		if err := visit(s, ""); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WithRequires returns the features named, preceded by everything they
// require (transitively), in installation order.
func WithRequires(all []*Spec, names ...string) ([]*Spec, error) {
	byName := map[string]*Spec{}
	for _, s := range all {
		byName[s.Name] = s
	}
	seen := map[string]bool{}
	var pick []*Spec
	var add func(n string) error
	add = func(n string) error {
		if seen[n] {
			return nil
		}
		s, ok := byName[n]
		if !ok {
			return fmt.Errorf("no feature named %q", n)
		}
		seen[n] = true
		for _, r := range s.Requires {
			if err := add(r); err != nil {
				return err
			}
		}
		pick = append(pick, s)
		return nil
	}
	for _, n := range names {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	return Order(pick)
}

var wordRE = regexp.MustCompile(`[a-z0-9_]+`)

// Match returns the feature whose goal best matches goal, or nil: an equal
// goal text (ignoring case and punctuation) wins; otherwise the feature with
// the most keywords among goal's words, at least two of them, the feature's
// name counting as a keyword. Ties go to the earlier spec.
//
// Match is a suggestion ("did you mean"), never a verdict: keyword overlap
// takes "Add a 'cls' command" for clear. Whether a feature meets a goal is
// Spec.Serves, and whether it works is its scenario.
func Match(specs []*Spec, goal string) *Spec {
	words := map[string]bool{}
	for _, w := range wordRE.FindAllString(strings.ToLower(goal), -1) {
		words[w] = true
	}
	norm := strings.Join(wordRE.FindAllString(strings.ToLower(goal), -1), " ")
	var best *Spec
	bestScore := 1
	for _, s := range specs {
		if strings.Join(wordRE.FindAllString(strings.ToLower(s.Goal), -1), " ") == norm {
			return s
		}
		kw := map[string]bool{s.Name: true}
		for _, k := range s.Keywords {
			kw[strings.ToLower(k)] = true
		}
		score := 0
		for k := range kw {
			if words[k] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = s, score
		}
	}
	return best
}

// lineOf returns the 1-based line of the first occurrence of needle in data,
// or 0.
func lineOf(data []byte, needle string) int {
	i := bytes.Index(data, []byte(needle))
	if i < 0 {
		return 0
	}
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// lineAt returns the 1-based line holding byte offset off.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
