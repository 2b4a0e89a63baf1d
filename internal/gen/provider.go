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
			if notice != nil {
				warnSmallContext(ctx, client, notice)
			}
			return &OpenAI{Client: client}, nil
		}
		if name == ProviderAuto && llm.Unavailable(err) {
			if notice != nil {
				fmt.Fprintf(notice, "no LLM at %s (%s): using the offline provider (verified solutions from the pixel network)\n", client.URL(), ShortReason(err))
			}
			return &KB{Network: net}, nil
		}
		return nil, err
	}
	return nil, fmt.Errorf("unknown provider %q (want auto, openai or kb)", name)
}

// ShortReason is an LLM error's kind when it has one ("cannot reach the
// LLM server"), else the error: what a one-line notice says.
func ShortReason(err error) string {
	if e, ok := err.(*llm.Error); ok && e.Kind != nil {
		return e.Kind.Error()
	}
	return err.Error()
}

// warnSmallContext says when the model's context is too small for pxos to
// work well (MinContext), with what it has, where that figure came from and
// how to give it more.
func warnSmallContext(ctx context.Context, client *llm.Client, w io.Writer) {
	n := client.ContextLength(ctx)
	if n >= MinContext {
		return
	}
	src := ""
	if info, err := client.Probe(ctx); err == nil && info.ContextSource != "" {
		src = " (" + info.ContextSource + ")"
	}
	fmt.Fprintf(w, "warning: the model's context at %s is %d tokens%s; pxos needs at least %d (its instructions and the API page take about 1,650, an answer up to %d, a repair more): %s\n",
		client.URL(), n, src, MinContext, minAnswerBudget, client.ContextAdvice(ctx))
}
