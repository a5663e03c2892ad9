package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/shard"
)

// Merge merges the reports that the shards of one campaign exported
// (`run --shard=K/N ... reports export --path=DIR`, for K = 1..N) into
// the run the unsharded campaign would have returned: the same summary,
// check, exit code, reports (summary.json, summary.md, junit.xml, every
// suite's JUnit report and log, comparisons, readiness, the compatibility
// matrix, the bisection), GitHub summary, step outputs and workflow
// commands. Nothing runs. Shards of different campaigns (matrix, Core
// commits, baseline, policy, split), a missing shard and one given twice
// are refused, naming the difference.
func (m *MarketDataContracts) Merge(
	ctx context.Context,
	// The shards' exported report directories, one per shard, in any order
	dirs []*dagger.Directory,
) (*Run, error) {
	tmp, err := os.MkdirTemp("", "contract-shards-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	var paths []string
	for i, d := range dirs {
		p := filepath.Join(tmp, fmt.Sprintf("dirs-%d", i+1))
		// Inside a module, export writes into the module's runtime container.
		if _, err := d.Export(ctx, p); err != nil {
			return nil, fmt.Errorf("--dirs #%d: %w", i+1, err)
		}
		paths = append(paths, p)
	}
	out, rel, err := scratchDir("contract-reports-")
	if err != nil {
		return nil, err
	}
	res, err := shard.Merge(out, paths)
	if err != nil {
		os.RemoveAll(out)
		// Name the directories as the caller gave them, not by their copies.
		msg := strings.ReplaceAll(err.Error(), tmp+string(os.PathSeparator)+"dirs-", "--dirs #")
		return nil, fmt.Errorf("merge: %s", msg)
	}
	reports, err := stageDir(ctx, rel)
	if err != nil {
		return summarize(res, dag.Directory(), fmt.Errorf("handing the reports to the engine: %w", err)), nil
	}
	return summarize(res, reports, nil), nil
}

// shardOf keeps --shard's share of mx (all of it without --shard) and
// returns the record the shard's reports carry; --shard-durations, a
// previous run's summary.json, balances the split.
func shardOf(ctx context.Context, mx *matrix.Matrix, spec string, durations *dagger.File) (*matrix.Matrix, *report.Shard, error) {
	s, err := shard.Parse(spec)
	if err != nil {
		return nil, nil, fmt.Errorf("--shard %w", err)
	}
	var d shard.Durations
	if durations != nil {
		if !s.Set() {
			return nil, nil, fmt.Errorf("--shard-durations needs --shard")
		}
		name, err := durations.Name(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("--shard-durations: %w", err)
		}
		data, err := durations.Contents(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("--shard-durations %s: %w", name, err)
		}
		if d, err = shard.ReadDurations(name, strings.NewReader(data)); err != nil {
			return nil, nil, fmt.Errorf("--shard-durations: %w", err)
		}
	}
	return shard.Select(mx, s, d)
}
