package github

import (
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

// Outputs are the step outputs Publish sets, by name: comma-separated
// candidate suites ("name", or "name@run" with several runs) by verdict
// (passed, failed, broken: error, timeout or no-tests), regressed
// (breaking comparisons) and release readiness (ready, needs-bump,
// breaks-now, blocked, unknown), and report-path (res.Dir); for a
// bisection, culprits: "downstream@short" per culprit, oldest first
// ("downstream@one of A..B" for a range).
func Outputs(res *report.Result) map[string]string {
	var passed, failed, broken, regressed []string
	byReadiness := map[readiness.Value][]string{}
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			name := res.SuiteName(run, s)
			switch s.Verdict {
			case outcome.Passed:
				passed = append(passed, name)
			case outcome.Failed:
				failed = append(failed, name)
			default:
				broken = append(broken, name)
			}
			if c := run.Compared(s.Name); c != nil && c.Class.Breaking() {
				regressed = append(regressed, name)
			}
			v, _ := report.ReadinessOf(run, s)
			byReadiness[v] = append(byReadiness[v], name)
		}
	}
	out := map[string]string{
		"passed": strings.Join(passed, ","), "failed": strings.Join(failed, ","),
		"broken": strings.Join(broken, ","), "regressed": strings.Join(regressed, ","),
		"report-path": res.Dir,
	}
	for _, v := range readiness.Values {
		out[string(v)] = strings.Join(byReadiness[v], ",")
	}
	if res.Bisect != nil {
		var culprits []string
		for _, d := range res.Bisect.Downstreams {
			for _, c := range d.Culprits {
				culprits = append(culprits, d.Name+"@"+report.CulpritName(c))
			}
		}
		out["culprits"] = strings.Join(culprits, ",")
	}
	return out
}

// outputNames fixes the order outputs are written in (culprits only for a
// bisection).
var outputNames = []string{"passed", "failed", "broken", "regressed", "ready", "needs-bump", "breaks-now", "blocked", "unknown", "culprits", "report-path"}

func outputs(a *githubactions.Action, res *report.Result) {
	out := Outputs(res)
	for _, k := range outputNames {
		if v, ok := out[k]; ok {
			a.SetOutput(k, v)
		}
	}
}
