package report

import (
	"fmt"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// Version is the version of Result and of summary.json.
const Version = 1

// The fail-on policies (Result.FailOn).
const (
	// FailOnRegressions fails a run on breaking comparisons (see
	// compare.Class.Breaking) and on candidate suites that did not run
	// their tests. The default when there is a baseline.
	FailOnRegressions = "regressions"
	// FailOnFailures fails a run on any candidate suite that did not pass.
	// The default without a baseline.
	FailOnFailures = "failures"
)

// Result is a whole contract run.
type Result struct {
	// Version is report.Version.
	Version int
	// Started and Finished bound the run.
	Started, Finished time.Time
	// FailOn is FailOnRegressions, FailOnFailures or "" for the default
	// (see Policy).
	FailOn string
	// Baselines are the baseline runs, one per Python label (usually one).
	Baselines []Run
	// Runs are the candidate runs: one per Core ref x Python.
	Runs []Run
	// Dir is the output directory, set by Write and Load (not serialized).
	Dir string
	// Bisect is set for a bisection (contracts bisect): the baseline run is
	// at its good end, the one candidate run at its bad end.
	Bisect *bisect.Result
	// Shard is set when the result is one shard of a campaign (--shard):
	// its runs hold only the shard's downstreams.
	Shard *Shard
	// Tool is the version of market-data-contracts that ran it: Write sets
	// version.String() when it is empty; Load keeps the writer's ("" for
	// reports written before versions were recorded).
	Tool string
}

// Run is every suite of the matrix run against one Core source.
type Run struct {
	// Label names the run's report and log directories (junit/<Label>/,
	// logs/<Label>/). Write derives one from the Core ref and Python when
	// empty; it is made a safe directory name either way.
	Label string
	// Core is the Core source of the run.
	Core plan.Source
	// Python labels the interpreter ("3.11"); "" when there is one.
	Python string
	// Suites are the outcomes, in matrix order.
	Suites []outcome.Suite
	// Comparison classifies Suites against the baseline of the same Python
	// (nil without a baseline). Classify fills it.
	Comparison []compare.Suite
}

// Classify compares every candidate run with the baseline of its Python.
// Write and Load call it; call it before Terminal or ExitCode otherwise.
func (r *Result) Classify() {
	for i := range r.Runs {
		r.Runs[i].Comparison = nil
		if b := r.BaselineOf(&r.Runs[i]); b != nil {
			r.Runs[i].Comparison = compare.Compare(b.Suites, r.Runs[i].Suites)
		}
	}
}

// BaselineOf returns the baseline run with run's Python label, or nil.
func (r *Result) BaselineOf(run *Run) *Run {
	for i := range r.Baselines {
		if r.Baselines[i].Python == run.Python {
			return &r.Baselines[i]
		}
	}
	return nil
}

// Compared returns the comparison of the run's suite called name, or nil.
func (run *Run) Compared(name string) *compare.Suite {
	for i := range run.Comparison {
		if run.Comparison[i].Name == name {
			return &run.Comparison[i]
		}
	}
	return nil
}

// Title names the run for people: "v2.0.0", "v2.0.0 (py 3.12)", or
// "local" for a Core working copy.
func (run *Run) Title() string {
	t := run.Core.Ref
	if t == "" {
		t = "local"
	}
	if run.Python != "" {
		t += fmt.Sprintf(" (py %s)", run.Python)
	}
	return t
}

// Duration is how long the run took.
func (r *Result) Duration() time.Duration {
	if r.Finished.Before(r.Started) {
		return 0
	}
	return r.Finished.Sub(r.Started)
}
