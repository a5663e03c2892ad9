// Package compare classifies a contract run against a baseline run, the way
// rust-lang/crater compares two toolchains: runners only record what
// happened (outcome.Suite), and this package alone says what it means.
//
// Every test case of every suite gets a Class by comparing its status on the
// baseline Core with its status on the candidate Core; every suite gets a
// Class from its verdicts and its cases. Suites are matched by name and
// cases by junit.Case.ID.
//
// Breaking classes (Class.Breaking) are what the "regressions" fail-on
// policy fails on: a case or suite that got worse on the candidate, or that
// fails on the candidate with nothing in the baseline to excuse it. Both
// runs test the same downstream commit, so the difference comes from Core.
package compare

// Class is what a comparison says about one case or one suite.
type Class string

// The classes. Statuses are the candidate's unless said otherwise; "fails"
// means failed or errored.
const (
	// Regressed: passed on the baseline, fails on the candidate. For a
	// suite: a case regressed, or the suite ran its tests on the baseline
	// but could not on the candidate (error, timeout, no tests).
	Regressed Class = "regressed"
	// Fixed: failed on the baseline, passes on the candidate. For a suite:
	// it passes now and did not before.
	Fixed Class = "fixed"
	// StillFailing: fails on both. For a suite: some case still fails, or
	// the suite could not run its tests on either side (broken).
	StillFailing Class = "still-failing"
	// NewPassing: absent (or skipped) on the baseline, passes now.
	NewPassing Class = "new-passing"
	// NewFailing: absent (or skipped) on the baseline, fails now. For a
	// suite: absent from the baseline, or the baseline could not run its
	// tests and the candidate has failures.
	NewFailing Class = "new-failing"
	// Removed: present in the baseline, absent from the candidate.
	Removed Class = "removed"
	// Passing: passes on both.
	Passing Class = "passing"
	// Skipped: skipped on the candidate.
	Skipped Class = "skipped"
	// Flaky: a candidate failure listed in outcome.Suite.Flaky (it failed
	// and then passed when rerun alone), or a baseline-flaky case the
	// candidate passes; never a regression. (A baseline-flaky case that
	// fails every rerun on the candidate is Regressed.) For a suite: its
	// only failures on the candidate are flaky.
	Flaky Class = "flaky"
)

// Classes lists every class, breaking ones first: the order reports use.
var Classes = []Class{Regressed, NewFailing, StillFailing, Flaky, Fixed, NewPassing, Removed, Skipped, Passing}

// Breaking reports whether c fails a run under the "regressions" policy:
// Regressed and NewFailing.
func (c Class) Breaking() bool { return c == Regressed || c == NewFailing }

// Failing reports whether the candidate side of c fails (a case or suite
// that is red on the candidate, whatever the baseline said).
func (c Class) Failing() bool { return c == Regressed || c == NewFailing || c == StillFailing }
