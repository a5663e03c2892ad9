package outcome

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

// Facts are what a runner observed for one suite, before any judgement.
type Facts struct {
	// SetupError is set when a step before pytest failed (clone, ref,
	// install); it names the step and the cause.
	SetupError string
	// TimedOut is set when the suite's timeout killed it; Timeout is that
	// timeout, for the reason.
	TimedOut bool
	Timeout  time.Duration
	// TestsMissing is set when the contract test path does not exist.
	TestsMissing bool
	// TestPath is the contract path, for reasons.
	TestPath string
	// PytestRan is set when pytest was started; ExitCode is then its exit code
	// (negative when it was killed by a signal).
	PytestRan bool
	ExitCode  int
	// Cases are the test cases read from pytest's JUnit report.
	Cases []junit.Case
	// ReportError is set when pytest ran but its report was missing or unreadable.
	ReportError string
	// Pin holds the facts of release readiness the core layer recorded
	// (nil when it did not get that far).
	Pin *readiness.Pin
	// Flaky are the IDs of cases that failed and then passed when rerun
	// alone; Cases already count them as passed (see Settle).
	Flaky []string
}

// Settle returns cases with every case whose ID is in flaky (it failed,
// then passed when rerun alone) passed: a flaky test is not a failing one,
// in the verdict, the counts and every report. Suite.Flaky keeps the IDs.
func Settle(cases []junit.Case, flaky []string) []junit.Case {
	if len(flaky) == 0 {
		return cases
	}
	out := slices.Clone(cases)
	for i, c := range out {
		if slices.Contains(flaky, c.ID()) {
			out[i].Status, out[i].Message, out[i].Text = junit.StatusPassed, "", ""
		}
	}
	return out
}

// pytest's documented exit codes.
const (
	pytestOK          = 0
	pytestFailed      = 1
	pytestInterrupted = 2
	pytestInternal    = 3
	pytestUsage       = 4
	pytestNoTests     = 5
)

// Decide turns a suite's facts into its verdict and reason. It is the only
// place where verdicts are made, for every runner.
func Decide(f Facts) (Verdict, string) {
	switch {
	case f.SetupError != "":
		return Error, f.SetupError
	case f.TimedOut:
		return Timeout, timeoutReason(f.Timeout)
	case f.TestsMissing:
		return NoTests, fmt.Sprintf("contract path %s does not exist", f.TestPath)
	case !f.PytestRan:
		return Error, "pytest did not run"
	case f.ExitCode == pytestNoTests:
		return NoTests, fmt.Sprintf("pytest collected no tests in %s", f.TestPath)
	case f.ExitCode != pytestOK && f.ExitCode != pytestFailed:
		return Error, abnormalExit(f)
	case f.ReportError != "":
		return Error, fmt.Sprintf("pytest exited %d and its JUnit report is unusable: %s", f.ExitCode, f.ReportError)
	}
	return fromCases(f)
}

// fromCases judges a pytest run that exited 0 or 1 with a readable report.
//
// A module that could not be collected (its cases are missing; pytest
// reports one error case for it, see diagnose.CollectionError) is a broken
// contract when Core raised the exception (Failed), and a problem of the
// suite's environment otherwise (Error, naming what is missing), unless
// other tests failed too: then the suite failed, and the reason still says
// which modules could not run.
func fromCases(f Facts) (Verdict, string) {
	c := junit.Count(f.Cases)
	cols := diagnose.Collections(f.Cases)
	switch {
	case c.Failed+c.Errors > len(cols) || fromCore(cols):
		return Failed, collectionReason(cols)
	case len(cols) > 0:
		return Error, collectionReason(cols)
	case c.Tests == 0:
		return NoTests, fmt.Sprintf("pytest collected no tests in %s", f.TestPath)
	case c.Passed == 0:
		return NoTests, fmt.Sprintf("all %d tests in %s were skipped: nothing was checked", c.Tests, f.TestPath)
	case f.ExitCode == pytestFailed && len(f.Flaky) == 0:
		return Error, "pytest exited 1 without a failing test in its report"
	}
	return Passed, ""
}

// abnormalExit explains an exit code other than 0, 1 and 5.
func abnormalExit(f Facts) string {
	if f.ExitCode < 0 {
		return fmt.Sprintf("pytest was killed by signal %d", -f.ExitCode)
	}
	msg := fmt.Sprintf("pytest exited %d", f.ExitCode)
	meaning := map[int]string{
		pytestInterrupted: "collection error or interrupted run",
		pytestInternal:    "internal error",
		pytestUsage:       "usage error",
	}[f.ExitCode]
	switch {
	case f.ReportError != "" && meaning == "":
		return msg + " without writing its JUnit report (the interpreter died?)"
	case f.ReportError != "":
		return msg + " (" + meaning + ") without writing its JUnit report"
	case meaning == "":
		return msg + " without a failing test in its report (the interpreter died?)"
	}
	return msg + " (" + meaning + ")" + firstMessage(f.Cases)
}

// CasesOf returns the cases of pytest's report as verdicts and reports see
// them: every collection error carries the exception it raised as its
// message and the test module's line as its location (diagnose.Cases).
// Both runners read reports through it.
func CasesOf(rep *junit.Report) []junit.Case {
	return diagnose.Cases(rep.Cases())
}

func fromCore(cols []diagnose.Collection) bool {
	for _, c := range cols {
		if c.FromCore() {
			return true
		}
	}
	return false
}

// collectionReason names every module that could not be collected, with
// the exception, and says for each whether Core raised it.
func collectionReason(cols []diagnose.Collection) string {
	var parts []string
	for _, c := range cols {
		part := "could not collect " + c.Describe()
		switch {
		case c.FromCore():
		case c.Missing != "":
			part += fmt.Sprintf(" (the environment, not Core: module %s is not installed)", c.Missing)
		default:
			part += " (not raised by Core)"
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

func timeoutReason(t time.Duration) string {
	if t <= 0 {
		return "suite exceeded its timeout; its processes were killed"
	}
	return fmt.Sprintf("suite exceeded its timeout of %s; its processes were killed", t)
}

func firstMessage(cases []junit.Case) string {
	for _, c := range cases {
		if c.Status == junit.StatusError && c.Message != "" {
			return ": " + c.ID() + ": " + c.Message
		}
	}
	return ""
}
