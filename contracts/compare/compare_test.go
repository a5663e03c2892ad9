package compare

import (
	"slices"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

const (
	pass = junit.StatusPassed
	fail = junit.StatusFailed
	errd = junit.StatusError
	skip = junit.StatusSkipped
	none = junit.Status("")
)

// suite builds a suite named name whose cases are "t::<key>" with the given
// statuses (none leaves the case out); flaky lists case keys.
func suite(name string, v outcome.Verdict, cases map[string]junit.Status, flaky ...string) outcome.Suite {
	s := outcome.Suite{Name: name, Verdict: v, Reason: string(v) + " reason"}
	keys := make([]string, 0, len(cases))
	for k := range cases {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if cases[k] != none {
			s.Cases = append(s.Cases, junit.Case{Classname: "t", Name: k, Status: cases[k], Message: k + " " + string(cases[k])})
		}
	}
	for _, k := range flaky {
		s.Flaky = append(s.Flaky, "t::"+k)
	}
	return s
}

func TestCaseClasses(t *testing.T) {
	for _, tc := range []struct {
		name         string
		base, cand   junit.Status
		bflaky       bool
		cflaky       bool
		want         Class
		wantMessage  string
		wantBreaking bool
	}{
		{"pass to fail", pass, fail, false, false, Regressed, "x failed", true},
		{"pass to error", pass, errd, false, false, Regressed, "x error", true},
		{"fail to pass", fail, pass, false, false, Fixed, "x failed", false},
		{"error to pass", errd, pass, false, false, Fixed, "x error", false},
		{"fail to fail", fail, fail, false, false, StillFailing, "x failed", false},
		{"fail to error", fail, errd, false, false, StillFailing, "x error", false},
		{"absent to pass", none, pass, false, false, NewPassing, "", false},
		{"absent to fail", none, fail, false, false, NewFailing, "x failed", true},
		{"skipped to fail", skip, fail, false, false, NewFailing, "x failed", true},
		{"skipped to pass", skip, pass, false, false, NewPassing, "", false},
		{"pass to absent", pass, none, false, false, Removed, "", false},
		{"fail to absent", fail, none, false, false, Removed, "x failed", false},
		{"pass to pass", pass, pass, false, false, Passing, "", false},
		{"pass to skipped", pass, skip, false, false, Skipped, "x skipped", false},
		{"fail to skipped", fail, skip, false, false, Skipped, "x skipped", false},
		{"pass to flaky failure", pass, fail, false, true, Flaky, "x failed", false},
		{"absent to flaky failure", none, errd, false, true, Flaky, "x error", false},
		{"flaky baseline, candidate fails every rerun", fail, fail, true, false, Regressed, "x failed", true},
		{"flaky baseline, candidate passes", fail, pass, true, false, Flaky, "", false},
		{"flaky baseline, candidate skips", fail, skip, true, false, Skipped, "x skipped", false},
	} {
		var bflaky, cflaky []string
		if tc.bflaky {
			bflaky = []string{"x"}
		}
		if tc.cflaky {
			cflaky = []string{"x"}
		}
		b := suite("s", outcome.Failed, map[string]junit.Status{"x": tc.base}, bflaky...)
		c := suite("s", outcome.Failed, map[string]junit.Status{"x": tc.cand}, cflaky...)
		got := Compare([]outcome.Suite{b}, []outcome.Suite{c})
		if len(got) != 1 || len(got[0].Cases) != 1 {
			t.Fatalf("%s: got %+v", tc.name, got)
		}
		want := Case{ID: "t::x", Class: tc.want, Baseline: tc.base, Candidate: tc.cand, Message: tc.wantMessage}
		if got[0].Cases[0] != want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got[0].Cases[0], want)
		}
		if tc.want.Breaking() != tc.wantBreaking {
			t.Errorf("%s: %s.Breaking() = %v", tc.name, tc.want, !tc.wantBreaking)
		}
	}
}

func TestSuiteClasses(t *testing.T) {
	P, F, E, T, N := outcome.Passed, outcome.Failed, outcome.Error, outcome.Timeout, outcome.NoTests
	type cs = map[string]junit.Status
	for _, tc := range []struct {
		name       string
		base, cand *outcome.Suite
		want       Class
		reason     string
	}{
		{"passing", ptr(suite("s", P, cs{"a": pass})), ptr(suite("s", P, cs{"a": pass})), Passing, ""},
		{"a case regressed", ptr(suite("s", P, cs{"a": pass, "b": pass})), ptr(suite("s", F, cs{"a": pass, "b": fail})), Regressed, ""},
		{"a new case fails", ptr(suite("s", P, cs{"a": pass})), ptr(suite("s", F, cs{"a": pass, "b": errd})), Regressed, ""},
		{"regression wins over still-failing", ptr(suite("s", F, cs{"a": fail, "b": pass})), ptr(suite("s", F, cs{"a": fail, "b": fail})), Regressed, ""},
		{"still failing", ptr(suite("s", F, cs{"a": fail, "b": pass})), ptr(suite("s", F, cs{"a": fail, "b": pass})), StillFailing, ""},
		{"still failing beats fixed", ptr(suite("s", F, cs{"a": fail, "b": fail})), ptr(suite("s", F, cs{"a": fail, "b": pass})), StillFailing, ""},
		{"fixed", ptr(suite("s", F, cs{"a": fail})), ptr(suite("s", P, cs{"a": pass})), Fixed, ""},
		{"fixed by removing the failing case", ptr(suite("s", F, cs{"a": fail, "b": pass})), ptr(suite("s", P, cs{"b": pass})), Fixed, ""},
		{"only flaky failures", ptr(suite("s", P, cs{"a": pass})), ptr(suite("s", F, cs{"a": fail}, "a")), Flaky, ""},
		{"flaky baseline, passing candidate", ptr(suite("s", F, cs{"a": fail}, "a")), ptr(suite("s", P, cs{"a": pass})), Flaky, ""},
		{"candidate errors", ptr(suite("s", P, cs{"a": pass})), ptr(suite("s", E, nil)), Regressed, "error reason"},
		{"candidate times out", ptr(suite("s", F, cs{"a": fail})), ptr(suite("s", T, nil)), Regressed, "timeout reason"},
		{"candidate collects nothing", ptr(suite("s", P, cs{"a": pass})), ptr(suite("s", N, nil)), Regressed, "no-tests reason"},
		{"broken on both", ptr(suite("s", E, nil)), ptr(suite("s", T, nil)), StillFailing, "timeout reason"},
		{"baseline broken, candidate passes", ptr(suite("s", N, nil)), ptr(suite("s", P, cs{"a": pass})), Fixed, "baseline no-tests: no-tests reason"},
		{"baseline broken, candidate fails", ptr(suite("s", E, nil)), ptr(suite("s", F, cs{"a": fail})), NewFailing, "baseline error: error reason"},
		{"new suite passes", nil, ptr(suite("s", P, cs{"a": pass})), NewPassing, "absent from the baseline run"},
		{"new suite fails", nil, ptr(suite("s", E, nil)), NewFailing, "absent from the baseline run"},
		{"suite removed", ptr(suite("s", P, cs{"a": pass})), nil, Removed, "absent from the candidate run"},
	} {
		var base, cand []outcome.Suite
		if tc.base != nil {
			base = append(base, *tc.base)
		}
		if tc.cand != nil {
			cand = append(cand, *tc.cand)
		}
		got := Compare(base, cand)
		if len(got) != 1 || got[0].Class != tc.want || got[0].Reason != tc.reason || got[0].Name != "s" {
			t.Errorf("%s: got %+v, want class %s reason %q", tc.name, got, tc.want, tc.reason)
		}
	}
}

func ptr(s outcome.Suite) *outcome.Suite { return &s }

func TestCompareOrderAndRegressions(t *testing.T) {
	type cs = map[string]junit.Status
	base := []outcome.Suite{
		suite("gone", outcome.Passed, cs{"a": pass}),
		suite("pipe", outcome.Passed, cs{"a": pass, "b": pass, "old": pass}),
		suite("store", outcome.Passed, cs{"a": pass}),
	}
	cand := []outcome.Suite{
		suite("store", outcome.Error, nil),
		suite("pipe", outcome.Failed, cs{"a": fail, "b": pass, "new": pass}),
		suite("fresh", outcome.Passed, cs{"a": pass}),
	}
	got := Compare(base, cand)
	var names []string
	for _, s := range got {
		names = append(names, s.Name+":"+string(s.Class))
	}
	want := []string{"store:regressed", "pipe:regressed", "fresh:new-passing", "gone:removed"}
	if !slices.Equal(names, want) {
		t.Fatalf("suites = %q, want %q", names, want)
	}
	var ids []string
	for _, c := range got[1].Cases {
		ids = append(ids, c.ID+":"+string(c.Class))
	}
	wantIDs := []string{"t::a:regressed", "t::b:passing", "t::new:new-passing", "t::old:removed"}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("pipe cases = %q, want %q", ids, wantIDs)
	}
	if !got[0].Class.Breaking() || got[0].Name != "store" || !got[1].Class.Breaking() || got[1].Name != "pipe" {
		t.Fatalf("store and pipe should both break: %+v", got)
	}
	if b := got[1].Breaking(); len(b) != 1 || b[0].ID != "t::a" {
		t.Errorf("pipe breaking cases = %+v", b)
	}
	if b := got[0].Breaking(); len(b) != 0 {
		t.Errorf("store broke as a whole, yet has breaking cases %+v", b)
	}
}

func TestEmptyBaselineMakesEverythingNew(t *testing.T) {
	got := Compare(nil, []outcome.Suite{suite("s", outcome.Failed, map[string]junit.Status{"a": pass, "b": fail})})
	if got[0].Class != NewFailing || got[0].Cases[0].Class != NewPassing || got[0].Cases[1].Class != NewFailing {
		t.Errorf("got %+v", got)
	}
}

func TestDuplicateIDsAreClassifiedOnce(t *testing.T) {
	b := outcome.Suite{Name: "s", Verdict: outcome.Passed, Cases: []junit.Case{{Name: "x", Status: pass}, {Name: "x", Status: pass}}}
	c := outcome.Suite{Name: "s", Verdict: outcome.Failed, Cases: []junit.Case{{Name: "x", Status: fail}}}
	got := Compare([]outcome.Suite{b}, []outcome.Suite{c})
	if len(got[0].Cases) != 1 || got[0].Cases[0].Class != Regressed {
		t.Errorf("got %+v", got[0].Cases)
	}
}

func TestClassesListsEveryClassOnce(t *testing.T) {
	if len(Classes) != 9 {
		t.Errorf("Classes has %d entries", len(Classes))
	}
	seen := map[Class]bool{}
	for i, c := range Classes {
		if seen[c] {
			t.Errorf("%s listed twice", c)
		}
		seen[c] = true
		if c.Breaking() && i > 1 {
			t.Errorf("breaking class %s not listed first", c)
		}
	}
}

// collectionError is the error case pytest reports for a module it could
// not collect, as the plan's pytest wrapper describes it.
func collectionError(module, exception string) junit.Case {
	return junit.Case{Name: module, Status: errd, Message: "collection failure",
		Text: "[contracts] exception: " + exception + "\n[contracts] core: ImportError from market_data_core.telemetry\n\ntraceback"}
}

func TestCollectionErrorHidesItsModulesTests(t *testing.T) {
	exc := "ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'"
	c := func(class, name string, s junit.Status) junit.Case {
		return junit.Case{Classname: class, Name: name, Status: s, Message: name + " " + string(s)}
	}
	base := outcome.Suite{Name: "pipeline", Verdict: outcome.Failed, Cases: []junit.Case{
		c("tests.contracts.test_flow", "test_a", pass),
		c("tests.contracts.test_flow.TestX", "test_b", pass),
		c("tests.contracts.test_flow", "test_c", fail),
		c("tests.contracts.test_other", "test_d", pass),
		c("tests.contracts.test_gone", "test_e", pass),
		c("tests.contracts.test_flow_v2", "test_f", pass),
		c("tests.contracts.test_flow", "test_g", fail),
	}, Flaky: []string{"tests.contracts.test_flow::test_g"}}
	cand := outcome.Suite{Name: "pipeline", Verdict: outcome.Failed, Cases: []junit.Case{
		collectionError("tests.contracts.test_flow", exc),
		c("tests.contracts.test_other", "test_d", fail),
		c("tests.contracts.test_flow_v2", "test_f", pass),
	}}
	got := Compare([]outcome.Suite{base}, []outcome.Suite{cand})[0]
	var classes []string
	for _, k := range got.Cases {
		classes = append(classes, k.ID+":"+string(k.Class)+":"+string(k.Candidate))
	}
	want := []string{
		"tests.contracts.test_other::test_d:regressed:failed",
		"tests.contracts.test_flow_v2::test_f:passing:passed",
		"tests.contracts.test_flow::test_a:regressed:error",
		"tests.contracts.test_flow.TestX::test_b:regressed:error",
		"tests.contracts.test_flow::test_c:still-failing:error",
		"tests.contracts.test_gone::test_e:removed:",
		"tests.contracts.test_flow::test_g:regressed:error", // failed, then passed on a rerun
	}
	if !slices.Equal(classes, want) {
		t.Fatalf("cases:\n%q\nwant\n%q", classes, want)
	}
	if got.Cases[2].Message != exc {
		t.Errorf("a hidden case's message is %q, want the collection exception", got.Cases[2].Message)
	}
	if got.Class != Regressed || len(got.Breaking()) != 4 {
		t.Errorf("suite %s with %d breaking cases, want regressed with 4", got.Class, len(got.Breaking()))
	}
}

func TestCollectionErrorOfANewModuleIsNewFailing(t *testing.T) {
	base := suite("s", outcome.Passed, map[string]junit.Status{"a": pass})
	cand := base
	cand.Cases = append(slices.Clone(base.Cases), collectionError("tests.contracts.test_new", "ImportError: x"))
	got := Compare([]outcome.Suite{base}, []outcome.Suite{cand})[0]
	if len(got.Cases) != 2 || got.Cases[1].Class != NewFailing || got.Cases[1].Message != "ImportError: x" {
		t.Errorf("got %+v", got.Cases)
	}
}

func TestCollectionErrorOnBothSidesAndFixed(t *testing.T) {
	col := collectionError("tests.contracts.test_flow", "ImportError: x")
	ok := junit.Case{Classname: "tests.contracts.test_flow", Name: "test_a", Status: pass}
	still := Compare([]outcome.Suite{{Name: "s", Verdict: outcome.Failed, Cases: []junit.Case{col}}},
		[]outcome.Suite{{Name: "s", Verdict: outcome.Failed, Cases: []junit.Case{col}}})[0]
	if len(still.Cases) != 1 || still.Cases[0].Class != StillFailing {
		t.Errorf("a module uncollectable on both sides: %+v", still.Cases)
	}
	fixed := Compare([]outcome.Suite{{Name: "s", Verdict: outcome.Failed, Cases: []junit.Case{col}}},
		[]outcome.Suite{{Name: "s", Verdict: outcome.Passed, Cases: []junit.Case{ok}}})[0]
	var classes []Class
	for _, c := range fixed.Cases {
		classes = append(classes, c.Class)
	}
	if !slices.Equal(classes, []Class{NewPassing, Fixed}) || fixed.Class != Fixed {
		t.Errorf("a module collectable again: %v, suite %s", classes, fixed.Class)
	}
}
