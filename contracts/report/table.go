package report

import (
	"fmt"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// tableRow is one suite's row of the per-repo table, as plain text; the
// terminal prints it as is and summary.md escapes and links its cells.
type tableRow struct {
	suite *outcome.Suite
	cells []string
}

// suiteTable is the per-repo table shared by the terminal and summary.md:
// its column names (lower case) and a row per candidate suite. The python
// column appears with several interpreters, "vs baseline" with a baseline;
// readiness comes last.
func suiteTable(res *Result) (head []string, rows []tableRow) {
	py, cmp := hasPython(res), compared(res)
	head = []string{"repo", "downstream", "core"}
	if py {
		head = append(head, "python")
	}
	head = append(head, "tests", "passed", "failed", "errors", "skipped", "duration", "verdict")
	if cmp {
		head = append(head, "vs baseline")
	}
	head = append(head, "readiness")
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			cells := []string{s.Name, Source(s.Downstream), Source(s.Core)}
			if py {
				cells = append(cells, or(run.Python, "-"))
			}
			c := s.Counts
			cells = append(cells, fmt.Sprint(c.Tests), fmt.Sprint(c.Passed), fmt.Sprint(c.Failed), fmt.Sprint(c.Errors), fmt.Sprint(c.Skipped), Dur(s.Duration), string(s.Verdict))
			if cmp {
				cells = append(cells, classOf(run, s.Name))
			}
			v, _ := ReadinessOf(run, s)
			cells = append(cells, string(v))
			rows = append(rows, tableRow{suite: s, cells: cells})
		}
	}
	return head, rows
}

// failuresToList returns a suite's failures for the failures section of
// the terminal and summary.md, and whether the suite belongs there: it did
// not pass and has failing cases or a reason to show.
func failuresToList(run *Run, s *outcome.Suite) (fails []Failure, total int, ok bool) {
	fails, total = Failures(run, s)
	return fails, total, s.Verdict != outcome.Passed && (len(fails) > 0 || s.Reason != "")
}
