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

// collectionError is the case pytest reports for a module it could not
// collect, with the header the plan's pytest wrapper writes.
func collectionError(module, exception, core, missing string) junit.Case {
	text := "[contracts] at: " + strings.ReplaceAll(module, ".", "/") + ".py:3\n[contracts] exception: " + exception + "\n"
	if core != "" {
		text += "[contracts] core: " + core + "\n"
	}
	if missing != "" {
		text += "[contracts] missing: " + missing + "\n"
	}
	return junit.Case{Name: module, Status: junit.StatusError, Message: "collection failure", Text: text + "\ntraceback"}
}

func TestCollectionErrors(t *testing.T) {
	core := collectionError("tests.contracts.test_rates", "ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'", "ImportError from market_data_core.telemetry", "")
	env := collectionError("tests.contracts.test_logs", "ModuleNotFoundError: No module named 'loguru'", "", "loguru")
	other := collectionError("tests.contracts.test_odd", "RuntimeError: boom", "", "")
	pass := junit.Case{Classname: "tests.contracts.test_ok", Name: "test_ok", Status: junit.StatusPassed}
	fail := junit.Case{Classname: "tests.contracts.test_ok", Name: "test_bad", Status: junit.StatusFailed, Message: "assert"}
	for _, tc := range []struct {
		name    string
		cases   []junit.Case
		verdict Verdict
		reason  []string
	}{
		{"core raised it: the contract broke", []junit.Case{core, pass}, Failed,
			[]string{"could not collect tests/contracts/test_rates.py:3: ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'"}},
		{"only modules Core broke", []junit.Case{core}, Failed, []string{"test_rates.py"}},
		{"a missing module is the environment", []junit.Case{env, pass}, Error,
			[]string{"could not collect tests/contracts/test_logs.py:3: ModuleNotFoundError: No module named 'loguru'", "module loguru is not installed"}},
		{"another exception not from Core", []junit.Case{other, pass}, Error, []string{"RuntimeError: boom", "not raised by Core"}},
		{"failing tests and an environment error", []junit.Case{env, fail, pass}, Failed, []string{"loguru"}},
		{"both kinds", []junit.Case{env, core, pass}, Failed, []string{"test_logs.py", "; could not collect tests/contracts/test_rates.py"}},
	} {
		v, reason := Decide(Facts{PytestRan: true, ExitCode: 1, Cases: normalized(tc.cases)})
		if v != tc.verdict {
			t.Errorf("%s: verdict %s (%q), want %s", tc.name, v, reason, tc.verdict)
		}
		for _, want := range tc.reason {
			if !strings.Contains(reason, want) {
				t.Errorf("%s: reason %q lacks %q", tc.name, reason, want)
			}
		}
	}
}

// normalized reads cases as CasesOf reads a report.
func normalized(cases []junit.Case) []junit.Case {
	return CasesOf(&junit.Report{Suites: []junit.Suite{{Cases: cases}}})
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

// TestSettleFlaky: a failure that passed when rerun alone is a pass, in
// the cases and in the verdict; any other failure still fails the suite.
func TestSettleFlaky(t *testing.T) {
	run := cases(junit.StatusPassed, junit.StatusFailed, junit.StatusFailed)
	run[1].Message = "timeout"
	flakyOne := []string{run[1].ID()}
	settled := Settle(run, flakyOne)
	if settled[1].Status != junit.StatusPassed || settled[1].Message != "" || run[1].Status != junit.StatusFailed {
		t.Fatalf("settled %+v (the input must not change: %+v)", settled[1], run[1])
	}
	if v, _ := Decide(Facts{PytestRan: true, ExitCode: 1, Cases: settled, Flaky: flakyOne}); v != Failed {
		t.Errorf("one flaky, one real failure: %s, want failed", v)
	}
	both := []string{run[1].ID(), run[2].ID()}
	if v, why := Decide(Facts{PytestRan: true, ExitCode: 1, Cases: Settle(run, both), Flaky: both}); v != Passed || why != "" {
		t.Errorf("only flaky failures: %s %q, want passed", v, why)
	}
	if v, _ := Decide(Facts{PytestRan: true, ExitCode: 1, Cases: Settle(run, nil)}); v != Failed {
		t.Errorf("no reruns: %s, want failed", v)
	}
}
