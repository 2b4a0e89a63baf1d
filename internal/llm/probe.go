package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Kind is the kind of server behind the URL.
type Kind string

// The server kinds Probe tells apart.
const (
	KindLMStudio Kind = "LM Studio"
	KindLlamaCpp Kind = "llama.cpp"
	KindOllama   Kind = "Ollama"
	KindOpenAI   Kind = "OpenAI-compatible"
)

// ModelInfo is one model the server offers.
type ModelInfo struct {
	ID   string `json:"id"`
	Type string `json:"type,omitempty"` // "llm", "vlm", "embeddings" when the server says
	// Loaded is true when the server says the model is in memory. Servers
	// that load on demand or serve one model report every model as loaded.
	Loaded bool `json:"loaded"`
	// ContextLength is the context the model is loaded with (0: unknown).
	ContextLength int `json:"context_length,omitempty"`
	// MaxContextLength is the most the model supports (0: unknown).
	MaxContextLength int `json:"max_context_length,omitempty"`
}

// IsEmbedding reports whether the model is an embedding model.
func (m ModelInfo) IsEmbedding() bool {
	t := strings.ToLower(m.Type)
	return strings.HasPrefix(t, "embedding") || (t == "" && strings.Contains(strings.ToLower(m.ID), "embed"))
}

// Info is what Probe found out about the server.
type Info struct {
	URL    string      `json:"url"`
	Kind   Kind        `json:"kind"`
	Models []ModelInfo `json:"models"`
	// Model is the chat model requests will use: Config.Model, else the
	// loaded one. Empty when no model is loaded.
	Model string `json:"model,omitempty"`
	// ContextLength is the chat model's context length; ContextSource says
	// where the figure came from ("default" when the server did not say).
	ContextLength int    `json:"context_length"`
	ContextSource string `json:"context_source"`
	// EmbeddingModel is the model for /v1/embeddings, empty if none.
	EmbeddingModel string `json:"embedding_model,omitempty"`
}

// Embeddings reports whether the server offers embeddings.
func (i *Info) Embeddings() bool { return i.EmbeddingModel != "" }

// ModelIDs lists the ids of the server's models.
func (i *Info) ModelIDs() []string {
	ids := make([]string, len(i.Models))
	for k, m := range i.Models {
		ids[k] = m.ID
	}
	return ids
}

func (i *Info) find(id string) (ModelInfo, bool) {
	for _, m := range i.Models {
		if m.ID == id {
			return m, true
		}
	}
	return ModelInfo{}, false
}

func (c *Client) cachedInfo() *Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// Probe finds out what the server is (LM Studio, llama.cpp, Ollama or a
// generic OpenAI-compatible server), its models, which one is loaded, the
// context length and whether it offers embeddings. Each request is bounded
// by Config.ProbeTimeout. A successful result is cached; Refresh drops it.
//
// Detection asks the servers' own endpoints in turn: LM Studio's
// /api/v0/models (then /api/v1/models of LM Studio 0.4), llama.cpp's /props,
// Ollama's /api/tags, and finally the standard /v1/models. Each answer is
// recognised by its shape, not its status: LM Studio answers unknown paths
// with 200 and an error object.
func (c *Client) Probe(ctx context.Context) (*Info, error) {
	if info := c.cachedInfo(); info != nil {
		return info, nil
	}
	info, err := c.probe(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.info = info
	c.mu.Unlock()
	return info, nil
}

// Refresh forgets what Probe found, so the next call asks the server again
// (after the user loaded another model, for example).
func (c *Client) Refresh() {
	c.mu.Lock()
	c.info = nil
	c.mu.Unlock()
}

func (c *Client) probe(ctx context.Context) (*Info, error) {
	info := &Info{URL: c.URL()}
	var err error
	var ok bool
	if ok, err = c.probeLMStudio(ctx, info); err != nil {
		return nil, err
	}
	if !ok {
		if ok, err = c.probeLlamaCpp(ctx, info); err != nil {
			return nil, err
		}
	}
	if !ok {
		if ok, err = c.probeOllama(ctx, info); err != nil {
			return nil, err
		}
	}
	if !ok {
		ms, err := c.listOpenAIModels(ctx)
		if err != nil {
			return nil, err
		}
		info.Kind = KindOpenAI
		for _, m := range ms {
			m.Loaded = true // a plain OpenAI server serves what it lists
			info.Models = append(info.Models, m)
		}
	}

	// The chat model: the configured one, else the first loaded chat model.
	info.Model = c.cfg.Model
	if info.Model == "" {
		for _, m := range info.Models {
			if m.Loaded && !m.IsEmbedding() {
				info.Model = m.ID
				break
			}
		}
	}
	if m, ok := info.find(info.Model); ok && info.ContextLength == 0 {
		switch {
		case m.ContextLength > 0:
			info.ContextLength, info.ContextSource = m.ContextLength, string(info.Kind)+" loaded context length"
		case m.Loaded && m.MaxContextLength > 0 && info.Kind == KindLMStudio:
			// LM Studio before loaded_context_length: the max is the best figure it gives.
			info.ContextLength, info.ContextSource = m.MaxContextLength, "LM Studio max_context_length"
		}
	}
	switch {
	case c.cfg.ContextLength > 0:
		// The user's figure wins over the server's (see ContextLength).
		if info.Kind == KindOllama && info.ContextLength == 0 {
			c.notice("ollama-context", fmt.Sprintf("pxos trusts --context-length %d, but Ollama at %s does not say what it keeps: unless it runs with OLLAMA_CONTEXT_LENGTH=%d or more (or the model's num_ctx is), it keeps only the last %d tokens of each prompt, silently",
				c.cfg.ContextLength, c.URL(), c.cfg.ContextLength, OllamaDefaultContext))
		}
		info.ContextLength, info.ContextSource = c.cfg.ContextLength, "--context-length"
	case info.ContextLength == 0 && info.Kind == KindOllama:
		// Ollama keeps only the last num_ctx tokens of a longer prompt,
		// silently; unset, that is its default, 2048 in most versions.
		info.ContextLength, info.ContextSource = OllamaDefaultContext, "Ollama's default (no num_ctx set, no model running)"
	case info.ContextLength == 0:
		info.ContextLength, info.ContextSource = DefaultContextLength, "default (the server does not say)"
	}

	// Embeddings: the configured model, else one the server lists as such.
	info.EmbeddingModel = c.cfg.EmbedModel
	if info.EmbeddingModel == "" {
		for _, m := range info.Models {
			if m.IsEmbedding() {
				info.EmbeddingModel = m.ID
				if m.Loaded {
					break
				}
			}
		}
	}
	if info.EmbeddingModel == "" && info.Model != "" && (info.Kind == KindLlamaCpp || info.Kind == KindOpenAI) {
		// These servers don't label models; llama.cpp embeds with its one
		// model when started with --embeddings. Ask once.
		if _, err := c.embed(ctx, info.Model, []string{"ping"}, c.cfg.ProbeTimeout); err == nil {
			info.EmbeddingModel = info.Model
		}
	}
	return info, nil
}

// getJSON GETs root+path within the probe timeout. found is false when the
// server answers but not with a JSON body that decodes into v; err is set
// only when the server cannot be reached or times out.
func (c *Client) getJSON(ctx context.Context, url string, v any) (found bool, err error) {
	return c.sendJSON(ctx, http.MethodGet, url, nil, v)
}

func (c *Client) sendJSON(ctx context.Context, method, url string, body, v any) (found bool, err error) {
	ctx, cancel := context.WithTimeoutCause(ctx, c.cfg.ProbeTimeout, errClientTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return false, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return false, c.errorf(ErrUnreachable, 0, "", "bad LLM server URL %s: %v", c.URL(), err)
	}
	c.header(req)
	resp, err := c.hc.Do(req)
	if err != nil {
		return false, c.transportError(ctx, err, c.cfg.ProbeTimeout)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return false, c.transportError(ctx, err, c.cfg.ProbeTimeout)
	}
	if resp.StatusCode == 401 || resp.StatusCode == 403 {
		return false, c.httpError(ctx, resp.StatusCode, data, "", 1)
	}
	if _, page := htmlTitle(data); page && resp.StatusCode >= 500 {
		// A reverse proxy's error page: the server behind it is not
		// answering; that, not a wrong URL, is what to say.
		return false, c.httpError(ctx, resp.StatusCode, data, "", 1)
	}
	if resp.StatusCode != 200 {
		return false, nil
	}
	if json.Unmarshal(data, v) != nil {
		return false, nil
	}
	return true, nil
}

func (c *Client) header(req *http.Request) {
	if c.cfg.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	if req.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
}

// probeLMStudio reads LM Studio's /api/v0/models (0.3.6+) or /api/v1/models
// (0.4+). https://lmstudio.ai/docs/developer/rest/endpoints
func (c *Client) probeLMStudio(ctx context.Context, info *Info) (bool, error) {
	var v0 struct {
		Data []struct {
			ID                  string `json:"id"`
			Type                string `json:"type"`
			State               string `json:"state"`
			MaxContextLength    int    `json:"max_context_length"`
			LoadedContextLength int    `json:"loaded_context_length"`
		} `json:"data"`
	}
	found, err := c.getJSON(ctx, c.root+"/api/v0/models", &v0)
	if err != nil {
		return false, err
	}
	if found && v0.Data != nil && (len(v0.Data) == 0 || v0.Data[0].State != "") {
		info.Kind = KindLMStudio
		for _, m := range v0.Data {
			mi := ModelInfo{ID: m.ID, Type: m.Type, Loaded: m.State == "loaded", MaxContextLength: m.MaxContextLength}
			if mi.Loaded {
				mi.ContextLength = m.LoadedContextLength
			}
			info.Models = append(info.Models, mi)
		}
		return true, nil
	}
	var v1 struct {
		Models []struct {
			Key              string `json:"key"`
			Type             string `json:"type"`
			MaxContextLength int    `json:"max_context_length"`
			LoadedInstances  []struct {
				ID     string `json:"id"`
				Config struct {
					ContextLength int `json:"context_length"`
				} `json:"config"`
			} `json:"loaded_instances"`
		} `json:"models"`
	}
	found, err = c.getJSON(ctx, c.root+"/api/v1/models", &v1)
	if err != nil {
		return false, err
	}
	if !found || len(v1.Models) == 0 || v1.Models[0].Key == "" {
		return false, nil
	}
	info.Kind = KindLMStudio
	for _, m := range v1.Models {
		mi := ModelInfo{ID: m.Key, Type: m.Type, Loaded: len(m.LoadedInstances) > 0, MaxContextLength: m.MaxContextLength}
		if mi.Loaded {
			mi.ContextLength = m.LoadedInstances[0].Config.ContextLength
		}
		info.Models = append(info.Models, mi)
	}
	return true, nil
}

// probeLlamaCpp reads llama.cpp server's /props: n_ctx of a slot in
// default_generation_settings (older builds: top level).
// https://github.com/ggml-org/llama.cpp/tree/master/tools/server
func (c *Client) probeLlamaCpp(ctx context.Context, info *Info) (bool, error) {
	var props struct {
		NCtx    int `json:"n_ctx"`
		Default *struct {
			NCtx int `json:"n_ctx"`
		} `json:"default_generation_settings"`
		ModelPath string `json:"model_path"`
	}
	found, err := c.getJSON(ctx, c.root+"/props", &props)
	if err != nil || !found || (props.Default == nil && props.NCtx == 0) {
		return false, err
	}
	info.Kind = KindLlamaCpp
	nctx := props.NCtx
	if props.Default != nil && props.Default.NCtx > 0 {
		nctx = props.Default.NCtx
	}
	ms, err := c.listOpenAIModels(ctx)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		m.Loaded = true // llama.cpp serves the one model it was started with
		m.ContextLength = nctx
		info.Models = append(info.Models, m)
	}
	if len(info.Models) == 0 && props.ModelPath != "" {
		info.Models = append(info.Models, ModelInfo{ID: props.ModelPath, Loaded: true, ContextLength: nctx})
	}
	return true, nil
}

// probeOllama reads Ollama's /api/tags (pulled models), /api/ps (loaded,
// with context_length in recent versions) and /api/show (num_ctx parameter,
// the model's trained maximum). https://github.com/ollama/ollama/blob/main/docs/api.md
func (c *Client) probeOllama(ctx context.Context, info *Info) (bool, error) {
	type entry struct {
		Name          string `json:"name"`
		Model         string `json:"model"`
		ContextLength int    `json:"context_length"`
		Details       struct {
			Family   string   `json:"family"`
			Families []string `json:"families"`
		} `json:"details"`
	}
	var tags struct {
		Models []entry `json:"models"`
	}
	found, err := c.getJSON(ctx, c.root+"/api/tags", &tags)
	if err != nil || !found || tags.Models == nil {
		return false, err
	}
	info.Kind = KindOllama
	var ps struct {
		Models []entry `json:"models"`
	}
	if _, err := c.getJSON(ctx, c.root+"/api/ps", &ps); err != nil {
		return false, err
	}
	running := map[string]int{}
	for _, m := range ps.Models {
		running[m.Name] = m.ContextLength
	}
	for _, m := range tags.Models {
		mi := ModelInfo{ID: m.Name, Type: "llm"}
		fam := strings.ToLower(m.Details.Family + " " + strings.Join(m.Details.Families, " "))
		if strings.Contains(fam, "bert") || strings.Contains(strings.ToLower(m.Name), "embed") {
			mi.Type = "embeddings"
		}
		if n, ok := running[m.Name]; ok {
			mi.Loaded, mi.ContextLength = true, n
		}
		info.Models = append(info.Models, mi)
	}
	// Ollama loads on demand: with nothing running, any pulled chat model will do.
	anyLoaded := false
	for _, m := range info.Models {
		anyLoaded = anyLoaded || (m.Loaded && !m.IsEmbedding())
	}
	if !anyLoaded {
		for i := range info.Models {
			if !info.Models[i].IsEmbedding() {
				info.Models[i].Loaded = true
				break
			}
		}
	}
	// The context Ollama will really use: /api/ps says it for a running
	// model; else the num_ctx parameter of the model file; else the default.
	model := c.cfg.Model
	if model == "" {
		for _, m := range info.Models {
			if m.Loaded && !m.IsEmbedding() {
				model = m.ID
				break
			}
		}
	}
	for i := range info.Models {
		m := &info.Models[i]
		if m.ID != model {
			continue
		}
		var show struct {
			Parameters string         `json:"parameters"`
			ModelInfo  map[string]any `json:"model_info"`
		}
		if ok, err := c.sendJSON(ctx, http.MethodPost, c.root+"/api/show", map[string]string{"model": m.ID}, &show); err != nil {
			return false, err
		} else if ok {
			for k, v := range show.ModelInfo {
				if f, isNum := v.(float64); isNum && strings.HasSuffix(k, ".context_length") {
					m.MaxContextLength = int(f)
				}
			}
			if m.ContextLength == 0 {
				m.ContextLength = numCtx(show.Parameters)
			}
		}
	}
	return true, nil
}

// ContextAdvice says how to give the model a larger context on this kind
// of server, for messages about a context too small.
func (c *Client) ContextAdvice(ctx context.Context) string {
	kind := Kind("")
	if info, err := c.Probe(ctx); err == nil {
		kind = info.Kind
	}
	switch kind {
	case KindOllama:
		return "Ollama keeps only its num_ctx: restart it with OLLAMA_CONTEXT_LENGTH=8192, or set PARAMETER num_ctx 8192 in the model's Modelfile (--context-length only tells pxos what a server keeps)"
	case KindLMStudio:
		return "reload the model in LM Studio with a larger context length (model settings, or lms load MODEL --context-length 8192)"
	case KindLlamaCpp:
		return "restart llama-server with a larger context, e.g. -c 8192"
	}
	return "load the model with a larger context, and pass --context-length to match if the server does not report it"
}

// numCtx finds "num_ctx N" in an Ollama parameters block.
func numCtx(params string) int {
	for _, line := range strings.Split(params, "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "num_ctx" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// listOpenAIModels reads the standard GET /v1/models.
func (c *Client) listOpenAIModels(ctx context.Context) ([]ModelInfo, error) {
	var list struct {
		Data []struct {
			ID   string `json:"id"`
			Meta *struct {
				NCtxTrain int `json:"n_ctx_train"`
			} `json:"meta"`
			MaxModelLen int `json:"max_model_len"` // vLLM: the context it serves the model with
		} `json:"data"`
	}
	found, err := c.getJSON(ctx, c.base+"/models", &list)
	if err != nil {
		return nil, err
	}
	if !found || list.Data == nil {
		return nil, c.malformed("GET %s/models did not return a model list — is this an OpenAI-compatible server? (the URL should end in /v1)", c.URL())
	}
	var ms []ModelInfo
	for _, d := range list.Data {
		m := ModelInfo{ID: d.ID}
		if d.Meta != nil {
			m.MaxContextLength = d.Meta.NCtxTrain
		}
		if d.MaxModelLen > 0 {
			m.ContextLength = d.MaxModelLen // vLLM serves every request within it
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// Models lists the server's models (probing it if needed).
func (c *Client) Models(ctx context.Context) ([]ModelInfo, error) {
	info, err := c.Probe(ctx)
	if err != nil {
		return nil, err
	}
	return info.Models, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
