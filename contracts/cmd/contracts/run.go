package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/campaign"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// cmdRun runs the matrix's contract suites on the host.
func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	if err := o.parse(newFlagSet("run", &o, stderr, runGroups), args); err != nil {
		return exitUsage, err
	}
	m, err := o.loadMatrix()
	if err != nil {
		return exitUsage, err
	}
	return execute(ctx, &o, m, stdout, stderr)
}

// execute is the whole host pipeline: flags -> plans -> runner -> outcomes
// -> classification -> reports -> exit code.
func execute(ctx context.Context, o *options, m *matrix.Matrix, stdout, stderr io.Writer) (int, error) {
	started := time.Now()
	r, entries, err := prepare(ctx, o, m, stderr)
	if err != nil {
		return exitUsage, err
	}
	defer r.Close()
	outcomes := r.Run(ctx, jobs(entries))
	res := campaign.Assemble(entries, outcomes, o.failOn, started)
	return finish(ctx, o, res, stdout)
}

// prepare readies the report directory and a runner, and plans the
// campaign; every error is the user's to fix (exit 2). The caller closes
// the runner.
func prepare(ctx context.Context, o *options, m *matrix.Matrix, stderr io.Writer) (*host.Runner, []campaign.Entry, error) {
	if err := checkOut(o.out); err != nil {
		return nil, nil, err
	}
	r, err := newRunner(o, stderr)
	if err != nil {
		return nil, nil, err
	}
	entries, err := plans(ctx, o, m, r)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return r, entries, nil
}

// finish writes res's reports, prints the terminal report (even when a
// report could not be written), publishes to GitHub when asked and returns
// the exit code.
func finish(ctx context.Context, o *options, res *report.Result, stdout io.Writer) (int, error) {
	res.Shard = o.shardRecord
	werr := report.Write(o.out, res)
	report.Terminal(stdout, res) // the verdicts, even when a report could not be written
	if werr != nil {
		return exitBroken, fmt.Errorf("writing reports to %s: %w", o.out, werr)
	}
	fmt.Fprintf(stdout, "\nreports: %s\n", o.out)
	if o.format == "github" {
		if err := publishGitHub(res, o.token()); err != nil {
			return exitBroken, err
		}
	}
	if ctx.Err() != nil {
		return exitBroken, fmt.Errorf("interrupted; reports of what finished are in %s", o.out)
	}
	return report.ExitCode(res), nil
}

// reportEntries are what a run writes into --out. A new run removes them
// first, so no stale report of an earlier run is read as this run's, but
// only from a directory an earlier run wrote (its summary.json names our
// schema, in any version): a user's own logs/ or junit/ is never deleted.
var reportEntries = []string{"junit", "logs", "junit.xml", "summary.json", "summary.md"}

// checkOut refuses an output directory that is a file or holds files of
// ours' names that an earlier run did not write, and clears the reports of
// an earlier run.
func checkOut(dir string) error {
	if dir == "" {
		return usagef("--out: empty")
	}
	if info, err := os.Stat(dir); err == nil && !info.IsDir() {
		return usagef("--out %s: not a directory", dir)
	}
	ours := earlierRun(dir)
	for _, name := range reportEntries {
		path := filepath.Join(dir, name)
		if _, err := os.Lstat(path); err != nil {
			continue
		}
		if !ours {
			return usagef("--out %s: it holds %s, which no earlier contract run wrote; choose another directory", dir, name)
		}
		if err := os.RemoveAll(path); err != nil {
			return fmt.Errorf("--out %s: clearing an earlier run's reports: %w", dir, err)
		}
	}
	return os.MkdirAll(dir, 0o755)
}

// earlierRun reports whether dir holds a summary.json of this tool.
func earlierRun(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, report.SummaryJSON))
	if err != nil {
		return false
	}
	var doc struct {
		Schema string `json:"schema"`
	}
	return json.Unmarshal(data, &doc) == nil && report.IsSummarySchema(doc.Schema)
}

func newRunner(o *options, stderr io.Writer) (*host.Runner, error) {
	work, err := os.MkdirTemp("", "contracts-work-")
	if err != nil {
		return nil, err
	}
	return host.New(host.Config{
		Python:             o.pythons[0],
		SystemSitePackages: o.systemSite,
		Jobs:               o.jobs,
		Reruns:             o.reruns,
		CacheDir:           o.cacheDir,
		WorkDir:            work,
		OutDir:             o.out,
		Progress:           stderr,
		Token:              o.token(),
	}), nil
}

// plans builds one plan per candidate ref x Python (and the baseline).
func plans(ctx context.Context, o *options, m *matrix.Matrix, r *host.Runner) ([]campaign.Entry, error) {
	spec := campaign.Spec{CoreRefs: o.coreRefs, CoreSource: o.coreSource, BaselineRef: o.baselineRef, PipArgs: o.pipArgs}
	if o.coreSource != "" {
		abs, err := filepath.Abs(o.coreSource)
		if err != nil {
			return nil, usagef("--core-source: %v", err)
		}
		if info, err := os.Stat(abs); err != nil || !info.IsDir() {
			return nil, usagef("--core-source %s: not a directory", o.coreSource)
		}
		spec.CoreSource = abs
	}
	for _, py := range o.pythons {
		p, err := interpreter(ctx, r, py, o)
		if err != nil {
			return nil, err
		}
		spec.Pythons = append(spec.Pythons, p)
	}
	return campaign.Plan(ctx, m, spec, r.Resolver())
}

// interpreter identifies a Python for reports and cache keys (its real
// executable and version), after checking that it has what the run needs
// (host.Needs): a run that cannot work stops here, before any suite, with
// one message naming what is missing and how to get it.
func interpreter(ctx context.Context, r *host.Runner, python string, o *options) (campaign.Python, error) {
	in, err := r.Inspect(ctx, python, o.offline)
	if err != nil {
		return campaign.Python{}, usagef("--python %v", err)
	}
	if len(in.Missing) > 0 {
		return campaign.Python{}, usageError{missingModules(python, in, o.offline)}
	}
	return campaign.Python{
		Label:       in.Version,
		Interpreter: fmt.Sprintf("%s %s system-site-packages=%v", in.Executable, in.Version, o.systemSite),
		Path:        in.Executable,
	}, nil
}

// missingModules says what python lacks and the commands that provide it.
func missingModules(python string, in host.Interpreter, offline bool) error {
	what := strings.ReplaceAll(strings.Join(in.Missing, ", "), "|", " or ")
	if !offline {
		return fmt.Errorf("--python %s (%s, Python %s) cannot import %s, which every run needs to make virtualenvs; "+
			"install them (Debian/Ubuntu: apt-get install python3-venv python3-pip)", python, in.Executable, in.Version, what)
	}
	install := fmt.Sprintf("`%s -m pip install %s`", python, strings.Join(in.Missing, " "))
	if rest := slices.DeleteFunc(slices.Clone(in.Missing), func(m string) bool { return m == "pip" }); len(rest) < len(in.Missing) {
		install = fmt.Sprintf("`%s -m ensurepip`, then `%s -m pip install %s`", python, python, strings.Join(rest, " "))
	}
	return fmt.Errorf("--offline: %s (%s, Python %s) cannot import %s; an offline run installs nothing from a package index, "+
		"so the interpreter must bring them. On this project's machines run `bash .ci/setup` (Debian's python3-pytest and "+
		"python3-wheel, made visible to python3); where an index is reachable, %s, or drop --offline",
		python, in.Executable, in.Version, what, install)
}

// jobs flattens the campaign into runner jobs.
func jobs(entries []campaign.Entry) []host.Job {
	var out []host.Job
	for _, e := range entries {
		for _, s := range e.Plan.Suites {
			out = append(out, host.Job{Label: e.Label, Python: e.Python.Path, Suite: s, CoreBuild: e.Plan.CoreBuild})
		}
	}
	return out
}
