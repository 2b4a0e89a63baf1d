package gen

import (
	"context"
	"fmt"
	"io"

	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/pixnet"
)

// Provider names for ChooseProvider.
const (
	ProviderAuto   = "auto"
	ProviderOpenAI = "openai"
	ProviderKB     = "kb"
)

// ChooseProvider returns the provider called name. "auto" asks the LLM
// server whether it can answer (a short probe) and falls back to the offline
// kb provider when it cannot, saying so once on notice. "openai" fails when
// the server cannot answer; "kb" never contacts it.
func ChooseProvider(ctx context.Context, name string, client *llm.Client, net *pixnet.Store, notice io.Writer) (Provider, error) {
	switch name {
	case ProviderKB:
		return &KB{Network: net}, nil
	case ProviderOpenAI, ProviderAuto:
		_, err := client.Model(ctx)
		if err == nil {
			return &OpenAI{Client: client}, nil
		}
		if name == ProviderAuto && llm.Unavailable(err) {
			if notice != nil {
				fmt.Fprintf(notice, "no LLM at %s (%s): using the offline provider (verified solutions from the pixel network)\n", client.URL(), shortReason(err))
			}
			return &KB{Network: net}, nil
		}
		return nil, err
	}
	return nil, fmt.Errorf("gen: unknown provider %q (want auto, openai or kb)", name)
}

func shortReason(err error) string {
	if e, ok := err.(*llm.Error); ok && e.Kind != nil {
		return e.Kind.Error()
	}
	return err.Error()
}
