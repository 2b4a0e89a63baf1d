package docs

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// WriteMarkdown writes the manual as Markdown (GitHub's dialect: tables,
// fenced code).
func (m *Manual) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	// Every block but the first starts with the blank line that separates
	// it from the one before.
	block := func(format string, args ...any) { p("\n"+format+"\n", args...) }

	p("# pxOS manual\n")
	block("%s", m.intro(mdCode))
	block("%s", m.summary(mdText))
	block("## Contents")
	p("\n")
	for i, s := range m.sections() {
		p("%d. [%s](#%s)\n", i+1, s.title, s.id)
	}

	block("## Commands")
	block("%s", commandsIntro)
	if len(m.Commands) == 0 {
		block("The command table is empty: this pxOS has no commands.")
	} else {
		p("\n| command | what it does | feature |\n| --- | --- | --- |\n")
		for _, c := range m.Commands {
			p("| %s | %s | %s |\n", mdCode(c.Title()), mdCell(c.Help), mdFeature(c.Feature))
		}
		for _, c := range m.Commands {
			block("### %s", mdText(c.Title()))
			if c.Help != "" {
				block("%s", mdText(c.Help))
			} else {
				block("(Its entry has no help text.)")
			}
			block("%s.", m.entryLine(c, mdFeature, mdCode))
			if c.Prose != "" {
				block("> **Written by %s, not checked:** %s", mdText(m.ProseBy), mdText(c.Prose))
			}
			if ex := m.CommandExample(c); ex != nil {
				mdExample(bw, ex)
			} else if m.SeeFirst(c) {
				block("Example: see the first command of feature %s.", mdFeature(c.Feature))
			}
		}
	}

	block("## Memory map")
	block("%s", mapIntro)
	p("\n| range | bytes | what |\n| --- | ---: | --- |\n")
	for _, r := range m.Map {
		p("| %s | %d | %s |\n", r, r.Len(), regionWhat(r, mdFeature))
	}

	block("## Hook chains")
	block("%s", chainsIntro)
	p("\n| slot | address | chain, from the slot's value to the base's default |\n| --- | --- | --- |\n")
	for _, ch := range m.Chains {
		var links []string
		for _, l := range ch.Links {
			links = append(links, linkText(l, mdCode, mdFeature))
		}
		s := strings.Join(links, " → ")
		if ch.Broken != "" {
			s += " (the walk stopped: " + mdText(ch.Broken) + ")"
		}
		p("| %s | 0x%04X | %s |\n", mdCode(ch.Slot), ch.Addr, s)
	}

	block("## Features")
	if len(m.Features) == 0 {
		block("No feature is installed: this is the base pxOS.")
	} else {
		block("%s", featuresIntro)
	}
	for _, f := range m.Features {
		block("### feature %s", f.Name)
		block("Goal: %s", mdText(f.Goal))
		block("%s", featureFacts(&f, mdCode))
		if f.Example != nil {
			if len(f.Words) > 0 {
				block("Example: see the command %s.", mdCode(f.Words[0]))
			} else {
				mdExample(bw, f.Example)
			}
		}
		if f.SourceErr != "" {
			block("Its source could not be rebuilt from its block: %s", mdText(f.SourceErr))
			continue
		}
		block("Source, rebuilt from its block (the source line each WRITE records, with its labels):")
		src := layout(f.Source)
		fence := fenceFor(src)
		block("%snasm\n%s%s", fence, withNewline(src), fence)
	}

	block("## API")
	if m.API == "" {
		block("No API page was found.")
	} else {
		block("The pxOS API page, %s, follows with its headings two levels down.", mdCode(m.APIFile))
		block("%s", strings.TrimRight(demote(m.API, 2), "\n"))
	}
	return bw.Flush()
}

// section is one entry of the contents.
type section struct{ title, id string }

func (m *Manual) sections() []section {
	return []section{{"Commands", "commands"}, {"Memory map", "memory-map"}, {"Hook chains", "hook-chains"}, {"Features", "features"}, {"API", "api"}}
}

const (
	commandsIntro = "The command table (`cmd_head`), newest entry first, as the build holds it. " +
		"Type a command at the prompt: the command parser looks its first word up in this table and calls its handler with the rest of the line. " +
		"Each example is the final screen of the feature's kept scenario, run on the built-in emulator: its rows that are not blank."
	mapIntro = "The loadable range, 0x7C00-0xFFFF, byte by byte: the boot sector, the base pxOS, each feature's block and what is free. " +
		"Below 0x7C00 are the interrupt vectors, the BIOS data area and the stack; the text screen is at 0xB8000 (see the API page)."
	chainsIntro = "Each hook slot holds the handler pxOS calls; a feature that takes a slot records the value it replaced, and its handler passes what it does not handle on to that one (`jmp prev_SLOT`). " +
		"A chain lists the handlers from the slot's value back to the base's default; the `cmd_head` chain is the command table's entries."
	featuresIntro = "The feature blocks of the commands file, in the order they were installed."
)

// intro says what the manual is, with code formatting names.
func (m *Manual) intro(code func(string) string) string {
	s := "The manual of the pxOS that " + code(m.Source) + " builds, made by " + code("pxos docs") + " from the build itself " +
		"(its command table, memory, hook slots and feature blocks) and from each feature's kept scenario, run on the built-in emulator."
	if m.ProseBy != "" {
		return s + " The paragraphs marked “Written by " + code(m.ProseBy) + ", not checked” are a model's; nothing else is."
	}
	return s + " No model wrote any of it."
}

// summary counts what the build holds, with text escaping what comes from
// the image.
func (m *Manual) summary(text func(string) string) string {
	var names []string
	for _, f := range m.Features {
		names = append(names, f.Name)
	}
	fs := "no features"
	if len(names) > 0 {
		fs = fmt.Sprintf("%d feature%s (%s)", len(names), plural(len(names)), strings.Join(names, ", "))
	}
	s := fmt.Sprintf("This build: %s, %d command%s, %d bytes used, %d free.", text(fs), len(m.Commands), plural(len(m.Commands)), m.Used, m.Free)
	if m.Banner != "" {
		s += " It boots with the banner “" + text(m.Banner) + "”."
	}
	return s
}

// feature returns the feature called name, nil for none.
func (m *Manual) feature(name string) *Feature {
	for i := range m.Features {
		if m.Features[i].Name == name && name != "" {
			return &m.Features[i]
		}
	}
	return nil
}

// Title is the command's word, or what the manual calls a command whose
// word cannot be read.
func (c Command) Title() string {
	if c.Word == "" {
		return fmt.Sprintf("(unreadable word at entry 0x%04X)", c.Entry)
	}
	return c.Word
}

// CommandExample returns the example of c's feature when c is the
// feature's first command (the others refer to it), else nil.
func (m *Manual) CommandExample(c Command) *Example {
	f := m.feature(c.Feature)
	if f == nil || f.Example == nil || m.firstOf(c.Feature).Entry != c.Entry {
		return nil
	}
	return f.Example
}

// SeeFirst reports whether c's feature has an example shown with another
// command of it.
func (m *Manual) SeeFirst(c Command) bool {
	f := m.feature(c.Feature)
	return f != nil && f.Example != nil && m.firstOf(c.Feature).Entry != c.Entry
}

// EntryOf returns the entry address of the first command called word.
func (m *Manual) EntryOf(word string) uint16 {
	for _, c := range m.Commands {
		if c.Word == word {
			return c.Entry
		}
	}
	return 0
}

// firstOf returns the first command of the feature called name.
func (m *Manual) firstOf(name string) Command {
	for _, c := range m.Commands {
		if c.Feature == name {
			return c
		}
	}
	return Command{}
}

// entryLine says where a command's entry and handler are and which feature
// added it, with feat and code formatting those.
func (m *Manual) entryLine(c Command, feat, code func(string) string) string {
	h := fmt.Sprintf("0x%04X", c.Handler)
	if c.HandlerL != "" {
		h = code(c.HandlerL) + " at " + h
	}
	s := fmt.Sprintf("Entry at 0x%04X, handler %s", c.Entry, h)
	if c.Feature != "" {
		return s + "; added by feature " + feat(c.Feature)
	}
	return s + "; in no feature's block"
}

// regionWhat describes a region of the map.
func regionWhat(r Region, feat func(string) string) string {
	switch r.Kind {
	case KindBoot:
		return "boot sector: loads 0x7E00-0xFFFF, ends with the signature 55 AA"
	case KindBase:
		return "base pxOS: hook slots, routines, shell, strings, variables"
	case KindFeature:
		return "feature " + feat(r.Feature)
	case KindFree:
		return "free"
	}
	return "written outside the base and every feature block"
}

// linkText names one handler of a chain.
func linkText(l Link, code, feat func(string) string) string {
	s := fmt.Sprintf("0x%04X", l.Addr)
	if l.Label != "" {
		s = code(l.Label) + " " + s
	}
	switch {
	case l.Feature != "":
		return s + " (" + feat(l.Feature) + ")"
	case l.Addr == 0:
		return s + " (none: the base's default)"
	}
	return s + " (the base's default)"
}

// featureFacts is a feature's range, hooks, requirements and commands.
func featureFacts(f *Feature, code func(string) string) string {
	s := fmt.Sprintf("At %s (%d bytes).", f.Region(), f.Size)
	if len(f.Hooks) > 0 {
		var hs []string
		for _, h := range f.Hooks {
			hs = append(hs, fmt.Sprintf("%s → %s (0x%04X; previous 0x%04X)", code(h.Slot), code(h.Handler), h.New, h.Old))
		}
		s += " Hooks: " + strings.Join(hs, ", ") + "."
	} else {
		s += " It takes no hook slot."
	}
	switch {
	case f.Requires == nil:
	case len(f.Requires) == 0:
		s += " Requires no other feature."
	default:
		var rs []string
		for _, r := range f.Requires {
			rs = append(rs, code(r))
		}
		s += " Requires " + strings.Join(rs, ", ") + "."
	}
	if len(f.Words) > 0 {
		var ws []string
		for _, w := range f.Words {
			ws = append(ws, code(w))
		}
		s += " Commands: " + strings.Join(ws, ", ") + "."
	}
	return s
}

// exampleHead says what an example shows, with code formatting the
// scenario's name.
func exampleHead(ex *Example, code func(string) string) string {
	s := "Example: the final screen of " + code(ex.Scenario) + " on the built-in emulator, its rows that are not blank"
	if ex.Passed {
		return s + " (the scenario passed):"
	}
	return s + " (the scenario failed on this build):"
}

// mdExample writes an example as a block (see WriteMarkdown).
func mdExample(w io.Writer, ex *Example) {
	if len(ex.Rows) == 0 && !ex.Passed {
		fmt.Fprintf(w, "\nExample: %s did not run on this build: %s\n", mdCode(ex.Scenario), mdText(ex.Err))
		return
	}
	fmt.Fprintf(w, "\n%s\n", exampleHead(ex, mdCode))
	if !ex.Passed && ex.Err != "" {
		fmt.Fprintf(w, "\nIt failed: %s\n", mdText(ex.Err))
	}
	text := strings.Join(ex.Rows, "\n")
	fence := fenceFor(text)
	fmt.Fprintf(w, "\n%stext\n%s%s\n", fence, withNewline(text), fence)
}

// layout indents a rebuilt source's instructions under its labels, as
// the feature sources are written: a line that starts with a label or
// defines a constant stays at the margin.
func layout(src string) string {
	lines := strings.Split(strings.TrimRight(src, "\n"), "\n")
	for i, ln := range lines {
		if ln == "" || labelLineRE.MatchString(ln) {
			continue
		}
		lines[i] = "        " + ln
	}
	return strings.Join(lines, "\n") + "\n"
}

var labelLineRE = regexp.MustCompile(`^(?:[A-Za-z_.?$][A-Za-z0-9_.?$@~#]*:|[A-Za-z_.?$][A-Za-z0-9_.?$@~#]*\s+equ\s)`)

// mdFeature links a feature's section.
func mdFeature(name string) string {
	if name == "" {
		return "—"
	}
	return "[" + name + "](#feature-" + name + ")"
}

// mdCode writes s as inline code, with a fence longer than any run of
// backticks in it.
func mdCode(s string) string {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	f := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return f + " " + s + " " + f
	}
	return f + s + f
}

// mdText escapes text from the build or a model for a Markdown paragraph:
// no HTML, no emphasis, links or code it did not mean.
func mdText(s string) string {
	r := strings.NewReplacer(
		"&", "&amp;", "<", "&lt;", ">", "&gt;",
		`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "#", `\#`, "|", `\|`,
		"\n", " ", "\r", " ")
	return r.Replace(s)
}

// mdCell is mdText for a table cell.
func mdCell(s string) string {
	if s == "" {
		return "—"
	}
	return mdText(s)
}

// fenceFor returns a code fence longer than any line of backticks in text.
func fenceFor(text string) string {
	f := "```"
	for strings.Contains(text, f) {
		f += "`"
	}
	return f
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	return s + "\n"
}

// demote moves every ATX heading of the Markdown page by n levels (at most
// to level 6), outside fenced code blocks.
func demote(page string, n int) string {
	lines := strings.Split(page, "\n")
	fence := ""
	for i, ln := range lines {
		t := strings.TrimLeft(ln, " ")
		if len(ln)-len(t) < 4 {
			if fence == "" && (strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~")) {
				fence = t[:3]
				continue
			}
			if fence != "" && strings.HasPrefix(t, fence) {
				fence = ""
				continue
			}
		}
		if fence != "" {
			continue
		}
		if lvl := headingLevel(ln); lvl > 0 {
			lines[i] = strings.Repeat("#", min(lvl+n, 6)) + ln[lvl:]
		}
	}
	return strings.Join(lines, "\n")
}

// headingLevel returns the level of the ATX heading ln (1-6), 0 when it is
// none.
func headingLevel(ln string) int {
	n := 0
	for n < len(ln) && ln[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n < len(ln) && ln[n] != ' ' {
		return 0
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
