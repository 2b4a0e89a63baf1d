package bench

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
)

// WriteTable writes the scores as a table, a row per goal and model, then
// a line per model.
func (r *Result) WriteTable(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "GOAL\tGRADE\tMODEL\tPASSED\tPASS@1"
	if r.K > 1 {
		head += fmt.Sprintf("\tPASS@%d", r.K)
	}
	// Attempts, tokens and time are means per sample; the summary lines
	// give each model's totals.
	fmt.Fprintln(tw, head+"\tATTEMPTS\tTOKENS/SAMPLE\tPROMPT/ANSWER\tTIME\tOUTCOME")
	for _, g := range r.Goals {
		for _, c := range r.cellsOf(g.ID) {
			row := fmt.Sprintf("%s\t%d\t%s\t%d/%d\t%.2f", g.ID, g.Grade, llm.Printable(c.Model), c.C, c.N, c.Pass1)
			if r.K > 1 {
				row += fmt.Sprintf("\t%.2f", c.PassK)
			}
			fmt.Fprintf(tw, "%s\t%.1f\t%.0f\t%s\t%s\t%s\n", row, c.Attempts, c.Tokens, c.split(), seconds(c.Duration), c.Outcomes)
		}
	}
	tw.Flush()
	for _, s := range r.Summaries {
		fmt.Fprintln(w, llm.Printable(s.line(r.K)))
	}
	if r.Interrupted {
		fmt.Fprintf(w, "interrupted: %d of %d samples done\n", len(r.Runs), r.Planned)
	}
}

func (r *Result) cellsOf(goal string) []Cell {
	var out []Cell
	for _, c := range r.Cells {
		if c.Goal == goal {
			out = append(out, c)
		}
	}
	return out
}

// split is the cell's mean prompt and answer tokens as the server reported
// them, "-" when it did not for every sample.
func (c Cell) split() string {
	if !c.Metered {
		return "-"
	}
	return fmt.Sprintf("%.0f/%.0f", c.Prompt, c.Answer)
}

// line is the model's summary in one line.
func (s Summary) line(k int) string {
	if s.Goals == 0 {
		return s.Model + ": not run"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d of %d goal%s passed, mean pass@1 %.2f", s.Model, s.GoalsPassed, s.Goals, plural(s.Goals), s.MeanPass1)
	if k > 1 {
		fmt.Fprintf(&b, ", mean pass@%d %.2f", k, s.MeanPassK)
	}
	var gs []string
	for _, g := range s.ByGrade {
		gs = append(gs, fmt.Sprintf("%d: %.2f", g.Grade, g.MeanPass1))
	}
	if len(gs) > 0 {
		fmt.Fprintf(&b, " (by grade %s)", strings.Join(gs, ", "))
	}
	fmt.Fprintf(&b, "; %d tokens in all, %s", s.Tokens, seconds(s.Duration))
	return b.String()
}

func seconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// MarshalResult is the result as indented JSON with a final newline.
func (r *Result) MarshalResult() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

//go:embed templates/bench.html.tmpl
var pageSrc string

var page = template.Must(template.New("bench").Funcs(template.FuncMap{
	"pct":     func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"seconds": seconds,
	"shade": func(f float64) template.CSS {
		// red (0) through yellow to green (1), light enough for black text
		return template.CSS(fmt.Sprintf("background: hsl(%d, 70%%, 80%%)", int(f*120)))
	},
	"printable": llm.Printable,
}).Parse(pageSrc))

// pageData is what the HTML page shows.
type pageData struct {
	*Result
	Rows []pageRow
	Gen  string
}

type pageRow struct {
	Goal  GoalInfo
	Cells []*Cell // one a model, nil where no sample of it ran
	Runs  []Sample
}

// WriteHTML writes the result as one self-contained HTML page: the scores
// as a matrix of goals and models, the summaries, and every sample with
// its notes and hidden scenario runs.
func (r *Result) WriteHTML(w io.Writer) error {
	d := pageData{Result: r, Gen: r.Started.UTC().Format(time.RFC3339)}
	for _, g := range r.Goals {
		row := pageRow{Goal: g}
		for _, m := range r.Models {
			var cell *Cell
			for i := range r.Cells {
				if c := &r.Cells[i]; c.Model == m && c.Goal == g.ID {
					cell = c
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		for _, s := range r.Runs {
			if s.Goal == g.ID {
				row.Runs = append(row.Runs, s)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, d); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
