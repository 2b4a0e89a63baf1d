package backend

import (
	"context"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/pc"
)

func init() {
	openers["emu"] = func(ctx context.Context, img []byte, opts Options) (machine.Machine, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return pc.New(img, pc.Options{Budget: opts.Budget, Clock: opts.Clock})
	}
}
