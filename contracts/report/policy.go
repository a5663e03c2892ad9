package report

import (
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// Policy returns the effective fail-on policy: FailOn when set, else
// FailOnRegressions with a baseline and FailOnFailures without.
func (r *Result) Policy() string {
	if r.FailOn != "" {
		return r.FailOn
	}
	if len(r.Baselines) > 0 {
		return FailOnRegressions
	}
	return FailOnFailures
}

// Fails reports whether the candidate suite s of run makes the run fail.
//
// Under FailOnFailures a suite fails unless it passed (a suite whose only
// failures were flaky passed: outcome.Settle). Under FailOnRegressions it fails when it
// did not run its tests (error, timeout, no-tests: a suite that did not run
// proves nothing) or its comparison is breaking; a run without a baseline
// falls back to FailOnFailures.
func (r *Result) Fails(run *Run, s *outcome.Suite) bool {
	if r.Policy() == FailOnRegressions {
		if c := run.Compared(s.Name); c != nil {
			return !s.Verdict.Ran() || c.Class.Breaking()
		}
	}
	return s.Verdict != outcome.Passed
}

// ExitCode is the run's exit status: 0 when no candidate suite fails (see
// Fails), 1 when one does or when there was no candidate suite at all; for
// a bisection, 0 when it found a culprit and 1 when nothing regressed
// between good and bad. (2, usage and configuration errors, is the CLI's
// own.)
func ExitCode(r *Result) int {
	if r.OK() {
		return 0
	}
	return 1
}

// OK reports whether the run succeeds under its policy. A bisection
// succeeds when it named a first bad commit (or range) for a downstream.
// A run without a candidate suite fails. A shard that was given no
// downstream succeeds, run or bisection alike (the merged run decides).
func (r *Result) OK() bool {
	if r.emptyShard() {
		return true
	}
	if r.Bisect != nil {
		return r.Bisect.Culprits() > 0
	}
	n := 0
	for i := range r.Runs {
		for j := range r.Runs[i].Suites {
			n++
			if r.Fails(&r.Runs[i], &r.Runs[i].Suites[j]) {
				return false
			}
		}
	}
	return n > 0 || r.emptyShard()
}

// emptyShard reports whether r is a shard that was given no downstream.
func (r *Result) emptyShard() bool {
	return r.Shard != nil && len(r.Shard.Assigned) == 0
}

// FailingSuites names the candidate suites that make the run fail (see
// Fails), in run and matrix order, as SuiteName does.
func FailingSuites(r *Result) []string {
	var out []string
	for i := range r.Runs {
		run := &r.Runs[i]
		for j := range run.Suites {
			if r.Fails(run, &run.Suites[j]) {
				out = append(out, r.SuiteName(run, &run.Suites[j]))
			}
		}
	}
	return out
}

// SuiteName names a candidate suite in lists: "name", or "name@label"
// when several Core refs or Pythons ran.
func (r *Result) SuiteName(run *Run, s *outcome.Suite) string {
	if len(r.Runs) > 1 {
		return s.Name + "@" + run.Label
	}
	return s.Name
}
