package docs

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes the manual as one HTML page that needs nothing else:
// its style is inline, it loads no script, font or image.
func (m *Manual) WriteHTML(w io.Writer) error {
	return page.Execute(w, m)
}

func hCode(s string) string { return "<code>" + html.EscapeString(s) + "</code>" }

func hFeature(name string) string {
	if name == "" {
		return "—"
	}
	return `<a href="#feature-` + html.EscapeString(name) + `">` + html.EscapeString(name) + "</a>"
}

var page = template.Must(template.New("manual.html").Funcs(template.FuncMap{
	"feat":   func(name string) template.HTML { return template.HTML(hFeature(name)) },
	"region": func(r Region) template.HTML { return template.HTML(regionWhat(r, hFeature)) },
	"link":   func(l Link) template.HTML { return template.HTML(linkText(l, hCode, hFeature)) },
	"facts":  func(f Feature) template.HTML { return template.HTML(featureFacts(&f, hCode)) },
	"entry": func(m *Manual, c Command) template.HTML {
		return template.HTML(m.entryLine(c, hFeature, hCode))
	},
	"head":   func(ex *Example) template.HTML { return template.HTML(exampleHead(ex, hCode)) },
	"hex":    func(a uint32) string { return fmt.Sprintf("0x%04X", a) },
	"rows":   func(rows []string) string { return strings.Join(rows, "\n") },
	"api":    func(page string) template.HTML { return renderMarkdown(demote(page, 2)) },
	"intro":  func(m *Manual) template.HTML { return template.HTML(m.intro(hCode)) },
	"layout": layout,
	"inline": func(name string) template.HTML {
		return template.HTML(inline(map[string]string{"commands": commandsIntro, "map": mapIntro, "chains": chainsIntro, "features": featuresIntro}[name]))
	},
	"summary": func(m *Manual) template.HTML { return template.HTML(m.summary(html.EscapeString)) },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pxOS manual</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
h1, h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
h2 { margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Consolas, monospace; font-size: 90%; }
code { background: #f4f4f4; padding: 0 .2em; }
pre { background: #f6f6f6; border: 1px solid #ddd; padding: .6em .8em; overflow-x: auto; }
pre code { background: none; padding: 0; }
pre.screen { background: #000; color: #ccc; border-color: #444; line-height: 1.2; }
.prose { border-left: 4px solid #e0b000; background: #fffbe8; padding: .4em .8em; }
.prose .by { font-weight: bold; }
.failed { color: #a00; }
details summary { cursor: pointer; }
</style>
</head>
<body>
<h1>pxOS manual</h1>
<p>{{intro .}}</p>
<p>{{summary .}}</p>
<nav><ol>
<li><a href="#commands">Commands</a></li>
<li><a href="#memory-map">Memory map</a></li>
<li><a href="#hook-chains">Hook chains</a></li>
<li><a href="#features">Features</a></li>
<li><a href="#api">API</a></li>
</ol></nav>

<h2 id="commands">Commands</h2>
<p>{{inline "commands"}}</p>
{{- $m := .}}
{{- if not .Commands}}
<p>The command table is empty: this pxOS has no commands.</p>
{{- else}}
<table>
<tr><th>command</th><th>what it does</th><th>feature</th></tr>
{{- range .Commands}}
<tr><td><a href="#command-{{printf "%04X" .Entry}}"><code>{{.Word}}</code></a></td><td>{{if .Help}}{{.Help}}{{else}}—{{end}}</td><td>{{feat .Feature}}</td></tr>
{{- end}}
</table>
{{- range .Commands}}
<h3 id="command-{{printf "%04X" .Entry}}"><code>{{.Title}}</code></h3>
<p>{{if .Help}}{{.Help}}{{else}}(Its entry has no help text.){{end}}</p>
<p>{{entry $m .}}.</p>
{{- if .Prose}}
<p class="prose"><span class="by">Written by {{$m.ProseBy}}, not checked:</span> {{.Prose}}</p>
{{- end}}
{{- with $m.CommandExample .}}{{template "example" .}}
{{- else}}{{if $m.SeeFirst .}}
<p>Example: see the first command of feature {{feat .Feature}}.</p>{{end}}
{{- end}}
{{- end}}
{{- end}}

<h2 id="memory-map">Memory map</h2>
<p>{{inline "map"}}</p>
<table>
<tr><th>range</th><th>bytes</th><th>what</th></tr>
{{- range .Map}}
<tr><td><code>{{.String}}</code></td><td class="num">{{.Len}}</td><td>{{region .}}</td></tr>
{{- end}}
</table>

<h2 id="hook-chains">Hook chains</h2>
<p>{{inline "chains"}}</p>
<table>
<tr><th>slot</th><th>address</th><th>chain, from the slot's value to the base's default</th></tr>
{{- range .Chains}}
<tr><td><code>{{.Slot}}</code></td><td>{{hex .Addr}}</td><td>{{range $i, $l := .Links}}{{if $i}} → {{end}}{{link $l}}{{end}}{{if .Broken}} (the walk stopped: {{.Broken}}){{end}}</td></tr>
{{- end}}
</table>

<h2 id="features">Features</h2>
{{- if not .Features}}
<p>No feature is installed: this is the base pxOS.</p>
{{- else}}
<p>{{inline "features"}}</p>
{{- end}}
{{- range .Features}}
<h3 id="feature-{{.Name}}">feature {{.Name}}</h3>
<p>Goal: {{.Goal}}</p>
<p>{{facts .}}</p>
{{- if .Example}}{{if .Words}}
<p>Example: see the command <a href="#command-{{printf "%04X" ($m.EntryOf (index .Words 0))}}"><code>{{index .Words 0}}</code></a>.</p>
{{- else}}{{template "example" .Example}}{{end}}{{end}}
{{- if .SourceErr}}
<p class="failed">Its source could not be rebuilt from its block: {{.SourceErr}}</p>
{{- else}}
<details><summary>Source, rebuilt from its block (the source line each WRITE records, with its labels)</summary>
<pre><code>{{layout .Source}}</code></pre>
</details>
{{- end}}
{{- end}}

<h2 id="api">API</h2>
{{- if .API}}
<p>The pxOS API page, <code>{{.APIFile}}</code>, follows.</p>
{{api .API}}
{{- else}}
<p>No API page was found.</p>
{{- end}}
</body>
</html>
{{define "example"}}
{{- if and (not .Rows) (not .Passed)}}
<p class="failed">Example: <code>{{.Scenario}}</code> did not run on this build: {{.Err}}</p>
{{- else}}
<p{{if not .Passed}} class="failed"{{end}}>{{head .}}</p>
{{- if and (not .Passed) .Err}}
<p class="failed">It failed: {{.Err}}</p>
{{- end}}
<pre class="screen">{{rows .Rows}}</pre>
{{- end}}
{{- end}}
`))
