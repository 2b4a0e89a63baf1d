package gen

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm"
)

// FuzzAnswer feeds arbitrary model answers through what pxos does with one:
// extract the JSON (repairing small models' defects), decode it, and
// validate the candidate on the base with the command parser. It must not
// panic or hang, and an answer that validates is a feature that assembled
// into free memory.
func FuzzAnswer(f *testing.F) {
	good := answerJSON(verAsm, map[string]string{"cmd_head": "ver_entry"}, verScenario)
	f.Add(good)
	f.Add("Sure!\n```json\n" + strings.Replace(good, `\n`, "\n", 3) + ",}\n```")
	f.Add(`analysisThe sketch {"slot": 1}assistantfinal` + good)
	f.Add(strings.Repeat("[", 3000))
	f.Add(`{"assembly": "mov ax, ` + strings.Repeat("(", 300) + `1` + strings.Repeat(")", 300) + `", "hooks": [{"slot": "cmd_head", "handler": "a"}], "scenario": "wait \"pxOS>\""}`)
	base := parserBase(f)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 64<<10 {
			return // OpenAI caps answers at 64 KiB
		}
		raw, err := llm.ExtractJSONFor(text, true)
		if err != nil {
			return
		}
		var a answer
		if json.Unmarshal(raw, &a) != nil {
			return
		}
		c := &Candidate{Name: a.Name, Source: a.Assembly, Hooks: a.Hooks, Requires: a.Requires, Scenario: a.Scenario, Primitives: a.Primitives}
		res, err := Validate(base, &Request{Feature: "Add a 'ver' command that prints the version", Format: FormatAsm}, c)
		if err != nil {
			return
		}
		if res.Install.End <= res.Install.Addr {
			t.Fatalf("a valid answer with an empty range %v", res.Install.Range)
		}
	})
}
