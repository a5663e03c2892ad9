package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

func TestExecArgv(t *testing.T) {
	st := plan.Step{Argv: []string{plan.Python, "-m", "pip", "install", "./core"}}
	got := execArgv(st, 90*time.Second)
	want := []string{"timeout", "--kill-after=30s", "90s", "python", "-m", "pip", "install", "./core"}
	if !slices.Equal(got, want) {
		t.Errorf("execArgv = %q, want %q", got, want)
	}
	if st.Argv[0] != plan.Python {
		t.Error("execArgv changed the plan's argv")
	}
	if got := execArgv(plan.Step{Argv: []string{"git", "status"}}, 1500*time.Millisecond); !slices.Equal(got[2:], []string{"2s", "git", "status"}) {
		t.Errorf("non-python step or fractional timeout: %q", got)
	}
}

func TestWorkPath(t *testing.T) {
	for rel, want := range map[string]string{".": "/work", "downstream": "/work/downstream", ".contracts/x.py": "/work/.contracts/x.py", "junit.xml": "/work/junit.xml"} {
		if got := workPath(rel); got != want {
			t.Errorf("workPath(%q) = %q, want %q", rel, got, want)
		}
	}
}

func testSuite() plan.Suite {
	return plan.Suite{
		Name:    "store",
		Timeout: time.Minute,
		Steps: []plan.Step{
			{Name: "install downstream [0]", Layer: plan.LayerDownstream, Dir: "downstream", Argv: []string{plan.Python, "-m", "pip", "install", "-e", "."}},
			{Name: "install pytest", Layer: plan.LayerDownstream, Dir: ".", Argv: []string{plan.Python, "-m", "pip", "install", "pytest"}},
			{Name: "install core", Layer: plan.LayerCore, Dir: ".", Argv: []string{plan.Python, "-m", "pip", "install", "./core"}},
		},
	}
}

func TestStepFailure(t *testing.T) {
	s := testSuite()
	ee := &dagger.ExecError{Cmd: execArgv(s.Steps[1], s.Timeout), ExitCode: 1, Stderr: "noise\nERROR: No matching distribution found for pytest\n"}
	got := stepFailure(s, fmt.Errorf("sync: %w", ee))
	if !strings.HasPrefix(got, "install pytest failed (exit 1): ") || !strings.Contains(got, "No matching distribution") {
		t.Errorf("reason %q", got)
	}
	ee = &dagger.ExecError{Cmd: []string{"other"}, ExitCode: 2, Stdout: "only stdout"}
	if got := stepFailure(s, ee); got != "a step failed (exit 2): only stdout" {
		t.Errorf("unknown step: %q", got)
	}
	if got := stepFailure(s, errors.New("failed to resolve image")); got != "preparing the suite: failed to resolve image" {
		t.Errorf("plain error: %q", got)
	}
	if !stepTimedOut(&dagger.ExecError{ExitCode: timeoutExit}) || stepTimedOut(&dagger.ExecError{ExitCode: 1}) || stepTimedOut(errors.New("x")) {
		t.Error("stepTimedOut misclassifies")
	}
}

func TestTailAndKeepEnd(t *testing.T) {
	if got := tail("  short\n"); got != "short" {
		t.Errorf("tail(short) = %q", got)
	}
	long := strings.Repeat("line of output\n", 500) + "last line"
	got := tail(long)
	if len(got) > tailSize || !strings.HasSuffix(got, "last line") || !strings.HasPrefix(got, "line of output") {
		t.Errorf("tail(long) = %d bytes starting %q", len(got), got[:20])
	}
	if got := keepEnd("abcdef", 3); got != "[... output truncated ...]\ndef" {
		t.Errorf("keepEnd = %q", got)
	}
	if got := keepEnd("abc", 3); got != "abc" {
		t.Errorf("keepEnd kept %q", got)
	}
}
