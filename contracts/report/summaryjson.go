package report

import (
	"math"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// Schema identifies summary.json's format; SUMMARY_SCHEMA.md, next to this
// file, documents it.
// Additive changes keep it; anything else bumps the version (v2: a
// bisection lists culprits per downstream).
const Schema = schemaFamily + "v2"

// schemaFamily prefixes every version of Schema.
const schemaFamily = "market-data-contracts/summary/"

// IsSummarySchema reports whether schema names summary.json of this tool,
// in any version (an earlier one's reports are still this tool's).
func IsSummarySchema(schema string) bool {
	return strings.HasPrefix(schema, schemaFamily) && len(schema) > len(schemaFamily)
}

// summaryDoc is summary.json.
type summaryDoc struct {
	Schema    string    `json:"schema"`
	Version   int       `json:"version"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	FailOn    string    `json:"fail_on"`
	ExitCode  int       `json:"exit_code"`
	Totals    totals    `json:"totals"`
	Baselines []runDoc  `json:"baselines"`
	Runs      []runDoc  `json:"runs"`
	// Bisect is set for a bisection (an additive key).
	Bisect *bisect.Result `json:"bisect,omitempty"`
	// Shard is set for one shard of a campaign (an additive key).
	Shard *Shard `json:"shard,omitempty"`
	// Tool is what wrote the file (an additive key: absent from reports
	// written before it existed).
	Tool *toolDoc `json:"tool,omitempty"`
}

// toolDoc names the tool and version that wrote summary.json.
type toolDoc struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// totals count the candidate suites by verdict, and the entries of the
// regression list (Regressions).
type totals struct {
	Suites      int `json:"suites"`
	Passed      int `json:"passed"`
	Failed      int `json:"failed"`
	Broken      int `json:"broken"`
	Regressions int `json:"regressions"`
}

type runDoc struct {
	Label      string          `json:"label"`
	Python     string          `json:"python"`
	Core       plan.Source     `json:"core"`
	Release    string          `json:"release,omitempty"`
	Suites     []suiteDoc      `json:"suites"`
	Comparison []compare.Suite `json:"comparison,omitempty"`
}

type suiteDoc struct {
	Name       string          `json:"name"`
	Core       plan.Source     `json:"core"`
	Downstream plan.Source     `json:"downstream"`
	Verdict    outcome.Verdict `json:"verdict"`
	Reason     string          `json:"reason"`
	Counts     countsDoc       `json:"counts"`
	Duration   float64         `json:"duration_seconds"`
	Report     string          `json:"report"`
	Log        string          `json:"log"`
	Flaky      []string        `json:"flaky"`
	Fails      bool            `json:"fails"`
	Pin        *readiness.Pin  `json:"pin,omitempty"`
	Readiness  *readinessDoc   `json:"readiness,omitempty"`
}

// readinessDoc is a candidate suite's release readiness.
type readinessDoc struct {
	Value  readiness.Value `json:"value"`
	Reason string          `json:"reason"`
}

type countsDoc struct {
	Tests   int `json:"tests"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Errors  int `json:"errors"`
	Skipped int `json:"skipped"`
}

// toDoc converts a classified, labelled result to summary.json.
func toDoc(r *Result) summaryDoc {
	d := summaryDoc{
		Schema: Schema, Version: Version, Started: r.Started.UTC(), Finished: r.Finished.UTC(),
		FailOn: r.Policy(), ExitCode: ExitCode(r), Baselines: []runDoc{}, Runs: []runDoc{}, Bisect: r.Bisect, Shard: r.Shard,
		Tool: &toolDoc{Name: version.Name, Version: r.Tool},
	}
	for i := range r.Baselines {
		d.Baselines = append(d.Baselines, runToDoc(r, &r.Baselines[i], false))
	}
	for i := range r.Runs {
		rd := runToDoc(r, &r.Runs[i], true)
		d.Runs = append(d.Runs, rd)
		addTotals(&d.Totals, rd)
	}
	d.Totals.Regressions = len(Regressions(r))
	return d
}

func runToDoc(r *Result, run *Run, candidate bool) runDoc {
	rd := runDoc{Label: run.Label, Python: run.Python, Core: run.Core, Suites: []suiteDoc{}}
	if candidate {
		rd.Release = Release(run)
	}
	for i := range run.Suites {
		s := &run.Suites[i]
		c := s.Counts
		sd := suiteDoc{
			Name: s.Name, Core: s.Core, Downstream: s.Downstream, Verdict: s.Verdict, Reason: s.Reason,
			Counts:   countsDoc{c.Tests, c.Passed, c.Failed, c.Errors, c.Skipped},
			Duration: s.Duration.Seconds(), Report: s.Report, Log: s.Log, Flaky: nonNil(s.Flaky),
			Fails: candidate && r.Fails(run, s), Pin: s.Pin,
		}
		if candidate {
			v, why := ReadinessOf(run, s)
			sd.Readiness = &readinessDoc{Value: v, Reason: why}
		}
		rd.Suites = append(rd.Suites, sd)
	}
	for _, cs := range run.Comparison {
		cs.Cases = nonNil(notPassing(cs.Cases)) // always present, as SUMMARY_SCHEMA.md says
		rd.Comparison = append(rd.Comparison, cs)
	}
	return rd
}

func addTotals(t *totals, rd runDoc) {
	for _, s := range rd.Suites {
		t.Suites++
		switch {
		case s.Verdict == outcome.Passed:
			t.Passed++
		case s.Verdict == outcome.Failed:
			t.Failed++
		default:
			t.Broken++
		}
	}
}

// notPassing keeps the cases worth listing: every class but Passing.
func notPassing(cases []compare.Case) []compare.Case {
	var out []compare.Case
	for _, c := range cases {
		if c.Class != compare.Passing {
			out = append(out, c)
		}
	}
	return out
}

// nonNil is s, or an empty list: a list key is present even when empty.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// fromDoc rebuilds a result from summary.json, without cases.
func fromDoc(d summaryDoc) *Result {
	r := &Result{Version: d.Version, Started: d.Started, Finished: d.Finished, FailOn: d.FailOn, Bisect: d.Bisect, Shard: d.Shard}
	if d.Tool != nil {
		r.Tool = d.Tool.Version
	}
	for _, rd := range d.Baselines {
		r.Baselines = append(r.Baselines, runFromDoc(rd))
	}
	for _, rd := range d.Runs {
		r.Runs = append(r.Runs, runFromDoc(rd))
	}
	return r
}

func runFromDoc(rd runDoc) Run {
	run := Run{Label: rd.Label, Python: rd.Python, Core: rd.Core}
	for _, sd := range rd.Suites {
		c := sd.Counts
		var flaky []string
		if len(sd.Flaky) > 0 {
			flaky = sd.Flaky
		}
		run.Suites = append(run.Suites, outcome.Suite{
			Name: sd.Name, Core: sd.Core, Downstream: sd.Downstream, Verdict: sd.Verdict, Reason: sd.Reason,
			Counts:   junit.Counts{Tests: c.Tests, Passed: c.Passed, Failed: c.Failed, Errors: c.Errors, Skipped: c.Skipped},
			Duration: time.Duration(math.Round(sd.Duration * 1e9)), Report: sd.Report, Log: sd.Log, Flaky: flaky, Pin: sd.Pin,
		})
	}
	return run
}
