package loop

// Run folders. Unless it is given one report file (Options.Report), a run
// that did something keeps its report in a folder of its own under the
// reports directory (Options.Reports), named by its start time in UTC:
//
//	reports/2026-11-30T08-00-00Z/build_report.json   the JSON report
//	reports/2026-11-30T08-00-00Z/build_report.html   the HTML report
//	reports/2026-11-30T08-00-00Z/build_report_files/ its images
//	reports/index.html                               every run, newest first
//	reports/latest -> 2026-11-30T08-00-00Z           the newest run
//
// The index is built from the run folders' JSON reports each time, so it
// lists what is on disk; latest is a convenience where symlinks work.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/llm"
)

const (
	// runStamp names a run folder: the run's start time in UTC. The Z is
	// a letter here, not a zone: the time is always UTC.
	runStamp = "2006-01-02T15-04-05Z"
	// ReportName is a run folder's JSON report; the HTML report
	// (build_report.html) and its images (build_report_files/) are beside it.
	ReportName = "build_report.json"
	// IndexName is the page in the reports directory that lists every run.
	IndexName = "index.html"
	// LatestName is the symlink in the reports directory to the newest run folder.
	LatestName = "latest"
	// maxSameSecond bounds the -N suffixes tried for runs that started in the same second.
	maxSameSecond = 1000
)

// newRunDir creates the folder of a run started at t under dir: its start
// time in UTC, with -2, -3, ... when runs started in the same second. The
// folder is created exclusively (os.Mkdir), so two runs never share one.
func newRunDir(dir string, t time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("reports directory: %w", err)
	}
	name := t.UTC().Format(runStamp)
	for n := 1; n <= maxSameSecond; n++ {
		p := filepath.Join(dir, name)
		if n > 1 {
			p += "-" + strconv.Itoa(n)
		}
		err := os.Mkdir(p, 0o755)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("run folder: %w", err)
		}
	}
	return "", fmt.Errorf("run folder: %d runs in %s already started at %s", maxSameSecond, dir, name)
}

// parseRunName reads a run folder's name: the start time and the N of a
// -N suffix (1 without one).
func parseRunName(name string) (time.Time, int, bool) {
	if len(name) < len(runStamp) {
		return time.Time{}, 0, false
	}
	t, err := time.Parse(runStamp, name[:len(runStamp)])
	if err != nil {
		return time.Time{}, 0, false
	}
	rest := name[len(runStamp):]
	if rest == "" {
		return t, 1, true
	}
	n, err := strconv.Atoi(rest[1:])
	if rest[0] != '-' || err != nil || n < 2 || strconv.Itoa(n) != rest[1:] {
		return time.Time{}, 0, false
	}
	return t, n, true
}

// runFolder is one run folder of a reports directory.
type runFolder struct {
	Name    string    // the folder, in the reports directory
	Started time.Time // from its name (UTC)
	seq     int       // N of a -N suffix, else 1
	Report  *Report   // its JSON report; nil when it could not be read
	Err     string    // why not
	HTML    string    // its HTML report relative to the reports directory, "" when there is none
}

// runFolders lists the run folders of dir that hold a JSON report, newest
// first. Anything else in dir is not a run's and is left out; a missing dir
// has none.
func runFolders(dir string) ([]runFolder, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reports directory: %w", err)
	}
	var out []runFolder
	for _, e := range ents {
		if !e.IsDir() {
			continue // latest is a symlink, index.html a file
		}
		t, seq, ok := parseRunName(e.Name())
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name(), ReportName))
		if errors.Is(err, fs.ErrNotExist) {
			continue // being written, or not a run's
		}
		rf := runFolder{Name: e.Name(), Started: t, seq: seq}
		if err == nil {
			var rep Report
			if err = json.Unmarshal(data, &rep); err == nil {
				rf.Report = &rep
			}
		}
		if err != nil {
			rf.Err = err.Error()
		}
		html := filepath.Join(e.Name(), htmlName(ReportName))
		if _, err := os.Stat(filepath.Join(dir, html)); err == nil {
			rf.HTML = filepath.ToSlash(html)
		}
		out = append(out, rf)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].seq > out[j].seq
	})
	return out, nil
}

// htmlName is the HTML report's name beside the JSON report named name.
func htmlName(name string) string {
	return name[:len(name)-len(filepath.Ext(name))] + ".html"
}

// updateIndex rewrites dir/index.html from the run folders on disk and
// points dir/latest at the newest.
func updateIndex(dir string) error {
	runs, err := runFolders(dir)
	if err != nil {
		return err
	}
	type row struct {
		Name, Started, Summary, HTML, Err string
		Goals                             int
	}
	var rows []row
	for _, rf := range runs {
		rw := row{Name: rf.Name, Started: rf.Started.Format("2006-01-02 15:04:05 UTC"), HTML: rf.HTML, Err: rf.Err}
		if rf.Report != nil {
			rw.Goals, rw.Summary = rf.Report.Figures().Goals, rf.Report.Summary()
		}
		rows = append(rows, rw)
	}
	var b bytes.Buffer
	if err := indexPage.Execute(&b, map[string]any{"Runs": rows}); err != nil {
		return err
	}
	// Goals are the user's words, and may hold control characters.
	if err := atomicfile.WriteAll(0o644, atomicfile.File{Path: filepath.Join(dir, IndexName), Data: []byte(llm.Printable(b.String())), NoSync: true}); err != nil {
		return err
	}
	if len(runs) > 0 {
		updateLatest(dir, runs[0].Name)
	}
	return nil
}

// updateLatest points dir/latest at the folder name: a new symlink renamed
// over the old, so a reader sees one or the other. Where symlinks cannot be
// made (or latest is not a link) it does nothing: the index is the portable
// entry point.
func updateLatest(dir, name string) {
	latest := filepath.Join(dir, LatestName)
	if target, err := os.Readlink(latest); err == nil && target == name {
		return
	}
	tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp%d-%d", LatestName, os.Getpid(), time.Now().UnixNano()))
	if os.Symlink(name, tmp) != nil {
		return
	}
	if os.Rename(tmp, latest) != nil {
		os.Remove(tmp)
	}
}

// lastReport is the HTML report of the newest run folder of dir that has
// one, "" when none has.
func lastReport(dir string) string {
	runs, _ := runFolders(dir)
	for _, rf := range runs {
		if rf.HTML != "" {
			return filepath.Join(dir, filepath.FromSlash(rf.HTML))
		}
	}
	return ""
}

var indexPage = template.Must(template.New("index.html").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>pxos auto — build reports</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
</style>
</head>
<body>
<h1>pxos auto — build reports</h1>
<p>Every run that changed or tried something, newest first. A run whose goals were all present already records nothing and is not listed.</p>
<table>
<tr><th>run</th><th>started</th><th>goals</th><th>results</th></tr>
{{range .Runs}}<tr><td>{{if .HTML}}<a href="{{.HTML}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td><td>{{.Started}}</td><td>{{if not .Err}}{{.Goals}}{{end}}</td><td>{{if .Err}}report unreadable: {{.Err}}{{else}}{{.Summary}}{{end}}</td></tr>
{{else}}<tr><td colspan="4">no runs yet</td></tr>
{{end}}</table>
</body>
</html>
`))
