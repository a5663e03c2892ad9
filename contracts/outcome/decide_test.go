package outcome

import (
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

func cases(statuses ...junit.Status) []junit.Case {
	var out []junit.Case
	for i, s := range statuses {
		out = append(out, junit.Case{Classname: "t", Name: string(rune('a' + i)), Status: s, Message: "boom"})
	}
	return out
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name    string
		facts   Facts
		verdict Verdict
		reason  string
	}{
		{"passed", Facts{PytestRan: true, Cases: cases(junit.StatusPassed, junit.StatusSkipped)}, Passed, ""},
		{"failed", Facts{PytestRan: true, ExitCode: 1, Cases: cases(junit.StatusPassed, junit.StatusFailed)}, Failed, ""},
		{"errored tests fail the contract", Facts{PytestRan: true, ExitCode: 1, Cases: cases(junit.StatusError)}, Failed, ""},
		{"setup", Facts{SetupError: "install downstream failed"}, Error, "install downstream failed"},
		{"setup wins over timeout", Facts{SetupError: "clone", TimedOut: true}, Error, "clone"},
		{"timeout", Facts{TimedOut: true, PytestRan: true, ExitCode: -9, Timeout: 90 * time.Second}, Timeout, "timeout of 1m30s"},
		{"died without a report", Facts{PytestRan: true, ExitCode: 3, ReportError: "open junit.xml: no such file"}, Error, "exited 3 (internal error) without writing"},
		{"exit 1 without failures", Facts{PytestRan: true, ExitCode: 1, Cases: cases(junit.StatusPassed)}, Error, "without a failing test"},
		{"missing path", Facts{TestsMissing: true, TestPath: "tests/contracts"}, NoTests, "tests/contracts does not exist"},
		{"exit 5", Facts{PytestRan: true, ExitCode: 5, TestPath: "tests/contracts"}, NoTests, "collected no tests"},
		{"exit 0 but empty report", Facts{PytestRan: true}, NoTests, "collected no tests"},
		{"everything skipped", Facts{PytestRan: true, Cases: cases(junit.StatusSkipped, junit.StatusSkipped)}, NoTests, "all 2 tests"},
		{"collection error", Facts{PytestRan: true, ExitCode: 2, Cases: cases(junit.StatusError)}, Error, "collection error"},
		{"report unusable", Facts{PytestRan: true, ExitCode: 1, ReportError: "truncated"}, Error, "truncated"},
		{"interpreter died", Facts{PytestRan: true, ExitCode: 7}, Error, "exited 7"},
		{"interpreter died, no report", Facts{PytestRan: true, ExitCode: 7, ReportError: "missing"}, Error, "exited 7 without writing its JUnit report"},
		{"killed", Facts{PytestRan: true, ExitCode: -11}, Error, "signal 11"},
		{"internal", Facts{PytestRan: true, ExitCode: 3}, Error, "internal error"},
		{"usage", Facts{PytestRan: true, ExitCode: 4}, Error, "usage error"},
		{"never ran", Facts{}, Error, "did not run"},
	} {
		v, reason := Decide(tc.facts)
		if v != tc.verdict || !strings.Contains(reason, tc.reason) || (tc.reason == "" && reason != "") {
			t.Errorf("%s: Decide = %s %q, want %s containing %q", tc.name, v, reason, tc.verdict, tc.reason)
		}
	}
}
