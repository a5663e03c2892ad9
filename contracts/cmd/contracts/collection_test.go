package main

// End-to-end tests of failure fidelity, through the CLI on the example
// ecosystem with real git, pip and pytest: Core v3.0.0 moves the
// protocols, so pipeline's conformance module cannot be imported while its
// other contract files run, and orchestrator's structured-log module
// cannot import market_data_logbus, an internal package no index has.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// conformance is pipeline's contract module that v3.0.0 breaks at import.
	conformance     = "tests.contracts.test_protocol_conformance"
	conformanceFile = "tests/contracts/test_protocol_conformance.py"
	// movedProtocols is the exception it raises against v3.0.0.
	movedProtocols = "ModuleNotFoundError: No module named 'market_data_core.protocols'"
	// structuredLogs is orchestrator's module that imports the internal
	// market_data_logbus against Core 3.
	structuredLogs = "tests.contracts.test_structured_logs"
	// missingLogbus is the exception it raises: no index has the package.
	missingLogbus = "No module named 'market_data_logbus'"
)

// TestCollectionErrorsWithoutBaseline: against v3.0.0, pipeline fails with
// the other files' individual passes and failures and one error case for
// the conformance module carrying the real exception, located in the test
// module; orchestrator is an error naming market_data_logbus. Every report says so.
func TestCollectionErrorsWithoutBaseline(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v3.0.0", "--reruns", "1")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	d := readDoc(t, out)
	pipe, orch := d.Runs[0].suite(t, "pipeline"), d.Runs[0].suite(t, "orchestrator")
	// Failing tests are rerun; a module that does not import is not.
	if log := readFile(t, filepath.Join(out, pipe.Log)); !strings.Contains(log, "# rerun 1/1 of") || strings.Contains(log, "of "+conformanceFile+"::") || strings.Contains(log, "cannot rerun") {
		t.Errorf("pipeline's reruns:\n%s", log)
	}
	if pipe.Verdict != "failed" || pipe.Counts.Errors != 1 || pipe.Counts.Failed == 0 || pipe.Counts.Tests <= pipe.Counts.Failed+pipe.Counts.Errors {
		t.Errorf("pipeline: %s %+v, want failed with passes, failures and one collection error", pipe.Verdict, pipe.Counts)
	}
	if orch.Verdict != "error" {
		t.Errorf("orchestrator: %s, want error", orch.Verdict)
	}
	reasons := map[string]string{"pipeline": suiteReason(t, out, "pipeline"), "orchestrator": suiteReason(t, out, "orchestrator")}
	for name, want := range map[string][]string{
		"pipeline":     {"failed: could not collect " + conformanceFile + ":", movedProtocols},
		"orchestrator": {"error: could not collect tests/contracts/test_structured_logs.py:", missingLogbus, "module market_data_logbus is not installed"},
	} {
		for _, w := range want {
			if !strings.Contains(reasons[name], w) {
				t.Errorf("%s's reason %q lacks %q", name, reasons[name], w)
			}
		}
	}
	md := readFile(t, filepath.Join(out, "summary.md"))
	for where, text := range map[string]string{"terminal": stdout, "summary.md": md, "junit.xml": readFile(t, filepath.Join(out, "junit.xml"))} {
		for _, w := range []string{movedProtocols, missingLogbus} {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q", where, w)
			}
		}
		if strings.Contains(text, "message=\"collection failure\"") || strings.Contains(text, ": collection failure") {
			t.Errorf("%s still says only 'collection failure'", where)
		}
	}
	if !strings.Contains(stdout, conformance+" ("+conformanceFile+":") {
		t.Errorf("the terminal does not locate the collection error in the test module:\n%s", stdout)
	}
}

// TestCollectionErrorsAgainstBaseline: against v2.0.0, on which the
// conformance module collected, every one of its tests is listed as
// regressed with the collection exception, next to the other files'
// regressions, and none is "removed".
func TestCollectionErrorsAgainstBaseline(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v3.0.0", "--baseline-ref", "v2.0.0")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	d := readDoc(t, out)
	pipe := d.Runs[0].compared(t, "pipeline")
	hidden := 0
	for _, c := range pipe.Cases {
		if c.Class == "removed" {
			t.Errorf("%s is removed: tests hidden by a collection error must not be", c.ID)
		}
		if strings.HasPrefix(c.ID, conformance+"::") {
			hidden++
			if c.Class != "regressed" || c.Baseline != "passed" || c.Candidate != "error" {
				t.Errorf("%s: %s (%s -> %s), want regressed (passed -> error)", c.ID, c.Class, c.Baseline, c.Candidate)
			}
		}
	}
	if hidden != 5 {
		t.Errorf("%d conformance tests compared, want its 5 tests (all passing on v2.0.0)", hidden)
	}
	regs, listed := section(stdout, "REGRESSIONS (", "\n\n"), 0
	for _, line := range strings.Split(regs, "\n") {
		if strings.Contains(line, conformance+"::") && strings.Contains(line, "passed -> error  "+movedProtocols) {
			listed++
		}
	}
	if listed != hidden {
		t.Errorf("the terminal lists %d hidden tests as regressed with the exception, want %d:\n%s", listed, hidden, regs)
	}
	if !strings.Contains(readFile(t, filepath.Join(out, "summary.json")), movedProtocols) {
		t.Error("summary.json's comparison lacks the exception")
	}
	if d.Totals.Regressions < hidden {
		t.Errorf("totals.regressions %d, want at least the %d hidden tests", d.Totals.Regressions, hidden)
	}
}

// TestFirstContactOffline: the README's first command, on an interpreter
// that lacks what an offline run needs, stops before any suite with one
// message naming the missing modules and the command that provides them.
func TestFirstContactOffline(t *testing.T) {
	bare := filepath.Join(t.TempDir(), "bare")
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", bare).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := demo(t, out, "--core-ref", "v2.0.0", "--python", filepath.Join(bare, "bin", "python"))
	if code != exitUsage {
		t.Fatalf("exit %d, want 2\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"--offline:", "cannot import pip, setuptools, wheel, pytest", "bash .ci/setup", "-m ensurepip`, then", "-m pip install setuptools wheel pytest`"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, " start ") || stdout != "" {
		t.Errorf("suites started:\n%s\n%s", stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
		t.Error("a report was written")
	}
}
