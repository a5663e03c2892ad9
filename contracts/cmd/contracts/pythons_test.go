package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// TestPythonMatrix: two interpreters make two runs, labelled by version,
// each with a verdict per suite. Here the second interpreter is Debian's
// python3 (installed with python3-pytest by .ci/setup), which has no
// pydantic 2: offline, its suites cannot install and say so.
func TestPythonMatrix(t *testing.T) {
	const debian = "/usr/bin/python3"
	if _, err := exec.LookPath(debian); err != nil {
		t.Fatalf("%s not found (installed by .ci/setup with python3-pytest)", debian)
	}
	r := host.New(host.Config{})
	o := &options{offline: true, systemSite: true}
	a, err := interpreter(t.Context(), r, "python3", o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := interpreter(t.Context(), r, debian, o)
	if err != nil {
		t.Fatal(err)
	}
	if a.Label == b.Label {
		t.Fatalf("python3 and %s are both %s: no Python matrix to test", debian, a.Label)
	}
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v1.2.0", "--python", "python3", "--python", debian, "--only", "orchestrator")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1 (the second interpreter cannot install Core)\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, out)
	if len(s.Runs) != 2 {
		t.Fatalf("%d runs, want one per interpreter", len(s.Runs))
	}
	if v := s.Runs[0].Suites[0].Verdict; v != "passed" {
		t.Errorf("python3 (%s): orchestrator %s, want passed", a.Label, v)
	}
	if v := s.Runs[1].Suites[0].Verdict; v != "error" {
		t.Errorf("%s (%s): orchestrator %s, want error", debian, b.Label, v)
	}
	for _, label := range []string{a.Label, b.Label} {
		if !strings.Contains(stdout, label) {
			t.Errorf("terminal output does not name Python %s:\n%s", label, stdout)
		}
	}
}
