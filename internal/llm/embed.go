package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"time"
)

// Embed returns one embedding vector per text from POST /v1/embeddings,
// using Config.EmbedModel or the embedding model Probe found. It fails with
// ErrNoEmbeddings when the server has none. The call is bounded by
// Config.Timeout. Client satisfies pixnet.Embedder.
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	model := c.cfg.EmbedModel
	if model == "" {
		info, err := c.Probe(ctx)
		if err != nil {
			return nil, err
		}
		model = info.EmbeddingModel
	}
	if model == "" {
		return nil, c.errorf(ErrNoEmbeddings, 0, "",
			"the LLM server at %s offers no embedding model — load one (e.g. nomic-embed-text) to rank by meaning; lexical search works without it", c.URL())
	}
	return c.embed(ctx, model, texts, c.cfg.Timeout)
}

func (c *Client) embed(parent context.Context, model string, texts []string, d time.Duration) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	payload, err := json.Marshal(map[string]any{"model": model, "input": texts})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeoutCause(parent, d, errClientTimeout)
	defer cancel()
	backoff := c.cfg.Backoff
	for try := 1; ; try++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/embeddings", bytes.NewReader(payload))
		if err != nil {
			return nil, c.errorf(ErrUnreachable, 0, "", "bad LLM server URL %s: %v", c.URL(), err)
		}
		c.header(req)
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, c.transportError(ctx, err, d)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
		resp.Body.Close()
		if err != nil {
			return nil, c.transportError(ctx, err, d)
		}
		if resp.StatusCode >= 500 && classify(resp.StatusCode, serverMessage(data)) == ErrServer && try < c.cfg.Tries {
			if err := sleep(ctx, backoff); err != nil {
				return nil, c.transportError(ctx, err, d)
			}
			backoff *= 2
			continue
		}
		if resp.StatusCode != 200 {
			return nil, c.httpError(ctx, resp.StatusCode, data, model, try)
		}
		var a struct {
			Data []struct {
				Index     int       `json:"index"`
				Embedding []float32 `json:"embedding"`
			} `json:"data"`
			Error json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(data, &a); err != nil {
			return nil, c.malformed("embeddings answer is not JSON: %v", err)
		}
		if rawMessage(a.Error) != "" {
			return nil, c.httpError(ctx, 200, data, model, try)
		}
		if len(a.Data) != len(texts) {
			return nil, c.malformed("asked for %d embeddings, got %d", len(texts), len(a.Data))
		}
		sort.Slice(a.Data, func(i, j int) bool { return a.Data[i].Index < a.Data[j].Index })
		out := make([][]float32, len(a.Data))
		for i, d := range a.Data {
			if len(d.Embedding) == 0 {
				return nil, c.malformed("embedding %d is empty", i)
			}
			out[i] = d.Embedding
		}
		return out, nil
	}
}
