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
		r.Error = "qemu: could not start"
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

func TestJudge(t *testing.T) {
	for _, c := range []struct {
		name                string
		with, without, stub []*scenario.Result
		why                 string // "" for fail-to-pass
	}{
		{"fail-to-pass", rs("pass"), rs("fail"), rs("fail"), ""},
		{"no stub", rs("pass"), rs("fail"), nil, ""},
		{"two machines", rs("pass", "pass"), rs("fail", "fail"), rs("fail", "fail"), ""},
		{"passes without", rs("pass"), rs("pass"), rs("fail"), "also passes on the build without the feature"},
		{"one machine passes without", rs("pass", "pass"), rs("fail", "pass"), rs("fail", "fail"), "also passes on the build without"},
		{"passes on the stub", rs("pass"), rs("fail"), rs("pass"), "handlers that do nothing"},
		{"fails with", rs("fail"), rs("fail"), rs("fail"), "fails on the build with the feature"},
		{"machine did not start", rs("pass"), rs("nostart"), rs("fail"), "the machine did not start"},
		{"stub machine did not start", rs("pass"), rs("fail"), rs("nostart"), "the machine did not start"},
		{"not run without", rs("pass"), nil, nil, "did not run on both builds"},
	} {
		p := Judge(sc, "answer", c.with, c.without, c.stub)
		if p.FailToPass != (c.why == "") || !strings.Contains(p.Why, c.why) {
			t.Errorf("%s: fail-to-pass %v, why %q; want %q", c.name, p.FailToPass, p.Why, c.why)
		}
		if len(p.Lines) != 3 || p.Lines[1] != `type "time\n"` {
			t.Errorf("%s: lines %q", c.name, p.Lines)
		}
	}
	p := Judge(sc, "answer", rs("pass"), rs("fail"), rs("fail"))
	want := `without (emu): FAIL at line 3: expect "Time: ": text "Time: " not on the screen`
	if got := p.Without[0].String(); got != want {
		t.Errorf("run line %q, want %q", got, want)
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
