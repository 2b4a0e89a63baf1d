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
	API string // the API page for the prompt, without its topics
	// Topics are the API page's optional parts the goal names (see
	// promptAPI), after API in the instructions.
	Topics   string
	Slots    []string // the build's hook slots (v1.0 has three, v1.1 six)
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
// tables as plain rows (see compactTables). The page marks optional parts
// as topics ("<!-- topic: prompt idle -->" up to "<!-- end -->"): they
// are cut out of core, and topics holds those whose words the goal names
// (case-insensitive; a goal word that starts with a topic word counts:
// "colours" names "colour"), or every one when goal is "*". So a request
// spends tokens on hook_idle only for a goal about idling, and the core,
// the same in every request, stays a prefix a server's cache reuses.
func promptAPI(api, goal string) (core, topics string) {
	if i := strings.Index(api, "\n## Files"); i >= 0 {
		api = api[:i]
	}
	if i := strings.Index(api, "\n## Hook slots"); i >= 0 {
		api = api[i:]
	}
	core, parts := splitTopics(api, goal)
	return compactTables(strings.TrimSpace(core)), compactTables(strings.TrimSpace(strings.Join(parts, "\n\n")))
}

// topicStart and topicEnd mark an optional part of the API page.
const (
	topicStart = "<!-- topic:"
	topicEnd   = "<!-- end -->"
)

// splitTopics cuts the topics out of page and returns the rest and the
// bodies of the topics goal names ("*": all).
func splitTopics(page, goal string) (string, []string) {
	words := strings.FieldsFunc(strings.ToLower(goal), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_')
	})
	var b strings.Builder
	var parts []string
	for {
		i := strings.Index(page, topicStart)
		if i < 0 {
			b.WriteString(page)
			return b.String(), parts
		}
		head, rest, ok := strings.Cut(page[i+len(topicStart):], "-->")
		body, after, ok2 := strings.Cut(rest, topicEnd)
		if !ok || !ok2 {
			b.WriteString(page) // a broken marker: keep the text
			return b.String(), parts
		}
		b.WriteString(page[:i])
		if goal == "*" || namesTopic(words, strings.Fields(strings.ToLower(head))) {
			parts = append(parts, strings.TrimSpace(body))
		}
		page = strings.TrimLeft(after, "\n")
	}
}

// namesTopic reports whether a goal word starts with a topic word.
func namesTopic(goal, topic []string) bool {
	for _, g := range goal {
		for _, t := range topic {
			if strings.HasPrefix(g, t) {
				return true
			}
		}
	}
	return false
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
	core, topics := promptAPI(api, goal+" "+featureText)
	pc := &PromptContext{API: core, Topics: topics, Slots: base.Slots(), Free: base.Image.Summary.Free, Features: base.Installed()}
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

// System renders the instructions: the rules and the API page's core, which
// are the same in every code request (a server that caches a prompt's
// prefix reuses them), then the API topics the goal names and the build's
// facts, which change as features land.
func (pc *PromptContext) System() string {
	var free, largest uint32
	for _, r := range pc.Free {
		free += r.Len()
		largest = max(largest, r.Len())
	}
	return render("system.tmpl", map[string]any{
		"API":         strings.TrimSpace(pc.API),
		"Topics":      pc.Topics,
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
