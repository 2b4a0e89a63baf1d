package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/pxos-dev/pxos/internal/atomicfile"
	"github.com/pxos-dev/pxos/internal/feature"
	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/testgen"
	"github.com/pxos-dev/pxos/internal/workspace"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

// genTests is pxos gen --tests NAME: extra tests for the installed feature
// NAME, from the model (when one answers) and offline, each kept only when
// it passes on the current build and fails on the build without the
// feature; those kept are written as scenarios/feature_NAME.TEST.txt, in
// the regression suite from then on.
func genTests(e *env, ss *session, out io.Writer, name string, count int, temperature float64, maxTokens int) error {
	lock, err := ss.ws.Lock()
	if err != nil {
		return err
	}
	defer lock.Release()
	with, err := ss.ws.Base()
	if err != nil {
		return err
	}
	blocks, err := feature.ParseBlocks(with.Src)
	if err != nil {
		return err
	}
	var bl *feature.Block
	for i := range blocks {
		if blocks[i].Name == name {
			bl = &blocks[i]
		}
	}
	if bl == nil {
		installed := strings.Join(with.Installed(), ", ")
		if installed == "" {
			installed = "none"
		}
		return fmt.Errorf("feature %s is not installed in %s (installed: %s)", name, ss.ws.Commands, installed)
	}
	spec, _, err := bl.Spec()
	if err != nil {
		return err
	}
	// Its scenario as kept in the workspace (the block does not hold it).
	dir := filepath.Join(ss.ws.Dir, pxosv1.ScenarioDir)
	if kept, err := os.ReadFile(filepath.Join(dir, feature.MarkerPrefix+name+".txt")); err == nil {
		spec.Scenario = kept
	}
	// The build the feature was added to, without it and with it: a test
	// of the feature must not need a feature installed after it. It must
	// pass on the current build too, where the suite will run it.
	without, err := feature.NewBase(with.File, with.Src[:bl.Start])
	if err != nil {
		return err
	}
	upTo, err := feature.NewBase(with.File, with.Src[:bl.End])
	if err != nil {
		return err
	}
	inst, err := without.Install(spec, bl.Addr)
	if err != nil {
		return fmt.Errorf("feature %s cannot be installed again from its block to tell its command words: %w", name, err)
	}
	props := testgen.Offline(spec, feature.CommandWords(inst))
	client := modelClient(ss)
	if client != nil {
		fmt.Fprintf(e.stderr, "asking %s for %d test%s of %s\n", client.URL(), max(count, 1), plural(max(count, 1)), name)
		asked, tokens, err := testgen.Ask(e.ctx, client, spec, testgen.AskOptions{Count: count, Temperature: temperature, MaxTokens: maxTokens, Installed: with.Installed()})
		if err != nil {
			fmt.Fprintf(e.stderr, "the model wrote no tests (%v): the offline ones only\n", err)
		} else {
			fmt.Fprintf(e.stderr, "the model proposed %d test%s (%d tokens)\n", len(asked), plural(len(asked)), tokens)
			props = append(props, asked...)
		}
	}
	testgen.Judge(e.ctx, [][]byte{upTo.Image.Floppy, with.Image.Floppy}, without.Image.Floppy, props, nil)
	var files []atomicfile.File
	kept := 0
	for i := range props {
		p := &props[i]
		if !p.Kept {
			continue
		}
		path := workspace.KeptTest(dir, name, p.Name)
		data := []byte(fmt.Sprintf("# Test of feature %s: %s\n# Written by %s; kept by pxos gen --tests: it passed with the feature and failed without it.\n%s",
			name, oneLine(p.Why), oneLine(p.By), p.Scenario))
		if old, err := os.ReadFile(path); err == nil {
			if bytes.Equal(old, data) {
				p.Reason = "kept before (" + filepath.Base(path) + ")"
				continue
			}
			p.Kept, p.Reason = false, "a different test is kept as "+filepath.Base(path)+" already"
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		files = append(files, atomicfile.File{Path: path, Data: data})
		kept++
	}
	if len(files) > 0 {
		if err := atomicfile.WriteAll(0o644, files...); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEST\tBY\tKEPT\tWHY\tVERDICT")
	for _, p := range props {
		k := "no"
		if p.Kept {
			k = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, oneLine(p.By), k, oneLine(p.Why), oneLine(p.Reason))
	}
	tw.Flush()
	fmt.Fprintf(out, "%d proposed, %d kept (fail-to-pass), %d written to %s\n", len(props), countKept(props), kept, dir)
	return nil
}

// modelClient is the client of the session's model, or nil offline.
func modelClient(ss *session) *llm.Client {
	switch ss.prov.(type) {
	case *gen.OpenAI, *gen.Ensemble:
		return ss.client
	}
	return nil
}

func countKept(props []testgen.Proposal) int {
	n := 0
	for _, p := range props {
		if p.Kept {
			n++
		}
	}
	return n
}

// oneLine is s on one line, printable (model text).
func oneLine(s string) string { return feature.OneLine(llm.Printable(s)) }
