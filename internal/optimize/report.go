package optimize

import (
	"bytes"
	"embed"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/pxos-dev/pxos/internal/feature"
)

// Figures says what the new version costs against the old:
// "35 -> 34 bytes, 3,210 -> 3,209 instructions (scenario feature_clear)".
func (o Outcome) Figures() string {
	s := fmt.Sprintf("%d -> %d bytes", o.Before.Bytes, o.After.Bytes)
	switch {
	case o.Scenario == "":
		s += " (no kept scenario: instructions not counted)"
	case o.Before.Instructions > 0 && o.After.Instructions > 0:
		s += fmt.Sprintf(", %s -> %s instructions (scenario %s)", thousands(o.Before.Instructions), thousands(o.After.Instructions), o.Scenario)
	}
	return s
}

// String is the outcome in one line: "clear: FIGURES" when kept, else
// "clear: refused: REASON" (or "clear: REASON" when no version was made).
func (o Outcome) String() string {
	switch {
	case o.Kept:
		return o.Name + ": " + o.Figures()
	case o.Made:
		return o.Name + ": refused: " + o.Reason
	}
	return o.Name + ": " + o.Reason
}

// thousands writes n with commas between groups of three digits.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// The model's request wording lives in templates/request.tmpl.
//
//go:embed templates/request.tmpl
var templateFS embed.FS

var requestTmpl = template.Must(template.ParseFS(templateFS, "templates/request.tmpl"))

// request is what the model is asked for: a new version of spec, the
// feature of block bl, with its scenario scen (may be empty). It becomes
// the "Feature to add" of a code request (gen.Request.Feature).
func request(spec *feature.Spec, bl feature.Block, scen []byte) string {
	var hooks []string
	for _, h := range bl.Hooks {
		hooks = append(hooks, h.Slot+" -> "+h.Handler)
	}
	var b bytes.Buffer
	err := requestTmpl.Execute(&b, map[string]any{
		"Name":     spec.Name,
		"Goal":     spec.Goal,
		"Addr":     fmt.Sprintf("0x%04X", bl.Addr),
		"Size":     bl.Size,
		"Hooks":    "hooks " + strings.Join(hooks, ", "),
		"Requires": strings.Join(spec.Requires, ", "),
		"Source":   strings.TrimRight(string(spec.Source), "\n"),
		"Scenario": strings.TrimRight(string(scen), "\n"),
	})
	if err != nil {
		panic(fmt.Sprintf("template request.tmpl: %v", err)) // the template is part of the binary
	}
	return strings.TrimSpace(b.String())
}
