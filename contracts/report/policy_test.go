package report

import (
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// withBaseline returns a result of one suite per side (nil leaves the
// baseline out) under policy failOn.
func withBaseline(failOn string, base *outcome.Suite, cand outcome.Suite) *Result {
	res := &Result{FailOn: failOn, Runs: []Run{{Core: coreV2, Suites: []outcome.Suite{cand}}}}
	if base != nil {
		res.Baselines = []Run{{Core: coreV1, Suites: []outcome.Suite{*base}}}
	}
	res.Classify()
	return res
}

func TestExitCode(t *testing.T) {
	passed := out(coreV1, "s", outcome.Passed, "", time.Second, tc("a_x", pass, ""), tc("b_x", pass, ""))
	failedA := out(coreV1, "s", outcome.Failed, "", time.Second, tc("a_x", fail, "boom"), tc("b_x", pass, ""))
	flakyA := failedA // a_x failed, then passed when rerun: settled
	flakyA.Flaky = []string{"tests.contracts.test_a::a_x"}
	flakyA.Cases = outcome.Settle(failedA.Cases, flakyA.Flaky)
	flakyA.Verdict, _ = outcome.Decide(outcome.Facts{PytestRan: true, ExitCode: 1, Cases: flakyA.Cases, Flaky: flakyA.Flaky})
	failedB := out(coreV2, "s", outcome.Failed, "", time.Second, tc("a_x", pass, ""), tc("b_x", fail, "boom"))
	broken := out(coreV2, "s", outcome.Error, "install failed", time.Second)
	noTests := out(coreV2, "s", outcome.NoTests, "no tests", time.Second)
	for _, tc := range []struct {
		name   string
		res    *Result
		policy string
		want   int
	}{
		{"failures: passed", withBaseline("", nil, passed), FailOnFailures, 0},
		{"failures: failed", withBaseline("", nil, failedA), FailOnFailures, 1},
		{"failures: only flaky failures", withBaseline("", nil, flakyA), FailOnFailures, 0},
		{"failures: error", withBaseline("", nil, broken), FailOnFailures, 1},
		{"failures: no tests", withBaseline("", nil, noTests), FailOnFailures, 1},
		{"failures even with a baseline: still failing", withBaseline(FailOnFailures, &failedA, failedA), FailOnFailures, 1},
		{"regressions by default with a baseline", withBaseline("", &failedA, failedA), FailOnRegressions, 0},
		{"regressions: a case regressed", withBaseline("", &failedA, failedB), FailOnRegressions, 1},
		{"regressions: fixed", withBaseline("", &failedA, passed), FailOnRegressions, 0},
		{"regressions: candidate broke", withBaseline("", &passed, broken), FailOnRegressions, 1},
		{"regressions: broken on both proves nothing", withBaseline("", &broken, noTests), FailOnRegressions, 1},
		{"regressions: candidate fails, baseline broken", withBaseline("", &broken, failedB), FailOnRegressions, 1},
		{"regressions: flaky candidate failure", withBaseline("", &passed, flakyA), FailOnRegressions, 0},
		{"regressions without a baseline fall back to failures", withBaseline(FailOnRegressions, nil, failedA), FailOnRegressions, 1},
		{"no suites at all", &Result{}, FailOnFailures, 1},
	} {
		if got := ExitCode(tc.res); got != tc.want || tc.res.Policy() != tc.policy {
			t.Errorf("%s: ExitCode = %d (policy %s), want %d (policy %s)", tc.name, got, tc.res.Policy(), tc.want, tc.policy)
		}
	}
}

func TestBaselinePerPython(t *testing.T) {
	p := out(coreV1, "s", outcome.Passed, "", time.Second, tc("a_x", pass, ""))
	f := out(coreV2, "s", outcome.Failed, "", time.Second, tc("a_x", fail, "boom"))
	res := &Result{
		Baselines: []Run{{Python: "3.11", Core: coreV1, Suites: []outcome.Suite{f}}, {Python: "3.12", Core: coreV1, Suites: []outcome.Suite{p}}},
		Runs:      []Run{{Python: "3.11", Core: coreV2, Suites: []outcome.Suite{f}}, {Python: "3.12", Core: coreV2, Suites: []outcome.Suite{f}}},
	}
	res.Classify()
	if c := res.Runs[0].Comparison[0].Class; c != "still-failing" {
		t.Errorf("3.11 compared with the wrong baseline: %s", c)
	}
	if c := res.Runs[1].Comparison[0].Class; c != "regressed" {
		t.Errorf("3.12 compared with the wrong baseline: %s", c)
	}
	if regs := Regressions(res); len(regs) != 1 || regs[0].Run != &res.Runs[1] || regs[0].Case.ID != "tests.contracts.test_a::a_x" {
		t.Errorf("Regressions = %+v", regs)
	}
}

func TestFailuresListsBreakingFirstAndBounds(t *testing.T) {
	var cases []junit.Case
	for i := range MaxListed + 5 {
		cases = append(cases, junit.Case{Classname: "t", Name: string(rune('A' + i)), Status: fail})
	}
	base := outcome.Suite{Name: "s", Verdict: outcome.Failed, Cases: append([]junit.Case(nil), cases...)}
	base.Cases[len(cases)-1].Status = pass
	cand := outcome.Suite{Name: "s", Verdict: outcome.Failed, Cases: cases}
	res := withBaseline("", &base, cand)
	got, total := Failures(&res.Runs[0], &res.Runs[0].Suites[0])
	if total != MaxListed+5 || len(got) != MaxListed || got[0].Class != "regressed" || got[0].Case.Name != cases[len(cases)-1].Name {
		t.Errorf("Failures: %d of %d, first %+v", len(got), total, got[0])
	}
}

func TestRegressionFromAndTo(t *testing.T) {
	passed := out(coreV1, "s", outcome.Passed, "", time.Second, tc("a_x", pass, ""))
	failed := out(coreV2, "s", outcome.Failed, "", time.Second, tc("a_x", fail, "boom"))
	broken := out(coreV1, "s", outcome.Error, "ref not found", time.Second)
	for _, c := range []struct {
		base, cand outcome.Suite
		from, to   string
	}{
		{passed, failed, "passed", "failed"},
		{broken, failed, "baseline error", "failed"},
		{passed, out(coreV2, "s", outcome.Timeout, "slow", time.Second), "passed", "timeout"},
	} {
		regs := Regressions(withBaseline("", &c.base, c.cand))
		if len(regs) != 1 || regs[0].From() != c.from || regs[0].To() != c.to {
			t.Errorf("%s -> %s: regressions %+v", c.base.Verdict, c.cand.Verdict, regs)
		}
	}
}
