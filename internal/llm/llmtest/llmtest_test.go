package llmtest_test

import (
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
