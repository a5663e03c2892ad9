package shard

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// These tests merge shards written by report.Write from synthetic
// results (fixed durations and times, so files compare byte for byte);
// the CLI's end-to-end test does the same with real runs.

var (
	t0       = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	coreRepo = "https://github.com/mjdevaccount/market-data-core"
	base     = plan.Source{Name: "market-data-core", Repo: coreRepo, Ref: "v1.1.0", SHA: strings.Repeat("1", 40)}
	v12      = plan.Source{Name: "market-data-core", Repo: coreRepo, Ref: "v1.2.0", SHA: strings.Repeat("2", 40)}
	v20      = plan.Source{Name: "market-data-core", Repo: coreRepo, Ref: "v2.0.0", SHA: strings.Repeat("3", 40)}
	all      = []string{"pipeline", "store", "orchestrator", "analytics"}
)

func testCase(name string, st junit.Status) junit.Case {
	c := junit.Case{Classname: "tests.contracts.test_x", Name: name, Status: st, Time: 10 * time.Millisecond, File: "tests/contracts/test_x.py"}
	if st == junit.StatusFailed {
		c.Message, c.Line, c.Text = "assert 1 == 2", 7, "Traceback"
	}
	return c
}

// suiteAt is name's outcome at core: analytics could not run anywhere,
// pipeline and store break at v2.0.0.
func suiteAt(core plan.Source, name string, i int) outcome.Suite {
	s := outcome.Suite{Name: name, Core: core, Verdict: outcome.Passed, Duration: time.Duration(i+1) * 700 * time.Millisecond,
		Downstream: plan.Source{Name: name, Repo: "https://github.com/mjdevaccount/" + name, Ref: "main", SHA: strings.Repeat("a", 40)},
		Log:        "logs/x/" + name + ".log",
		Pin:        &readiness.Pin{CoreVersion: strings.TrimPrefix(core.Ref, "v"), Requirements: []readiness.Requirement{{Requirement: "market-data-core>=1", Specifier: ">=1", Applies: true, DeclaredIn: "pyproject.toml", Admits: true}}},
	}
	s.Cases = []junit.Case{testCase("test_one", junit.StatusPassed), testCase("test_two", junit.StatusPassed)}
	switch {
	case name == "analytics":
		s.Verdict, s.Reason, s.Cases, s.Pin = outcome.Error, "install downstream (auto) failed (exit 1): ERROR: no matching distribution", nil, nil
	case core.Ref == "v2.0.0" && name != "orchestrator":
		s.Verdict, s.Cases[1] = outcome.Failed, testCase("test_two", junit.StatusFailed)
	}
	s.Counts = junit.Count(s.Cases)
	return s
}

// runOf is a run of names at core.
func runOf(label string, core plan.Source, names []string) report.Run {
	r := report.Run{Label: label, Core: core}
	for _, n := range names {
		r.Suites = append(r.Suites, suiteAt(core, n, slices.Index(all, n)))
	}
	return r
}

// campaign is the whole run (names = all) or a shard of it: a baseline and
// a compatibility matrix of two Core refs.
func campaign(names []string) *report.Result {
	return &report.Result{Started: t0, Finished: t0.Add(time.Minute),
		Baselines: []report.Run{runOf("baseline-v1.1.0", base, names)},
		Runs:      []report.Run{runOf("v1.2.0", v12, names), runOf("v2.0.0", v20, names)}}
}

// bisection is a bisect run of names (v1.2.0..v2.0.0).
func bisection(names []string) *report.Result {
	res := &report.Result{Started: t0, Finished: t0.Add(time.Minute),
		Baselines: []report.Run{runOf("baseline-v1.2.0", v12, names)}, Runs: []report.Run{runOf("v2.0.0", v20, names)}}
	commit := func(c byte, subject string) bisect.Commit {
		sha := strings.Repeat(string(c), 40)
		return bisect.Commit{SHA: sha, Short: sha[:7], Subject: subject, Author: "Chen Wei", Date: "2025-10-17T10:00:00+00:00"}
	}
	b := &bisect.Result{Good: bisect.Endpoint{Ref: "v1.2.0", Commit: commit('2', "Release 1.2.0")}, Bad: bisect.Endpoint{Ref: "v2.0.0", Commit: commit('3', "Release 2.0.0")},
		Commits: 20, FirstParent: 12, Downstreams: []bisect.Downstream{}}
	for _, n := range names {
		d := bisect.Downstream{Name: n, Status: bisect.NotBroken, Reason: "no test that passed at good fails at bad"}
		switch n {
		case "analytics":
			d.Status, d.Reason = bisect.CannotRun, "could not run at good (error): install"
		case "pipeline", "store":
			culprit := commit(map[string]byte{"pipeline": 'e', "store": '5'}[n], "break "+n)
			probe := suiteAt(v20, n, 0)
			d = bisect.Downstream{Name: n, Status: bisect.Found, Probes: 6, Culprits: []bisect.Culprit{{Status: bisect.Found, Commit: &culprit, Probe: &probe, Broken: []compare.Case{}}}}
		}
		b.Downstreams = append(b.Downstreams, d)
	}
	res.Bisect = b
	return res
}

// writeShards writes the whole result into a directory and each of count
// shards of it into its own (with a log per suite, as runners write them),
// and returns the directories.
func writeShards(t *testing.T, build func([]string) *report.Result, count int) (string, []string) {
	t.Helper()
	whole := filepath.Join(t.TempDir(), "whole")
	write(t, whole, build(all), nil)
	groups, how := Split(all, count, nil)
	var dirs []string
	for k, g := range groups {
		dir := filepath.Join(t.TempDir(), "shard")
		rec := &report.Shard{Index: k + 1, Count: count, Downstreams: all, Assigned: g, Matrix: "sha256:feed", Split: how}
		write(t, dir, build(g), rec)
		dirs = append(dirs, dir)
	}
	return whole, dirs
}

func write(t *testing.T, dir string, res *report.Result, rec *report.Shard) {
	t.Helper()
	res.Shard = rec
	if err := report.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	for _, runs := range [][]report.Run{res.Baselines, res.Runs} {
		for _, r := range runs {
			for _, s := range r.Suites {
				writeFile(t, filepath.Join(dir, "logs", r.Label, s.Name+".log"), "$ pytest\n"+s.Name+" at "+r.Core.Ref+"\n")
			}
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// files reads every file under dir by relative path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sameFiles: got holds exactly want's files, byte for byte.
func sameFiles(t *testing.T, got, want map[string]string) {
	t.Helper()
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("merged reports lack %s", name)
		} else if g != w {
			t.Errorf("%s differs from the unsharded run's:\n--- merged\n%s\n--- unsharded\n%s", name, g, w)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("merged reports hold %s, which the unsharded run did not write", name)
		}
	}
}

// TestMergeIsTheUnshardedReport: with a baseline and two Core refs (so
// comparisons, readiness and the compatibility matrix), and for a
// bisection (culprit probe reports included), merging the shards, given
// in any order, writes exactly the files the unsharded run wrote; the
// merged summary.json has no shard key.
func TestMergeIsTheUnshardedReport(t *testing.T) {
	for name, build := range map[string]func([]string) *report.Result{"matrix with baseline": campaign, "bisection": bisection} {
		for _, count := range []int{1, 2, 3, 5} {
			whole, dirs := writeShards(t, build, count)
			slices.Reverse(dirs)
			out := t.TempDir()
			res, err := Merge(out, dirs)
			if err != nil {
				t.Fatalf("%s, %d shards: %v", name, count, err)
			}
			if res.Shard != nil || res.Dir != out {
				t.Errorf("%s: merged result shard %+v, dir %q", name, res.Shard, res.Dir)
			}
			sameFiles(t, files(t, out), files(t, whole))
		}
	}
}

// edited is a copy of the shard reports in dir, changed by f.
func edited(t *testing.T, dir string, f func(*report.Result)) string {
	t.Helper()
	res, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	f(res)
	out := filepath.Join(t.TempDir(), "edited")
	if err := report.Write(out, res); err != nil {
		t.Fatal(err)
	}
	return out
}

// withLog makes the log name in the shard reports dir with create, and
// returns dir.
func withLog(t *testing.T, dir, name string, create func(path string) error) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, LogsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := create(filepath.Join(dir, LogsDir, name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestMergeRefuses: a missing or duplicated shard, shards of another
// campaign (matrix, Core commit, baseline, policy, split, bisect range),
// a directory that is no shard, overlapping shards, a log that is not a
// regular file and a log two shards hold are refused with an error naming
// it; nothing is written.
func TestMergeRefuses(t *testing.T) {
	_, dirs := writeShards(t, campaign, 3)
	edit := func(k int, f func(*report.Result)) string { return edited(t, dirs[k], f) }
	plain := filepath.Join(t.TempDir(), "plain")
	write(t, plain, campaign(all), nil)
	symlinked := withLog(t, edit(2, func(*report.Result) {}), "x.log", func(path string) error { return os.Symlink("/etc/passwd", path) })
	// The same log in two shards: one would overwrite the other.
	var twice []string
	for _, k := range []int{1, 2} {
		twice = append(twice, withLog(t, edit(k, func(*report.Result) {}), "dup.log", func(path string) error { return os.WriteFile(path, []byte("x"), 0o644) }))
	}
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"missing", []string{dirs[0], dirs[2]}, "shard 2/3 missing: merging needs all 3 shards"},
		{"duplicated", []string{dirs[0], dirs[1], dirs[1], dirs[2]}, "shard 2/3 is given twice"},
		{"not a shard", []string{dirs[0], plain}, plain + `: not a shard's reports`},
		{"other Core commit", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Runs[1].Core.SHA = strings.Repeat("9", 40) })},
			"the candidate runs differ: v2.0.0: Core v2.0.0@3333333333333333333333333333333333333333, against v2.0.0: Core v2.0.0@9999999999999999999999999999999999999999"},
		{"no baseline", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Baselines = nil })}, "1 baseline runs, against 0"},
		{"other matrix", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Shard.Matrix = "sha256:beef" })}, "the matrix differs: sha256:feed"},
		{"other policy", []string{dirs[0], edit(1, func(r *report.Result) { r.FailOn = report.FailOnFailures }), dirs[2]}, "the fail-on policy differs: regressions, against failures"},
		{"other split", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Shard.Split = "durations sha256:0123" })}, "they were split differently"},
		{"other version", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Tool = "v9.9.9" })}, `run by different versions of market-data-contracts: `},
		{"other count", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Shard.Count, r.Shard.Index = 4, 4 })}, "into different numbers of shards"},
		{"overlap", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Shard.Assigned = []string{"store"} })}, "downstream store is in two shards"},
		{"suites not assigned", []string{dirs[0], dirs[1], edit(2, func(r *report.Result) { r.Shard.Assigned = []string{} })}, "run baseline-v1.1.0 holds orchestrator, but the shard was given no downstream"},
		{"log not a file", []string{dirs[0], dirs[1], symlinked}, "logs/x.log is not a regular file"},
		{"log in two shards", []string{dirs[0], twice[0], twice[1]}, "logs/dup.log is also in shard 2/3"},
	} {
		out := t.TempDir()
		_, err := Merge(out, tc.dirs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
		}
		if !errors.As(err, new(Refused)) {
			t.Errorf("%s: %T is not Refused", tc.name, err)
		}
		if left, _ := os.ReadDir(out); len(left) > 0 {
			t.Errorf("%s: the refused merge wrote %d entries into %s", tc.name, len(left), out)
		}
	}
}

// TestMergeBisectRefuses: bisections of other ranges do not merge, and
// a shard whose search failed makes the merged search fail, naming it.
func TestMergeBisectRefuses(t *testing.T) {
	_, dirs := writeShards(t, bisection, 2)
	edit := func(k int, f func(*report.Result)) string { return edited(t, dirs[k], f) }
	_, err := Merge(t.TempDir(), []string{dirs[0], edit(1, func(r *report.Result) { r.Bisect.Commits = 19 })})
	if err == nil || !strings.Contains(err.Error(), "read Core's history 2222222..3333333 differently (20 commits, against 19)") {
		t.Errorf("other history: %v", err)
	}
	failed := edit(1, func(r *report.Result) {
		r.Bisect = bisect.Failed(r.Bisect.Good, r.Bisect.Bad, os.ErrDeadlineExceeded)
	})
	res, err := Merge(t.TempDir(), []string{dirs[0], failed})
	if err != nil {
		t.Fatal(err)
	}
	if res.Bisect.Error != "shard 2/2: i/o timeout" || len(res.Bisect.Downstreams) != 0 || report.ExitCode(res) != 1 {
		t.Errorf("merged bisection %+v, exit %d; want the failed shard's error and exit 1", res.Bisect, report.ExitCode(res))
	}
	both, err := Merge(t.TempDir(), []string{edit(0, func(r *report.Result) {
		r.Bisect = bisect.Failed(r.Bisect.Good, r.Bisect.Bad, os.ErrDeadlineExceeded)
	}), failed})
	if err != nil || both.Bisect.Error != "i/o timeout" {
		t.Errorf("every shard failed alike: %+v, %v; want that error, as the unsharded run gives it", both.Bisect, err)
	}
}
