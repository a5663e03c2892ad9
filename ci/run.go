package main

import (
	"context"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/campaign"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Contracts runs every downstream contract suite against Core at a ref and
// prints the verdict table; it fails, with the table, when a contract
// broke. `dagger call contracts --core-ref=X` is the whole check.
// +cache="session"
func (m *MarketDataContracts) Contracts(
	ctx context.Context,
	// Core ref(s) to test: tag, branch, full 40-hex SHA or refs/pull/N/head; comma-separated refs make a compatibility matrix (default: the matrix's core.ref)
	// +optional
	coreRef string,
	// Also run against Core at this ref and report regressions instead of plain failures
	// +optional
	baselineRef string,
	// A Core working copy to test instead of a ref (uncommitted changes included)
	// +optional
	coreSource *dagger.Directory,
	// Matrix file replacing the embedded default
	// +optional
	matrix *dagger.File,
	// Run only these downstreams (names, comma-separated or repeated)
	// +optional
	only []string,
	// What fails the run: regressions or failures (default: regressions with --baseline-ref, else failures)
	// +optional
	failOn string,
	// Run only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (string, error) {
	run, err := m.Run(ctx, coreRef, baselineRef, coreSource, matrix, only, failOn, shard, shardDurations)
	if err != nil {
		return "", err
	}
	return run.Check()
}

// Run runs every downstream contract suite against Core at a ref and
// returns the run, whatever the verdict: chain `summary`, `check`,
// `reports export --path=DIR`, `github-summary` or `workflow-commands`.
// +cache="session"
func (m *MarketDataContracts) Run(
	ctx context.Context,
	// Core ref(s) to test: tag, branch, full 40-hex SHA or refs/pull/N/head; comma-separated refs make a compatibility matrix (default: the matrix's core.ref)
	// +optional
	coreRef string,
	// Also run against Core at this ref and report regressions instead of plain failures
	// +optional
	baselineRef string,
	// A Core working copy to test instead of a ref (uncommitted changes included)
	// +optional
	coreSource *dagger.Directory,
	// Matrix file replacing the embedded default
	// +optional
	matrix *dagger.File,
	// Run only these downstreams (names, comma-separated or repeated)
	// +optional
	only []string,
	// What fails the run: regressions or failures (default: regressions with --baseline-ref, else failures)
	// +optional
	failOn string,
	// Run only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (*Run, error) {
	req := request{coreRef: coreRef, baselineRef: baselineRef, coreSource: coreSource, failOn: failOn}
	if err := req.check(); err != nil {
		return nil, err
	}
	mx, err := loadMatrix(ctx, matrix, only)
	if err != nil {
		return nil, err
	}
	mx, rec, err := shardOf(ctx, mx, shard, shardDurations)
	if err != nil {
		return nil, err
	}
	spec, err := m.spec(ctx, req)
	if err != nil {
		return nil, err
	}
	return m.execute(ctx, mx, spec, failOn, gitSources{token: m.Token, local: coreSource}, rec)
}

// FromReports returns a run again from the reports directory it exported
// (`run ... reports export --path=DIR`), without running anything: the
// same summary, check, exit code, GitHub summary, step outputs and
// workflow commands, about the same resolved SHAs. A workflow runs the
// contracts once, exports the reports, and reads every other result with
// `from-reports --dir=DIR` in its later steps.
func (m *MarketDataContracts) FromReports(
	ctx context.Context,
	// A reports directory exported by run or demo-run (summary.json, the per-suite JUnit reports under junit/, the logs under logs/)
	dir *dagger.Directory,
) (*Run, error) {
	return loadRun(ctx, dir)
}

// DefaultRef checks that every downstream contract passes against Core's
// default ref (the matrix's core.ref), with the default matrix.
// +check
// +cache="session"
func (m *MarketDataContracts) DefaultRef(ctx context.Context) error {
	_, err := m.Contracts(ctx, "", "", nil, nil, nil, "", "", nil)
	return err
}

// spec is the campaign the request asks for, with the image as the one
// "Python" of the run.
func (m *MarketDataContracts) spec(ctx context.Context, req request) (campaign.Spec, error) {
	spec := campaign.Spec{
		CoreRefs:    req.coreRefs(),
		BaselineRef: req.baselineRef,
		PipArgs:     m.PipArgs,
		Pythons:     []campaign.Python{{Label: m.Image, Interpreter: "image " + m.Image}},
	}
	if req.coreSource != nil {
		digest, err := req.coreSource.Digest(ctx)
		if err != nil {
			return spec, err
		}
		spec.CoreSource = "core-source@" + digest
	}
	return spec, nil
}

// execute plans the campaign with src (plan.Build for every Core ref, the
// same plan as the host runner), runs all suites, at most Concurrency at a
// time, and assembles the reports (a shard's carry its record, rec).
func (m *MarketDataContracts) execute(ctx context.Context, mx *matrix.Matrix, spec campaign.Spec, failOn string, src sources, rec *report.Shard) (*Run, error) {
	started := time.Now()
	entries, err := campaign.Plan(ctx, mx, spec, src)
	if err != nil {
		return nil, err
	}
	jobs := jobsOf(entries)
	outcomes, logs := m.runJobs(ctx, suiteRunner{image: m.Image, sources: src, wheels: &wheelBuilds{}}, jobs)
	files := attachLogs(jobs, outcomes, logs)
	res := campaign.Assemble(entries, outcomes, failOn, started)
	res.Shard = rec
	return newRun(ctx, res, files), nil
}

// jobsOf flattens the campaign into jobs, in entry then suite order (the
// order campaign.Assemble expects outcomes in).
func jobsOf(entries []campaign.Entry) []job {
	var out []job
	for _, e := range entries {
		for _, s := range e.Plan.Suites {
			out = append(out, job{label: e.Label, suite: s, build: e.Plan.CoreBuild})
		}
	}
	return out
}
