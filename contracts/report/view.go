package report

import (
	"slices"

	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// Regression is one entry of a result's regression list: a breaking case,
// or a suite that broke as a whole (Case nil).
type Regression struct {
	Run   *Run
	Suite *outcome.Suite
	// Comparison is the suite's comparison (its Reason explains a suite
	// that broke as a whole).
	Comparison *compare.Suite
	Case       *compare.Case
}

// Regressions lists the breaking comparisons of every candidate run, in run
// and suite order: one entry per breaking case, or one for the suite when
// no case explains it.
func Regressions(res *Result) []Regression {
	var out []Regression
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			cmp := run.Compared(s.Name)
			if cmp == nil || !cmp.Class.Breaking() {
				continue
			}
			cases := cmp.Breaking()
			if len(cases) == 0 {
				out = append(out, Regression{Run: run, Suite: s, Comparison: cmp})
			}
			for k := range cases {
				out = append(out, Regression{Run: run, Suite: s, Comparison: cmp, Case: &cases[k]})
			}
		}
	}
	return out
}

// Failure is a failing test of a candidate suite, with its class when the
// run has a baseline ("" otherwise).
type Failure struct {
	Case  junit.Case
	Class compare.Class
	// Collection is set for a module pytest could not collect (its tests
	// are compared one by one under its module's name).
	Collection bool
}

// Failures returns up to MaxListed failing cases of s, breaking ones
// first, and how many there are in all.
func Failures(run *Run, s *outcome.Suite) ([]Failure, int) {
	index := caseIndex(run.Compared(s.Name))
	var breaking, rest []Failure
	for _, c := range s.Failing() {
		_, collection := diagnose.CollectionError(c)
		f := Failure{Case: c, Class: index[c.ID()].Class, Collection: collection}
		if f.Class.Breaking() {
			breaking = append(breaking, f)
		} else {
			rest = append(rest, f)
		}
	}
	all := append(breaking, rest...)
	return all[:min(len(all), MaxListed)], len(all)
}

// FlakyCase is a flaky test of a candidate suite.
type FlakyCase struct {
	Run   *Run
	Suite *outcome.Suite
	Case  junit.Case
}

// Flaky lists every candidate suite's flaky tests, run by run.
func Flaky(res *Result) []FlakyCase {
	var out []FlakyCase
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			for _, c := range FlakyCases(&run.Suites[j]) {
				out = append(out, FlakyCase{Run: run, Suite: &run.Suites[j], Case: c})
			}
		}
	}
	return out
}

// FlakyCases are the cases of s that failed and then passed when rerun
// alone (outcome.Settle), in report order.
func FlakyCases(s *outcome.Suite) []junit.Case {
	var out []junit.Case
	for _, c := range s.Cases {
		if slices.Contains(s.Flaky, c.ID()) {
			out = append(out, c)
		}
	}
	return out
}

// Status is the suite's verdict, with its comparison class when there is one
// ("failed", "failed, regressed").
func Status(run *Run, s *outcome.Suite) string {
	v := string(s.Verdict)
	if cmp := run.Compared(s.Name); cmp != nil {
		v += ", " + string(cmp.Class)
	}
	return v
}

// matrixRows returns every downstream name of the candidate runs, in
// first-seen order, for the compatibility matrix.
func matrixRows(res *Result) []string {
	var names []string
	seen := map[string]bool{}
	for _, run := range res.Runs {
		for _, s := range run.Suites {
			if !seen[s.Name] {
				seen[s.Name] = true
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// suiteOf returns run's suite called name, or nil.
func suiteOf(run *Run, name string) *outcome.Suite {
	for i := range run.Suites {
		if run.Suites[i].Name == name {
			return &run.Suites[i]
		}
	}
	return nil
}

// hasPython reports whether any run carries a Python label.
func hasPython(res *Result) bool {
	for _, r := range res.Runs {
		if r.Python != "" {
			return true
		}
	}
	return false
}

// compared reports whether any candidate run has a comparison.
func compared(res *Result) bool {
	for _, r := range res.Runs {
		if r.Comparison != nil {
			return true
		}
	}
	return false
}

// From is the state a regression started from: the baseline status of its
// case, the baseline verdict of its suite when the baseline did not run its
// tests ("baseline error"), or "absent".
func (r Regression) From() string {
	b := r.Comparison.Baseline
	switch {
	case r.Case != nil && r.Case.Baseline != "":
		return string(r.Case.Baseline)
	case r.Case == nil && b != "":
		return string(b)
	case b != "" && !b.Ran():
		return "baseline " + string(b)
	}
	return "absent"
}

// Link is the permalink of the regression's case in the downstream
// checkout (see CaseLink), or "" for a whole suite, a case the candidate
// does not have, or a downstream not on github.com.
func (r Regression) Link() string {
	if r.Case == nil {
		return ""
	}
	for _, c := range r.Suite.Cases {
		if c.ID() == r.Case.ID {
			return CaseLink(r.Suite.Downstream, c)
		}
	}
	return ""
}

// To is the state a regression ended in: the case's or the suite's
// candidate status.
func (r Regression) To() string {
	if r.Case != nil {
		return string(r.Case.Candidate)
	}
	return string(r.Comparison.Candidate)
}
