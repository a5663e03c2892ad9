package main

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// TestFromReports: a run read back from its exported reports is the same
// run (table, exit code, check, GitHub summary, outputs, annotations), and
// reading it asks the engine for nothing but the export.
func TestFromReports(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	run, err := m.Run(ctx, "v2.0.0", "v1.2.0", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	n := len(w.e.Queries())
	again, err := m.FromReports(ctx, run.Reports)
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2]string{
		"summary":           {run.Summary, again.Summary},
		"github summary":    {run.GithubMarkdown, again.GithubMarkdown},
		"workflow commands": {stopTokens(run.Commands), stopTokens(again.Commands)},
		"step outputs":      {run.Outputs, again.Outputs},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s differs after from-reports:\n%s\n---\n%s", name, pair[0], pair[1])
		}
	}
	if again.ExitCode != 1 || run.ExitCode != 1 {
		t.Errorf("exit codes %d (run) and %d (from-reports), want 1: store did not run", run.ExitCode, again.ExitCode)
	}
	if _, err := again.Check(); err == nil || !strings.HasSuffix(err.Error(), "(fail-on regressions): store") {
		t.Errorf("Check() = %v, want an error naming store, the suite that fails the run", err)
	}
	if !strings.Contains(again.Outputs, "failed=pipeline\n") || !strings.Contains(again.Outputs, "broken=store\n") {
		t.Errorf("step outputs:\n%s", again.Outputs)
	}
	if again.Reports != run.Reports {
		t.Error("Reports is not the directory given")
	}
	qs := w.e.Queries()[n:]
	if len(qs) == 0 {
		t.Fatal("from-reports asked the engine nothing")
	}
	for _, q := range qs {
		if !q.Chain.Has("currentModule", "workdir", "export") {
			t.Errorf("from-reports asked for %s; want only the reports' export", q.Chain)
		}
	}
}

func TestFromReportsRefusesOtherDirectories(t *testing.T) {
	newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	_, err := m.FromReports(ctx, dag.Directory().WithNewFile("junit.xml", "<testsuites/>"))
	if err == nil || !strings.HasPrefix(err.Error(), "--dir: summary.json") || strings.Contains(err.Error(), os.TempDir()) {
		t.Errorf("directory without summary.json: %v; want an error naming summary.json, not the scratch path", err)
	}
	_, err = m.FromReports(ctx, dag.Directory().WithNewFile("summary.json", "{"))
	if err == nil || !strings.Contains(err.Error(), "summary.json") {
		t.Errorf("broken summary.json: %v", err)
	}
}

// stopToken matches the random token of ::stop-commands::TOKEN and ::TOKEN::.
var stopToken = regexp.MustCompile(`\b[A-Z2-7]{26}\b`)

// stopTokens blanks the random stop-commands tokens of workflow commands.
func stopTokens(commands string) string {
	return stopToken.ReplaceAllString(commands, "TOKEN")
}

// passedResult is one run whose suites all passed.
func passedResult(names ...string) *report.Result {
	core := plan.Source{Name: "market-data-core", Repo: coreURL, Ref: "v1.2.0", SHA: fakeSHA(coreURL, "v1.2.0")}
	run := report.Run{Core: core}
	for _, n := range names {
		run.Suites = append(run.Suites, outcome.Suite{Name: n, Core: core, Verdict: outcome.Passed, Duration: time.Second})
	}
	now := time.Now()
	return &report.Result{Started: now, Finished: now, Runs: []report.Run{run}}
}

// TestNewRunKeepsVerdictsWhenReportsFail: reports that cannot be written
// leave the table and the outputs intact, name the failure, and fail the
// run as the CLI does (exit 1).
func TestNewRunKeepsVerdictsWhenReportsFail(t *testing.T) {
	newWorld(t)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		res  *report.Result
		logs map[string]string
		want string
	}{
		"two suites share a report": {passedResult("pipeline", "pipeline"), nil, "would share the report"},
		"a log outside the reports": {passedResult("pipeline", "store"), map[string]string{"../escape.log": "x"}, "escape"},
	} {
		run := newRun(ctx, tc.res, tc.logs)
		if !strings.Contains(run.Summary, "pipeline") || !strings.Contains(run.Summary, "reports incomplete: writing the reports: ") || !strings.Contains(run.Summary, tc.want) {
			t.Errorf("%s: summary lacks the table or the failure:\n%s", name, run.Summary)
		}
		if run.ExitCode != 1 || run.Reports == nil {
			t.Errorf("%s: exit %d, reports %v; want 1 and a directory", name, run.ExitCode, run.Reports)
		}
		printed := captureTable(t)
		if _, err := run.Check(); err == nil || !strings.HasPrefix(err.Error(), "reports incomplete: ") || !strings.Contains(err.Error(), tc.want) || !strings.Contains(printed.String(), "pipeline") {
			t.Errorf("%s: Check() = %v, printed %q; want the reports' failure, the table printed", name, err, printed)
		}
		if !strings.Contains(run.Outputs, "passed=pipeline") {
			t.Errorf("%s: outputs %q", name, run.Outputs)
		}
	}
	run := newRun(ctx, passedResult("pipeline"), nil)
	if run.ExitCode != 0 || strings.Contains(run.Summary, "reports incomplete") {
		t.Errorf("reports written: exit %d\n%s", run.ExitCode, run.Summary)
	}
}

func TestNewRunWithoutScratchSpace(t *testing.T) {
	newWorld(t)
	t.Setenv("TMPDIR", "/nonexistent/contracts-test")
	if _, err := os.MkdirTemp("", "x"); err == nil {
		t.Fatal("TMPDIR did not take")
	}
	run := newRun(context.Background(), passedResult("pipeline"), nil)
	if !strings.Contains(run.Summary, "pipeline") || !strings.Contains(run.Summary, "reports incomplete") || run.ExitCode != 1 {
		t.Errorf("exit %d\n%s", run.ExitCode, run.Summary)
	}
	if _, err := run.Check(); err == nil || !strings.Contains(err.Error(), "reports incomplete") {
		t.Errorf("Check() = %v with no reports written, want the table and the failure", err)
	}
}

// TestFailWithKeepsIncompleteReports: a bisection's own error replaces the
// headline but keeps what the run said of reports it could not write.
func TestFailWithKeepsIncompleteReports(t *testing.T) {
	run := &Run{Failure: "NOTHING TO BISECT: x; reports incomplete: writing junit.xml: disk full"}
	run.failWith("bisect failed: no history")
	if want := "bisect failed: no history; reports incomplete: writing junit.xml: disk full"; run.Failure != want {
		t.Errorf("Failure %q, want %q", run.Failure, want)
	}
	run = &Run{Failure: "NOTHING TO BISECT: x"}
	run.failWith("bisect failed: no history")
	if run.Failure != "bisect failed: no history" {
		t.Errorf("Failure %q", run.Failure)
	}
}
