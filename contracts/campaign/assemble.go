package campaign

import (
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Assemble turns the outcomes of every entry's suites (flat, in entry
// then suite order) into a report.Result with baselines compared.
// A runner that returns fewer outcomes than Jobs(entries) is a bug: the
// missing suites get an error verdict rather than vanishing.
func Assemble(entries []Entry, outcomes []outcome.Suite, failOn string, started time.Time) *report.Result {
	outcomes = complete(entries, outcomes)
	res := &report.Result{Version: report.Version, Started: started, Finished: time.Now(), FailOn: failOn}
	several := severalPythons(entries)
	i := 0
	for _, e := range entries {
		n := len(e.Plan.Suites)
		run := report.Run{Label: e.Label, Core: e.Plan.Core, Suites: outcomes[i : i+n]}
		if several {
			run.Python = e.Python.Label
		}
		i += n
		if e.Baseline {
			res.Baselines = append(res.Baselines, run)
		} else {
			res.Runs = append(res.Runs, run)
		}
	}
	res.Classify()
	return res
}

func severalPythons(entries []Entry) bool {
	for _, e := range entries {
		if e.Python.Label != entries[0].Python.Label {
			return true
		}
	}
	return false
}

// complete pads outcomes to one per planned suite.
func complete(entries []Entry, outcomes []outcome.Suite) []outcome.Suite {
	i := 0
	for _, e := range entries {
		for _, s := range e.Plan.Suites {
			if i >= len(outcomes) {
				outcomes = append(outcomes, outcome.Suite{Name: s.Name, Core: s.Core, Downstream: s.Downstream,
					Verdict: outcome.Error, Reason: "the runner returned no outcome for this suite"})
			}
			i++
		}
	}
	return outcomes[:i]
}

// Unsearchable is the result of a bisection whose range cannot be
// searched: an end that does not resolve, both ends the same commit, or
// good not an ancestor of bad. Nothing runs: every suite of both ends is
// an error saying why (its own resolution error when it has one), and the
// bisection carries the reason, so both runners write the same reports and
// exit 1, as for any search that failed.
func Unsearchable(entries []Entry, good, bad bisect.Endpoint, why error, started time.Time) *report.Result {
	var outcomes []outcome.Suite
	for _, e := range entries {
		for _, s := range e.Plan.Suites {
			reason := s.Error
			if reason == "" {
				reason = "not run: " + why.Error()
			}
			outcomes = append(outcomes, outcome.Suite{Name: s.Name, Core: s.Core, Downstream: s.Downstream, Verdict: outcome.Error, Reason: reason})
		}
	}
	res := Assemble(entries, outcomes, "", started)
	res.Bisect = bisect.Failed(good, bad, why)
	return res
}
