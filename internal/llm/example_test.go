package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// How the generator asks for structured output: a json_schema request whose
// answer is decoded even when the model wraps it in prose.
func ExampleClient_ChatJSON() {
	srv := llmtest.Start(llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply {
		return llmtest.Reply{Content: "Here is the step:\n```json\n{\"description\": \"add backspace\", \"addr\": \"0x7E80\"}\n```"}
	}})
	defer srv.Close()

	c := llm.New(llm.Config{URL: srv.URL})
	schema := json.RawMessage(`{"type":"object","properties":{"description":{"type":"string"},"addr":{"type":"string"}},"required":["description","addr"],"additionalProperties":false}`)
	var step struct{ Description, Addr string }
	_, err := c.ChatJSON(context.Background(), llm.Request{
		Messages:    []llm.Message{llm.System("You plan pxOS features."), llm.User("Plan: backspace")},
		Temperature: llm.Temp(0.2),
	}, llm.Schema{Name: "step", Schema: schema}, &step)
	fmt.Println(step.Description, step.Addr, err)
	// Output: add backspace 0x7E80 <nil>
}

// How a caller fits retrieved records into the model's context.
func ExamplePrompt_Fit() {
	p := llm.Prompt{
		Instructions: "You write 16-bit NASM for pxOS.",
		Context: []llm.ContextItem{
			{Label: "#3 solution: backspace", Text: "cmp al, 8\njne .next"},
			{Label: "#9 reference: int 10h", Text: "AH=0Eh teletype output"},
		},
		Question: "Add a clear command.",
	}
	f, err := p.Fit(4096, 1024)
	fmt.Println(f.Used, f.Dropped, err)
	fmt.Println(f.Messages[1].Content)
	// Output:
	// [0 1] [] <nil>
	// Context:
	//
	// ### #3 solution: backspace
	// cmp al, 8
	// jne .next
	//
	// ### #9 reference: int 10h
	// AH=0Eh teletype output
	//
	// Question: Add a clear command.
}

// Failures are tested with errors.Is; the message is for people.
func ExampleErrUnreachable() {
	c := llm.New(llm.Config{URL: "http://127.0.0.1:1/v1"})
	_, err := c.Chat(context.Background(), llm.Request{Messages: []llm.Message{llm.User("hi")}})
	fmt.Println(errors.Is(err, llm.ErrUnreachable))
	fmt.Println(err)
	// Output:
	// true
	// cannot reach the LLM server at http://127.0.0.1:1/v1 — start LM Studio's server (Developer tab → Start Server), or `ollama serve`, or `llama-server`, or pass --url (PXOS_LLM_URL)
}
