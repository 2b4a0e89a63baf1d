package llm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// compact is raw compacted, or the error.
func compact(raw []byte, err error) string {
	if err != nil {
		return "ERROR " + err.Error()
	}
	var b bytes.Buffer
	if cerr := json.Compact(&b, raw); cerr != nil {
		return "INVALID " + string(raw)
	}
	return b.String()
}

// answer is the gen answer of the issue's reports: a fenced object whose
// assembly string holds raw line breaks and tabs, with a hooks array.
const brokenGenAnswer = "Sure! Here is the feature:\n\n```json\n{\n  \"name\": \"ver\",\n  \"assembly\": \"ver_cmd:\n\tmov si, msg\n\tcall print\n\tret\",\n  \"hooks\": [{\"slot\": \"cmd_head\", \"handler\": \"ver_cmd\"}],\n}\n```\n\nHope this helps."

// Each defect ExtractJSONFor repairs; ExtractJSON names the same defect,
// with its place, instead (strict).
func TestExtractJSONRepairs(t *testing.T) {
	for _, tc := range []struct {
		name, answer string
		want         string // ExtractJSONFor(answer, true), compacted
		strict       string // ExtractJSON's error
	}{
		{"raw newline and tab in a string", "{\"assembly\": \"mov ax, 1\n\tint 0x10\"}",
			`{"assembly":"mov ax, 1\n\tint 0x10"}`,
			`the JSON in the answer is broken: a raw line break inside a string at line 1, column 24 (write it as \n): "…bly\": \"mov ax, 1\n\tint 0x10\"}"`},
		{"raw control character", "{\"a\": \"x\x01y\"}", `{"a":"x\u0001y"}`, `a raw control character U+0001 inside a string at line 1, column 9`},
		{"trailing comma in an object", "{\"a\": 1,\n \"b\": 2,\n}", `{"a":1,"b":2}`,
			`the JSON in the answer is broken: unexpected '}' at line 3, column 1 (an extra comma before it): "…a\": 1,\n \"b\": 2,\n}"`},
		{"trailing comma in an array", "{\"a\": [1, 2, ]}", `{"a":[1,2]}`, `unexpected ']' at line 1, column 14 (an extra comma before it)`},
		{"line comment", "{\n  \"a\": 1, // the answer\n  \"b\": 2\n}", `{"a":1,"b":2}`, `a // comment at line 2, column 11 (JSON has no comments)`},
		{"block comment", "{\"a\": /* one */ 1}", `{"a":1}`, `a /* */ comment at line 1, column 7 (JSON has no comments)`},
		{"unterminated block comment", "{\"a\": 1 /* oops}", "", `unterminated /* comment starting at line 1, column 9: "/* oops}"`},
		{"single-quoted keys and strings", "{'name': 'it's \"ver\"', 'n': 1}", `{"name":"it's \"ver\"","n":1}`, `a single-quoted string at line 1, column 2 (JSON strings use double quotes)`},
		{"escaped apostrophe", `{"a": "don\'t"}`, `{"a":"don't"}`, `an invalid escape \' inside a string at line 1, column 11`},
		{"invalid escape", `{"a": "\d+"}`, `{"a":"\\d+"}`, `an invalid escape "\\d" inside a string at line 1, column 8`},
		{"key without quotes", "{name: \"ver\", hooks: []}", `{"name":"ver","hooks":[]}`, `a key without quotes at line 1, column 2 (keys need double quotes)`},
		{"prose and a fenced block", brokenGenAnswer,
			`{"name":"ver","assembly":"ver_cmd:\n\tmov si, msg\n\tcall print\n\tret","hooks":[{"slot":"cmd_head","handler":"ver_cmd"}]}`,
			`a raw line break inside a string at line 6, column 24 (write it as \n)`},
		{"everything at once", "{\n  // generated\n  'a': [1, 2,],\n  b: \"x\ny\", /* end */\n}", `{"a":[1,2],"b":"x\ny"}`, `a // comment at line 2, column 3`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := compact(ExtractJSONFor(tc.answer, true))
			if tc.want == "" {
				if !strings.Contains(got, tc.strict) {
					t.Errorf("ExtractJSONFor: got %s, want an error containing %s", got, tc.strict)
				}
			} else if got != tc.want {
				t.Errorf("ExtractJSONFor:\ngot  %s\nwant %s", got, tc.want)
			}
			raw, err := ExtractJSON(tc.answer)
			if err == nil || !strings.Contains(err.Error(), tc.strict) {
				t.Errorf("ExtractJSON: got %s, %v; want an error containing %s", raw, err, tc.strict)
			}
			var je *JSONError
			if err != nil && !errors.As(err, &je) {
				t.Errorf("ExtractJSON: %v is not a *JSONError", err)
			}
		})
	}
}

// Which value is the answer, and the errors that name what cannot be
// repaired.
func TestExtractJSONForChoosesAndReports(t *testing.T) {
	deep := strings.Repeat("[", 100) + "1" + strings.Repeat("]", 100)
	tooDeep := strings.Repeat("[", 600) + strings.Repeat("]", 600)
	for _, tc := range []struct {
		name, answer string
		wantObject   bool
		want         string // compacted JSON, or "ERROR " and the whole error text
	}{
		{"whole answer", `{"a": 1}`, true, `{"a":1}`},
		{"nested array before the object", "The hooks: [{\"slot\": \"cmd_head\", \"handler\": \"h\"}, {\"slot\": \"x\", \"handler\": \"y\"}]\nThe answer: {\"name\": \"ver\"}", true, `{"name":"ver"}`},
		{"array when any value will do", "The hooks: [{\"slot\": \"cmd_head\", \"handler\": \"h\"}, {\"slot\": \"x\", \"handler\": \"y\"}]\nThe answer: {\"name\": \"ver\"}", false, `[{"slot":"cmd_head","handler":"h"},{"slot":"x","handler":"y"}]`},
		{"only an array", "Here: [1, 2]", true, `[1,2]`},
		{"the array inside a broken object is not the answer", "{\"name\": \"x\", \"assembly\": \"db \"hi\", 0\", \"hooks\": [{\"slot\": \"a\", \"handler\": \"b\"}]}", true,
			`ERROR the JSON in the answer is broken: expected ',' or '}' after an object member, found 'h' at line 1, column 32 (an unescaped quote in the string before it?): "…assembly\": \"db \"hi\", 0\", \"hooks\"…"`},
		{"two objects, the second the answer", "The format is {\"name\": \"...\"}.\n\nHere is mine:\n{\"name\": \"ver\", \"assembly\": \"ret\", \"hooks\": []}", true, `{"name":"ver","assembly":"ret","hooks":[]}`},
		{"a fenced object wins over a larger one in prose", "Not {\"this\": \"one, which is longer than the other\"} but\n```json\n{\"that\": 1}\n```", true, `{"that":1}`},
		{"a broken fence does not swallow the text after it", "```json\n{\"broken\": \n```\nSorry, here it is: {\"fixed\": [1, 2, 3]}", true, `{"fixed":[1,2,3]}`},
		{"braces in prose are not JSON", "Use {curly} and [see below] then {\"real\": \"json\"}", true, `{"real":"json"}`},
		{"prose only", "I cannot write {name} in JSON.", true, `ERROR no JSON value in the answer: I cannot write {name} in JSON.`},
		{"deeply nested", "Here: " + deep + " done", false, deep},
		{"too deeply nested", "Here: " + tooDeep, false, `ERROR the JSON in the answer is broken: nesting deeper than 512 levels at line 1, column 519: "…[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[…"`},
		{"300,000 '['", strings.Repeat("[", 300000), false, `ERROR the JSON in the answer is broken: nesting deeper than 512 levels at line 1, column 513: "…[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[…"`},
		{"unterminated string", "```json\n{\"name\": \"x\",\n \"assembly\": \"mov ax, 1\n int 0x10\n```", true,
			"ERROR the JSON in the answer is broken: unterminated string starting at line 3, column 14 (a missing closing quote?): \"mov ax, 1\\n int 0x10\\n```\""},
		{"cut off", "{\"name\": \"ver\", \"hooks\": [", true, `ERROR the JSON in the answer is broken: unterminated array starting at line 1, column 26 (cut off, or a missing ']'?): "…\"ver\", \"hooks\": ["`},
		{"missing comma", "{\"a\": 1\n \"b\": 2}", true, `ERROR the JSON in the answer is broken: expected ',' or '}' after an object member, found '"' at line 2, column 2 (a missing comma?): "{\"a\": 1\n \"b\": 2}"`},
		{"hex number", "{\"addr\": 0x7E00}", true, `ERROR the JSON in the answer is broken: "0x7E00" is not a JSON number at line 1, column 10 (JSON numbers are decimal: write 32256 for 0x7E00, or a string): "{\"addr\": 0x7E00}"`},
		{"Python literal", "{\"ok\": True}", true, `ERROR the JSON in the answer is broken: unexpected word "True" where a value should be at line 1, column 8 (JSON writes true, false and null): "{\"ok\": True}"`},
		{"bracket mismatch", "{\"a\": [1, 2}", true, `ERROR the JSON in the answer is broken: expected ',' or ']' after an array element, found '}' at line 1, column 12 (a missing ']'?): "{\"a\": [1, 2}"`},
		{"line and column are in the answer, reasoning included", "<think>\nhmm\n</think>\n{\"a\": tru}", true, `ERROR the JSON in the answer is broken: unexpected word "tru" where a value should be at line 4, column 7 (strings need double quotes): "{\"a\": tru}"`},
		{"harmony: the sketch in the analysis is not the answer", "<|channel|>analysis<|message|>Maybe {\"slot\": \"cmd_head\", \"handler\": \"a long sketch of the handler\"}.<|end|><|start|>assistant<|channel|>final<|message|>{\"name\": \"ver\"}<|return|>", true, `{"name":"ver"}`},
		{"harmony stripped", "analysisMaybe {\"slot\": \"cmd_head\", \"handler\": \"a long sketch of the handler\"}.assistantfinal{'name': 'ver',}", true, `{"name":"ver"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := compact(ExtractJSONFor(tc.answer, tc.wantObject)); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// A value that needs no repair comes back as written, even from
// ExtractJSONFor.
func TestExtractJSONForVerbatim(t *testing.T) {
	answer := "Here:\n{ \"a\" : [1,2] ,\n \"b\": \"c\" }\nand {x}"
	raw, err := ExtractJSONFor(answer, true)
	if err != nil || !strings.Contains(answer, string(raw)) || string(raw) != "{ \"a\" : [1,2] ,\n \"b\": \"c\" }" {
		t.Errorf("got %q, %v", raw, err)
	}
}

func TestWantsObject(t *testing.T) {
	var s struct{ A int }
	var m map[string]any
	var a []int
	var v any
	for _, tc := range []struct {
		out  any
		want bool
	}{{&s, true}, {&m, true}, {&a, false}, {&v, false}, {nil, false}} {
		if got := wantsObject(tc.out); got != tc.want {
			t.Errorf("wantsObject(%T) = %v", tc.out, got)
		}
	}
}

var harmonyCases = []struct{ name, in, content, reasoning string }{
	{"tokenised",
		"<|channel|>analysis<|message|>The user wants {\"slot\": \"cmd_head\"}.<|end|><|start|>assistant<|channel|>final<|message|>{\"name\": \"ver\"}<|return|>",
		`{"name": "ver"}`, `The user wants {"slot": "cmd_head"}.`},
	{"tokenised from <|start|>, with commentary and constrain",
		"<|start|>assistant<|channel|>analysis<|message|>think<|end|><|start|>assistant<|channel|>commentary to=functions.x <|constrain|>json<|message|>{\"q\":1}<|call|><|start|>assistant<|channel|>final <|constrain|>json<|message|>\n{\"a\": 1}<|end|>",
		`{"a": 1}`, "think\n{\"q\":1}"},
	{"tokenised, cut in the analysis", "<|channel|>analysis<|message|>Let me think about", "", "Let me think about"},
	{"stripped", "analysisThe user wants a ver command. Sketch: {\"slot\": 1}.assistantfinal{\"name\": \"ver\"}",
		`{"name": "ver"}`, `The user wants a ver command. Sketch: {"slot": 1}.`},
	{"stripped, after white space", "\n analysis think assistantfinal  Hello", "Hello", "think"},
	{"starts with analysis, no assistantfinal", "analysis of the boot sector: the final answer is 42", "analysis of the boot sector: the final answer is 42", ""},
	{"stripped, cut in the analysis", "analysisThe user wants {\"name\": \"x\"} so I will", "", `The user wants {"name": "x"} so I will`},
	{"assistantfinal, not at the start", "My analysis: assistantfinal is a token.", "My analysis: assistantfinal is a token.", ""},
	{"final without analysis", "The final answer: analysis", "The final answer: analysis", ""},
	{"not a special token", "a <|b|> c <| d", "a <|b|> c <| d", ""},
	{"a stray token", "Hello<|end|>", "Hello", ""},
	{"harmony and think", "<|channel|>final<|message|><think>x</think>answer", "answer", "x"},
}

func TestSplitThinkHarmony(t *testing.T) {
	for _, tc := range harmonyCases {
		c, r := SplitThink(tc.in)
		if c != tc.content || r != tc.reasoning {
			t.Errorf("%s: SplitThink(%q)\n= %q, %q\nwant %q, %q", tc.name, tc.in, c, r, tc.content, tc.reasoning)
		}
	}
}

// Streamed in pieces of every size, ThinkFilter shows what SplitThink
// gives as content.
func TestThinkFilterHarmony(t *testing.T) {
	for _, tc := range harmonyCases {
		for size := 1; size <= len(tc.in); size++ {
			var f ThinkFilter
			var b strings.Builder
			for i := 0; i < len(tc.in); i += size {
				b.WriteString(f.Write(tc.in[i:min(i+size, len(tc.in))]))
			}
			b.WriteString(f.Flush())
			if got := strings.TrimSpace(b.String()); got != tc.content {
				t.Errorf("%s, pieces of %d: shown %q, want %q", tc.name, size, got, tc.content)
				break
			}
		}
	}
}

// The stripped form is held back until it shows itself, and then only the
// final channel is shown.
func TestThinkFilterHoldsStrippedAnalysis(t *testing.T) {
	var f ThinkFilter
	var shown []string
	for _, tok := range []string{"analysis", "The user", " wants {x}.", "assistant", "final", "Hello", " world"} {
		shown = append(shown, f.Write(tok))
	}
	shown = append(shown, f.Flush())
	if got := strings.Join(shown, "|"); got != "|||||Hello| world|" {
		t.Errorf("shown %q", got)
	}
}

// FuzzExtractJSONFor: no panics; what it returns is valid JSON; it finds a
// value wherever ExtractJSON does, and a value ExtractJSON finds needs no
// repair.
func FuzzExtractJSONFor(f *testing.F) {
	for _, s := range []string{brokenGenAnswer, "{'a': [1,], // c\n b: \"x\ny\"}", "{\"a\": \"\\q\"}", "```\n{\"a\": 1\n```", "analysisx{}assistantfinal{\"a\":1}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		strict, serr := ExtractJSON(s)
		raw, err := ExtractJSONFor(s, false)
		if err == nil && !json.Valid(raw) {
			t.Fatalf("ExtractJSONFor(%q) = %q, not valid JSON", s, raw)
		}
		if serr == nil && err != nil {
			t.Fatalf("ExtractJSON(%q) = %q but ExtractJSONFor fails: %v", s, strict, err)
		}
		if obj, err := ExtractJSONFor(s, true); err == nil && !json.Valid(obj) {
			t.Fatalf("ExtractJSONFor(%q, true) = %q, not valid JSON", s, obj)
		}
	})
}

// FuzzThinkFilterSplitThink: for text without <think> tags (whose
// surrounding newlines the two treat differently), the filter shows what
// SplitThink gives as content, however the stream is cut.
func FuzzThinkFilterSplitThink(f *testing.F) {
	for _, tc := range harmonyCases {
		f.Add(tc.in, 5)
	}
	f.Fuzz(func(t *testing.T, s string, cut int) {
		if cut < 0 || cut > len(s) || strings.Contains(s, "think>") {
			return
		}
		var tf ThinkFilter
		shown := tf.Write(s[:cut]) + tf.Write(s[cut:]) + tf.Flush()
		if c, _ := SplitThink(s); strings.TrimSpace(shown) != c {
			t.Fatalf("%q cut at %d: shown %q, content %q", s, cut, shown, c)
		}
	})
}

// BenchmarkExtractJSONAdversarial: 64 KiB answers built to defeat a
// scanner that restarts at every bracket, and a large answer to repair.
func BenchmarkExtractJSONAdversarial(b *testing.B) {
	const size = 64 << 10
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	big := "```json\n{\"name\": \"big\", \"assembly\": \"" + fill("mov ax, 1\n\tint 0x10 ; it's\n")[:size-100] + "\", \"hooks\": [],}\n```"
	for _, c := range []struct{ name, answer string }{
		{"brackets", fill("[")},
		{"open-keys", fill(`{"a":`)},
		{"prose-braces", fill("{x} ")},
		{"arrays-in-broken-object", "{\"a\": \"x\" oops " + fill("[1],")},
		{"quotes", fill(`{'`)},
		{"fences", fill("```{")},
		{"repair-64k", big},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.answer)))
			for b.Loop() {
				ExtractJSONFor(c.answer, true)
			}
		})
	}
}

func ExampleExtractJSONFor() {
	answer := "Here it is:\n```json\n{\n  'name': 'ver',\n  \"assembly\": \"mov si, msg\n\tcall print\",\n}\n```"
	raw, err := ExtractJSONFor(answer, true)
	fmt.Println(string(raw), err)
	_, err = ExtractJSON(answer)
	fmt.Println(err)
	// Output:
	// {
	//   "name": "ver",
	//   "assembly": "mov si, msg\n\tcall print"
	// } <nil>
	// the JSON in the answer is broken: a single-quoted string at line 4, column 3 (JSON strings use double quotes): "…is:\n```json\n{\n  'name': 'ver',\n …"
}
