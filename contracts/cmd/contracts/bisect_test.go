package main

// End-to-end tests of bisect, through the CLI on the example ecosystem's
// Core history with real git, pip and pytest (see
// contracts/examples/README.md for the history and its culprits).

import (
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// coreCommits are the example Core's commit SHAs by id (Materialize is
// deterministic: the demo's repos have the same SHAs).
var coreCommits memo[map[string]string]

// defaultBisect is demo-bisect with its default range, shared by the tests
// that read it.
var defaultBisect memo[cliRun]

func commitsByID(t *testing.T) map[string]string {
	return coreCommits.get(t, func() (map[string]string, error) {
		eco, err := examples.Materialize(context.Background(), filepath.Join(t.TempDir(), "eco"))
		if err != nil {
			return nil, err
		}
		return eco.CoreCommits, nil
	})
}

// demoBisect runs `contracts demo-bisect` offline with the shared cache
// and reads the bisection back from summary.json. Without args it is the
// default bisection (v1.2.0..v2.0.0), run once per test binary.
func demoBisect(t *testing.T, args ...string) (int, string, *bisect.Result, string) {
	t.Helper()
	var out, stdout, stderr string
	var code int
	if len(args) == 0 {
		r := defaultBisect.get(t, func() (cliRun, error) {
			r := cliRun{out: filepath.Join(cache, "out-default-bisect")}
			r.code, r.stdout, r.stderr = cli(t, "demo-bisect", "--offline", "--cache-dir", cache, "--out", r.out, "--jobs", "3")
			return r, nil
		})
		out, code, stdout, stderr = r.out, r.code, r.stdout, r.stderr
	} else {
		out = t.TempDir()
		code, stdout, stderr = cli(t, append([]string{"demo-bisect", "--offline", "--cache-dir", cache, "--out", out, "--jobs", "3"}, args...)...)
	}
	if code == exitUsage {
		t.Fatalf("usage error:\n%s", stderr)
	}
	var doc struct {
		Bisect *bisect.Result `json:"bisect"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "summary.json"))), &doc); err != nil || doc.Bisect == nil {
		t.Fatalf("summary.json has no bisection: %v\n%s\n%s", err, stdout, stderr)
	}
	return code, stdout, doc.Bisect, out
}

func downstreamOf(t *testing.T, b *bisect.Result, name string) bisect.Downstream {
	t.Helper()
	i := slices.IndexFunc(b.Downstreams, func(d bisect.Downstream) bool { return d.Name == name })
	if i < 0 {
		t.Fatalf("no bisection for %s", name)
	}
	return b.Downstreams[i]
}

// TestBisectFindsEachCulprit: v1.2.0..v2.0.0 holds two breaking commits,
// each inside a merged pull request, and one commit Core cannot be built
// at. Each downstream's exact first bad commit is found, with the merge
// that brought it, in at most ceil(log2(commits)) + 2 probes.
func TestBisectFindsEachCulprit(t *testing.T) {
	ids := commitsByID(t)
	code, stdout, b, out := demoBisect(t)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (culprits found)\n%s", code, stdout)
	}
	maxProbes := int(math.Ceil(math.Log2(float64(b.Commits)))) + 2
	if b.Commits != 20 || b.FirstParent != 12 {
		t.Errorf("range: %d commits, %d first-parent; want 20 and 12", b.Commits, b.FirstParent)
	}
	for name, want := range map[string][2]string{
		"pipeline": {examples.Culprit(examples.Pipeline), "merge-43"},
		"store":    {examples.Culprit(examples.Store), "merge-42"},
	} {
		d := downstreamOf(t, b, name)
		if d.Status != bisect.Found || d.Culprit == nil || d.Culprit.SHA != ids[want[0]] || d.Merge == nil || d.Merge.SHA != ids[want[1]] {
			t.Errorf("%s: %s %+v in %+v, want %s (%s) in %s", name, d.Status, d.Culprit, d.Merge, want[0], ids[want[0]], want[1])
			continue
		}
		if d.Probes > maxProbes {
			t.Errorf("%s: %d probes, want at most %d", name, d.Probes, maxProbes)
		}
		// The search's first probe is the middle of the first-parent path:
		// the commit Core cannot be built at, skipped.
		unbuildable := ids[examples.Unbuildable()[0]]
		if !slices.ContainsFunc(d.Skipped, func(c bisect.Commit) bool { return c.SHA == unbuildable }) {
			t.Errorf("%s skipped %+v, want the unbuildable commit %s", name, d.Skipped, unbuildable[:7])
		}
		if d.Culprit.Author == "" || d.Culprit.Date == "" || d.Culprit.Subject == "" || len(d.Broken) == 0 || d.Broken[0].Message == "" {
			t.Errorf("%s: culprit %+v, broken %+v: want author, date, subject and the broken tests with messages", name, d.Culprit, d.Broken)
		}
		suites, err := gojunit.IngestFile(filepath.Join(out, d.Report))
		if err != nil || len(suites) != 1 || suites[0].Totals.Failed == 0 {
			t.Errorf("%s: culprit probe's JUnit %s: %+v, %v", name, d.Report, suites, err)
		}
		if !strings.Contains(stdout, d.Culprit.Short+" "+d.Culprit.Subject) {
			t.Errorf("the terminal does not name %s's culprit:\n%s", name, stdout)
		}
	}
	if d := downstreamOf(t, b, "orchestrator"); d.Status != bisect.NotBroken || d.Probes != 0 {
		t.Errorf("orchestrator: %s with %d probes, want not-broken and no probe", d.Status, d.Probes)
	}
	for _, want := range []string{"## Bisect v1.2.0..v2.0.0", "RateAdjustment: rename scale\\_factor to scale"} {
		if !strings.Contains(readFile(t, filepath.Join(out, "summary.md")), want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
}

// TestBisectAlreadyBroken: from v2.0.0b1, store is already broken (its
// culprit is before it) and is not searched; pipeline still is.
func TestBisectAlreadyBroken(t *testing.T) {
	ids := commitsByID(t)
	code, stdout, b, _ := demoBisect(t, "--good", "v2.0.0b1", "--bad", "v2.0.0")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, stdout)
	}
	if d := downstreamOf(t, b, "store"); d.Status != bisect.AlreadyBroken || d.Probes != 0 {
		t.Errorf("store: %s, %d probes; want already-broken, not searched", d.Status, d.Probes)
	}
	if d := downstreamOf(t, b, "pipeline"); d.Status != bisect.Found || d.Culprit.SHA != ids[examples.Culprit(examples.Pipeline)] {
		t.Errorf("pipeline: %s %+v", d.Status, d.Culprit)
	}
}

// TestBisectNothingBroken: when no downstream regresses between the ends,
// bisect exits 1 and says so.
func TestBisectNothingBroken(t *testing.T) {
	code, stdout, b, _ := demoBisect(t, "--good", "v1.1.0", "--bad", "v1.2.0")
	if code != exitBroken || b.Culprits() != 0 || !strings.Contains(stdout, "NOTHING TO BISECT") {
		t.Errorf("exit %d, %d culprits\n%s", code, b.Culprits(), stdout)
	}
}

func TestBisectUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bisect", "--good", "v1.2.0"},
		{"bisect", "--good", "v1.2.0", "--bad", "v2.0.0", "--core-ref", "v2.0.0"},
		{"bisect", "--good", "--upload-pack=x", "--bad", "v2.0.0"},
	} {
		if code, _, stderr := cli(t, args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d, want 2 with a message\n%s", args, code, stderr)
		}
	}
}

// TestBisectRangeItCannotSearch: well-formed refs that git cannot use as a
// range (one that does not exist, good not an ancestor of bad, the same
// commit twice) are found out by git, as a run's missing ref is: exit 1,
// with reports naming why, every suite an error that did not run.
func TestBisectRangeItCannotSearch(t *testing.T) {
	for _, tc := range []struct {
		good, bad, why string
	}{
		{"v9.9.9", "v2.0.0", `--good v9.9.9: core market-data-core: ref "v9.9.9"`},
		{"v2.0.0", "v1.2.0", "is not an ancestor of"},
		{"main", "v1.2.0", "are the same commit"},
	} {
		t.Run(tc.good+".."+tc.bad, func(t *testing.T) {
			code, stdout, b, out := demoBisect(t, "--good", tc.good, "--bad", tc.bad)
			if code != exitBroken || !strings.Contains(b.Error, tc.why) || !strings.Contains(stdout, tc.why) {
				t.Errorf("exit %d, bisect.error %q; want 1 and an error containing %q\n%s", code, b.Error, tc.why, stdout)
			}
			d := readDoc(t, out)
			for _, r := range append(d.Baselines, d.Runs...) {
				for _, s := range r.Suites {
					if s.Verdict != "error" || s.Log != "" {
						t.Errorf("%s: %s (log %q), want an error that did not run", s.Name, s.Verdict, s.Log)
					}
				}
			}
		})
	}
}
