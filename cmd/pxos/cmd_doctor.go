package main

import (
	"encoding/json"
	"path/filepath"

	"github.com/pxos-dev/pxos/internal/diag"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/bridge"
	"github.com/pxos-dev/pxos/internal/llm"
)

func init() { register(newDoctorCmd) }

// doctorCandidates are the base URLs doctor probes when nothing answers at
// the configured one. Tests replace them so that no test reaches a real
// server on the developer's machine.
var doctorCandidates = llm.LocalCandidates

func newDoctorCmd(e *env) *cobra.Command {
	var lf llmFlags
	var asJSON bool
	var networks []string
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check the LLM server, QEMU, nasm and the pixel networks, and say what to do about each missing piece",
		Long: `Doctor reports what pxos can use on this machine: the LLM server (reachable?
LM Studio, llama.cpp, Ollama or another OpenAI-compatible server; its models,
the loaded model, its context length, embeddings), qemu-system-i386, nasm, and
the pixel network files with their record counts. Each missing piece comes
with what to do about it.

When nothing answers at the configured URL, doctor looks on the usual local
ports (127.0.0.1: 1234 LM Studio, 11434 Ollama, 8080 llama-server, 8000
vLLM; at most 300ms, all at once) and gives the --url to use for each LLM
server it finds there. It never looks beyond 127.0.0.1.

It is a report: the exit status is 0 even when pieces are missing, and
non-zero only for a bad command line. Nothing is changed.`,
		Example: "  pxos doctor\n  pxos doctor --url http://localhost:11434/v1 --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := lf.check(); err != nil {
				return err
			}
			wc, nets := checkWorkspace()
			if len(networks) == 0 {
				networks = nets
			}
			r := bridge.Doctor(e.ctx, bridge.DoctorOptions{Workspace: wc, Client: lf.client(false), Networks: networks, Candidates: doctorCandidates})
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			r.WriteText(e.stdout)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "machine-readable report")
	c.Flags().StringArrayVar(&networks, "network", nil, "network file to check (repeatable; default the workspace's three networks under pxvm/networks)")
	addLLMFlags(c.Flags(), &lf, false)
	return c
}

// checkWorkspace finds the workspace pxos would use here, and its networks
// (none when there is no workspace).
func checkWorkspace() (*bridge.WorkspaceCheck, []string) {
	w, err := here()
	if err != nil {
		return &bridge.WorkspaceCheck{Fix: "pxos init makes one here from the base inside pxos (pxos auto makes one on first use)"}, []string{}
	}
	abs, _ := filepath.Abs(w.Root)
	wc := &bridge.WorkspaceCheck{Found: true, Root: abs, Commands: w.Commands()}
	if b, err := w.Build(); err != nil {
		wc.Error = diag.Cut(err.Error(), 400)
		wc.Fix = "pxos build names every problem in " + w.Commands() + "; pxos reset goes back to the base"
	} else {
		wc.Features = b.Installed()
		wc.Base = "pxOS v" + pxosv1.Version
		if missing := len(feature.Slots) - len(b.Slots()); missing > 0 {
			wc.Base = "an older pxOS (v1.0: no hook_init, hook_prompt, hook_idle)"
			wc.Note = "pxos ships pxOS v" + pxosv1.Version + "; pxos reset --shipped moves this workspace to it, and pxos auto brings its features back from the network"
		}
	}
	var nets []string
	for _, n := range workspace.Networks {
		nets = append(nets, w.Network(n))
	}
	return wc, nets
}
