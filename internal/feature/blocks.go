package feature

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pxos-dev/pxos/internal/build"
	pxosv1 "github.com/pxos-dev/pxos/pxos-v1.0"
)

var (
	blockHeadRE = regexp.MustCompile(`^# ==== feature ([a-z][a-z0-9_]*): (.*)$`)
	blockInfoRE = regexp.MustCompile(`^COMMENT feature ([a-z][a-z0-9_]*) at 0x([0-9A-Fa-f]+)-0x([0-9A-Fa-f]+) \((\d+) bytes\)(?:, hooks ([a-z_, ]+?))?(?:; requires (no other feature|[a-z0-9_, ]+))?$`)
	blockHookRE = regexp.MustCompile(`^COMMENT install ([a-z_]+) -> (\S+) \(previous: 0x([0-9A-Fa-f]+)\)$`)
	writeRE     = regexp.MustCompile(`^WRITE 0x([0-9A-Fa-f]+) 0x([0-9A-Fa-f]{2})(?: COMMENT (.*))?$`)
	blockDefRE  = regexp.MustCompile(`^(?:DEFINE ([A-Za-z_.][A-Za-z0-9_.]*) 0x([0-9A-Fa-f]+)|# label (\S+) = 0x([0-9A-Fa-f]+))$`)
)

// ParseBlocks returns the feature blocks of a commands file in order, each
// with its extent, code range, hooks and requirements (Blocks gives the
// headers alone). A header without its end line is an error naming the
// header's line.
func ParseBlocks(src []byte) ([]Block, error) {
	var out []Block
	var cur *Block
	line, off := 0, 0
	for off < len(src) {
		end := bytes.IndexByte(src[off:], '\n')
		next := len(src)
		if end >= 0 {
			next = off + end + 1
		}
		line++
		text := strings.TrimRight(string(src[off:next]), "\r\n")
		switch {
		case strings.HasPrefix(text, pxosv1.FeatureHeader) && !strings.HasPrefix(text, "# ==== end of feature "):
			if cur != nil {
				return nil, fmt.Errorf("line %d: feature %s (line %d) has no end line before the next block", line, cur.Name, cur.Line)
			}
			m := blockHeadRE.FindStringSubmatch(text)
			if m == nil {
				return nil, fmt.Errorf("line %d: not a feature block header: %q", line, text)
			}
			cur = &Block{Name: m[1], Goal: m[2], Line: line, Start: off}
		case cur != nil && text == "# ==== end of feature "+cur.Name:
			cur.End = next
			cur.Text = src[cur.Start:cur.End]
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			if m := blockInfoRE.FindStringSubmatch(text); m != nil && m[1] == cur.Name {
				a, _ := strconv.ParseUint(m[2], 16, 32)
				n, _ := strconv.ParseUint(m[4], 10, 32)
				cur.Addr, cur.Size = uint32(a), uint32(n)
				switch m[6] {
				case "": // a block from before pxos recorded requirements
				case noRequires:
					cur.Requires = []string{}
				default:
					cur.Requires = splitList(m[6])
				}
			} else if m := blockHookRE.FindStringSubmatch(text); m != nil {
				old, _ := strconv.ParseUint(m[3], 16, 16)
				cur.Hooks = append(cur.Hooks, Hook{Slot: m[1], Handler: m[2], Old: uint16(old)})
			}
		}
		off = next
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: feature %s has no end line (# ==== end of feature %s)", cur.Line, cur.Name, cur.Name)
	}
	return out, nil
}

// noRequires is what a block's COMMENT line says when the feature requires
// no other one.
const noRequires = "no other feature"

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

var sourceLabelRE = regexp.MustCompile(`^([A-Za-z_.?$][A-Za-z0-9_.?$@~#]*):`)

// Spec rebuilds the feature a block was made from: its name, goal, hooks
// and requirements, and a source whose lines are the block's COMMENTs (the
// source line of each instruction) with its labels put back, so it can be
// installed again against another build. It reports the block's bytes
// too, by address. Whether the source reproduces them is for the caller
// to check (Reinstall does).
func (bl *Block) Spec() (*Spec, map[uint32]byte, error) {
	bytesAt := map[uint32]byte{}
	comment := map[uint32]string{}
	type label struct {
		name string
		addr uint32
	}
	var labels []label
	for _, ln := range strings.Split(string(bl.Text), "\n") {
		ln = strings.TrimRight(ln, "\r")
		if m := writeRE.FindStringSubmatch(ln); m != nil {
			a, _ := strconv.ParseUint(m[1], 16, 32)
			v, _ := strconv.ParseUint(m[2], 16, 8)
			bytesAt[uint32(a)] = byte(v)
			if m[3] != "" {
				comment[uint32(a)] = m[3]
			}
			continue
		}
		if m := blockDefRE.FindStringSubmatch(ln); m != nil {
			name, val := m[1], m[2]
			if name == "" {
				name, val = m[3], m[4]
			}
			if name == MarkerPrefix+bl.Name {
				continue
			}
			a, _ := strconv.ParseUint(val, 16, 32)
			labels = append(labels, label{name, uint32(a)})
		}
	}
	if bl.Size == 0 || len(bytesAt) == 0 {
		return nil, nil, fmt.Errorf("feature %s: its block records no code", bl.Name)
	}
	if bl.Addr < build.LoadBase || bl.Size > build.LoadEnd || bl.Addr+bl.Size > build.LoadEnd {
		return nil, nil, fmt.Errorf("feature %s: its block says it lies at 0x%X (%d bytes), outside 0x%04X-0x%04X", bl.Name, bl.Addr, bl.Size, build.LoadBase, build.LoadEnd-1)
	}
	end := bl.Addr + bl.Size
	var src strings.Builder
	at := map[uint32][]string{}
	for _, l := range labels {
		if l.addr < bl.Addr || l.addr > end {
			// A constant (NAME equ VALUE) or a label outside the code.
			fmt.Fprintf(&src, "%s equ 0x%04X\n", l.name, l.addr)
			continue
		}
		at[l.addr] = append(at[l.addr], l.name)
	}
	global := ""
	emit := func(name string) {
		if global != "" && strings.HasPrefix(name, global+".") && !strings.Contains(name[len(global)+1:], ".") {
			src.WriteString(name[len(global):] + ":\n")
			return
		}
		src.WriteString(name + ":\n")
		if !strings.HasPrefix(name, ".") {
			global = name
		}
	}
	for a := bl.Addr; a <= end; a++ {
		text := comment[a]
		own := ""
		if m := sourceLabelRE.FindStringSubmatch(text); m != nil {
			own = m[1]
		}
		names := at[a]
		sort.SliceStable(names, func(i, j int) bool { return len(names[i]) < len(names[j]) })
		for _, n := range names {
			if own != "" && (n == own || strings.HasSuffix(n, own) && strings.HasPrefix(own, ".")) {
				continue
			}
			emit(n)
		}
		if text != "" {
			if own != "" && !strings.HasPrefix(own, ".") {
				global = own
			}
			src.WriteString(text + "\n")
		}
	}
	hooks := map[string]string{}
	for _, h := range bl.Hooks {
		hooks[h.Slot] = h.Handler
	}
	s := &Spec{Name: bl.Name, Goal: bl.Goal, Hooks: hooks, Requires: bl.Requires, Size: int(bl.Size),
		Source: []byte(src.String()), SourceFile: bl.Name + " (its block)"}
	return s, bytesAt, nil
}

var identRE = regexp.MustCompile(`[A-Za-z_.][A-Za-z0-9_.]*`)

// Changers returns the features installed in b, in order, whose blocks
// name one of syms: take it as a hook slot, or use it as a label in their
// source (the COMMENT each WRITE carries). Such a feature may change the
// default the label holds, so a scenario that checks that default (its
// default line, package scenario) is no test of b. A block that does not
// parse names nothing.
func (b *Base) Changers(syms []string) []string {
	if len(syms) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, s := range syms {
		want[s] = true
	}
	blocks, err := ParseBlocks(b.Src)
	if err != nil {
		return nil
	}
	var out []string
	for _, bl := range blocks {
		if bl.names(want) {
			out = append(out, bl.Name)
		}
	}
	return out
}

// names reports whether the block takes one of want as a slot or names
// one in its source lines.
func (bl *Block) names(want map[string]bool) bool {
	for _, h := range bl.Hooks {
		if want[h.Slot] {
			return true
		}
	}
	for _, ln := range strings.Split(string(bl.Text), "\n") {
		m := writeRE.FindStringSubmatch(strings.TrimRight(ln, "\r"))
		if m == nil || m[3] == "" {
			continue
		}
		src := stripQuoted(m[3])
		if i := strings.IndexByte(src, ';'); i >= 0 {
			src = src[:i] // a comment names nothing
		}
		for _, id := range identRE.FindAllString(src, -1) {
			if want[id] {
				return true
			}
		}
	}
	return false
}

// stripQuoted blanks the quoted strings of an assembly line, so the text
// "line_max" in a db names no label.
func stripQuoted(s string) string {
	b := []byte(s)
	var q byte
	for i, c := range b {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
			b[i] = ' '
		case c == '"' || c == '\'' || c == '`':
			q = c
			b[i] = ' '
		}
	}
	return string(b)
}
