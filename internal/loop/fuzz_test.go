package loop

import (
	"encoding/json"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm"
)

// FuzzPlan feeds arbitrary planner answers through what the loop does with
// one: extract the JSON, decode the steps and group them by goal. It must
// not panic, and every goal keeps at least one step, its last one the goal.
func FuzzPlan(f *testing.F) {
	f.Add(planJSON(map[string]string{"goal": verGoal2}, map[string]string{"goal": echoGoal, "description": "echo"}))
	f.Add(`{"steps": [{"goal": "x", "description": "", "address_hint": "0x8000", "scenario": "wait \"pxOS>\""},]}`)
	f.Add(`analysisplan it{"steps":[]}assistantfinal{"steps": [{"goal": "` + verGoal2 + `"}]}`)
	goals := []string{verGoal2, echoGoal}
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 64<<10 {
			return
		}
		var out struct {
			Steps []Step `json:"steps"`
		}
		raw, err := llm.ExtractJSONFor(text, true)
		if err != nil || json.Unmarshal(raw, &out) != nil {
			return
		}
		for _, p := range group(out.Steps, goals) {
			if len(p.steps) == 0 {
				t.Fatalf("goal %q has no step", p.goal)
			}
		}
	})
}
