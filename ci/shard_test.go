package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// suiteNames lists a run's suites by name.
func suiteNames(run report.Run) []string {
	var out []string
	for _, s := range run.Suites {
		out = append(out, s.Name)
	}
	return out
}

// TestShardedRunAndMerge: a shard fetches and runs only its downstreams
// (dealt out in matrix order: 1/2 is pipeline and orchestrator), its
// reports carry the shard; merge, given the shards' exported reports in
// any order, returns the unsharded run: the same reports, verdicts,
// outputs and failure line.
func TestShardedRunAndMerge(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	whole, err := m.Run(ctx, "v2.0.0", "v1.2.0", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	var shards []*Run
	for _, tc := range []struct {
		k    string
		want []string
	}{{"1/2", []string{"pipeline", "orchestrator"}}, {"2/2", []string{"store"}}} {
		k, want := tc.k, tc.want
		w.mu.Lock()
		w.refs = nil
		w.mu.Unlock()
		run, err := m.Run(ctx, "v2.0.0", "v1.2.0", nil, dag.File("m.yaml", testMatrix), nil, "", k, nil)
		if err != nil {
			t.Fatalf("shard %s: %v", k, err)
		}
		res, _ := reportsOf(t, w.e, run)
		if res.Shard == nil || res.Shard.Name() != k || !slices.Equal(res.Shard.Assigned, want) || len(res.Shard.Downstreams) != 3 {
			t.Errorf("shard %s: record %+v, want %v of 3", k, res.Shard, want)
		}
		for _, r := range append(res.Baselines, res.Runs...) {
			if got := suiteNames(r); !slices.Equal(got, want) {
				t.Errorf("shard %s, run %s: suites %v, want %v", k, r.Label, got, want)
			}
		}
		for _, ref := range w.refs {
			repo := ref[:strings.LastIndexByte(ref, '@')]
			if repo != coreURL && !slices.ContainsFunc(want, func(n string) bool { return strings.Contains(repo, n) }) {
				t.Errorf("shard %s resolved %s, a downstream of another shard", k, ref)
			}
		}
		if !strings.Contains(run.Summary, "shard "+k+": ") {
			t.Errorf("shard %s: the table does not say which shard it is:\n%s", k, run.Summary)
		}
		shards = append(shards, run)
	}
	merged, err := m.Merge(ctx, []*dagger.Directory{shards[1].Reports, shards[0].Reports})
	if err != nil {
		t.Fatal(err)
	}
	if merged.ExitCode != whole.ExitCode || merged.Failure != whole.Failure || merged.Outputs != whole.Outputs {
		t.Errorf("merged: exit %d, %q, outputs %q; the whole run: exit %d, %q, outputs %q",
			merged.ExitCode, merged.Failure, merged.Outputs, whole.ExitCode, whole.Failure, whole.Outputs)
	}
	got, gotFiles := reportsOf(t, w.e, merged)
	want, wantFiles := reportsOf(t, w.e, whole)
	if !slices.Equal(sortedKeys(gotFiles), sortedKeys(wantFiles)) {
		t.Errorf("merged reports hold %v, the whole run's %v", sortedKeys(gotFiles), sortedKeys(wantFiles))
	}
	if got.Shard != nil || len(got.Runs) != 1 || !slices.Equal(suiteNames(got.Runs[0]), suiteNames(want.Runs[0])) {
		t.Errorf("merged result: shard %+v, runs %+v", got.Shard, got.Runs)
	}
	for i, s := range got.Runs[0].Suites {
		w := want.Runs[0].Suites[i]
		if s.Verdict != w.Verdict || s.Reason != w.Reason || s.Counts != w.Counts || len(s.Cases) != len(w.Cases) || s.Log != w.Log {
			t.Errorf("merged %s: %s %q %+v, whole: %s %q %+v", s.Name, s.Verdict, s.Reason, s.Counts, w.Verdict, w.Reason, w.Counts)
		}
		if gotFiles[s.Log] != wantFiles[w.Log] {
			t.Errorf("%s: merged log differs from the whole run's", s.Log)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestMergeRefusals: a shard given twice, a missing shard and reports of
// an unsharded run are refused, naming the directories by their place in
// --dirs, not by the module's scratch copies.
func TestMergeRefusals(t *testing.T) {
	newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	one, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "1/2", nil)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dirs []*dagger.Directory
		want string
	}{
		{[]*dagger.Directory{one.Reports, one.Reports}, "merge: shard 1/2 is given twice: --dirs #1 and --dirs #2"},
		{[]*dagger.Directory{one.Reports}, "merge: shard 2/2 missing: merging needs all 2 shards (given: shard 1/2 (--dirs #1))"},
		{[]*dagger.Directory{one.Reports, plain.Reports}, "merge: --dirs #2: not a shard's reports"},
		{nil, "merge: no shard report directory given"},
	} {
		_, err := m.Merge(ctx, tc.dirs)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) || strings.Contains(err.Error(), os.TempDir()) {
			t.Errorf("Merge: %v; want %q, and no scratch path", err, tc.want)
		}
	}
}

// TestShardArguments: a bad K/N, or durations without a shard, are
// refused before any ref is resolved; durations from a previous run's
// summary.json balance the split (pipeline took longest: it is alone).
func TestShardArguments(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	previous := durationsFile(t, map[string]time.Duration{"pipeline": 30 * time.Second, "store": 2 * time.Second, "orchestrator": time.Second})
	for _, tc := range []struct {
		shard     string
		durations *dagger.File
		want      string
	}{
		{"3/2", nil, `--shard "3/2": K must be within 1..2`},
		{"two", nil, `--shard "two": want K/N`},
		{"", previous, "--shard-durations needs --shard"},
		{"1/2", dag.File("summary.json", `{"schema": "x"}`), `--shard-durations: summary.json: schema "x"`},
	} {
		_, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", tc.shard, tc.durations)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--shard=%q: %v, want %q", tc.shard, err, tc.want)
		}
		for _, fn := range []func() error{
			func() error { _, err := m.DemoRun(ctx, "v2.0.0", "", nil, tc.shard, tc.durations); return err },
			func() error {
				_, err := m.BisectRun(ctx, "v1.0.0", "v2.0.0", nil, nil, true, tc.shard, tc.durations)
				return err
			},
		} {
			if err := fn(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("--shard=%q: %v, want %q", tc.shard, err, tc.want)
			}
		}
	}
	if len(w.refs) > 0 {
		t.Errorf("refs resolved before the shard was checked: %v", w.refs)
	}
	run, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "2/2", previous)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := reportsOf(t, w.e, run)
	if !slices.Equal(res.Shard.Assigned, []string{"store", "orchestrator"}) || !strings.HasPrefix(res.Shard.Split, "durations sha256:") {
		t.Errorf("shard 2/2 by durations: %+v, want store and orchestrator", res.Shard)
	}
}

// durationsFile is a summary.json whose suites took d.
func durationsFile(t *testing.T, d map[string]time.Duration) *dagger.File {
	t.Helper()
	res := passedResult("pipeline", "store", "orchestrator")
	for i := range res.Runs[0].Suites {
		res.Runs[0].Suites[i].Duration = d[res.Runs[0].Suites[i].Name]
	}
	dir := t.TempDir()
	if err := report.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, report.SummaryJSON))
	if err != nil {
		t.Fatal(err)
	}
	return dag.File("summary.json", string(data))
}

// TestShardedDemo: demo-run takes --shard too, and says which shard it ran.
func TestShardedDemo(t *testing.T) {
	e := verdictWorld(t, never)
	run, err := newModule(t).DemoRun(context.Background(), "v2.0.0", "", nil, "3/3", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Summary, "shard 3/3: 1 of 3 downstreams (orchestrator)") {
		t.Errorf("demo shard 3/3:\n%s", run.Summary)
	}
	if got := pytestSuites(e); !slices.Equal(got, []string{"orchestrator"}) {
		t.Errorf("demo shard 3/3 ran %v, want orchestrator", got)
	}
}

// TestShardedBisect: bisect-run takes --shard too: it bisects only its
// downstreams, and its reports say which shard they are.
func TestShardedBisect(t *testing.T) {
	w := newHistoryWorld(t)
	run, err := newModule(t).BisectRun(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"pipeline", "orchestrator"}, true, "2/2", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := reportsOf(t, w.e, run)
	if res.Shard == nil || !slices.Equal(res.Shard.Assigned, []string{"orchestrator"}) || res.Bisect == nil ||
		len(res.Bisect.Downstreams) != 1 || res.Bisect.Downstreams[0].Name != "orchestrator" {
		t.Errorf("bisect shard 2/2: shard %+v, bisect %+v", res.Shard, res.Bisect)
	}
}
