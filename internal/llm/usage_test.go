package llm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// Token counts come from the server when it reports them (streams ask for
// them with stream_options.include_usage) and are estimated, and marked so,
// when it does not.
func TestUsage(t *testing.T) {
	const question, answer = "count my tokens", "one two three four"
	msgs := []llm.Message{llm.User(question)}
	estimate := llm.Usage{
		PromptTokens:     llm.EstimateMessages(msgs),
		CompletionTokens: llm.EstimateTokens(answer),
		TotalTokens:      llm.EstimateMessages(msgs) + llm.EstimateTokens(answer),
		Estimated:        true,
	}
	// The fake's figures: bytes/4 (15/4, 18/4, 33/4).
	server := llm.Usage{PromptTokens: 3, CompletionTokens: 4, TotalTokens: 8}
	reply := func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: answer} }
	// A server that counts but leaves total_tokens out.
	noTotal := func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Body: `{"choices":[{"message":{"role":"assistant","content":"` + answer + `"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":5}}`}
	}
	for _, tc := range []struct {
		name   string
		opts   llmtest.Options
		stream bool
		want   llm.Usage
	}{
		{"stream/include-usage", llmtest.Options{Reply: reply}, true, server},
		{"stream/no-usage", llmtest.Options{Reply: reply, NoUsage: true}, true, estimate},
		{"chat/usage", llmtest.Options{Reply: reply}, false, server},
		{"chat/no-usage", llmtest.Options{Reply: reply, NoUsage: true}, false, estimate},
		{"chat/no-total", llmtest.Options{Reply: noTotal}, false, llm.Usage{PromptTokens: 12, CompletionTokens: 5, TotalTokens: 17}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fake(t, tc.opts)
			c := client(s.URL)
			var resp *llm.Response
			var err error
			if tc.stream {
				resp, err = c.ChatStream(context.Background(), llm.Request{Messages: msgs}, func(string) {})
			} else {
				resp, err = c.Chat(context.Background(), llm.Request{Messages: msgs})
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != answer {
				t.Errorf("content %q, want %q", resp.Content, answer)
			}
			if resp.Usage != tc.want {
				t.Errorf("usage %+v, want %+v", resp.Usage, tc.want)
			}
			if tc.want.Estimated && resp.Usage.TotalTokens <= 0 {
				t.Errorf("estimate %+v is not positive", resp.Usage)
			}
			// stream_options goes with stream: true only; vLLM rejects it
			// on a request that does not stream.
			var body struct {
				StreamOptions *struct {
					IncludeUsage bool `json:"include_usage"`
				} `json:"stream_options"`
			}
			sent := s.Chats()[0].Body
			if err := json.Unmarshal(sent, &body); err != nil {
				t.Fatal(err)
			}
			if tc.stream && (body.StreamOptions == nil || !body.StreamOptions.IncludeUsage) {
				t.Errorf("stream without stream_options.include_usage true: %s", sent)
			}
			if !tc.stream && body.StreamOptions != nil {
				t.Errorf("stream_options sent without stream: %s", sent)
			}
		})
	}
}

// A server that rejects stream_options is asked again without it, and the
// client does not send it again. The bodies are the servers' own.
func TestStreamOptionsRejected(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		retry  bool
	}{
		// Azure OpenAI before it knew the field
		// (https://github.com/langchain-ai/langchain/pull/23552).
		{"azure", 400, `{"error":{"code":null,"message":"Unrecognized request argument supplied: stream_options","param":null,"type":"invalid_request_error"}}`, true},
		// Mistral's API (https://github.com/openai/openai-agents-python/issues/442).
		{"mistral", 422, `{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","stream_options","include_usage"],"msg":"Extra inputs are not permitted","input":true}]},"type":"invalid_request_error","param":null,"code":null}`, true},
		// A rejection for another reason is not retried.
		{"other", 400, `{"error":{"message":"'temperature' must be at most 2","type":"invalid_request_error"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := fake(t, llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply {
				if !tc.retry || bytes.Contains(r.Body, []byte("stream_options")) {
					return llmtest.Reply{Status: tc.status, Body: tc.body}
				}
				return llmtest.Reply{Content: "fine"}
			}})
			c := client(s.URL)
			req := llm.Request{Messages: []llm.Message{llm.User("count my tokens")}}
			resp, err := c.ChatStream(context.Background(), req, func(string) {})
			if !tc.retry {
				if !errors.Is(err, llm.ErrRejected) || len(s.Chats()) != 1 {
					t.Fatalf("err = %v after %d requests, want ErrRejected after 1", err, len(s.Chats()))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Content != "fine" || resp.Tries != 2 || !resp.Usage.Estimated || resp.Usage.TotalTokens <= 0 {
				t.Errorf("response %+v", resp)
			}
			if _, err := c.ChatStream(context.Background(), req, func(string) {}); err != nil {
				t.Fatal(err)
			}
			chats := s.Chats()
			if len(chats) != 3 {
				t.Fatalf("%d chat requests, want 3 (rejected, retried, remembered)", len(chats))
			}
			for i, ch := range chats[1:] {
				if bytes.Contains(ch.Body, []byte("stream_options")) {
					t.Errorf("request %d still sent stream_options: %s", i+2, ch.Body)
				}
			}
		})
	}
}
