package campaign

import (
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Jobs is how many suites the entries hold in all: the length of the
// outcomes slice Assemble expects.
func Jobs(entries []Entry) int {
	n := 0
	for _, e := range entries {
		n += len(e.Plan.Suites)
	}
	return n
}

// Assemble turns the outcomes of every entry's suites (flat, in entry
// then suite order) into a report.Result with baselines compared.
func Assemble(entries []Entry, outcomes []outcome.Suite, failOn string, started time.Time) *report.Result {
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
