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
// exactly their tests passes; one that misses store's second culprit,
// gives a culprit another's test, leaves store out or adds a downstream
// the examples do not have is a difference.
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
	// result is the examples' own bisection with store's culprits
	// replaced (absent: store left out), plus extra downstreams.
	result := func(store []bisect.Culprit, absent bool, extra ...string) *bisect.Result {
		b := &bisect.Result{}
		for _, d := range examples.Downstreams() {
			switch {
			case d != "store":
				b.Downstreams = append(b.Downstreams, bisect.Downstream{Name: d, Culprits: want(d)})
			case !absent:
				b.Downstreams = append(b.Downstreams, bisect.Downstream{Name: d, Culprits: store})
			}
		}
		for _, d := range extra {
			b.Downstreams = append(b.Downstreams, bisect.Downstream{Name: d})
		}
		return b
	}
	if len(want("store")) != 2 {
		t.Fatalf("the examples name %d culprits for store, this test expects 2", len(want("store")))
	}
	if diffs := expectCulprits("host", result(want("store"), false), shas); len(diffs) != 0 {
		t.Errorf("the examples' own culprits: %v", diffs)
	}
	s := want("store")
	for name, c := range map[string]struct {
		b    *bisect.Result
		want string
	}{
		"one short": {result(s[:1], false), "module: store has 1 culprits"},
		"swapped":   {result([]bisect.Culprit{s[1], s[0]}, false), "module: store culprit 1"},
		"absent":    {result(nil, true), "module: store is missing"},
		"extra":     {result(s, false, "ghost"), "module: the bisection has ghost"},
		"empty":     {&bisect.Result{}, "module: pipeline is missing"},
	} {
		if diffs := expectCulprits("module", c.b, shas); len(diffs) == 0 || !strings.HasPrefix(diffs[0], c.want) {
			t.Errorf("%s: %v, want first %q", name, diffs, c.want)
		}
	}
}

func TestConclusion(t *testing.T) {
	same, skipped, differs := row{}, row{skipped: "no git server"}, row{diffs: []string{"x"}}
	for _, c := range []struct {
		rows     []row
		failed   int
		required bool
		want     string
		code     int
	}{
		{[]row{same, same}, 0, false, "host and module agree", 0},
		{[]row{same, skipped}, 0, true, "agree on the 1 cases compared (1 not run)", 0},
		{[]row{same, differs}, 1, false, "1 of 2 cases differ", 1},
		{[]row{skipped, skipped}, 0, false, "nothing compared", 0},
		{[]row{skipped}, 0, true, "nothing compared", 1},
		{nil, 0, false, "nothing compared", 0},
	} {
		line, code := conclusion(c.rows, c.failed, c.required)
		if !strings.Contains(line, c.want) || code != c.code {
			t.Errorf("%d rows, %d failed, required %v: %q exit %d, want %q exit %d", len(c.rows), c.failed, c.required, line, code, c.want, c.code)
		}
	}
}

func TestSameReasonsNotes(t *testing.T) {
	host := "store: error\n  reason: fetch https://g/x.git: git fetch: exit status 128: fatal: unable to access\n"
	module := "store: error\n  reason: repository https://g/x.git not found or not readable: it does not exist (git exited 128)\n"
	if d, applied := sameReasons(host, module); len(d) != 0 || len(applied) != 1 || applied[0].name != engineGit.name {
		t.Errorf("engine git reasons: diffs %v, rules %v", d, applied)
	}
	plain := "x\n  reason: install downstream failed (exit 1)\n"
	if d, applied := sameReasons(plain, plain); len(d) != 0 || len(applied) != 0 {
		t.Errorf("plain reasons: diffs %v, rules %v", d, applied)
	}
}

func TestGitTrustKeepsTheSystemBundle(t *testing.T) {
	dir := t.TempDir()
	system, ca, bundle := filepath.Join(dir, "system.pem"), filepath.Join(dir, "ca.pem"), filepath.Join(dir, "bundle.pem")
	os.WriteFile(system, []byte("SYSTEM"), 0o644)
	os.WriteFile(ca, []byte("LOCAL\n"), 0o644)
	t.Setenv("GIT_SSL_CAINFO", "")
	t.Setenv("SSL_CERT_FILE", system)
	env, err := gitTrust(ca, bundle)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(bundle)
	if len(env) != 1 || env[0] != "GIT_SSL_CAINFO="+bundle || string(data) != "SYSTEM\nLOCAL\n" {
		t.Errorf("env %v, bundle %q", env, data)
	}
}
