package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/campaign"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// historyDepth is how much of Core's history the engine fetches for a
// bisection: everything, for any range a release cycle makes.
const historyDepth = 1 << 20

// Bisect names every Core commit between --good and --bad that broke a
// downstream's contracts, each with the tests it broke: it runs every
// suite at both ends, then attributes each test that passed at --good and
// fails at --bad to the first commit it fails at, searching the
// first-parent path (a merge stands for its pull request, and is searched
// inside when it is a culprit). Prints the table; fails when no
// downstream regresses between the two.
// +cache="session"
func (m *MarketDataContracts) Bisect(
	ctx context.Context,
	// Core ref where every contract held (tag, branch, full 40-hex SHA)
	good string,
	// Core ref where a contract broke, descending from --good
	bad string,
	// Matrix file replacing the embedded default
	// +optional
	matrix *dagger.File,
	// Bisect only these downstreams (names, comma-separated or repeated)
	// +optional
	only []string,
	// When the first bad commit is a merge, search the pull request it merged
	// +optional
	// +default=true
	descend bool,
	// Bisect only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (string, error) {
	run, err := m.BisectRun(ctx, good, bad, matrix, only, descend, shard, shardDurations)
	if err != nil {
		return "", err
	}
	return run.Check()
}

// BisectRun bisects like Bisect and returns the run, whatever it found:
// chain `reports export --path=DIR` (summary.json's "bisect" key with
// every downstream's culprits, each culprit probe's JUnit as
// junit/bisect/<downstream>/<short SHA>.xml) or `summary`.
// +cache="session"
func (m *MarketDataContracts) BisectRun(
	ctx context.Context,
	// Core ref where every contract held (tag, branch, full 40-hex SHA)
	good string,
	// Core ref where a contract broke, descending from --good
	bad string,
	// Matrix file replacing the embedded default
	// +optional
	matrix *dagger.File,
	// Bisect only these downstreams (names, comma-separated or repeated)
	// +optional
	only []string,
	// When the first bad commit is a merge, search the pull request it merged
	// +optional
	// +default=true
	descend bool,
	// Bisect only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (*Run, error) {
	for flag, ref := range map[string]string{"--good": good, "--bad": bad} {
		if err := refs.Validate(ref); err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
	}
	mx, err := loadMatrix(ctx, matrix, only)
	if err != nil {
		return nil, err
	}
	mx, rec, err := shardOf(ctx, mx, shard, shardDurations)
	if err != nil {
		return nil, err
	}
	spec, err := m.spec(ctx, request{coreRef: bad, baselineRef: good})
	if err != nil {
		return nil, err
	}
	return m.bisect(ctx, mx, spec, good, bad, bisect.Options{Descend: descend}, gitSources{token: m.Token}, rec)
}

// bisect runs the suites at both ends, bisects with probes in containers
// over Core's history read by git in a container, and assembles the run
// (a shard's carries its record, rec).
func (m *MarketDataContracts) bisect(ctx context.Context, mx *matrix.Matrix, spec campaign.Spec, good, bad string, opts bisect.Options, src gitSources, rec *report.Shard) (*Run, error) {
	started := time.Now()
	entries, err := campaign.Plan(ctx, mx, spec, src)
	if err != nil {
		return nil, err
	}
	goodEnd, badEnd, err := campaign.Endpoints(entries, good, bad)
	h := gitHistory{image: m.historyImage(), repo: src.repo(mx.Core.Repo), bad: badEnd.Commit.SHA}
	if err == nil {
		err = bisect.Check(ctx, h, goodEnd, badEnd)
	}
	if err != nil { // a range that cannot be searched: reported, as the CLI does
		res := campaign.Unsearchable(entries, goodEnd, badEnd, err, started)
		res.Shard = rec
		run := newRun(ctx, res, nil)
		run.failWith("bisect failed: " + err.Error())
		return run, nil
	}
	r := suiteRunner{image: m.Image, sources: src, wheels: &wheelBuilds{}}
	jobs := jobsOf(entries)
	outcomes, logs := m.runJobs(ctx, r, jobs)
	files := attachLogs(jobs, outcomes, logs) // before Assemble copies the outcomes
	res := campaign.Assemble(entries, outcomes, "", started)
	p := &moduleProber{m: m, runner: r, probes: campaign.NewProbes(mx, entries[1], m.PipArgs, src)}
	result, berr := bisect.Run(ctx, h, p, goodEnd, badEnd, res.Baselines[0].Suites, res.Runs[0].Suites, opts)
	if berr != nil {
		result = bisect.Failed(goodEnd, badEnd, berr) // the runs at both ends are still reported
	}
	res.Bisect, res.Finished, res.Shard = result, time.Now(), rec
	maps.Copy(files, attachLogs(p.jobs, p.outcomes, p.logs))
	run := newRun(ctx, res, files)
	if berr != nil {
		run.failWith("bisect failed: " + berr.Error())
	}
	return run, nil
}

// historyImage is the image git runs in for a bisection: the suites' image
// (Debian's python images) with Debian's git installed.
func (m *MarketDataContracts) historyImage() *dagger.Container {
	return dag.Container().From(m.Image).
		WithExec([]string{"apt-get", "update", "-qq"}).
		WithExec([]string{"apt-get", "install", "-y", "-qq", "--no-install-recommends", "git"})
}

// gitHistory runs git in a container holding Core's repository at the bad
// commit with its history (dag.Git's tree keeps .git), for package bisect.
type gitHistory struct {
	image *dagger.Container
	repo  *dagger.GitRepository
	bad   string
}

// Git runs git with args (log or rev-list) in Core's repository.
func (h gitHistory) Git(ctx context.Context, args []string) (string, error) {
	if len(args) == 0 || (args[0] != "log" && args[0] != "rev-list") {
		return "", fmt.Errorf("history: only git log and rev-list run, not %q", args)
	}
	tree := h.repo.Commit(h.bad).Tree(dagger.GitRefTreeOpts{Depth: historyDepth})
	argv := append([]string{"git", "-c", "safe.directory=*", "-C", "/src"}, args...)
	out, err := h.image.WithMountedDirectory("/src", tree).WithExec(argv).Stdout(ctx)
	var ee *dagger.ExecError
	switch {
	case errors.As(err, &ee):
		return "", fmt.Errorf("git %s failed (exit %d): %s", args[0], ee.ExitCode, quoteExec(ee))
	case err != nil:
		return "", fmt.Errorf("git %s: %s", args[0], engineError(err))
	}
	return out, nil
}

// moduleProber runs bisect's probes in containers (campaign.Probes plans
// them): every Core commit built once and all suites at most Concurrency
// at a time. It keeps the jobs, outcomes and logs for the reports.
type moduleProber struct {
	m      *MarketDataContracts
	runner suiteRunner
	probes *campaign.Probes

	jobs     []job
	outcomes []outcome.Suite
	logs     []string
}

// Probe implements bisect.Prober.
func (p *moduleProber) Probe(ctx context.Context, reqs []bisect.Request) [][]outcome.Suite {
	var jobs []job
	var spans []int
	for _, req := range reqs {
		pl := p.probes.Plan(ctx, req)
		for _, s := range pl.Suites {
			jobs = append(jobs, job{label: p.probes.Label(req), suite: s, build: pl.CoreBuild})
		}
		spans = append(spans, len(pl.Suites))
	}
	outs, logs := p.m.runJobs(ctx, p.runner, jobs)
	p.jobs, p.outcomes, p.logs = append(p.jobs, jobs...), append(p.outcomes, outs...), append(p.logs, logs...)
	var result [][]outcome.Suite
	for _, n := range spans {
		result = append(result, outs[:n])
		outs = outs[n:]
	}
	return result
}

// runJobs runs jobs, at most Concurrency at a time, returning outcomes and
// logs in job order.
func (m *MarketDataContracts) runJobs(ctx context.Context, r suiteRunner, jobs []job) ([]outcome.Suite, []string) {
	outcomes := make([]outcome.Suite, len(jobs))
	logs := make([]string, len(jobs))
	forEach(ctx, len(jobs), m.Concurrency, func(ctx context.Context, i int) {
		outcomes[i], logs[i] = r.run(ctx, jobs[i])
	})
	return outcomes, logs
}
