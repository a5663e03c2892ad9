package compare

import (
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// Case is the comparison of one test case.
type Case struct {
	// ID is junit.Case.ID (classname::name).
	ID string `json:"id"`
	// Class is what the comparison says.
	Class Class `json:"class"`
	// Baseline and Candidate are the case's statuses ("" when absent).
	Baseline  junit.Status `json:"baseline,omitempty"`
	Candidate junit.Status `json:"candidate,omitempty"`
	// Message is the candidate's failure, error or skip message, or the
	// baseline's failure message for a fixed case.
	Message string `json:"message,omitempty"`
}

// Suite is the comparison of one downstream's suite.
type Suite struct {
	// Name is the downstream's name.
	Name string `json:"name"`
	// Class is what the comparison says about the suite as a whole.
	Class Class `json:"class"`
	// Baseline and Candidate are the suite's verdicts ("" when absent).
	Baseline  outcome.Verdict `json:"baseline,omitempty"`
	Candidate outcome.Verdict `json:"candidate,omitempty"`
	// Reason explains a suite-level class that no case explains (the
	// candidate's or, for a removed suite, the baseline's verdict reason).
	Reason string `json:"reason,omitempty"`
	// Cases are the candidate's cases in report order, then the cases only
	// the baseline has.
	Cases []Case `json:"cases"`
}

// Compare classifies every candidate suite against the baseline suite of
// the same name, and reports baseline suites the candidate lacks as
// Removed. The result follows the candidate's order, then the baseline's.
func Compare(baseline, candidate []outcome.Suite) []Suite {
	base := make(map[string]*outcome.Suite, len(baseline))
	for i := range baseline {
		base[baseline[i].Name] = &baseline[i]
	}
	seen := make(map[string]bool, len(candidate))
	var out []Suite
	for i := range candidate {
		seen[candidate[i].Name] = true
		out = append(out, compareSuite(base[candidate[i].Name], &candidate[i]))
	}
	for i := range baseline {
		if !seen[baseline[i].Name] {
			out = append(out, compareSuite(&baseline[i], nil))
		}
	}
	return out
}

// Breaking returns the suite's cases whose class is breaking.
func (s Suite) Breaking() []Case {
	var out []Case
	for _, c := range s.Cases {
		if c.Class.Breaking() {
			out = append(out, c)
		}
	}
	return out
}

// Count tallies the suite's cases by class.
func (s Suite) Count() map[Class]int {
	out := map[Class]int{}
	for _, c := range s.Cases {
		out[c.Class]++
	}
	return out
}
