package bridge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Networks are the pixel networks the seed names, checked by Doctor.
var Networks = []string{
	"pxvm/networks/pxos_autobuild.png", // pxos auto
	"pxvm/networks/pxos_dev.png",
	DefaultNetwork, // pxos bridge
}

// Report is what Doctor found. Every missing piece carries a Fix.
type Report struct {
	LLM       LLMCheck        `json:"llm"`
	Tools     []ToolCheck     `json:"tools"`
	Workspace *WorkspaceCheck `json:"workspace,omitempty"`
	Networks  []NetworkCheck  `json:"networks"`
}

// LLMCheck describes the LLM server.
type LLMCheck struct {
	URL       string          `json:"url"`
	Reachable bool            `json:"reachable"`
	Kind      llm.Kind        `json:"kind,omitempty"`
	Models    []llm.ModelInfo `json:"models,omitempty"`
	// Model is the chat model pxos will use; empty when none is loaded.
	Model          string `json:"model,omitempty"`
	ContextLength  int    `json:"context_length,omitempty"`
	ContextSource  string `json:"context_source,omitempty"`
	EmbeddingModel string `json:"embedding_model,omitempty"`
	Error          string `json:"error,omitempty"`
	Fix            string `json:"fix,omitempty"`
	// Probed lists the local addresses (host:port) asked because nothing
	// answered at URL; Found, the LLM servers there (see llm.Discover).
	Probed []string    `json:"probed,omitempty"`
	Found  []llm.Found `json:"found,omitempty"`
}

// ToolCheck describes one external program.
type ToolCheck struct {
	Name    string `json:"name"`
	Found   bool   `json:"found"`
	Path    string `json:"path,omitempty"`
	Version string `json:"version,omitempty"`
	Use     string `json:"use"`
	Fix     string `json:"fix,omitempty"`
}

// NetworkCheck describes one pixel network file.
type NetworkCheck struct {
	Path    string         `json:"path"`
	Exists  bool           `json:"exists"`
	Records int            `json:"records"`
	ByKind  map[string]int `json:"by_kind,omitempty"`
	Bytes   int64          `json:"bytes,omitempty"`
	Damaged int            `json:"damaged,omitempty"`
	Error   string         `json:"error,omitempty"`
	Fix     string         `json:"fix,omitempty"`
}

// WorkspaceCheck describes the pxOS workspace a command run here would use
// (package workspace); the caller finds it.
type WorkspaceCheck struct {
	Found    bool     `json:"found"`
	Root     string   `json:"root,omitempty"`     // absolute
	Commands string   `json:"commands,omitempty"` // its commands file
	Features []string `json:"features,omitempty"` // installed, in file order
	// Base is the pxOS its commands file holds ("pxOS v1.1"); Note says
	// how to move an older one to the base pxos ships.
	Base  string `json:"base,omitempty"`
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"` // its commands file does not build, say
	Fix   string `json:"fix,omitempty"`
}

// DoctorOptions say what to check.
type DoctorOptions struct {
	// Workspace is reported as given; nil for no section.
	Workspace *WorkspaceCheck
	Client    *llm.Client
	// Networks to check; nil means Networks.
	Networks []string
	// Candidates are the base URLs to look at when nothing answers at the
	// client's URL (llm.LocalCandidates: the usual local ports); nil for
	// none.
	Candidates []string
}

// tools are the external programs pxos can use, and what for.
var tools = []struct{ name, versionFlag, use, fix string }{
	{"qemu-system-i386", "--version", "boot pxOS in QEMU (pxos test/run --backend qemu); the built-in emulator works without it",
		"install QEMU: apt-get install qemu-system-x86 (Debian/Ubuntu), dnf install qemu-system-x86 (Fedora), brew install qemu (macOS)"},
	{"nasm", "-v", "differential tests of the built-in assembler; pxos itself does not need it",
		"install nasm: apt-get install nasm, dnf install nasm, or brew install nasm"},
}

// Doctor checks the LLM server, QEMU, nasm and the network files. It never
// fails: a missing piece is part of the report, with what to do about it.
// The networks are opened read-only; Doctor changes nothing.
func Doctor(ctx context.Context, o DoctorOptions) *Report {
	r := &Report{Workspace: o.Workspace, LLM: checkLLM(ctx, o.Client)}
	if !r.LLM.Reachable {
		discover(ctx, o.Client, &r.LLM, o.Candidates)
	}
	for _, t := range tools {
		r.Tools = append(r.Tools, checkTool(ctx, t.name, t.versionFlag, t.use, t.fix))
	}
	nets := o.Networks
	if nets == nil {
		nets = Networks
	}
	for _, p := range nets {
		r.Networks = append(r.Networks, checkNetwork(p))
	}
	return r
}

// discover looks at the candidates other than the client's own URL and,
// when it finds an LLM server, replaces the check's generic fix with the
// --url to use.
func discover(ctx context.Context, client *llm.Client, l *LLMCheck, candidates []string) {
	var cands []string
	for _, u := range candidates {
		c := llm.New(llm.Config{URL: u})
		if c.URL() == client.URL() {
			continue // asked already
		}
		cands = append(cands, u)
		l.Probed = append(l.Probed, hostPort(c.URL()))
	}
	if len(cands) == 0 {
		return
	}
	l.Found = llm.Discover(ctx, cands, llm.DefaultDiscoverTimeout)
	if len(l.Found) > 0 {
		l.Fix = fmt.Sprintf("no LLM server at %s; %s or %s", client.URL(), foundLine(l.Found[0]), llm.EnvURL)
	}
}

// foundLine says what was found and the flag that selects it.
func foundLine(f llm.Found) string {
	if f.NeedsAPIKey {
		return fmt.Sprintf("found a server that asks for an API key at %s — set %s and use --url %s", f.URL, llm.EnvAPIKey, f.URL)
	}
	models := "no models"
	if ids := f.ModelIDs(); len(ids) > 0 {
		const show = 5
		if len(ids) > show {
			models = fmt.Sprintf("models: %s and %d more", strings.Join(ids[:show], ", "), len(ids)-show)
		} else {
			models = "models: " + strings.Join(ids, ", ")
		}
	}
	return fmt.Sprintf("found %s at %s (%s) — use --url %s", f.Kind, f.URL, models, f.URL)
}

func hostPort(u string) string {
	if p, err := url.Parse(u); err == nil && p.Host != "" {
		return p.Host
	}
	return u
}

func checkLLM(ctx context.Context, c *llm.Client) LLMCheck {
	l := LLMCheck{URL: c.URL()}
	info, err := c.Probe(ctx)
	if err != nil {
		l.Error = err.Error()
		switch {
		case errors.Is(err, llm.ErrUnreachable):
			l.Fix = "start LM Studio's server (Developer tab → Start Server), or `ollama serve`, or `llama-server -m MODEL.gguf`; or pass --url / PXOS_LLM_URL. Without a server, pxos auto uses its offline knowledge."
		case errors.Is(err, llm.ErrAuth):
			l.Reachable = true
			l.Fix = "set PXOS_API_KEY to the server's API key"
		case strings.Contains(err.Error(), "the proxy in front of"):
			l.Reachable = true
			l.Fix = "the LLM server behind the proxy is not answering: start it (or wait while it loads the model), then check the proxy's upstream address and timeouts"
		default:
			l.Reachable = !errors.Is(err, llm.ErrTimeout)
			l.Fix = "check that --url points at an OpenAI-compatible server (the URL usually ends in /v1)"
		}
		return l
	}
	l.Reachable = true
	l.Kind, l.Models, l.Model = info.Kind, info.Models, info.Model
	l.ContextLength, l.ContextSource, l.EmbeddingModel = info.ContextLength, info.ContextSource, info.EmbeddingModel
	switch {
	case len(info.Models) == 0:
		l.Fix = "download a model (LM Studio: Discover tab, or `lms get qwen2.5-coder-7b-instruct`; Ollama: `ollama pull qwen2.5-coder:7b`)"
	case l.Model == "":
		l.Fix = "load a model (LM Studio: Developer tab → Select a model to load, or `lms load MODEL`), or pass --model / PXOS_MODEL"
	case info.ContextLength < llm.MinContext:
		l.Fix = fmt.Sprintf("the model's context is %d tokens (%s); pxos needs at least %d: %s",
			info.ContextLength, info.ContextSource, llm.MinContext, c.ContextAdvice(ctx))
	}
	return l
}

func checkTool(ctx context.Context, name, flag, use, fix string) ToolCheck {
	t := ToolCheck{Name: name, Use: use}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fix = fix
		return t
	}
	t.Found, t.Path = true, path
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, flag).Output()
	if err != nil {
		t.Version = "(no version: " + err.Error() + ")"
		return t
	}
	t.Version, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
	return t
}

func checkNetwork(path string) NetworkCheck {
	n := NetworkCheck{Path: path}
	fi, err := os.Stat(path)
	if err != nil {
		n.Fix = fmt.Sprintf("created and seeded on first use; or now: pxos net seed --network %s", path)
		if st, derr := os.Stat(filepath.Dir(path)); derr != nil || !st.IsDir() {
			// pxos refuses a --network in a directory that does not exist.
			n.Fix = fmt.Sprintf("its directory %s does not exist: mkdir -p %s && pxos net seed --network %s", filepath.Dir(path), filepath.Dir(path), path)
		}
		if !errors.Is(err, os.ErrNotExist) {
			n.Error = err.Error()
		}
		return n
	}
	n.Exists, n.Bytes = true, fi.Size()
	s, err := pixnet.OpenWith(path, pixnet.Options{ReadOnly: true})
	if err != nil {
		n.Error = err.Error()
		n.Fix = fmt.Sprintf("pxos net verify --network %s (then --repair, or pxos net seed --force to start again)", path)
		return n
	}
	defer s.Close()
	st := s.Stats()
	n.Records, n.Bytes, n.Damaged = st.Records, st.Bytes, st.Damaged
	n.ByKind = map[string]int{}
	for k, c := range st.ByKind {
		if c > 0 {
			n.ByKind[string(k)] = c
		}
	}
	if st.Damaged > 0 || st.Torn != nil {
		n.Fix = fmt.Sprintf("pxos net verify --network %s", path)
	}
	return n
}

// WriteText prints the report for a person.
func (r *Report) WriteText(w io.Writer) {
	l := r.LLM
	fmt.Fprintf(w, "LLM server  %s\n", l.URL)
	switch {
	case !l.Reachable && l.Error != "" && strings.Contains(l.Error, "cannot reach"):
		fmt.Fprintln(w, "  [missing] no LLM server answers there")
	case l.Error != "":
		fmt.Fprintf(w, "  [error] %s\n", l.Error)
	default:
		fmt.Fprintf(w, "  [ok] %s\n", l.Kind)
		for _, m := range l.Models {
			var notes []string
			if m.Loaded {
				notes = append(notes, "loaded")
			}
			if m.IsEmbedding() {
				notes = append(notes, "embeddings")
			}
			if m.ContextLength > 0 {
				notes = append(notes, fmt.Sprintf("context %d", m.ContextLength))
			} else if m.MaxContextLength > 0 {
				notes = append(notes, fmt.Sprintf("max context %d", m.MaxContextLength))
			}
			mark := " "
			if m.ID == l.Model {
				mark = "*"
			}
			fmt.Fprintf(w, "  %s model %s", mark, m.ID)
			if len(notes) > 0 {
				fmt.Fprintf(w, " (%s)", strings.Join(notes, ", "))
			}
			fmt.Fprintln(w)
		}
		if l.Model != "" {
			fmt.Fprintf(w, "  chat model: %s, context %d tokens (%s)\n", l.Model, l.ContextLength, l.ContextSource)
		} else {
			fmt.Fprintln(w, "  [missing] no model is loaded")
		}
		if l.EmbeddingModel != "" {
			fmt.Fprintf(w, "  embeddings: %s\n", l.EmbeddingModel)
		} else {
			fmt.Fprintln(w, "  embeddings: none (search ranks by words only; load an embedding model such as nomic-embed-text to rank by meaning)")
		}
	}
	if l.Fix != "" {
		fmt.Fprintf(w, "  fix: %s\n", l.Fix)
	}
	switch {
	case len(l.Found) > 1:
		for _, f := range l.Found[1:] {
			fmt.Fprintf(w, "  also %s\n", foundLine(f))
		}
	case len(l.Found) == 0 && len(l.Probed) > 0:
		fmt.Fprintf(w, "  nothing answers on the usual local ports either (%s)\n", strings.Join(l.Probed, ", "))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Tools")
	for _, t := range r.Tools {
		if t.Found {
			fmt.Fprintf(w, "  [ok] %s: %s (%s)\n", t.Name, t.Version, t.Path)
		} else {
			fmt.Fprintf(w, "  [missing] %s: needed to %s\n    fix: %s\n", t.Name, t.Use, t.Fix)
		}
	}
	if ws := r.Workspace; ws != nil {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Workspace")
		switch {
		case !ws.Found:
			fmt.Fprintf(w, "  [missing] none here or in a parent directory\n    fix: %s\n", ws.Fix)
		case ws.Error != "":
			fmt.Fprintf(w, "  [error] %s: %s\n    fix: %s\n", ws.Root, ws.Error, ws.Fix)
		default:
			feats := "the base alone"
			if len(ws.Features) > 0 {
				feats = fmt.Sprintf("%d feature%s: %s", len(ws.Features), map[bool]string{true: "", false: "s"}[len(ws.Features) == 1], strings.Join(ws.Features, ", "))
			}
			if ws.Base != "" {
				feats = ws.Base + ", " + feats
			}
			fmt.Fprintf(w, "  [ok] %s: %s holds %s\n", ws.Root, ws.Commands, feats)
			if ws.Note != "" {
				fmt.Fprintf(w, "    note: %s\n", ws.Note)
			}
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Pixel networks")
	if len(r.Networks) == 0 {
		fmt.Fprintln(w, "  none to check (no workspace, no --network)")
	}
	for _, n := range r.Networks {
		switch {
		case n.Error != "":
			fmt.Fprintf(w, "  [error] %s: %s\n", n.Path, n.Error)
		case !n.Exists:
			fmt.Fprintf(w, "  [missing] %s\n", n.Path)
		default:
			var kinds []string
			for _, k := range pixnet.Kinds {
				if c := n.ByKind[string(k)]; c > 0 {
					kinds = append(kinds, fmt.Sprintf("%s %d", k, c))
				}
			}
			fmt.Fprintf(w, "  [ok] %s: %d records", n.Path, n.Records)
			if len(kinds) > 0 {
				fmt.Fprintf(w, " (%s)", strings.Join(kinds, ", "))
			}
			fmt.Fprintf(w, ", %d bytes", n.Bytes)
			if n.Damaged > 0 {
				fmt.Fprintf(w, ", %d DAMAGED", n.Damaged)
			}
			fmt.Fprintln(w)
		}
		if n.Fix != "" {
			fmt.Fprintf(w, "    fix: %s\n", n.Fix)
		}
	}
}
