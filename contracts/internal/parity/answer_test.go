package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// writeRun writes the reports of a one-suite run with the report package,
// as both runners do, and returns the directory.
func writeRun(t *testing.T, repo, sha string, cases ...junit.Case) string {
	t.Helper()
	core := plan.Source{Name: "market-data-core", Repo: repo + "/core", Ref: "v2.0.0", SHA: sha}
	s := outcome.Suite{Name: "store", Core: core, Downstream: plan.Source{Name: "store", Repo: repo + "/store", Ref: "main", SHA: sha},
		Verdict: outcome.Passed, Cases: cases, Counts: junit.Count(cases), Duration: time.Duration(len(repo)) * time.Second}
	for _, c := range cases {
		if c.Status == junit.StatusFailed {
			s.Verdict = outcome.Failed
		}
	}
	res := &report.Result{Version: report.Version, Started: time.Now(), Finished: time.Now(), Runs: []report.Run{{Core: core, Suites: []outcome.Suite{s}}}}
	dir := t.TempDir()
	if err := report.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	return dir
}

func tc(name string, st junit.Status) junit.Case {
	return junit.Case{Classname: "tests.contracts.test_x", Name: name, Status: st}
}

func TestAnswersAgreeAndDiffer(t *testing.T) {
	sha1, sha2 := strings.Repeat("a", 40), strings.Repeat("b", 40)
	host := writeRun(t, "/host/eco", sha1, tc("test_a", junit.StatusPassed), tc("test_b", junit.StatusPassed))
	sameButSources := writeRun(t, "examples", sha2, tc("test_a", junit.StatusPassed), tc("test_b", junit.StatusPassed))
	oneCaseFails := writeRun(t, "examples", sha2, tc("test_a", junit.StatusPassed), tc("test_b", junit.StatusFailed))
	load := func(dir string, rules ...rule) answer {
		a, err := loadAnswer(dir, newNormalizer(rules...))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}

	if d := diff(load(host), load(sameButSources), 20); len(d) == 0 {
		t.Error("different repos and SHAs compared equal without the demo-sources rule")
	}
	n := newNormalizer(demoSources)
	if _, err := loadAnswer(sameButSources, n); err != nil {
		t.Fatal(err)
	}
	if d := diff(load(host, demoSources), load(sameButSources, demoSources), 20); len(d) != 0 {
		t.Errorf("the same answer from other sources differs: %v", d)
	}
	if len(n.applied()) != 1 {
		t.Errorf("rules applied: %v, want demo sources", n.applied())
	}
	d := diff(load(host, demoSources), load(oneCaseFails, demoSources), 20)
	joined := strings.Join(d, "\n")
	for _, want := range []string{"cases[tests.contracts.test_x::test_b]", `"passed"`, `"failed"`, ".verdict", "exit_code"} {
		if !strings.Contains(joined, want) {
			t.Errorf("a failing case is not reported (%s missing):\n%s", want, joined)
		}
	}
}

func TestDiffLimitAndMissingKeys(t *testing.T) {
	h := answer{"a": "1", "b": "2", "c": "3"}
	m := answer{"a": "1", "b": "x", "d": "4"}
	d := diff(h, m, 2)
	if len(d) != 3 || !strings.Contains(d[0], `b: host "2", module "x"`) || !strings.Contains(d[1], "c: host") || d[2] != "... and 1 more" {
		t.Errorf("diff = %q", d)
	}
}

func TestEngineGitRule(t *testing.T) {
	host := `core market-data-core: ref "main": fetch https://git.example/x.git: git fetch: exit status 128: fatal: unable to access 'https://git.example/x.git/': Could not resolve host: git.example`
	module := `core market-data-core: ref "main": repository https://git.example/x.git not found or not readable: it does not exist, is private (give the module --token) or cannot be reached (git exited 128)`
	n := newNormalizer(engineGit)
	if h, m := n.text(host), n.text(module); h != m || !strings.Contains(h, "https://git.example/x.git unreachable") {
		t.Errorf("host %q\nmodule %q", h, m)
	}
	if got := n.text("install downstream failed (exit 1)"); got != "install downstream failed (exit 1)" {
		t.Errorf("an unrelated reason was rewritten: %q", got)
	}
}

func TestReadOutputs(t *testing.T) {
	dir := t.TempDir()
	heredoc := filepath.Join(dir, "h")
	plain := filepath.Join(dir, "p")
	os.WriteFile(heredoc, []byte("failed<<ghadelimiter_1\npipeline,store\nghadelimiter_1\npassed<<ghadelimiter_2\n\nghadelimiter_2\n"), 0o644)
	os.WriteFile(plain, []byte("failed=pipeline,store\npassed=\n"), 0o644)
	if h, p := readOutputs(heredoc), readOutputs(plain); !mapsEqual(h, p) || h["failed"] != "pipeline,store" {
		t.Errorf("heredoc %v, plain %v", h, p)
	}
}

// TestExpectCulprits: a bisection that names the examples' culprits with
// exactly their tests passes; one that misses store's second culprit, or
// gives a culprit another's test, is a difference.
func TestExpectCulprits(t *testing.T) {
	shas := map[string]string{}
	for i, id := range []string{"strict", "merge-42", "known-sources", "rename-scale", "merge-43"} {
		shas[id] = strings.Repeat(fmt.Sprint(i+1), 40)
	}
	commit := func(id string) *bisect.Commit {
		return &bisect.Commit{SHA: shas[id], Short: shas[id][:7]}
	}
	culprit := func(id, merge string, tests []string) bisect.Culprit {
		c := bisect.Culprit{Status: bisect.Found, Commit: commit(id)}
		if merge != "" {
			c.Merge = commit(merge)
		}
		for _, test := range tests {
			c.Broken = append(c.Broken, compare.Case{ID: test})
		}
		return c
	}
	want := func(d string) []bisect.Culprit {
		var out []bisect.Culprit
		for _, c := range examples.Culprits(d) {
			out = append(out, culprit(c.Commit, c.Merge, c.Tests))
		}
		return out
	}
	good := &bisect.Result{Downstreams: []bisect.Downstream{{Name: "pipeline", Culprits: want("pipeline")}, {Name: "store", Culprits: want("store")}, {Name: "orchestrator"}}}
	if diffs := expectCulprits("host", good, shas); len(diffs) != 0 {
		t.Errorf("the examples' own culprits: %v", diffs)
	}
	missing := &bisect.Result{Downstreams: []bisect.Downstream{{Name: "store", Culprits: want("store")[:1]}}}
	swapped := &bisect.Result{Downstreams: []bisect.Downstream{{Name: "store", Culprits: []bisect.Culprit{want("store")[1], want("store")[0]}}}}
	for name, b := range map[string]*bisect.Result{"missing": missing, "swapped": swapped} {
		if diffs := expectCulprits("module", b, shas); len(diffs) == 0 || !strings.HasPrefix(diffs[0], "module: store") {
			t.Errorf("%s: %v", name, diffs)
		}
	}
}
