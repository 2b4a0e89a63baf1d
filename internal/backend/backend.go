// Package backend opens a machine.Machine by name, "emu" (the built-in PC
// emulator, package pc) or "qemu" (package qemu), and runs one interactively
// on a terminal (Console). It is the one place that knows both
// implementations, so commands and the build loop choose a backend with a
// string.
package backend

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/qemu"
)

// Names lists the backends Open knows, in order of preference.
var Names = []string{"emu", "qemu"}

// Options tune the machine Open starts.
type Options struct {
	// Budget is the emulator's instruction budget (0: its default); a guest
	// that runs longer without waiting for a key is reported as a crash.
	Budget uint64
	// Clock is the wall clock the machine starts with, the same on both
	// backends (a scenario's clock line); zero means machine.DefaultClock.
	// It overrides QEMU.Clock.
	Clock time.Time
	// QEMU are the options of a qemu machine.
	QEMU qemu.Options
}

// openers are the available backends; emu registers itself when package
// pc is part of the build (emu.go).
var openers = map[string]func(ctx context.Context, img []byte, opts Options) (machine.Machine, error){
	"qemu": func(ctx context.Context, img []byte, opts Options) (machine.Machine, error) {
		q := opts.QEMU
		if !opts.Clock.IsZero() {
			q.Clock = opts.Clock
		}
		return qemu.Start(ctx, img, q)
	},
}

// Available reports whether backend name can be opened in this build.
func Available(name string) bool { _, ok := openers[name]; return ok }

// Default is the preferred available backend: emu when built in, else qemu.
func Default() string {
	for _, n := range Names {
		if Available(n) {
			return n
		}
	}
	return "qemu"
}

// Open boots img on the named backend. The caller must Close the machine.
func Open(ctx context.Context, name string, img []byte, opts Options) (machine.Machine, error) {
	open, ok := openers[name]
	if !ok {
		for _, n := range Names {
			if n == name {
				return nil, fmt.Errorf("%s is not available in this build", name)
			}
		}
		return nil, fmt.Errorf("unknown backend %q (want %s)", name, strings.Join(Names, " or "))
	}
	return open(ctx, img, opts)
}

// IsIdleBased reports whether the named backend stops by itself when the
// guest waits for a key (emu), so Settle is cheap and exact; QEMU runs on
// and can only be polled.
func IsIdleBased(name string) bool { return name == "emu" }

// settleSlice bounds one Settle call of the console on an idle-based machine.
const settleSlice = 50 * time.Millisecond
