package outcome

import (
	"fmt"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// Facts are what a runner observed for one suite, before any judgement.
type Facts struct {
	// SetupError is set when a step before pytest failed (clone, ref,
	// install); it names the step and the cause.
	SetupError string
	// TimedOut is set when the suite's timeout killed it.
	TimedOut bool
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
		return Timeout, "suite exceeded its timeout; its processes were killed"
	case f.TestsMissing:
		return NoTests, fmt.Sprintf("contract path %s does not exist", f.TestPath)
	case !f.PytestRan:
		return Error, "pytest did not run"
	case f.ExitCode == pytestNoTests:
		return NoTests, fmt.Sprintf("pytest collected no tests in %s", f.TestPath)
	}
	c := junit.Count(f.Cases)
	switch {
	case f.ReportError != "":
		return Error, fmt.Sprintf("pytest exited %d and its JUnit report is unusable: %s", f.ExitCode, f.ReportError)
	case f.ExitCode == pytestInterrupted:
		return Error, "collection error or interrupted run (pytest exit 2)" + firstMessage(f.Cases)
	case f.ExitCode == pytestOK && c.Tests == 0:
		return NoTests, fmt.Sprintf("pytest collected no tests in %s", f.TestPath)
	case f.ExitCode == pytestOK && c.Passed == 0 && c.Failed+c.Errors == 0:
		return NoTests, fmt.Sprintf("all %d tests in %s were skipped: nothing was checked", c.Tests, f.TestPath)
	case f.ExitCode == pytestOK && c.Failed+c.Errors == 0:
		return Passed, ""
	case (f.ExitCode == pytestOK || f.ExitCode == pytestFailed) && c.Failed+c.Errors > 0:
		return Failed, ""
	case f.ExitCode == pytestInternal:
		return Error, "pytest internal error (exit 3)"
	case f.ExitCode == pytestUsage:
		return Error, "pytest usage error (exit 4)"
	case f.ExitCode < 0:
		return Error, fmt.Sprintf("pytest was killed by signal %d", -f.ExitCode)
	default:
		return Error, fmt.Sprintf("pytest exited %d without a failing test in its report (interpreter died?)", f.ExitCode)
	}
}

func firstMessage(cases []junit.Case) string {
	for _, c := range cases {
		if c.Status == junit.StatusError && c.Message != "" {
			return ": " + c.ID() + ": " + c.Message
		}
	}
	return ""
}
