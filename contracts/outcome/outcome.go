// Package outcome holds what happened when a suite ran: the raw facts a
// runner records (exit code, timeout, step error, parsed JUnit) and the one
// place that turns them into a verdict.
package outcome

import (
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

// Verdict is a suite's result; every suite gets exactly one.
type Verdict string

// The verdicts.
const (
	// Passed: pytest ran the contract tests and none failed.
	Passed Verdict = "passed"
	// Failed: contract tests failed, or a contract module could not be
	// collected because of an exception Core raised (the contract broke).
	Failed Verdict = "failed"
	// Error: clone, ref, build, install, or a collection error not caused
	// by Core (a missing third-party module); Reason says which.
	Error Verdict = "error"
	// NoTests: pytest collected nothing. A missing suite is never green.
	NoTests Verdict = "no-tests"
	// Timeout: the suite hit its timeout and its processes were killed.
	Timeout Verdict = "timeout"
)

// OK reports whether v lets a run succeed.
func (v Verdict) OK() bool { return v == Passed }

// Ran reports whether the suite's contract tests ran to a result (passed
// or failed); error, timeout and no-tests prove nothing about the contract.
func (v Verdict) Ran() bool { return v == Passed || v == Failed }

// Suite is the result of one planned suite.
type Suite struct {
	// Name is the downstream's name.
	Name string `json:"name"`
	// Core and Downstream are the sources as planned (ref and resolved SHA).
	Core       plan.Source `json:"core"`
	Downstream plan.Source `json:"downstream"`
	// Verdict and Reason (empty for passed, and for failed unless a
	// contract module could not be collected: then its collection errors).
	Verdict Verdict `json:"verdict"`
	Reason  string  `json:"reason,omitempty"`
	// Counts of test cases.
	Counts junit.Counts `json:"counts"`
	// Cases as read from the suite's JUnit report.
	Cases []junit.Case `json:"-"`
	// Duration of the whole suite (clone, install, tests).
	Duration time.Duration `json:"-"`
	// Report is the suite's JUnit file, relative to the output directory.
	Report string `json:"report"`
	// Flaky lists the IDs of cases that failed and then passed when rerun
	// in isolation (--reruns): Cases hold them as passed (Settle); they
	// are flaky, never failures or regressions.
	Flaky []string `json:"flaky,omitempty"`
	// Log is the suite's log file, relative to the output directory ("" when none).
	Log string `json:"log,omitempty"`
	// Pin is what the suite's interpreter found about the downstream's
	// requirement on Core and the Core version under test (nil when the
	// suite did not get that far): half of its release readiness.
	Pin *readiness.Pin `json:"pin,omitempty"`
}

// Failing returns the cases that failed or errored.
func (s Suite) Failing() []junit.Case {
	var out []junit.Case
	for _, c := range s.Cases {
		if c.Status == junit.StatusFailed || c.Status == junit.StatusError {
			out = append(out, c)
		}
	}
	return out
}
