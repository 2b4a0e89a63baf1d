package bench

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/scenario"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// goalFS holds the suite: a directory goals/NN-name/ per goal with
//
//	goal.txt      the goal as the model is given it, one sentence or two
//	grade         its difficulty, 1 (a command that prints a constant) to 5
//	hidden*.txt   the hidden acceptance scenarios, written by people: they
//	              check the goal as a user would and are never shown to
//	              the model
//	requires      optional: the default features installed before the run
//	              (names separated by blanks), e.g. command_parser
//	fat12         optional: the LBA sector at which the hidden runs' floppy
//	              holds the benchmark's FAT12 test volume (Volume)
//
//go:embed goals
var goalFS embed.FS

// Goal is one goal of the suite.
type Goal struct {
	ID       string   // the directory name, "01-ver"
	Name     string   // without its number, "ver"
	Text     string   // the goal the model is given
	Grade    int      // 1 (easiest) to 5
	Requires []string // default features installed first
	// VolumeLBA, when above 0, is where the hidden runs' floppy holds the
	// FAT12 test volume (Volume); the loop's own builds do not have it.
	VolumeLBA int
	Hidden    []*scenario.Scenario
}

// Goals returns the suite, in order of its directories.
func Goals() ([]*Goal, error) {
	ents, err := fs.ReadDir(goalFS, "goals")
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	all, err := feature.LoadAll(pxosv1.FS, pxosv1.FeatureDir)
	if err != nil {
		return nil, err
	}
	for _, s := range all {
		known[s.Name] = true
	}
	var out []*Goal
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		g, err := loadGoal(path.Join("goals", e.Name()), known)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

func loadGoal(dir string, known map[string]bool) (*Goal, error) {
	id := path.Base(dir)
	num, name, ok := strings.Cut(id, "-")
	if _, err := strconv.Atoi(num); !ok || err != nil || name == "" {
		return nil, fmt.Errorf("%s: a goal directory is named NN-name", dir)
	}
	g := &Goal{ID: id, Name: name}
	read := func(file string, optional bool) (string, error) {
		b, err := fs.ReadFile(goalFS, path.Join(dir, file))
		if err != nil && optional && errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return strings.TrimSpace(string(b)), err
	}
	var err error
	if g.Text, err = read("goal.txt", false); err != nil {
		return nil, err
	}
	if g.Text == "" || len(g.Text) > feature.MaxGoal {
		return nil, fmt.Errorf("%s/goal.txt: a goal is 1 to %d bytes", dir, feature.MaxGoal)
	}
	grade, err := read("grade", false)
	if err != nil {
		return nil, err
	}
	if g.Grade, err = strconv.Atoi(grade); err != nil || g.Grade < 1 || g.Grade > 5 {
		return nil, fmt.Errorf("%s/grade: %q is no grade from 1 to 5", dir, grade)
	}
	req, err := read("requires", true)
	if err != nil {
		return nil, err
	}
	g.Requires = strings.Fields(req)
	for _, r := range g.Requires {
		if !known[r] {
			return nil, fmt.Errorf("%s/requires: %q is no default feature", dir, r)
		}
	}
	lba, err := read("fat12", true)
	if err != nil {
		return nil, err
	}
	if lba != "" {
		if g.VolumeLBA, err = strconv.Atoi(lba); err != nil || g.VolumeLBA < MinVolumeLBA || g.VolumeLBA+VolumeSectors > FloppySectors {
			return nil, fmt.Errorf("%s/fat12: %q is no sector from %d to %d", dir, lba, MinVolumeLBA, FloppySectors-VolumeSectors)
		}
	}
	files, err := fs.Glob(goalFS, path.Join(dir, "hidden*.txt"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		src, err := fs.ReadFile(goalFS, f)
		if err != nil {
			return nil, err
		}
		sc, err := scenario.Parse(f, src)
		if err != nil {
			return nil, err
		}
		g.Hidden = append(g.Hidden, sc)
	}
	if len(g.Hidden) == 0 {
		return nil, fmt.Errorf("%s: no hidden scenario (hidden.txt)", dir)
	}
	return g, nil
}

// Select returns the goals named in sel, in suite order: each item is a
// goal's name ("ver"), its directory ("01-ver") or its number ("1").
// Empty sel selects every goal.
func Select(goals []*Goal, sel []string) ([]*Goal, error) {
	if len(sel) == 0 {
		return goals, nil
	}
	want := map[*Goal]bool{}
	for _, s := range sel {
		s = strings.ToLower(strings.TrimSpace(s))
		var hit *Goal
		for _, g := range goals {
			num, _, _ := strings.Cut(g.ID, "-")
			n, _ := strconv.Atoi(num)
			if s == g.Name || s == g.ID || s == num || s == strconv.Itoa(n) {
				hit = g
				break
			}
		}
		if hit == nil {
			var names []string
			for _, g := range goals {
				names = append(names, g.Name)
			}
			return nil, fmt.Errorf("no goal %q in the suite (goals: %s)", s, strings.Join(names, ", "))
		}
		want[hit] = true
	}
	var out []*Goal
	for _, g := range goals {
		if want[g] {
			out = append(out, g)
		}
	}
	return out, nil
}
