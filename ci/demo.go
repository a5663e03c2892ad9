package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

// Demo runs the bundled example ecosystem (a stand-in Core with a real
// history: v1.1.0, v1.2.0, v2.0.0, v3.0.0, main, branches; three
// downstreams) from the module's own files, without fetching any repo
// (pip still needs a package index, or --pip-args=--no-index with an image
// that has pytest and pydantic). It prints the verdict table and fails
// when a contract broke: v2.0.0 breaks pipeline and store.
func (m *MarketDataContracts) Demo(
	ctx context.Context,
	// Example Core ref(s) to test, comma-separated for a compatibility matrix (default: main, as the host CLI's demo; v2.0.0 breaks pipeline and store)
	// +optional
	coreRef string,
	// Also run against this example Core ref and report regressions
	// +optional
	baselineRef string,
	// Run only these example downstreams
	// +optional
	only []string,
	// Run only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (string, error) {
	run, err := m.DemoRun(ctx, coreRef, baselineRef, only, shard, shardDurations)
	if err != nil {
		return "", err
	}
	return run.Check()
}

// DemoRun runs the bundled example ecosystem like Demo and returns the run,
// whatever the verdict (chain `reports export --path=DIR`).
func (m *MarketDataContracts) DemoRun(
	ctx context.Context,
	// Example Core ref(s) to test, comma-separated for a compatibility matrix (default: main, as the host CLI's demo; v2.0.0 breaks pipeline and store)
	// +optional
	coreRef string,
	// Also run against this example Core ref and report regressions
	// +optional
	baselineRef string,
	// Run only these example downstreams
	// +optional
	only []string,
	// Run only shard K/N of the downstreams (the same split everywhere; merge the shards' exported reports with merge)
	// +optional
	shard string,
	// Balance the shards by the suite durations in this summary.json of a previous run (default: by count)
	// +optional
	shardDurations *dagger.File,
) (*Run, error) {
	for _, ref := range append(splitList([]string{coreRef}), baselineRef) {
		if ref != "" && !slices.Contains(examples.CoreRefs(), ref) {
			return nil, fmt.Errorf("the example Core has no ref %q (have: %s)", ref, strings.Join(examples.CoreRefs(), ", "))
		}
	}
	mx, err := demoMatrix()
	if err != nil {
		return nil, err
	}
	if mx, err = mx.Select(splitList(only)); err != nil {
		return nil, err
	}
	mx, rec, err := shardOf(ctx, mx, shard, shardDurations)
	if err != nil {
		return nil, err
	}
	spec, err := m.spec(ctx, request{coreRef: coreRef, baselineRef: baselineRef})
	if err != nil {
		return nil, err
	}
	return m.execute(ctx, mx, spec, "", exampleSources{}, rec)
}

// demoMatrix names the example repos as examples/<name> (served by
// exampleSources), with the default tests path and timeout.
func demoMatrix() (*matrix.Matrix, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "version: %d\ncore:\n  name: %s\n  repo: %s%s\n  package: %s\n  ref: %s\ndownstreams:\n",
		matrix.Version, examples.Core, examplePrefix, examples.Core, examples.CorePackage, examples.DefaultBranch)
	for _, d := range examples.Downstreams() {
		fmt.Fprintf(&b, "  - name: %s\n    repo: %s%s\n    ref: %s\n", d, examplePrefix, d, examples.DefaultBranch)
	}
	return matrix.Parse("<bundled example matrix>", []byte(b.String()))
}
