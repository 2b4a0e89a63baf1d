package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/llm/llmtest"
)

// TestLLMScripts runs the scripts in testdata/llmscript: pxos bridge and
// pxos doctor driven end to end against fake LLM servers on 127.0.0.1,
// started for each script. Each server logs the chat requests it receives
// to $WORK/llm (chat-N.json, last-chat.json) so a script can grep what was
// sent. The scripts see:
//
//	PXOS_LLM_URL, LLM_URL  an LM Studio server with "test-model" loaded
//	OLLAMA_URL             an Ollama server (llama3.2:3b, nomic-embed-text)
//	LLAMACPP_URL           a llama.cpp server (coder.gguf, 8192 context)
//	GENERIC_URL            a plain OpenAI-compatible server (no context length)
//	NOMODEL_URL            an LM Studio server with no model loaded
//	HANG_URL               a server that never answers a chat
//	CLOSED_URL             a port where nothing listens
func TestLLMScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/llmscript",
		RequireExplicitExec: true,
		Setup: func(e *testscript.Env) error {
			e.Setenv("PATH", os.Getenv("PATH"))
			start := func(name string, o llmtest.Options) {
				s := llmtest.Start(o)
				e.Defer(s.Close)
				e.Setenv(name, s.URL)
			}
			start("LLM_URL", llmtest.Options{LogDir: filepath.Join(e.WorkDir, "llm")})
			e.Setenv(llm.EnvURL, e.Getenv("LLM_URL"))
			start("OLLAMA_URL", llmtest.Options{Kind: llm.KindOllama, Models: []string{"llama3.2:3b"}, EmbeddingModel: "nomic-embed-text:latest", ContextLength: 2048})
			start("LLAMACPP_URL", llmtest.Options{Kind: llm.KindLlamaCpp, Models: []string{"coder.gguf"}, ContextLength: 8192})
			start("GENERIC_URL", llmtest.Options{Kind: llm.KindOpenAI, Models: []string{"gpt-test"}})
			start("NOMODEL_URL", llmtest.Options{NoneLoaded: true})
			start("HANG_URL", llmtest.Options{Reply: func(llmtest.ChatRequest) llmtest.Reply { return llmtest.Reply{Hang: true} }})
			closed := llmtest.Start(llmtest.Options{})
			e.Setenv("CLOSED_URL", closed.URL)
			closed.Close()
			return nil
		},
	})
}
