// Package benchtest serves scripted models for the tests of pxos bench
// (package bench and the command line): an OpenAI-compatible server on
// 127.0.0.1 (package llmtest) with two models, one that meets the 'ver'
// goal and one whose answer passes its own scenario but not the hidden
// one. It never runs in the product.
package benchtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// The two models the server offers.
const (
	ModelA = "model-a" // answers ver with the reference solution
	ModelB = "model-b" // answers ver with one that prints "pxOS v9.9"
)

// TwoModels starts the server, stopped when the test ends. Both models plan
// goal as one step. model-a answers with the reference solution of the
// 'ver' goal (internal/bench/testdata/ref/ver) and a scenario that checks
// its line; model-b with the same code printing "pxOS v9.9" and a scenario
// that expects just that, so the loop passes it and the hidden scenario,
// which wants "pxOS v1.1", does not.
func TwoModels(t testing.TB, goal string) *llmtest.Server {
	t.Helper()
	return llmtest.New(t, llmtest.Options{Models: []string{ModelA, ModelB}, Reply: Replies(t, goal)})
}

// Replies is the answering of TwoModels, for a server of one's own.
func Replies(t testing.TB, goal string) func(llmtest.ChatRequest) llmtest.Reply {
	t.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot find the source of package benchtest")
	}
	src, err := os.ReadFile(filepath.Join(filepath.Dir(self), "..", "testdata", "ref", "ver", "feature.asm"))
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := json.Marshal(map[string]any{"steps": []map[string]string{{"goal": goal, "description": goal, "address_hint": "", "scenario": ""}}})
	answer := func(asm, check string) string {
		b, _ := json.Marshal(map[string]any{"explanation": "a ver command", "name": "ver", "assembly": asm,
			"hooks": []map[string]string{{"slot": "cmd_head", "handler": "ver_entry"}}, "requires": []string{"command_parser"},
			"scenario": "wait \"{prompt}\"\ntype \"ver\\n\"\n" + check + "\n", "infeasible": ""})
		return string(b)
	}
	good := answer(string(src), `expect-row 2 "pxOS v1.1"`)
	wrong := answer(strings.Replace(string(src), "pxOS v1.1", "pxOS v9.9", 1), `expect "pxOS v9.9"`)
	return func(r llmtest.ChatRequest) llmtest.Reply {
		if len(r.Messages) > 0 && strings.HasPrefix(r.Messages[0].Content, "You plan work") {
			return llmtest.Reply{Content: string(plan)}
		}
		if r.Model == ModelA {
			return llmtest.Reply{Content: good}
		}
		return llmtest.Reply{Content: wrong}
	}
}
