package llm_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

var benchText = strings.Repeat("pxOS boot sector: mov ax, 0x7C00 ; set up the stack\n    int 0x10 ; teletype output AH=0Eh\n", 100)

func BenchmarkEstimateTokens(b *testing.B) {
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		llm.EstimateTokens(benchText)
	}
}

// BenchmarkFit: 30 retrieved records of about 2 KB into an 8192-token context.
func BenchmarkFit(b *testing.B) {
	var its []llm.ContextItem
	for i := range 30 {
		its = append(its, llm.ContextItem{Label: fmt.Sprintf("#%d reference: item", i), Text: benchText[:2000]})
	}
	p := llm.Prompt{Instructions: "You write 16-bit x86 assembly for pxOS.", Question: "Add a help command.", Context: its}
	for b.Loop() {
		if _, err := p.Fit(8192, 1024); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtractJSON(b *testing.B) {
	answer := "<think>" + benchText[:1000] + "</think>Sure, here it is: {\"code\": " + fmt.Sprintf("%q", benchText[:2000]) + "} Hope this helps."
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		if _, err := llm.ExtractJSON(answer); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChat is the client's cost per call against a local server that
// answers at once (HTTP round trip on 127.0.0.1, encoding and decoding).
func BenchmarkChat(b *testing.B) {
	s := llmtest.New(b, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Content: "ok"} }})
	c := llm.New(llm.Config{URL: s.URL, Timeout: 10 * time.Second})
	req := llm.Request{Messages: []llm.Message{llm.System("sys"), llm.User(benchText[:2000])}}
	ctx := context.Background()
	for b.Loop() {
		if _, err := c.Chat(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChatStream: a 200-token streamed answer; reports ns per token.
func BenchmarkChatStream(b *testing.B) {
	chunks := make([]string, 200)
	for i := range chunks {
		chunks[i] = "tok "
	}
	s := llmtest.New(b, llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Chunks: chunks} }})
	c := llm.New(llm.Config{URL: s.URL, Timeout: 10 * time.Second})
	req := llm.Request{Messages: []llm.Message{llm.User("x")}}
	ctx := context.Background()
	n := 0
	for b.Loop() {
		if _, err := c.ChatStream(ctx, req, func(string) { n++ }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/token")
}
