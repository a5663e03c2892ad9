package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/report/github"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// maxLog bounds one suite's log; the end of the output is kept. A log
// reaches the module as a string in the engine's answer, so the bound is
// tighter than the host runner's.
const maxLog = 2 << 20

// Run is a finished contract run: its verdict table and its reports.
type Run struct {
	// Summary is the verdict table, as `contracts` prints it.
	Summary string
	// Reports holds summary.json, summary.md, the merged junit.xml, one JUnit report per suite (junit/<run>/<suite>.xml) and the suite logs (logs/<run>/<suite>.log).
	Reports *dagger.Directory
	// ExitCode is 0 when no contract broke and 1 when one did, or when the reports could not be written (as the CLI).
	ExitCode int
	// +private
	Failure string
	// +private
	GithubMarkdown string
	// +private
	Commands string
	// +private
	Outputs string
}

// tableOut receives the verdict table of a failing check: the function's
// standard output, which dagger call shows once, in the function's log.
var tableOut io.Writer = os.Stdout

// Check returns the verdict table when no contract broke. When one did,
// it prints the table (once, in the function's output) and fails with a
// one-line error naming the failing suites: dagger call prints an error in
// its progress tree and again after "Error:", and a whole table twice
// would double every failure in CI logs.
func (r *Run) Check() (string, error) {
	if r.ExitCode != 0 {
		fmt.Fprint(tableOut, r.Summary)
		return "", errors.New(r.Failure)
	}
	return r.Summary, nil
}

// GithubSummary is the run as GitHub job summary markdown, for
// `github-summary export --path="$GITHUB_STEP_SUMMARY"`.
func (r *Run) GithubSummary() *dagger.File {
	return dag.File("summary.md", r.GithubMarkdown)
}

// WorkflowCommands are GitHub Actions workflow commands (annotations on
// failing tests) to print from a workflow step.
func (r *Run) WorkflowCommands() string {
	return r.Commands
}

// GithubOutput holds the step outputs (passed, failed, broken, regressed:
// comma-separated suite names) as name=value lines, for
// `github-output export --path="$GITHUB_OUTPUT"`.
func (r *Run) GithubOutput() *dagger.File {
	return dag.File("output", r.Outputs)
}

// stepOutputs renders github.Outputs as name=value lines, sorted. The
// report path is left out: it names a directory inside the module's
// runtime, not one the workflow can read.
func stepOutputs(res *report.Result) string {
	outs := github.Outputs(res)
	delete(outs, "report-path")
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(outs)) {
		fmt.Fprintf(&b, "%s=%s\n", k, outs[k])
	}
	return b.String()
}

// attachLogs gives every suite with output a log path (logs/<run>/<suite>.log,
// as the host runner writes them) and returns the log files by path.
func attachLogs(jobs []job, outcomes []outcome.Suite, logs []string) map[string]string {
	files := map[string]string{}
	for i, j := range jobs {
		if logs[i] == "" {
			continue
		}
		rel := path.Join("logs", report.SafeName(j.label), report.SafeName(j.suite.Name)+".log")
		files[rel] = keepEnd(logs[i], maxLog)
		outcomes[i].Log = rel
	}
	return files
}

// newRun writes the reports of res and the logs into a scratch directory
// with the report package, as the CLI does, and returns them as a
// Directory (handed to the engine byte for byte, see stageDir) with the
// table and GitHub outputs. A report that cannot be written (or handed to
// the engine) does not lose the verdicts: the run keeps its table, which
// then names what failed, and fails as the CLI does in that case (exit
// 1); Reports holds what was written.
func newRun(ctx context.Context, res *report.Result, logs map[string]string) *Run {
	res.Tool = version.Module().Version // the engine builds the module unstamped: its source's release
	dir, rel, err := scratchDir("contract-reports-")
	if err != nil {
		res.Classify() // report.Write would have
		return summarize(res, dag.Directory(), fmt.Errorf("writing the reports: %w", err))
	}
	err = errors.Join(writeFiles(dir, logs), report.Write(dir, res))
	if err != nil {
		res.Classify() // Write may have stopped before classifying
		err = fmt.Errorf("writing the reports: %w", err)
	}
	reports, derr := stageDir(ctx, rel)
	if derr != nil {
		reports = dag.Directory()
		err = errors.Join(err, fmt.Errorf("handing the reports to the engine: %w", derr))
	}
	return summarize(res, reports, err)
}

// loadRun reads the reports directory a run exported (report.Load: its
// summary.json, per-suite JUnit reports and logs) and returns that run
// again, with reports as its Reports. Nothing runs.
func loadRun(ctx context.Context, reports *dagger.Directory) (*Run, error) {
	var run *Run
	err := withReports(ctx, reports, "--dir", func(res *report.Result) error {
		run = summarize(res, reports, nil) // while the files are there: the GitHub logs are read from them
		return nil
	})
	return run, err
}

// withReports exports a reports directory into the module's runtime (inside
// a module, export writes into the module's runtime container), reads it
// with report.Load and calls fn with the run before the files go. Errors
// name files as they are in the directory, after the flag that gave it.
func withReports(ctx context.Context, reports *dagger.Directory, flag string, fn func(*report.Result) error) error {
	tmp, err := os.MkdirTemp("", "contract-reports-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := reports.Export(ctx, tmp); err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	res, err := report.Load(tmp)
	if err != nil {
		msg := strings.ReplaceAll(err.Error(), tmp+string(os.PathSeparator), "")
		return fmt.Errorf("%s: %s", flag, strings.ReplaceAll(msg, tmp, "."))
	}
	return fn(res)
}

// summarize renders res (classified, res.Dir holding its logs) into a Run.
// reportErr is what went wrong with the reports, if anything: the table
// then names it and the run fails.
func summarize(res *report.Result, reports *dagger.Directory, reportErr error) *Run {
	var table bytes.Buffer
	report.Terminal(&table, res)
	summary, commands, err := github.Render(res)
	if err != nil {
		reportErr = errors.Join(reportErr, fmt.Errorf("rendering the GitHub summary: %w", err))
	}
	run := &Run{
		Summary:        table.String(),
		Failure:        failure(res),
		Reports:        reports,
		ExitCode:       report.ExitCode(res),
		GithubMarkdown: summary,
		Commands:       commands,
		Outputs:        stepOutputs(res),
	}
	if reportErr != nil {
		incomplete := fmt.Sprintf("%s%v", incompletePrefix, reportErr)
		run.Summary += "\n" + incomplete + "\n"
		if run.ExitCode == 0 {
			run.Failure = incomplete
		} else {
			run.Failure += "; " + incomplete
		}
		run.ExitCode = 1
	}
	return run
}

// incompletePrefix starts what a run's error says of reports that could
// not be written.
const incompletePrefix = "reports incomplete: "

// failWith makes msg the run's error, keeping what it says of reports
// that could not be written.
func (r *Run) failWith(msg string) {
	if i := strings.Index(r.Failure, incompletePrefix); i >= 0 {
		msg += "; " + r.Failure[i:]
	}
	r.Failure = msg
}

// failure is the one-line error of a failing run: its headline and the
// suites that fail it (a bisection's headline says it all).
func failure(res *report.Result) string {
	msg := report.Headline(res)
	if names := report.FailingSuites(res); len(names) > 0 && res.Bisect == nil {
		msg += ": " + strings.Join(names, ", ")
	}
	return msg
}

// writeFiles writes files (relative paths) under dir, never outside it.
func writeFiles(dir string, files map[string]string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for rel, content := range files {
		if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
			return err
		}
		if err := root.WriteFile(rel, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// keepEnd keeps the last limit bytes of s, marking the cut.
func keepEnd(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	return "[... output truncated ...]\n" + s[len(s)-limit:]
}
