package campaign

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

type resolver struct{}

func (resolver) Resolve(_ context.Context, _, ref string) (string, error) {
	if ref == "gone" {
		return "", errors.New("no such ref")
	}
	return "0123456789012345678901234567890123456789", nil
}

const yml = `version: 1
core: {name: market-data-core, repo: /c, package: market_data_core, ref: main}
downstreams:
  - {name: a, repo: /a, ref: main}
  - {name: b, repo: /b, ref: main}
`

func planned(t *testing.T, spec Spec) []Entry {
	t.Helper()
	m, err := matrix.Parse("m.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	e, err := Plan(context.Background(), m, spec, resolver{})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestPlanEntries(t *testing.T) {
	py := []Python{{Label: "3.11", Interpreter: "py311"}, {Label: "3.12", Interpreter: "py312"}}
	e := planned(t, Spec{CoreRefs: []string{"v1", "refs/pull/7/head"}, BaselineRef: "v0", Pythons: py})
	want := []string{"baseline-v0-py3.11", "v1-py3.11", "refs_pull_7_head-py3.11", "baseline-v0-py3.12", "v1-py3.12", "refs_pull_7_head-py3.12"}
	if len(e) != len(want) {
		t.Fatalf("%d entries, want %d", len(e), len(want))
	}
	for i, w := range want {
		if e[i].Label != w || e[i].Baseline != (i%3 == 0) {
			t.Errorf("entry %d: %q baseline=%v, want %q", i, e[i].Label, e[i].Baseline, w)
		}
	}
	if e[0].Plan.Suites[0].DownstreamKey == e[3].Plan.Suites[0].DownstreamKey {
		t.Error("two Pythons share a downstream cache key")
	}
	if e[0].Plan.Suites[0].DownstreamKey != e[1].Plan.Suites[0].DownstreamKey {
		t.Error("baseline and candidate of one Python do not share the downstream layer")
	}
}

func TestPlanDefaultsAndLabels(t *testing.T) {
	py := []Python{{Label: "3.11"}}
	if e := planned(t, Spec{Pythons: py}); len(e) != 1 || e[0].Label != "main" || e[0].Plan.Core.Ref != "main" {
		t.Errorf("default ref: %+v", e)
	}
	e := planned(t, Spec{CoreRefs: []string{"a/b", "a_b"}, Pythons: py})
	if e[0].Label == e[1].Label {
		t.Errorf("labels collide: %q", e[0].Label)
	}
	if e := planned(t, Spec{CoreSource: "/src/core", Pythons: py}); e[0].Label != "local" || e[0].Plan.Core.Local != "/src/core" {
		t.Errorf("core source: %+v", e[0])
	}
	e = planned(t, Spec{CoreRefs: []string{"a_b", "a/b", "a_b-2"}, Pythons: py})
	if e[0].Label != "a_b" || e[1].Label != "a_b-2" || e[2].Label != "a_b-2-2" {
		t.Errorf("labels not unique: %q %q %q", e[0].Label, e[1].Label, e[2].Label)
	}
}

func TestAssembleSplitsOutcomesByEntry(t *testing.T) {
	e := planned(t, Spec{CoreRefs: []string{"v1", "v2"}, BaselineRef: "v0", Pythons: []Python{{Label: "3.11"}}})
	var outs []outcome.Suite
	for _, en := range e {
		for _, s := range en.Plan.Suites {
			outs = append(outs, outcome.Suite{Name: s.Name, Core: s.Core, Verdict: outcome.Passed})
		}
	}
	if len(outs) != 6 {
		t.Fatalf("%d outcomes, want 6", len(outs))
	}
	res := Assemble(e, outs, "", time.Now())
	if len(res.Baselines) != 1 || len(res.Runs) != 2 || res.Runs[1].Core.Ref != "v2" || res.Runs[0].Python != "" {
		t.Fatalf("assembled %+v", res)
	}
	if res.Runs[0].Comparison == nil {
		t.Error("candidates were not compared with the baseline")
	}
}

// countingResolver counts calls and moves "main" after the first one.
type countingResolver struct{ calls int }

func (c *countingResolver) Resolve(_ context.Context, _, ref string) (string, error) {
	c.calls++
	if ref == "main" && c.calls > 1 {
		return "1111111111111111111111111111111111111111", nil
	}
	return "0123456789012345678901234567890123456789", nil
}

func TestRefsResolveOncePerCampaign(t *testing.T) {
	m, _ := matrix.Parse("m.yaml", []byte(yml))
	r := &countingResolver{}
	e, err := Plan(context.Background(), m, Spec{CoreRefs: []string{"v1", "v2"}, BaselineRef: "v0", Pythons: []Python{{Label: "3.11"}}}, r)
	if err != nil {
		t.Fatal(err)
	}
	// 3 Core refs + 2 downstreams, once each, though planned three times.
	if r.calls != 5 {
		t.Errorf("%d resolutions, want 5", r.calls)
	}
	for _, en := range e[1:] {
		if en.Plan.Suites[0].Downstream.SHA != e[0].Plan.Suites[0].Downstream.SHA {
			t.Error("baseline and candidate test different downstream commits")
		}
	}
}

func TestAssemblePadsMissingOutcomes(t *testing.T) {
	e := planned(t, Spec{CoreRefs: []string{"v1"}, Pythons: []Python{{Label: "3.11"}}})
	res := Assemble(e, nil, "", time.Now())
	if len(res.Runs[0].Suites) != 2 || res.Runs[0].Suites[1].Verdict != outcome.Error {
		t.Fatalf("missing outcomes not reported: %+v", res.Runs[0].Suites)
	}
}
