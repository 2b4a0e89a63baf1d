package evidence

import (
	"strings"
	"testing"

	"github.com/pxos-dev/pxos/internal/machine"
	"github.com/pxos-dev/pxos/internal/scenario"
)

var sc = func() *scenario.Scenario {
	s, err := scenario.Parse("t.scenario", []byte("wait \"pxOS>\"\ntype \"time\\n\"\nexpect \"Time: \"\n"))
	if err != nil {
		panic(err)
	}
	return s
}()

// res makes a result: "pass", "fail" (at the expect, line 3) or "nostart"
// (the machine did not start: no step ran).
func res(kind string) *scenario.Result {
	r := &scenario.Result{Scenario: "t", Machine: "emu", Passed: kind == "pass", Failed: -1}
	for _, st := range sc.Steps {
		r.Steps = append(r.Steps, scenario.StepResult{Line: st.Pos.Line, Step: st.Src, Status: scenario.Pass})
	}
	switch kind {
	case "fail":
		r.Failed, r.Error = 2, `text "Time: " not on the screen`
		r.Steps[2].Status = scenario.Fail
	case "nostart":
		r.Error = "QEMU: could not start"
	}
	return r
}

func rs(kinds ...string) []*scenario.Result {
	var out []*scenario.Result
	for _, k := range kinds {
		out = append(out, res(k))
	}
	return out
}

func base(build string, rs []*scenario.Result) Baseline {
	return Baseline{Build: build, Desc: "the " + build + " build", Results: rs}
}

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name      string
		with      []*scenario.Result
		baselines []Baseline
		why       string // "" for fail-to-pass
	}{
		{"fail-to-pass", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", rs("fail")), base("muted", rs("fail"))}, ""},
		{"no stand-ins", rs("pass"), []Baseline{base(Without, rs("fail"))}, ""},
		{"two machines", rs("pass", "pass"), []Baseline{base(Without, rs("fail", "fail")), base("stub", rs("fail", "fail"))}, ""},
		{"passes without", rs("pass"), []Baseline{base(Without, rs("pass")), base("stub", rs("fail"))}, "also passes on the build without the feature"},
		{"one machine passes without", rs("pass", "pass"), []Baseline{base(Without, rs("fail", "pass"))}, "also passes on the build without"},
		{"passes on the stub", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", rs("pass"))}, "also passes when the stub build, so it does not show"},
		{"passes muted", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", rs("fail")), base("muted", rs("pass"))}, "when the muted build"},
		{"fails with", rs("fail"), []Baseline{base(Without, rs("fail"))}, "fails on the build with the feature"},
		{"machine did not start", rs("pass"), []Baseline{base(Without, rs("nostart"))}, "the machine did not start"},
		{"stand-in machine did not start", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", rs("nostart"))}, "the machine did not start"},
		{"stand-in not made", rs("pass"), []Baseline{base(Without, rs("fail")), {Build: "stub", Desc: "the command exists", Err: "labels clash"}}, "could not make the build where the command exists"},
		{"stand-in without results", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", nil)}, "did not run"},
		{"no baselines", rs("pass"), nil, "did not run on the builds"},
		{"without not first", rs("pass"), []Baseline{base("stub", rs("fail"))}, "did not run on the builds"},
		{"skipped stand-in", rs("pass"), []Baseline{base(Without, rs("fail")), {Build: "muted", Skip: "not for keys"}}, ""},
	} {
		p := Judge(sc, "answer", c.with, c.baselines)
		if p.FailToPass != (c.why == "") || !strings.Contains(p.Why, c.why) {
			t.Errorf("%s: fail-to-pass %v, why %q; want %q", c.name, p.FailToPass, p.Why, c.why)
		}
		if len(p.Lines) != 3 || p.Lines[1] != `type "time\n"` {
			t.Errorf("%s: lines %q", c.name, p.Lines)
		}
	}
	p := Judge(sc, "answer", rs("pass"), []Baseline{base(Without, rs("fail")), base("stub", rs("fail"))})
	want := `without (emu): FAIL at line 3: expect "Time: ": text "Time: " not on the screen`
	if got := p.Without[0].String(); got != want {
		t.Errorf("run line %q, want %q", got, want)
	}
	if q := Judge(sc, "answer", rs("pass"), []Baseline{base(Without, rs("fail")), {Build: "muted", Skip: "not for keys"}}); len(q.Notes) != 1 || q.Notes[0] != "muted: not for keys" || len(q.StandIns) != 0 {
		t.Errorf("skip: notes %q, stand-ins %+v", q.Notes, q.StandIns)
	}
	if p.StandIns[0].Build != "stub" {
		t.Errorf("stand-in runs %+v", p.StandIns)
	}
	if txt := p.Text(); !strings.Contains(txt, "fail-to-pass") || !strings.Contains(txt, want) || !strings.Contains(txt, "with (emu): PASS") {
		t.Errorf("text:\n%s", txt)
	}
}

func TestConfirm(t *testing.T) {
	if p := Confirm(sc, "solution #3", rs("pass")); !p.Holds() {
		t.Errorf("a pass does not hold: %+v", p)
	}
	for _, kinds := range [][]string{{"fail"}, {"pass", "fail"}, {}} {
		if p := Confirm(sc, "solution #3", rs(kinds...)); p.Holds() {
			t.Errorf("%v holds", kinds)
		}
	}
}

func TestDiff(t *testing.T) {
	var a, b machine.Screen
	setRow(&a, 1, "pxOS> time")
	setRow(&b, 1, "pxOS> time")
	setRow(&b, 2, "Time: 12:00:00")
	if got := strings.Join(Diff(&a, &b), "\n"); got != " 2-|\n 2+|Time: 12:00:00" {
		t.Errorf("diff %q", got)
	}
	if Diff(nil, &b) != nil || Diff(&a, &a) != nil {
		t.Error("want no diff")
	}
}

func setRow(s *machine.Screen, row int, text string) {
	for i := 0; i < len(text); i++ {
		s.Cells[row][i].Ch = text[i]
	}
}
