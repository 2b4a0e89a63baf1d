package gen

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"sort"
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
	Slots    []SlotInfo
	Free     []build.Range
	Symbols  []string // "name=0xADDR" for the base's global labels
	Features []string // installed features
	// Installable are features pxos installs from verified solutions when an
	// answer lists them in "requires".
	Installable []string
	Records     []pixnet.Record
}

// SlotInfo is one hook slot of the current build.
type SlotInfo struct {
	Name  string
	Addr  uint32
	Value uint16
}

// RetrieveK is how many network records a prompt offers the model.
const RetrieveK = 6

// promptAPI is the part of the API page a model needs: everything up to the
// page's notes on files and tooling.
func promptAPI(api string) string {
	if i := strings.Index(api, "\n## Files"); i >= 0 {
		api = api[:i]
	}
	return strings.TrimSpace(api)
}

// NewPromptContext gathers the build's facts and the network records most
// similar to the feature: by words, fused with embedding similarity when emb
// is not nil (the LLM server offers /v1/embeddings).
func NewPromptContext(ctx context.Context, base *feature.Base, api string, net *pixnet.Store, emb pixnet.Embedder, featureText string) *PromptContext {
	pc := &PromptContext{API: promptAPI(api), Free: base.Image.Summary.Free, Features: base.Installed()}
	syms := base.Symbols()
	for _, s := range feature.Slots {
		if a, ok := syms[s]; ok {
			pc.Slots = append(pc.Slots, SlotInfo{s, uint32(a), base.Image.Word(uint32(a))})
		}
	}
	baseEnd, hasEnd := syms["base_end"]
	for name, v := range syms {
		if strings.Contains(name, ".") || strings.HasPrefix(name, feature.MarkerPrefix) || strings.Contains(api, "`"+name+"`") ||
			(hasEnd && v < baseEnd) {
			// Local labels, feature markers, what the API page lists and the
			// base's internals only add noise: offer the features' labels.
			continue
		}
		pc.Symbols = append(pc.Symbols, fmt.Sprintf("%s=0x%04X", name, v))
	}
	sort.Strings(pc.Symbols)
	if net != nil {
		// Solutions that were only validated, never tested, are not
		// knowledge: they are left out.
		o := pixnet.SearchOptions{K: 2 * RetrieveK, Kinds: []pixnet.Kind{pixnet.KindSolution, pixnet.KindFailure, pixnet.KindReference}, Embedder: emb, Context: ctx}
		for _, h := range net.Search(featureText, o) {
			if len(pc.Records) < RetrieveK && !(h.Record.Kind == pixnet.KindSolution && hasTag(h.Record.Tags, TagValidated)) {
				pc.Records = append(pc.Records, h.Record)
			}
		}
	}
	return pc
}

// System renders the instructions: rules, the API page, the build's facts.
func (pc *PromptContext) System() string { return pc.system(false) }

// SystemCompact is System without the list of the installed features'
// labels, for a context too small for both it and a repair.
func (pc *PromptContext) SystemCompact() string { return pc.system(true) }

func (pc *PromptContext) system(compact bool) string {
	syms := pc.Symbols
	if compact {
		syms = nil
	}
	var free []string
	for _, r := range pc.Free {
		if r.Len() >= 16 {
			free = append(free, fmt.Sprintf("%s (%d bytes)", r, r.Len()))
		}
	}
	return render("system.tmpl", map[string]any{
		"API":         strings.TrimSpace(pc.API),
		"Free":        strings.Join(free, ", "),
		"Slots":       pc.Slots,
		"Symbols":     strings.Join(syms, " "),
		"Features":    strings.Join(pc.Features, ", "),
		"Installable": strings.Join(pc.Installable, ", "),
	})
}

// ContextItems offers the retrieved records to the prompt, best first.
func (pc *PromptContext) ContextItems() []llm.ContextItem {
	var items []llm.ContextItem
	for _, r := range pc.Records {
		title := r.Title
		if !strings.HasPrefix(title, string(r.Kind)) {
			title = string(r.Kind) + ": " + title
		}
		items = append(items, llm.ContextItem{Label: fmt.Sprintf("#%d %s", r.ID, title), Text: r.Body})
	}
	return items
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
		panic(fmt.Sprintf("gen: template %s: %v", name, err)) // the templates are part of the binary
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
