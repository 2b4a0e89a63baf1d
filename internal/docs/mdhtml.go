package docs

import (
	"html"
	"html/template"
	"strings"
)

// renderMarkdown turns the Markdown the pxOS API page is written in into
// HTML: ATX headings, paragraphs, pipe tables, indented and fenced code,
// "-" and "*" lists, HTML comments (dropped), and inline code, **strong**
// and links (http, https and # targets; others keep their text). It is no
// general Markdown renderer: what it does not know is a paragraph. Every
// piece of text is escaped, so the page can hold no markup of its own.
func renderMarkdown(src string) template.HTML {
	r := &mdRenderer{lines: strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")}
	r.run()
	return template.HTML(r.out.String())
}

type mdRenderer struct {
	lines []string
	i     int
	out   strings.Builder
}

func (r *mdRenderer) run() {
	for r.i < len(r.lines) {
		ln := r.lines[r.i]
		t := strings.TrimSpace(ln)
		switch {
		case t == "":
			r.i++
		case strings.HasPrefix(t, "<!--"):
			for r.i < len(r.lines) && !strings.Contains(r.lines[r.i], "-->") {
				r.i++
			}
			r.i++
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			r.fenced(t[:3])
		case indented(ln):
			r.code()
		case headingLevel(ln) > 0:
			lvl := headingLevel(ln)
			text := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(ln[lvl:]), "#"))
			r.out.WriteString("<h" + string(rune('0'+lvl)) + ">" + inline(text) + "</h" + string(rune('0'+lvl)) + ">\n")
			r.i++
		case strings.HasPrefix(t, "|") && r.i+1 < len(r.lines) && isSeparator(r.lines[r.i+1]):
			r.table()
		case listItem(ln) != "":
			r.list()
		default:
			r.paragraph()
		}
	}
}

// indented reports whether ln is a line of an indented code block.
func indented(ln string) bool {
	return strings.HasPrefix(ln, "    ") || strings.HasPrefix(ln, "\t")
}

func (r *mdRenderer) fenced(fence string) {
	r.i++
	var code []string
	for r.i < len(r.lines) && !strings.HasPrefix(strings.TrimSpace(r.lines[r.i]), fence) {
		code = append(code, r.lines[r.i])
		r.i++
	}
	r.i++
	r.pre(code)
}

func (r *mdRenderer) code() {
	var code []string
	for r.i < len(r.lines) && (indented(r.lines[r.i]) || strings.TrimSpace(r.lines[r.i]) == "") {
		ln := r.lines[r.i]
		if strings.HasPrefix(ln, "\t") {
			ln = ln[1:]
		} else if len(ln) >= 4 {
			ln = ln[4:]
		} else {
			ln = ""
		}
		code = append(code, ln)
		r.i++
	}
	for len(code) > 0 && strings.TrimSpace(code[len(code)-1]) == "" {
		code = code[:len(code)-1]
	}
	r.pre(code)
}

func (r *mdRenderer) pre(code []string) {
	r.out.WriteString("<pre><code>" + html.EscapeString(strings.Join(code, "\n")) + "</code></pre>\n")
}

// isSeparator reports whether ln is a table's delimiter row: | --- | :-: |.
func isSeparator(ln string) bool {
	cells := splitRow(ln)
	if len(cells) == 0 {
		return false
	}
	for _, c := range cells {
		c = strings.Trim(strings.TrimSpace(c), ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return false
		}
	}
	return true
}

// splitRow splits a table row into its cells: at | outside code spans, \|
// being a | of the text.
func splitRow(ln string) []string {
	ln = strings.TrimSpace(ln)
	ln = strings.TrimPrefix(ln, "|")
	if strings.HasSuffix(ln, "|") && !strings.HasSuffix(ln, `\|`) {
		ln = ln[:len(ln)-1]
	}
	var cells []string
	var cur strings.Builder
	inCode := false
	for i := 0; i < len(ln); i++ {
		c := ln[i]
		switch {
		case c == '\\' && i+1 < len(ln) && ln[i+1] == '|':
			cur.WriteByte('|')
			i++
		case c == '`':
			inCode = !inCode
			cur.WriteByte(c)
		case c == '|' && !inCode:
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

func (r *mdRenderer) table() {
	head := splitRow(r.lines[r.i])
	r.i += 2
	r.out.WriteString("<table>\n<tr>")
	for _, c := range head {
		r.out.WriteString("<th>" + inline(c) + "</th>")
	}
	r.out.WriteString("</tr>\n")
	for r.i < len(r.lines) && strings.HasPrefix(strings.TrimSpace(r.lines[r.i]), "|") {
		r.out.WriteString("<tr>")
		for _, c := range splitRow(r.lines[r.i]) {
			r.out.WriteString("<td>" + inline(c) + "</td>")
		}
		r.out.WriteString("</tr>\n")
		r.i++
	}
	r.out.WriteString("</table>\n")
}

// listItem returns the text of the list item ln starts ("- text"), "" when
// it starts none.
func listItem(ln string) string {
	t := strings.TrimLeft(ln, " ")
	if len(ln)-len(t) > 3 {
		return ""
	}
	if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") {
		return strings.TrimSpace(t[2:])
	}
	return ""
}

func (r *mdRenderer) list() {
	r.out.WriteString("<ul>\n")
	var item []string
	flush := func() {
		if len(item) > 0 {
			r.out.WriteString("<li>" + inline(strings.Join(item, " ")) + "</li>\n")
		}
		item = nil
	}
	for r.i < len(r.lines) {
		ln := r.lines[r.i]
		if text := listItem(ln); text != "" {
			flush()
			item = []string{text}
		} else if strings.TrimSpace(ln) != "" && strings.HasPrefix(ln, "  ") {
			item = append(item, strings.TrimSpace(ln))
		} else {
			break
		}
		r.i++
	}
	flush()
	r.out.WriteString("</ul>\n")
}

func (r *mdRenderer) paragraph() {
	var text []string
	for r.i < len(r.lines) {
		ln := r.lines[r.i]
		t := strings.TrimSpace(ln)
		if t == "" || headingLevel(ln) > 0 || strings.HasPrefix(t, "```") || strings.HasPrefix(t, "<!--") ||
			(len(text) > 0 && listItem(ln) != "") {
			break
		}
		text = append(text, t)
		r.i++
	}
	r.out.WriteString("<p>" + inline(strings.Join(text, " ")) + "</p>\n")
}

// inline renders a line's code spans, **strong** text and links, escaping
// the rest.
func inline(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, "`*[")
		if i < 0 {
			b.WriteString(html.EscapeString(s))
			break
		}
		b.WriteString(html.EscapeString(s[:i]))
		s = s[i:]
		switch {
		case s[0] == '`':
			n := len(s) - len(strings.TrimLeft(s, "`"))
			fence := s[:n]
			end := strings.Index(s[n:], fence)
			if end < 0 {
				b.WriteString(html.EscapeString(fence))
				s = s[n:]
				continue
			}
			code := strings.TrimSpace(s[n : n+end])
			b.WriteString("<code>" + html.EscapeString(code) + "</code>")
			s = s[n+end+n:]
		case strings.HasPrefix(s, "**"):
			end := strings.Index(s[2:], "**")
			if end <= 0 {
				b.WriteString("**")
				s = s[2:]
				continue
			}
			b.WriteString("<strong>" + inline(s[2:2+end]) + "</strong>")
			s = s[2+end+2:]
		case s[0] == '[':
			close := strings.Index(s, "](")
			end := -1
			if close > 0 {
				end = strings.IndexByte(s[close:], ')')
			}
			if close < 0 || end < 0 {
				b.WriteString("[")
				s = s[1:]
				continue
			}
			text, url := s[1:close], s[close+2:close+end]
			if strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "#") {
				b.WriteString(`<a href="` + html.EscapeString(url) + `">` + inline(text) + "</a>")
			} else {
				b.WriteString(inline(text))
			}
			s = s[close+end+1:]
		default:
			b.WriteString(html.EscapeString(s[:1]))
			s = s[1:]
		}
	}
	return b.String()
}
