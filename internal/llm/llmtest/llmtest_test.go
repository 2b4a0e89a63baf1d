package llmtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// The fake rejects json_object the way LM Studio does, so a client that
// sent it would fail every test that uses the fake.
func TestRejectsJSONObject(t *testing.T) {
	s := llmtest.New(t, llmtest.Options{})
	resp, err := http.Post(s.URL+"/chat/completions", "application/json",
		strings.NewReader(`{"model":"test-model","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("json_object answered with %d, want 400", resp.StatusCode)
	}
}

// Like OpenAI-compatible servers, the fake streams usage only when asked
// with stream_options.include_usage, in a last chunk with no choices, and
// NoUsage servers never report it.
func TestUsageOnlyWhenAsked(t *testing.T) {
	const usageChunk = `"choices":[],"created":1,"id":"chatcmpl-1","model":"test-model","object":"chat.completion.chunk","usage":{`
	for _, tc := range []struct {
		name    string
		noUsage bool
		extra   string
		want    string // "" = no usage at all
	}{
		{"stream/asked", false, `"stream":true,"stream_options":{"include_usage":true}`, usageChunk},
		{"stream/not-asked", false, `"stream":true`, ""},
		{"stream/asked-false", false, `"stream":true,"stream_options":{"include_usage":false}`, ""},
		{"stream/no-usage", true, `"stream":true,"stream_options":{"include_usage":true}`, ""},
		{"chat", false, `"stream":false`, `"usage":{`},
		{"chat/no-usage", true, `"stream":false`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := llmtest.New(t, llmtest.Options{NoUsage: tc.noUsage})
			resp, err := http.Post(s.URL+"/chat/completions", "application/json",
				strings.NewReader(`{"model":"test-model","messages":[{"role":"user","content":"count my tokens"}],`+tc.extra+`}`))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			got := string(b)
			if tc.want == "" && strings.Contains(got, `"usage"`) {
				t.Errorf("usage sent: %s", got)
			}
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("no %s in %s", tc.want, got)
			}
			if tc.want == usageChunk && !strings.HasSuffix(got, "}\n\ndata: [DONE]\n\n") {
				t.Errorf("the usage chunk is not last before [DONE]: %s", got)
			}
		})
	}
}
