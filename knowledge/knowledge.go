// Package knowledge holds the seed knowledge of the pixel network as
// Markdown files compiled into the binary: x86 real-mode instruction
// encodings, BIOS interrupt references, boot-sector requirements, the pxOS
// memory map and hook API, and common assembly patterns.
//
// Each file starts with a "# Title" line and an optional "Tags: a, b" line;
// every "## " section becomes one Section (the text before the first one,
// if any, becomes a Section of its own). A file with a "Status: placeholder"
// line is not yet written and yields nothing. Package pixnet turns Sections
// into reference records; this package imports nothing of pxos so that
// pixnet can depend on it.
package knowledge

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.md
var files embed.FS

// FS returns the embedded Markdown files.
func FS() fs.FS { return files }

// Section is one piece of seed knowledge.
type Section struct {
	File  string   // the Markdown file it comes from
	Title string   // "File title: section heading"
	Tags  []string // the file's tags
	Text  string   // the section, heading line included
}

// Sections returns every section of every file, files in name order.
func Sections() []Section {
	names, _ := fs.Glob(files, "*.md")
	sort.Strings(names)
	var out []Section
	for _, n := range names {
		b, _ := files.ReadFile(n)
		out = append(out, Split(n, string(b))...)
	}
	return out
}

// Split cuts one Markdown file into Sections at its "## " headings.
func Split(name, text string) []Section {
	title := strings.TrimSuffix(name, ".md")
	var tags []string
	var cur *Section
	var out []Section
	var intro strings.Builder
	flush := func() {
		if cur != nil {
			cur.Text = strings.TrimSpace(cur.Text)
			out = append(out, *cur)
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(t, "# "):
			title = strings.TrimSpace(t[2:])
		case cur == nil && strings.HasPrefix(t, "Tags:"):
			for _, g := range strings.Split(t[5:], ",") {
				if g = strings.TrimSpace(g); g != "" {
					tags = append(tags, g)
				}
			}
		case cur == nil && t == "Status: placeholder":
			return nil
		case strings.HasPrefix(t, "## "):
			flush()
			cur = &Section{File: name, Title: title + ": " + strings.TrimSpace(t[3:]), Tags: tags, Text: line}
		case cur != nil:
			cur.Text += line
		default:
			intro.WriteString(line)
		}
	}
	flush()
	if s := strings.TrimSpace(intro.String()); s != "" {
		out = append([]Section{{File: name, Title: title, Tags: tags, Text: s}}, out...)
	}
	return out
}
