package main

import (
	"fmt"
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
//	SCRIPTED_URL           an LM Studio server that answers from files: see scriptedReply
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
			work := e.WorkDir
			start("SCRIPTED_URL", llmtest.Options{Reply: func(r llmtest.ChatRequest) llmtest.Reply { return scriptedReply(work, r) }})
			closed := llmtest.Start(llmtest.Options{})
			e.Setenv("CLOSED_URL", closed.URL)
			closed.Close()
			return nil
		},
	})
}

// scriptedReply answers the SCRIPTED_URL server's chats from the script's
// files. The Nth chat since $WORK/scripted was last emptied (or removed) is
// logged there as chat-N.json (and last-chat.json), and its answer is the
// content of $WORK/replies/N.txt, or of the highest-numbered replies file
// when there are fewer. A script writes its model answers as txtar files
// and resets the count with "rm scripted". Chats are sequential, so
// counting the logged files is enough.
func scriptedReply(work string, r llmtest.ChatRequest) llmtest.Reply {
	logDir := filepath.Join(work, "scripted")
	logged, _ := filepath.Glob(filepath.Join(logDir, "chat-*.json"))
	n := len(logged) + 1
	os.MkdirAll(logDir, 0o755)
	os.WriteFile(filepath.Join(logDir, fmt.Sprintf("chat-%d.json", n)), r.Body, 0o644)
	os.WriteFile(filepath.Join(logDir, "last-chat.json"), r.Body, 0o644)
	for i := n; i >= 1; i-- {
		if b, err := os.ReadFile(filepath.Join(work, "replies", fmt.Sprintf("%d.txt", i))); err == nil {
			return llmtest.Reply{Content: string(b)}
		}
	}
	return llmtest.Reply{Content: fmt.Sprintf("scripted: no file replies/N.txt for N <= %d", n)}
}
