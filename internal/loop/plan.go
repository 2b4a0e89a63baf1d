package loop

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{"add": func(a, b int) int { return a + b }}).
	ParseFS(templateFS, "templates/*.tmpl"))

func render(name string, data any) string {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, data); err != nil {
		panic(fmt.Sprintf("template %s: %v", name, err)) // the templates are part of the binary
	}
	return strings.TrimSpace(b.String())
}

// planSchema is the json_schema of a plan.
var planSchema = llm.Schema{Name: "pxos_plan", Schema: map[string]any{
	"type":                 "object",
	"additionalProperties": false,
	"required":             []string{"steps"},
	"properties": map[string]any{
		"steps": map[string]any{
			"type": "array",
			"items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []string{"goal", "description", "address_hint", "scenario"},
				"properties": map[string]any{
					"goal":         map[string]any{"type": "string"},
					"description":  map[string]any{"type": "string"},
					"address_hint": map[string]any{"type": "string"},
					"scenario":     map[string]any{"type": "string"},
				},
			},
		},
	},
}}

// plan turns the open goals into steps: the model's plan when a model
// writes the code, else one step per goal. A plan that cannot be had or used
// falls back to one step per goal, with a notice. A goal the plan leaves out
// (a model may say it is met already: only evidence says that) gets a step
// of its own.
func (r *runner) plan(ctx context.Context, goals []string) []Step {
	simple := make([]Step, len(goals))
	for i, g := range goals {
		simple[i] = Step{Goal: g}
	}
	if r.o.Provider.Name() != gen.ProviderOpenAI || r.o.Client == nil { // a model, or an ensemble of them
		r.logf("plan: %d goal%s, one step each (offline provider)\n", len(simple), plural(len(simple)))
		r.rep.Plan = simple
		return simple
	}
	r.logf("plan: asking the model to plan %d goal%s\n", len(simple), plural(len(simple)))
	installable := gen.Installable(r.base, gen.Solutions(r.o.Network))
	msgs := []llm.Message{
		llm.System(render("plan_system.tmpl", map[string]any{"Installed": listOr(r.base.Installed(), "none"), "Free": freeText(r.base),
			"V11":         len(r.base.Slots()) == len(feature.Slots),
			"Installable": listOr(installable, "none")})),
		llm.User(render("plan_user.tmpl", map[string]any{"Goals": goals})),
	}
	var out struct {
		Steps []Step `json:"steps"`
	}
	t := r.o.Temperature
	if t == 0 {
		t = llm.DefaultTemperature
	}
	resp, err := r.o.Client.ChatJSON(ctx, llm.Request{Messages: msgs, Temperature: llm.Temp(t), MaxTokens: r.o.MaxTokens}, planSchema, &out)
	r.rep.PlanCalls++
	if resp != nil {
		r.rep.PlanTokens += resp.Usage.TotalTokens
		r.rep.PlanPromptTokens += resp.Usage.PromptTokens
		r.rep.PlanAnswerTokens += resp.Usage.CompletionTokens
		r.rep.PlanTokensEstimated = r.rep.PlanTokensEstimated || resp.Usage.Estimated
	}
	if err != nil || len(out.Steps) == 0 {
		if err == nil {
			err = fmt.Errorf("the plan has no steps")
		}
		r.logf("plan: no usable plan (%v); one step per goal\n", err)
		r.rep.PlanError = err.Error()
		r.rep.Plan = simple
		return simple
	}
	// Every goal must be served: a goal the plan forgot gets its own step;
	// a step for a goal nobody asked for is dropped.
	asked := map[string]string{}
	for _, g := range goals {
		asked[feature.NormGoal(g)] = g
	}
	served := map[string]bool{}
	var steps []Step
	for _, s := range out.Steps {
		g, ok := asked[feature.NormGoal(s.Goal)]
		if !ok {
			r.logf("plan: step %q is for no goal given (%q); dropped\n", s.Description, s.Goal)
			continue
		}
		s.Goal = g
		served[g] = true
		steps = append(steps, s)
	}
	for _, g := range goals {
		if !served[g] {
			steps = append(steps, Step{Goal: g})
		}
	}
	for i, s := range steps {
		r.logf("plan: step %d: %s — %s\n", i+1, s.Goal, s.Description)
	}
	r.rep.Plan = steps
	return steps
}

// goalPlan is one goal and its steps: all but the last prepare it.
type goalPlan struct {
	goal  string
	steps []Step
}

// group collects the steps of each goal, in the order of goals.
func group(steps []Step, goals []string) []goalPlan {
	var out []goalPlan
	for _, g := range goals {
		p := goalPlan{goal: g}
		for _, s := range steps {
			if feature.SameGoal(s.Goal, g) {
				p.steps = append(p.steps, s)
			}
		}
		if len(p.steps) == 0 {
			p.steps = []Step{{Goal: g}}
		}
		out = append(out, p)
	}
	return out
}
