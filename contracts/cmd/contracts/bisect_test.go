package main

// End-to-end tests of bisect, through the CLI on the example ecosystem's
// Core history with real git, pip and pytest (see
// contracts/examples/README.md for the history and its culprits).

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
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
func demoBisect(t *testing.T, args ...string) (int, string, string, *bisect.Result, string) {
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
	return code, stdout, stderr, doc.Bisect, out
}

func downstreamOf(t *testing.T, b *bisect.Result, name string) bisect.Downstream {
	t.Helper()
	i := slices.IndexFunc(b.Downstreams, func(d bisect.Downstream) bool { return d.Name == name })
	if i < 0 {
		t.Fatalf("no bisection for %s", name)
	}
	return b.Downstreams[i]
}

// testsOf are the ids of a culprit's broken tests, sorted.
func testsOf(c bisect.Culprit) []string {
	var out []string
	for _, b := range c.Broken {
		out = append(out, b.ID)
	}
	slices.Sort(out)
	return out
}

// checkCulprits compares a downstream's culprits with what the examples
// say: each commit (by id), the merge it came in, exactly its tests, with
// messages, author, date and subject, and its probe's JUnit report.
func checkCulprits(t *testing.T, d bisect.Downstream, want []examples.Culprit, out string) {
	t.Helper()
	ids := commitsByID(t)
	if len(d.Culprits) != len(want) {
		t.Fatalf("%s: %d culprits %+v, want %d: %+v", d.Name, len(d.Culprits), d.Culprits, len(want), want)
	}
	for i, w := range want {
		c := d.Culprits[i]
		merge := ""
		if c.Merge != nil {
			merge = c.Merge.SHA
		}
		if c.Status != bisect.Found || c.Commit == nil || c.Commit.SHA != ids[w.Commit] || merge != ids[w.Merge] {
			t.Errorf("%s culprit %d: %s %+v in %+v, want %s in %q", d.Name, i+1, c.Status, c.Commit, c.Merge, w.Commit, w.Merge)
			continue
		}
		if got := testsOf(c); !slices.Equal(got, w.Tests) {
			t.Errorf("%s: %s broke %v, want exactly %v", d.Name, w.Commit, got, w.Tests)
		}
		if c.Commit.Author == "" || c.Commit.Date == "" || c.Commit.Subject == "" || slices.ContainsFunc(c.Broken, func(b compare.Case) bool { return b.Message == "" }) {
			t.Errorf("%s: culprit %+v, broken %+v: want author, date, subject and the broken tests with messages", d.Name, c.Commit, c.Broken)
		}
		suites, err := gojunit.IngestFile(filepath.Join(out, c.Report))
		if err != nil || len(suites) != 1 || suites[0].Totals.Failed == 0 || suites[0].Properties["bisect.commit"] != c.Commit.SHA {
			t.Errorf("%s: culprit probe's JUnit %s: %+v, %v", d.Name, c.Report, suites, err)
		}
	}
}

// TestBisectFindsEveryCulprit: v1.2.0..v2.0.0 holds three breaking
// commits: store's first inside a merged pull request and its second on
// the first-parent path, pipeline's inside another pull request; and one
// commit Core cannot be built at. Every culprit is found, with the merge
// that brought it and exactly the tests it broke, within
// k x (ceil(log2(commits)) + 2) probes; the terminal, summary.md and the
// probe lines name commits by short SHA and subject.
func TestBisectFindsEveryCulprit(t *testing.T) {
	ids := commitsByID(t)
	code, stdout, stderr, b, out := demoBisect(t)
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (culprits found)\n%s", code, stdout)
	}
	if b.Commits != 21 || b.FirstParent != 13 {
		t.Errorf("range: %d commits, %d first-parent; want 21 and 13", b.Commits, b.FirstParent)
	}
	for _, name := range []string{examples.Pipeline, examples.Store} {
		d := downstreamOf(t, b, name)
		want := examples.Culprits(name)
		checkCulprits(t, d, want, out)
		if bound := bisect.MaxProbes(len(want), b.FirstParent, b.Commits); d.Status != bisect.Found || d.Probes > bound || len(d.Flips) != 0 {
			t.Errorf("%s: %s, %d probes (bound %d), flips %+v", name, d.Status, d.Probes, bound, d.Flips)
		}
		// The search's first probe is the middle of the first-parent path:
		// the commit Core cannot be built at, skipped.
		unbuildable := ids[examples.Unbuildable()[0]]
		if !slices.ContainsFunc(d.Skipped, func(c bisect.Commit) bool { return c.SHA == unbuildable }) {
			t.Errorf("%s skipped %+v, want the unbuildable commit %s", name, d.Skipped, unbuildable[:7])
		}
		for _, c := range d.Culprits {
			if !strings.Contains(stdout, c.Commit.Short+" "+c.Commit.Subject) || !strings.Contains(stdout, name+": "+c.Commit.Short+" broke") {
				t.Errorf("the terminal does not name %s's culprit %s:\n%s", name, c.Commit.Short, stdout)
			}
			probe := fmt.Sprintf("%-14s start  core %s %s\n", name, c.Commit.Short, c.Commit.Subject)
			if !strings.Contains(stderr, probe) {
				t.Errorf("no probe line %q:\n%s", probe, stderr)
			}
		}
	}
	if d := downstreamOf(t, b, examples.Orchestrator); d.Status != bisect.NotBroken || d.Probes != 0 || len(examples.Culprits(examples.Orchestrator)) != 0 {
		t.Errorf("orchestrator: %s with %d probes, want not-broken and no probe", d.Status, d.Probes)
	}
	if probes := regexp.MustCompile(`start  core [0-9a-f]{40}`).FindString(stderr); probes != "" {
		t.Errorf("a probe line names a 40-hex ref: %q", probes)
	}
	md := readFile(t, filepath.Join(out, "summary.md"))
	for _, want := range []string{"## Bisect v1.2.0..v2.0.0", "RateAdjustment: rename scale\\_factor to scale", "typo guard", "Dana Müller-Łukasik", "### store: what `" + ids["known-sources"][:7] + "` broke"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	if !strings.Contains(stdout, "BISECTED v1.2.0..v2.0.0: pipeline at "+ids["rename-scale"][:7]+", store at "+ids["strict"][:7]+" and "+ids["known-sources"][:7]) {
		t.Errorf("headline:\n%s", stdout)
	}
}

// TestBisectIgnoresTestsFailingAtGood: from v2.0.0b1, one of store's
// tests already fails (the strict commit is before it); it moves no
// search, and the two store tests that break later are attributed to the
// commit that broke them; pipeline's culprit is found as from v1.2.0.
func TestBisectIgnoresTestsFailingAtGood(t *testing.T) {
	ids := commitsByID(t)
	code, stdout, _, b, _ := demoBisect(t, "--good", "v2.0.0b1", "--bad", "v2.0.0")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", code, stdout)
	}
	store := examples.Culprits(examples.Store)
	if d := downstreamOf(t, b, "store"); len(d.Culprits) != 1 || d.Culprits[0].Commit.SHA != ids["known-sources"] || !slices.Equal(testsOf(d.Culprits[0]), store[len(store)-1].Tests) {
		t.Errorf("store: %s %+v", d.Status, d.Culprits)
	}
	if d := downstreamOf(t, b, "pipeline"); len(d.Culprits) != 1 || d.Culprits[0].Commit.SHA != ids["rename-scale"] {
		t.Errorf("pipeline: %s %+v", d.Status, d.Culprits)
	}
}

// TestBisectAlreadyBroken: from v2.0.0 to v3.0.0 store fails the same
// tests at both ends: already broken, not searched, nothing to bisect.
func TestBisectAlreadyBroken(t *testing.T) {
	code, stdout, _, b, _ := demoBisect(t, "--good", "v2.0.0", "--bad", "v3.0.0", "--only", "store")
	if d := downstreamOf(t, b, "store"); code != exitBroken || d.Status != bisect.AlreadyBroken || d.Probes != 0 {
		t.Errorf("exit %d, store: %s, %d probes; want exit 1, already-broken, not searched\n%s", code, d.Status, d.Probes, stdout)
	}
}

// TestBisectNothingBroken: when no downstream regresses between the ends,
// bisect exits 1 and says so.
func TestBisectNothingBroken(t *testing.T) {
	code, stdout, _, b, _ := demoBisect(t, "--good", "v1.1.0", "--bad", "v1.2.0")
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
			code, stdout, _, b, out := demoBisect(t, "--good", tc.good, "--bad", tc.bad)
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
