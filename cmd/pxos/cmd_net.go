package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/pxos-dev/pxos/internal/gen"
	"github.com/pxos-dev/pxos/internal/llm"
	"github.com/pxos-dev/pxos/internal/loop"
	"github.com/pxos-dev/pxos/internal/pixnet"
	"github.com/pxos-dev/pxos/internal/workspace"
)

func init() { register(newNetCmd) }

func newNetCmd(e *env) *cobra.Command {
	var network string
	c := &cobra.Command{
		Use:   "net",
		Short: "Inspect and teach the pixel network (the PNG knowledge store)",
		Long: `The pixel network is pxos's knowledge store: PNG files that show every
record's title to a person and hold its exact bytes in data rows. A network
that does not exist yet is created (by pxos auto, gen, net add or net seed)
from the built-in seed knowledge, the pxOS API page and the verified
solutions of the default features.
The seed names three networks: pxvm/networks/pxos_autobuild.png (the loop),
pxos_dev.png and learning_network.png (the bridge's default), in the
workspace. The read commands (stats, show, search, export, verify, render)
create nothing: a network that does not exist is an error.`,
		Args: cobra.NoArgs,
	}
	c.PersistentFlags().StringVar(&network, "network", "", "network `file` (its first PNG segment; default: the workspace's "+workspace.NetworkDir+"/"+workspace.Autobuild+")")
	c.PersistentPreRunE = func(*cobra.Command, []string) error {
		p, err := networkFile(network, nil, workspace.Autobuild)
		network = p
		if err != nil {
			return runError{err} // not a bad command line: exit 1, as elsewhere
		}
		return nil
	}
	open := func() (*pixnet.Store, error) { return gen.OpenNetwork(network) }
	read := func() (*pixnet.Store, error) { // creates nothing; works on a read-only file or mount
		if err := readNetwork(network); err != nil {
			return nil, err
		}
		return gen.OpenNetworkRead(network)
	}
	c.AddCommand(
		netStatsCmd(e, read),
		netShowCmd(e, read),
		netAddCmd(e, open),
		netSearchCmd(e, read),
		netExportCmd(e, read),
		netVerifyCmd(e, &network),
		netRenderCmd(e, read),
		netSeedCmd(e, &network),
	)
	return c
}

type netOpener func() (*pixnet.Store, error)

func netStatsCmd(e *env, open netOpener) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "stats",
		Short: "Print record counts per kind, segments and bytes on disk",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			st := s.Stats()
			runs := loop.Runs(s)
			if asJSON {
				return netJSON(e.stdout, struct {
					pixnet.Stats
					Runs []loop.RunRecord `json:"runs"`
				}{st, runs})
			}
			fmt.Fprintf(e.stdout, "network   %s\n", st.Path)
			fmt.Fprintf(e.stdout, "records   %d (next id %d)\n", st.Records, st.NextID)
			for _, k := range pixnet.Kinds {
				if n := st.ByKind[k]; n > 0 {
					fmt.Fprintf(e.stdout, "  %-10s %d\n", k, n)
				}
			}
			fmt.Fprintf(e.stdout, "segments  %d (%d rows of %d pixels)\n", st.Segments, st.Rows, pixnet.Width)
			ratio := 0.0
			if st.RawBytes > 0 {
				ratio = float64(st.Bytes) / float64(st.RawBytes)
			}
			fmt.Fprintf(e.stdout, "bytes     %d on disk, %d of record content (%.2fx)\n", st.Bytes, st.RawBytes, ratio)
			if st.Damaged > 0 {
				fmt.Fprintf(e.stdout, "damaged   %d (run pxos net verify)\n", st.Damaged)
			}
			if missing, total, err := gen.MissingSeed(s); err == nil && missing > 0 && st.Damaged == 0 {
				fmt.Fprintf(e.stdout, "seed      %d of its %d built-in records are missing (a crash while it was made, or an older pxos): the next pxos auto or pxos net add restores them\n", missing, total)
			}
			writeRuns(e.stdout, runs)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

// maxRunsShown is how many of the latest pxos auto runs net stats lists.
const maxRunsShown = 10

// writeRuns lists the latest runs pxos auto recorded, with what each cost
// (model calls, tokens, time) and met: the measure of what the network has
// learned (a run of goals that passed before needs no model call).
func writeRuns(w io.Writer, runs []loop.RunRecord) {
	if len(runs) == 0 {
		return
	}
	shown := runs[max(0, len(runs)-maxRunsShown):]
	fmt.Fprintf(w, "runs      %d by pxos auto", len(runs))
	if len(shown) < len(runs) {
		fmt.Fprintf(w, "; the latest %d", len(shown))
	}
	fmt.Fprintln(w, ":")
	for _, r := range shown {
		fmt.Fprintf(w, "  #%-5d %s  %s\n", r.Record, r.Time.Local().Format("2006-01-02 15:04"), r.Figures)
	}
}

func netParseID(arg string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id == 0 {
		return 0, usagef("record id %q is not a positive number", arg)
	}
	return id, nil
}

// netReadRecord opens the network, reads the record whose id is arg and closes
// the network again.
func netReadRecord(open netOpener, arg string) (pixnet.Record, error) {
	id, err := netParseID(arg)
	if err != nil {
		return pixnet.Record{}, err
	}
	s, err := open()
	if err != nil {
		return pixnet.Record{}, err
	}
	defer s.Close()
	return netGet(s, id)
}

func netGet(s *pixnet.Store, id uint64) (pixnet.Record, error) {
	r, ok := s.Get(id)
	if !ok {
		for _, d := range s.Damaged() {
			if d.ID == id && d.Lost {
				return r, fmt.Errorf("record %d is damaged: %s", id, d.Reason)
			}
		}
		return r, fmt.Errorf("no record %d in %s", id, s.Path())
	}
	return r, nil
}

func netShowCmd(e *env, open netOpener) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Print one record",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			r, err := netReadRecord(open, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return netJSON(e.stdout, netRecordJSON(r))
			}
			netWriteText(e.stdout, r)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func netAddCmd(e *env, open netOpener) *cobra.Command {
	var kind, title, tags, text, file, payload string
	c := &cobra.Command{
		Use:   "add --kind K --title T [--tags a,b] (--text TEXT | --file F)",
		Short: "Teach the network: add one record",
		Long: `Add appends one record. Kinds: qa, build, test, solution, failure, reference.
The body comes from --text or from a file (--file - reads standard input);
--payload attaches structured JSON.`,
		Example: `  pxos net add --kind qa --title "How do I clear the screen?" --text "int 10h AH=06h, AL=0"`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			k, err := pixnet.ParseKind(kind)
			if err != nil {
				return usageError{err}
			}
			if title == "" {
				return usagef("--title is required")
			}
			if c.Flags().Changed("text") == c.Flags().Changed("file") {
				return usagef("give exactly one of --text and --file")
			}
			body := text
			if c.Flags().Changed("file") {
				var b []byte
				if file == "-" {
					b, err = io.ReadAll(e.stdin)
				} else {
					b, err = os.ReadFile(file)
				}
				if err != nil {
					return err
				}
				body = string(b)
			}
			r := pixnet.Record{Kind: k, Title: title, Body: body}
			if tags != "" {
				for _, t := range strings.Split(tags, ",") {
					if t = strings.TrimSpace(t); t != "" {
						r.Tags = append(r.Tags, t)
					}
				}
			}
			if payload != "" {
				if !json.Valid([]byte(payload)) {
					return usagef("--payload is not valid JSON")
				}
				r.Payload = json.RawMessage(payload)
			}
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			r, err = s.Append(r)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "added record %d (%s) to %s\n", r.ID, r.Kind, s.Path())
			return nil
		},
	}
	c.Flags().StringVar(&kind, "kind", "", "record kind")
	c.Flags().StringVar(&title, "title", "", "title (drawn in the image)")
	c.Flags().StringVar(&tags, "tags", "", "comma-separated tags")
	c.Flags().StringVar(&text, "text", "", "body text")
	c.Flags().StringVar(&file, "file", "", "read the body from `file` (- for standard input)")
	c.Flags().StringVar(&payload, "payload", "", "structured JSON payload")
	return c
}

// netEmbedder remembers why embeddings failed, so search can say it ranked
// by words only.
type netEmbedder struct {
	e   pixnet.Embedder
	err error
}

func (n *netEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	v, err := n.e.Embed(ctx, texts)
	if err != nil {
		n.err = err
	}
	return v, err
}

func netSearchCmd(e *env, open netOpener) *cobra.Command {
	var kinds []string
	var k int
	var asJSON, embeddings bool
	var lf llmFlags
	c := &cobra.Command{
		Use:   "search QUERY",
		Short: "Find the records most similar to a query (BM25 over title, tags and body)",
		Long: `Search ranks records by BM25 over their title, tags and body. With
--embeddings it also asks the LLM server (--url) for /v1/embeddings and fuses
the two rankings; without an embedding model it says so and ranks by words.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			o := pixnet.SearchOptions{K: k, Context: e.ctx}
			var emb *netEmbedder
			if embeddings {
				emb = &netEmbedder{e: lf.client(false)}
				o.Embedder = emb
			}
			for _, v := range kinds {
				kd, err := pixnet.ParseKind(v)
				if err != nil {
					return usageError{err}
				}
				o.Kinds = append(o.Kinds, kd)
			}
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			hits := s.Search(strings.Join(args, " "), o)
			if emb != nil && emb.err != nil {
				fmt.Fprintf(e.stderr, "pxos net search: no embeddings, ranked by words only: %v\n", emb.err)
			}
			if asJSON {
				out := make([]any, len(hits))
				for i, h := range hits {
					out[i] = struct {
						Score float64 `json:"score"`
						netRecord
					}{h.Score, netRecordJSON(h.Record)}
				}
				return netJSON(e.stdout, out)
			}
			if len(hits) == 0 {
				fmt.Fprintln(e.stdout, "no matching records")
			} else {
				fmt.Fprintf(e.stdout, "%6s  %7s  %-9s  %s\n", "ID", "SCORE", "KIND", "TITLE")
			}
			for _, h := range hits {
				fmt.Fprintf(e.stdout, "%6d  %7.3f  %-9s  %s\n", h.Record.ID, h.Score, h.Record.Kind, llm.Printable(h.Record.Title))
			}
			return nil
		},
	}
	c.Flags().StringSliceVar(&kinds, "kind", nil, "only records of these kinds (repeat or comma-separate)")
	c.Flags().IntVarP(&k, "k", "k", 5, "number of results")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	c.Flags().BoolVar(&embeddings, "embeddings", false, "fuse in similarity from the LLM server's /v1/embeddings")
	addLLMFlags(c.Flags(), &lf, false)
	return c
}

func netExportCmd(e *env, open netOpener) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "export",
		Short: "Print every record (--json: one JSON object per line)",
		Long: `Export prints every intact record in id order. With --json each record is
one line of JSON with id, kind, time, tags, title, body and payload; a body
that is not valid UTF-8 is given as body_base64 instead, so every byte comes
back exactly.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			s, err := open()
			if err != nil {
				return err
			}
			defer s.Close()
			enc := json.NewEncoder(jsonOut{e.stdout})
			enc.SetEscapeHTML(false)
			for _, r := range s.Records() {
				if asJSON {
					if err := enc.Encode(netRecordJSON(r)); err != nil {
						return err
					}
					continue
				}
				netWriteText(e.stdout, r)
				fmt.Fprintln(e.stdout)
			}
			if n := len(s.Damaged()); n > 0 {
				fmt.Fprintf(e.stderr, "pxos net export: %d damaged records left out (run pxos net verify)\n", n)
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON lines")
	return c
}

func netVerifyCmd(e *env, network *string) *cobra.Command {
	var repair, asJSON bool
	c := &cobra.Command{
		Use:   "verify [--repair]",
		Short: "Check every record's checksum; report (and with --repair remove) a torn tail",
		Long: `Verify reads the whole network and checks every chunk CRC, every record's
frame CRC and every title band. It exits 0 when every committed record is
intact; a torn tail left by an interrupted append is reported (it was never
committed) and removed with --repair. It exits 1 naming each damaged record.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := readNetwork(*network); err != nil {
				return err
			}
			var s *pixnet.Store
			var err error
			if repair {
				s, err = pixnet.Open(*network)
			} else {
				s, err = pixnet.OpenWith(*network, pixnet.Options{ReadOnly: true})
			}
			if err != nil {
				return err
			}
			defer s.Close()
			rep, verr := s.Verify()
			if repair && s.Torn() != nil {
				t := s.Torn()
				fmt.Fprintf(e.stdout, "removed torn tail: %d bytes after offset %d of %s\n", t.Bytes, t.Offset, t.Segment)
			}
			if asJSON {
				if err := netJSON(e.stdout, rep); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "%d intact records in %d segments\n", rep.Records, rep.Segments)
				if t := rep.Torn; t != nil {
					fmt.Fprintf(e.stdout, "torn tail (never committed): %d bytes after offset %d of %s; pxos net verify --repair removes it\n", t.Bytes, t.Offset, t.Segment)
				}
				if missing, total, err := gen.MissingSeed(s); err == nil && missing > 0 && len(rep.Damaged) == 0 {
					fmt.Fprintf(e.stdout, "%d of its %d built-in records are missing (a crash while it was made, or an older pxos): the next pxos auto or pxos net add restores them\n", missing, total)
				}
			}
			if verr != nil {
				if !asJSON {
					for _, d := range rep.Damaged {
						fmt.Fprintf(e.stderr, "pxos net verify: %s\n", d)
					}
				}
				return exitError{1}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&repair, "repair", false, "remove a torn tail")
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func netRenderCmd(e *env, open netOpener) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "render ID -o FILE.png",
		Short: "Draw one record in full as a PNG image",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if _, err := netParseID(args[0]); err != nil {
				return err
			}
			if out == "" {
				return usagef("-o FILE.png is required")
			}
			r, err := netReadRecord(open, args[0])
			if err != nil {
				return err
			}
			img := pixnet.Render(r)
			err = writeOutputs(e, outputFile{Path: out, NoSync: true, Write: func(w io.Writer) error { return png.Encode(w, img) }})
			if err != nil {
				return err
			}
			sum, _ := summaryTo(e, out) // one path: never an error
			fmt.Fprintf(sum, "wrote %s (%dx%d)\n", outputName(out), img.Rect.Dx(), img.Rect.Dy())
			return nil
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "output PNG `file`"+stdoutHelp)
	return c
}

func netSeedCmd(e *env, network *string) *cobra.Command {
	var force bool
	c := &cobra.Command{
		Use:   "seed [--force]",
		Short: "Create a network from the built-in seed knowledge",
		Long: `Seed creates the network from the built-in knowledge (x86 encodings, BIOS
interrupts, boot sector, assembly patterns), the pxOS API page (memory
map, hook slots, calling convention) and the verified solutions of the
default features. It refuses to replace an existing network unless --force
is given.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			shipped, err := gen.ShippedSolutions()
			if err != nil {
				return err
			}
			s, err := pixnet.SeedNew(*network, force, shipped...)
			if errors.Is(err, pixnet.ErrExists) {
				return fmt.Errorf("%s exists; use --force to replace it", *network)
			}
			if err != nil {
				return err
			}
			defer s.Close()
			fmt.Fprintf(e.stdout, "seeded %s with %d records\n", s.Path(), s.Len())
			return nil
		},
	}
	c.Flags().BoolVar(&force, "force", false, "replace an existing network")
	return c
}

// netRecord is the JSON form of a record.
type netRecord struct {
	ID         uint64          `json:"id"`
	Kind       pixnet.Kind     `json:"kind"`
	Time       time.Time       `json:"time"`
	Tags       []string        `json:"tags"`
	Title      string          `json:"title"`
	Body       *string         `json:"body,omitempty"`
	BodyBase64 []byte          `json:"body_base64,omitempty"`
	Payload    json.RawMessage `json:"payload"`
}

func netRecordJSON(r pixnet.Record) netRecord {
	j := netRecord{ID: r.ID, Kind: r.Kind, Time: r.Time, Tags: r.Tags, Title: r.Title, Payload: r.Payload}
	if j.Tags == nil {
		j.Tags = []string{}
	}
	if utf8.ValidString(r.Body) {
		j.Body = &r.Body
	} else {
		j.BodyBase64 = []byte(r.Body)
	}
	return j
}

// netWriteText shows a record to a person. Records hold model text, which
// may carry terminal escape sequences: every text is made printable
// (llm.Printable); --json gives the exact bytes.
func netWriteText(w io.Writer, r pixnet.Record) {
	fmt.Fprintf(w, "record  %d\nkind    %s\ntime    %s\ntags    %s\ntitle   %s\n", r.ID, llm.Printable(string(r.Kind)), r.Time.Format(time.RFC3339Nano),
		llm.Printable(strings.Join(r.Tags, ", ")), llm.Printable(r.Title))
	if r.Payload != nil {
		fmt.Fprintf(w, "payload %s\n", llm.Printable(string(r.Payload)))
	}
	body := r.Body
	if !utf8.ValidString(body) {
		body = "(not UTF-8; base64) " + base64.StdEncoding.EncodeToString([]byte(body))
	}
	fmt.Fprintf(w, "body\n%s\n", llm.Printable(body))
}

// jsonOut escapes, in JSON that goes to a terminal, the C1 control
// characters (U+0080–U+009F: U+009B is a one-character CSI) that Go's
// encoder passes through; the JSON means the same.
type jsonOut struct{ w io.Writer }

func (j jsonOut) Write(b []byte) (int, error) {
	if !bytes.Contains(b, []byte{0xC2}) {
		return j.w.Write(b)
	}
	var out []byte
	for i := 0; i < len(b); i++ {
		if b[i] == 0xC2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9F {
			out = fmt.Appendf(out, `\u%04x`, b[i+1])
			i++
			continue
		}
		out = append(out, b[i])
	}
	if _, err := j.w.Write(out); err != nil {
		return 0, err
	}
	return len(b), nil
}

func netJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(jsonOut{w})
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
