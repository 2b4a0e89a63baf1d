// Package bridge is the conversation between a person, the LLM server and
// the pixel network: the library behind `pxos bridge` (the seed's
// lm_studio_bridge.py) and `pxos doctor`.
//
// The seed's bridge claimed to read "accumulated pixel context" but only
// sent the network image's height to the model. This one retrieves the
// records most similar to the question (pixnet's search), fits them into the
// model's context with llm.Prompt.Fit (instructions and question whole,
// context trimmed), lists the records that went into the prompt by id and
// title, streams the answer as it arrives, and stores every question and
// answer back into the network as a "qa" record, so what a person taught
// the network is in the next prompt.
//
// bridge owns the wording of its prompts and its output. The wire protocol
// belongs to package llm and the store to package pixnet. Doctor lives here
// too: it is the same user-facing question, "what can talk to what".
package bridge

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// DefaultNetwork is the bridge's network, as the seed named it.
const DefaultNetwork = "pxvm/networks/learning_network.png"

// Store is what the bridge needs of the pixel network; *pixnet.Store has it.
type Store interface {
	Append(pixnet.Record) (pixnet.Record, error)
	Search(q string, o pixnet.SearchOptions) []pixnet.Hit
	Stats() pixnet.Stats
}

// Options configure a Bridge.
type Options struct {
	Client *llm.Client
	Store  Store
	// Out receives everything the bridge shows: record lists, the streamed
	// answers, notes.
	Out io.Writer
	// Temperature is nil for llm.DefaultTemperature.
	Temperature *float64
	// MaxTokens caps each answer; 0 leaves it to the server.
	MaxTokens int
	// K is how many records are retrieved per question; 0 means 5.
	K int
	// Embeddings ranks records with the server's embeddings too.
	Embeddings bool
}

// Bridge answers questions with the network's knowledge.
type Bridge struct {
	o Options
}

// New returns a bridge. Options.Client, Store and Out must be set.
func New(o Options) *Bridge {
	if o.K <= 0 {
		o.K = 5
	}
	if o.Out != nil {
		o.Out = printable{o.Out}
	}
	return &Bridge{o: o}
}

// printable writes text made safe for a terminal (llm.Printable): the
// bridge prints model answers and network records, untrusted text that
// could carry escape sequences.
type printable struct{ w io.Writer }

func (p printable) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, llm.Printable(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Ref names a record that went into a prompt.
type Ref struct {
	ID      uint64      `json:"id"`
	Kind    pixnet.Kind `json:"kind"`
	Title   string      `json:"title"`
	Trimmed bool        `json:"trimmed,omitempty"`
}

// Answer is the outcome of one question.
type Answer struct {
	Question string `json:"question"`
	Text     string `json:"answer"`
	Model    string `json:"model"`
	// Used are the records sent with the question, best first; Dropped
	// counts retrieved records that did not fit the context.
	Used    []Ref `json:"used"`
	Dropped int   `json:"dropped,omitempty"`
	// Stored is the id of the qa record written, 0 when not stored.
	Stored uint64 `json:"stored,omitempty"`
}

// instructions is the system message of every bridge prompt.
const instructions = `You are the assistant of pxOS, a tiny x86 real-mode operating system that the pxos tool grows with a local LLM and tests in an emulator. Answer briefly and concretely.
When the context holds the answer, use it and cite the records you used by id, like [#12]. When it does not, say so and answer from general knowledge.`

// Ask answers question with the records the network finds for it, shows
// which records went into the prompt, streams the answer to Out and stores
// the question and answer as a qa record.
func (b *Bridge) Ask(ctx context.Context, question string) (*Answer, error) {
	return b.ask(ctx, question, true, true)
}

func (b *Bridge) ask(ctx context.Context, question string, withContext, store bool) (*Answer, error) {
	out := b.o.Out
	// Find the model first: a missing server or model is reported before
	// anything is printed.
	if _, err := b.o.Client.Model(ctx); err != nil {
		return nil, err
	}
	var hits []pixnet.Hit
	if withContext {
		so := pixnet.SearchOptions{K: b.o.K, Context: ctx}
		if b.o.Embeddings {
			so.Embedder = b.o.Client
		}
		hits = b.o.Store.Search(question, so)
	}
	p := llm.Prompt{Instructions: instructions, Question: question, ContextHeading: "Context from the pixel network (records, best match first):"}
	for _, h := range hits {
		r := h.Record
		p.Context = append(p.Context, llm.ContextItem{Label: fmt.Sprintf("#%d %s: %s", r.ID, r.Kind, r.Title), Text: r.Body})
	}
	fit, err := p.Fit(b.o.Client.ContextLength(ctx), b.o.MaxTokens)
	if err != nil {
		return nil, err
	}
	a := &Answer{Question: question, Dropped: len(fit.Dropped)}
	trimmed := map[int]bool{}
	for _, i := range fit.Trimmed {
		trimmed[i] = true
	}
	for _, i := range fit.Used {
		r := hits[i].Record
		a.Used = append(a.Used, Ref{ID: r.ID, Kind: r.Kind, Title: r.Title, Trimmed: trimmed[i]})
	}
	if withContext {
		writeRefs(out, a.Used, a.Dropped)
	}

	fmt.Fprint(out, "Answer: ")
	var tf llm.ThinkFilter
	resp, err := b.o.Client.ChatStream(ctx, llm.Request{Messages: fit.Messages, Temperature: b.o.Temperature, MaxTokens: b.o.MaxTokens},
		func(tok string) { io.WriteString(out, tf.Write(tok)) })
	io.WriteString(out, tf.Flush())
	fmt.Fprintln(out)
	if err != nil {
		return nil, err
	}
	a.Text, a.Model = resp.Content, resp.Model
	if !store {
		return a, nil
	}
	rec, err := b.o.Store.Append(qaRecord(a))
	if err != nil {
		return a, err
	}
	a.Stored = rec.ID
	fmt.Fprintf(out, "(stored as record #%d, kind qa)\n", rec.ID)
	return a, nil
}

func writeRefs(out io.Writer, used []Ref, dropped int) {
	if len(used) == 0 {
		fmt.Fprintln(out, "Context: no records (nothing in the network matches)")
	} else {
		fmt.Fprintf(out, "Context: %d record%s from the network:\n", len(used), plural(len(used)))
		for _, r := range used {
			note := ""
			if r.Trimmed {
				note = " (trimmed to fit)"
			}
			fmt.Fprintf(out, "  #%d %s %q%s\n", r.ID, r.Kind, r.Title, note)
		}
	}
	if dropped > 0 {
		fmt.Fprintf(out, "  (%d more record%s did not fit the model's context)\n", dropped, plural(dropped))
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// qaRecord is how a question and its answer are kept: the title is the
// question (what search weighs most), the body both, the payload the
// details a program may want.
func qaRecord(a *Answer) pixnet.Record {
	ids := make([]uint64, len(a.Used))
	for i, r := range a.Used {
		ids[i] = r.ID
	}
	payload, _ := json.Marshal(map[string]any{"question": a.Question, "answer": a.Text, "model": a.Model, "context_ids": ids})
	return pixnet.Record{
		Kind:    pixnet.KindQA,
		Tags:    []string{"bridge"},
		Title:   oneLine(a.Question, 120),
		Body:    "Q: " + a.Question + "\n\nA: " + a.Text,
		Payload: payload,
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// DemoQuestion is the question the demo asks twice.
const DemoQuestion = "What is pxOS?"

// demoTitle and demoFact are what the demo teaches the network.
const demoTitle = "What is pxOS"

const demoFact = `pxOS is a tiny x86 real-mode operating system. Its image is built from pxos_commands.txt, a list of primitives (WRITE addr byte, DEFINE label addr, COMMENT text); the BIOS loads the boot sector at 0x7C00, which loads the rest of pxOS from 0x7E00, clears the screen, prints a banner and runs a shell loop that reads keys with int 16h and echoes them with int 10h. Features plug in through hook slots (hook_key, hook_line) without rewriting the base. The pxos tool grows pxOS with a local LLM (LM Studio, Ollama or llama.cpp), proves every step by booting it in an emulator, and keeps what it learns in a PNG "pixel network".`

// Demo shows why the network matters: it asks DemoQuestion without context,
// teaches the network a reference record about pxOS (once: a network that
// already has it reuses it), asks again with retrieved context and shows
// both answers and the records used. The demo's answers are not stored, so
// the network's record count (shown before and after) grows by the taught
// record at most.
func (b *Bridge) Demo(ctx context.Context) error {
	out := b.o.Out
	st := b.o.Store.Stats()
	fmt.Fprintf(out, "pxos bridge demo: LLM at %s, network %s (%d records before the demo)\n\n", b.o.Client.URL(), st.Path, st.Records)

	fmt.Fprintf(out, "== 1. Without context ==\nQ: %s\n", DemoQuestion)
	first, err := b.ask(ctx, DemoQuestion, false, false)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== 2. Teaching the network ==\n")
	taught, stored, err := b.teach(ctx)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== 3. With context from the network ==\nQ: %s\n", DemoQuestion)
	second, err := b.ask(ctx, DemoQuestion, true, false)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "\n== Summary ==\n")
	fmt.Fprintf(out, "without context: %s\n", oneLine(first.Text, 100))
	fmt.Fprintf(out, "with context:    %s\n", oneLine(second.Text, 100))
	used := false
	var ids []string
	for _, r := range second.Used {
		ids = append(ids, fmt.Sprintf("#%d", r.ID))
		used = used || r.ID == taught.ID
	}
	fmt.Fprintf(out, "records used: %s\n", strings.Join(ids, ", "))
	if !used {
		fmt.Fprintf(out, "note: the taught record #%d was not among the records retrieved\n", taught.ID)
	}
	how := fmt.Sprintf("#%d taught by this demo", taught.ID)
	if !stored {
		how = fmt.Sprintf("#%d was there before; the answers are not stored", taught.ID)
	}
	fmt.Fprintf(out, "network %s: %d records after the demo (%s)\n", st.Path, b.o.Store.Stats().Records, how)
	return nil
}

// teach stores the demo's reference record unless the network has it, and
// reports whether it stored it.
func (b *Bridge) teach(ctx context.Context) (pixnet.Record, bool, error) {
	for _, h := range b.o.Store.Search(demoTitle, pixnet.SearchOptions{K: 10, Kinds: []pixnet.Kind{pixnet.KindReference}, Context: ctx}) {
		if h.Record.Title == demoTitle && h.Record.Body == demoFact {
			fmt.Fprintf(b.o.Out, "the network already knows it: record #%d reference %q\n", h.Record.ID, h.Record.Title)
			return h.Record, false, nil
		}
	}
	r, err := b.o.Store.Append(pixnet.Record{Kind: pixnet.KindReference, Tags: []string{"pxos", "overview", "bridge-demo"}, Title: demoTitle, Body: demoFact})
	if err != nil {
		return r, false, err
	}
	fmt.Fprintf(b.o.Out, "stored record #%d reference %q:\n  %s\n", r.ID, r.Title, oneLine(r.Body, 160))
	return r, true, nil
}

// Interactive runs a chat loop on in: each line is a question answered with
// Ask (and stored); "stats" prints the network's figures; "exit", "quit"
// or the end of input ends it. A failure that will not go away by itself
// (server unreachable, no model, bad credentials) ends the loop with that
// error; others are shown and the loop goes on.
func (b *Bridge) Interactive(ctx context.Context, in io.Reader) error {
	out := b.o.Out
	// A server or model that is missing fails now, not after the first question.
	if _, err := b.o.Client.Model(ctx); err != nil {
		return err
	}
	st := b.o.Store.Stats()
	fmt.Fprintf(out, "pxos bridge: LLM at %s, network %s (%d records).\n", b.o.Client.URL(), st.Path, st.Records)
	fmt.Fprintln(out, `Ask a question; "stats" shows the network, "exit" quits.`)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for {
		fmt.Fprint(out, "> ")
		if !sc.Scan() {
			fmt.Fprintln(out)
			return sc.Err()
		}
		line := strings.TrimSpace(sc.Text())
		switch strings.ToLower(line) {
		case "":
			continue
		case "exit", "quit":
			return nil
		case "stats":
			WriteStats(out, b.o.Store.Stats())
			continue
		}
		if _, err := b.Ask(ctx, line); err != nil {
			if llm.Unavailable(err) || ctx.Err() != nil {
				return err
			}
			fmt.Fprintln(out, "error:", err)
		}
	}
}

// WriteStats prints a network's figures.
func WriteStats(w io.Writer, st pixnet.Stats) {
	fmt.Fprintf(w, "network %s: %d records", st.Path, st.Records)
	var kinds []string
	for k, n := range st.ByKind {
		if n > 0 {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
	}
	sort.Strings(kinds)
	if len(kinds) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintf(w, "\n  %d segment%s, %d bytes on disk for %d bytes of record text, next id %d\n", st.Segments, plural(st.Segments), st.Bytes, st.RawBytes, st.NextID)
	if st.Damaged > 0 {
		fmt.Fprintf(w, "  %d damaged place%s — run `pxos net verify --network %s`\n", st.Damaged, plural(st.Damaged), st.Path)
	}
}
