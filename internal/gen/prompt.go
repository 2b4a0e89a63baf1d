package gen

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/pxos-dev/pxos/internal/build"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// The prompt wording lives in templates/*.tmpl, not in Go strings.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.tmpl"))

// PromptContext is what a provider knows about the build it writes for.
type PromptContext struct {
	API      string
	Free     []build.Range
	Features []string // installed features
	// Installable are features pxos installs from verified solutions when an
	// answer lists them in "requires".
	Installable []string
	// Knowledge is what the network offers the prompt, best first (see
	// NewPromptContext).
	Knowledge []llm.ContextItem
}

// How much of the network a code request offers, at most: verified
// solutions for similar goals, reflections of this goal's failures, and
// matching references, each cut to maxItemBytes.
const (
	retrieveSolutions   = 2
	retrieveReflections = 3
	retrieveReferences  = 2
	maxItemBytes        = 1600
	// closeSimilarity is the GoalSimilarity from which a solution's goal
	// counts as close to a request's (it comes before the reflections).
	closeSimilarity = 0.5
)

// promptAPI is the part of the API page a model needs to write a feature,
// compact: its sections from "Hook slots" up to the page's notes on files
// and tooling (the memory map is pxos's business: it places the code), with
// tables as plain rows (see compactTables).
func promptAPI(api string) string {
	if i := strings.Index(api, "\n## Files"); i >= 0 {
		api = api[:i]
	}
	if i := strings.Index(api, "\n## Hook slots"); i >= 0 {
		api = api[i:]
	}
	return compactTables(strings.TrimSpace(api))
}

// compactTables rewrites Markdown tables for a model: the separator row
// goes, cells lose their padding, and a second column of addresses goes
// ("| `newline` | 0x7E2D | print CR LF |" becomes "`newline` | print CR
// LF"). Padding, dashes and addresses were a third of the API page's
// tokens and tell a model nothing it may use.
func compactTables(md string) string {
	lines := strings.Split(md, "\n")
	out := lines[:0]
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "|") {
			out = append(out, l)
			continue
		}
		if strings.Trim(t, "|-: ") == "" {
			continue // the separator row
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		var kept []string
		for i, c := range cells {
			c = strings.Join(strings.Fields(c), " ")
			if i == 1 && (c == "Address" || isHexAddr(c)) {
				continue // a model names labels, never addresses
			}
			kept = append(kept, c)
		}
		out = append(out, strings.Join(kept, " | "))
	}
	return strings.Join(out, "\n")
}

// isHexAddr reports whether s is an address as the API page writes one
// ("0x7E2D").
func isHexAddr(s string) bool {
	h, ok := strings.CutPrefix(s, "0x")
	return ok && h != "" && strings.Trim(h, "0123456789abcdefABCDEF") == ""
}

// NewPromptContext gathers the build's facts and what the network knows
// for goal, in this order: the verified solutions whose goals are close to
// it (Related; by words, fused with embedding similarity when emb is not
// nil), the reflections of this goal's own earlier failures (Reflections),
// solutions that only share a word with it, and the references that match
// featureText's content words (by words and emb). Nothing the prompt holds already (the API page) and nothing twice;
// failures of other goals and untested answers never.
func NewPromptContext(ctx context.Context, base *feature.Base, api string, net *pixnet.Store, emb pixnet.Embedder, goal, featureText string) *PromptContext {
	pc := &PromptContext{API: promptAPI(api), Free: base.Image.Summary.Free, Features: base.Installed()}
	if net == nil {
		return pc
	}
	add := func(label, text string) {
		if len(text) > maxItemBytes {
			text = cutUTF8(text, maxItemBytes) + " …[cut]"
		}
		pc.Knowledge = append(pc.Knowledge, llm.ContextItem{Label: label, Text: strings.TrimRight(text, "\n")})
	}
	// Solutions whose goals are close come first, then this goal's own
	// reflections (short, and about this very goal: they must survive a
	// small budget), then solutions that only share a word, as examples.
	related := Related(ctx, Solutions(net), goal, emb, retrieveSolutions)
	for _, s := range related {
		if s.Score >= closeSimilarity {
			add(solutionItem(s))
		}
	}
	for i, r := range Reflections(net, goal) {
		if i == retrieveReflections {
			break
		}
		add(fmt.Sprintf("#%d failure: attempt %d at this goal, failed at %s", r.RecordID, r.Attempt, r.Phase), r.body)
	}
	for _, s := range related {
		if s.Score < closeSimilarity {
			add(solutionItem(s))
		}
	}
	o := pixnet.SearchOptions{K: retrieveReferences + 2, Kinds: []pixnet.Kind{pixnet.KindReference}, Embedder: emb, Context: ctx}
	n := 0
	// The goal's content words, not "add" (an instruction) nor "command".
	query := strings.Join(feature.ContentWords(featureText), " ")
	for _, h := range net.Search(strings.ReplaceAll(query, "'", ""), o) {
		if n == retrieveReferences || hasTag(h.Record.Tags, "api") {
			continue // the API page is in the instructions
		}
		n++
		add(fmt.Sprintf("#%d reference: %s", h.Record.ID, strings.TrimPrefix(h.Record.Title, "reference: ")), h.Record.Body)
	}
	return pc
}

// drop removes the network record id from the knowledge.
func (pc *PromptContext) drop(id uint64) {
	prefix := fmt.Sprintf("#%d ", id)
	pc.Knowledge = slices.DeleteFunc(pc.Knowledge, func(it llm.ContextItem) bool { return strings.HasPrefix(it.Label, prefix) })
}

// System renders the instructions: the rules and the API page, which are
// the same in every code request (a server that caches a prompt's prefix
// reuses them), then the build's facts, which change as features land.
func (pc *PromptContext) System() string {
	var free, largest uint32
	for _, r := range pc.Free {
		free += r.Len()
		largest = max(largest, r.Len())
	}
	return render("system.tmpl", map[string]any{
		"API":         strings.TrimSpace(pc.API),
		"Free":        fmt.Sprintf("%d bytes (largest range %d bytes)", free, largest),
		"Features":    strings.Join(pc.Features, ", "),
		"Installable": strings.Join(pc.Installable, ", "),
	})
}

// Question renders the request and, on a repair, the rejected answer's error.
func Question(req *Request, prev *Attempt) string {
	q := render("user.tmpl", map[string]any{"Feature": req.Feature})
	if req.Format == FormatPrimitives {
		q += "\n\n" + render("primitives.tmpl", nil)
	}
	if prev != nil {
		q += "\n\n" + render("repair.tmpl", map[string]any{"Attempt": prev.N, "Error": prev.Error})
	}
	return q
}

func render(name string, data any) string {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		panic(fmt.Sprintf("template %s: %v", name, err)) // the templates are part of the binary
	}
	return strings.TrimSpace(b.String())
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}
