package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// historyWorld is a fake engine with a Core history after the good ref:
// on the first-parent path c1, c2, m3 (merging the pull request p1, p2,
// p3 forked from c2), c4 .. c8. Two commits break pipeline, each its own
// test: p2 (inside the pull request) breaks test_scale, c6 (on the
// first-parent path) breaks test_levels; test_ok never breaks; c4 cannot
// be built; orchestrator never breaks.
type historyWorld struct {
	e *enginetest.Engine
	// mainline is the first-parent path (bad last); pr the pull request
	// m3 merged.
	mainline, pr []bisect.Commit
	// gitArgs records the git commands the history container ran.
	gitArgs [][]string
	// failLog makes git log fail, as a broken history would.
	failLog bool
}

const (
	goodRef = "v1.0.0"
	badRef  = "v2.0.0"
)

func newHistoryWorld(t *testing.T) *historyWorld {
	w := &historyWorld{}
	commit := func(name string, day int, parents ...string) bisect.Commit {
		sha := fakeSHA(coreURL, name)
		c := bisect.Commit{SHA: sha, Short: sha[:7], Subject: name, Author: "Ana", Date: fmt.Sprintf("2025-10-%02dT12:00:00Z", day)}
		for _, p := range parents {
			c.Parents = append(c.Parents, fakeSHA(coreURL, p))
		}
		return c
	}
	w.pr = []bisect.Commit{commit("p1", 3, "c2"), commit("p2", 4, "p1"), commit("p3", 5, "p2")}
	for i, name := range []string{"c1", "c2", "m3", "c4", "c5", "c6", "c7", "c8"} {
		parents := []string{goodRef}
		if i > 0 {
			parents = []string{w.mainline[i-1].Subject}
		}
		if name == "m3" {
			parents = append(parents, "p3")
		}
		w.mainline = append(w.mainline, commit(name, 10+i, parents...))
	}
	w.e = enginetest.Use(t, w.resolve)
	return w
}

// byName is a commit of the history by its subject.
func (w *historyWorld) byName(name string) bisect.Commit {
	for _, c := range append(slices.Clone(w.mainline), w.pr...) {
		if c.Subject == name {
			return c
		}
	}
	panic("no commit " + name)
}

// index is the position of a Core commit on the first-parent path (1 for
// c1; 0 for good and anything else); a pull request commit has its
// merge's.
func (w *historyWorld) index(sha string) int {
	for i, c := range w.mainline {
		if c.SHA == sha {
			return i + 1
		}
	}
	if slices.ContainsFunc(w.pr, func(c bisect.Commit) bool { return c.SHA == sha }) {
		return 3
	}
	return 0
}

// broken says whether pipeline's test fails with Core at sha.
func (w *historyWorld) broken(test, sha string) bool {
	switch test {
	case "test_scale": // from p2 on
		return sha == w.byName("p2").SHA || sha == w.byName("p3").SHA || w.index(sha) >= 3 && !slices.ContainsFunc(w.pr, func(c bisect.Commit) bool { return c.SHA == sha })
	case "test_levels": // from c6 on
		return w.index(sha) >= 6
	}
	return false
}

// suiteXML is a suite's JUnit report with Core at sha.
func (w *historyWorld) suiteXML(suite, sha string) (string, bool) {
	var cases []string
	failures := 0
	for _, test := range []string{"test_scale", "test_levels", "test_ok"} {
		body := ""
		if suite == "pipeline" && w.broken(test, sha) {
			body = fmt.Sprintf(`<failure message="AssertionError: %s broke">tests/contracts/test_rates.py:12: AssertionError</failure>`, test)
			failures++
		}
		cases = append(cases, fmt.Sprintf(`<testcase classname="tests.contracts.test_rates" name=%q time="0.1">%s</testcase>`, test, body))
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name=%q errors="0" failures="%d" skipped="0" tests="3" time="0.3">
%s
</testsuite></testsuites>`, suite, failures, strings.Join(cases, "\n")), failures > 0
}

func (w *historyWorld) resolve(c enginetest.Chain) (any, error) {
	leaf := c.Leaf().Name
	switch {
	case c[0].Name == "file":
		return fileResolver(c)
	case c.Has("git", "ref", "commit"):
		if c[1].Str("name") == badRef {
			return w.mainline[len(w.mainline)-1].SHA, nil
		}
		return fakeSHA(c[0].Str("url"), c[1].Str("name")), nil
	case c.Has("git", "commit", "commit"):
		return c[1].Str("id"), nil
	case leaf == "stdout":
		return w.git(c)
	case leaf == "entries":
		core := coreOfBuild(w.e, c)
		if core == w.byName("c4").SHA {
			return nil, enginetest.ExecError([]string{"timeout", "python", ".contracts/build_core.py"}, 1, "", "tomllib.TOMLDecodeError: Unclosed array (at line 2, column 1)\n")
		}
		return []string{testWheel}, nil
	case leaf == "exitCode" || leaf == "size" || leaf == "contents":
		xml, failing := w.suiteXML(suiteOf(c), coreOfBuild(w.e, mountOf(w.e, c, wheelMount)))
		return map[string]any{"exitCode": map[bool]int{true: 1}[failing], "size": len(xml), "contents": xml}[leaf], nil
	case leaf == "exists":
		return true, nil
	case leaf == "combinedOutput":
		return "pytest output of " + suiteOf(c) + "\n", nil
	}
	return passingSuite(c)
}

// coreOfBuild is the Core commit a build chain mounted.
func coreOfBuild(e *enginetest.Engine, build enginetest.Chain) string {
	tree := mountOf(e, build, "/work/core")
	if len(tree) < 2 {
		return ""
	}
	return tree[1].Str("id")
}

// git answers the history container's git log and rev-list as git would
// in a checkout of the mounted commit: it knows good and the commits up to
// that one (a pull request's once its merge is there).
func (w *historyWorld) git(c enginetest.Chain) (any, error) {
	execs := c.Index("withExec")
	argv := c[execs[len(execs)-1]].Strings("args")
	w.gitArgs = append(w.gitArgs, argv)
	rng := argv[len(argv)-1]
	known := map[string]bool{fakeSHA(coreURL, goodRef): true}
	mounted := w.index(mountOf(w.e, c, "/src")[1].Str("id"))
	for i, cm := range w.mainline {
		known[cm.SHA] = i < mounted
	}
	for _, cm := range w.pr {
		known[cm.SHA] = mounted >= 3
	}
	for _, rev := range strings.Split(strings.TrimSuffix(rng, "^{commit}"), "..") {
		rev = strings.TrimSuffix(strings.TrimSuffix(rev, "^1"), "^2")
		if len(rev) == 40 && !known[rev] {
			return nil, enginetest.ExecError(argv, 128, "", "fatal: bad revision '"+rng+"'\n")
		}
	}
	if w.failLog && argv[5] == "log" {
		return nil, enginetest.ExecError(argv, 128, "", "fatal: your current branch appears to be broken\n")
	}
	if slices.Contains(argv, "--no-walk") {
		return rng + "\n", nil
	}
	if i := slices.Index(argv, "rev-list"); i >= 0 {
		var b strings.Builder
		if strings.HasPrefix(rng, w.mainline[len(w.mainline)-1].SHA+"..") {
			return "", nil // bad..good: good is an ancestor of bad
		}
		for _, cm := range append(slices.Clone(w.mainline), w.pr...) {
			b.WriteString(cm.SHA + "\n")
		}
		return b.String(), nil
	}
	commits := w.mainline
	switch {
	case slices.Contains(argv, "-1"):
		commits = []bisect.Commit{{SHA: rng, Short: rng[:7], Subject: "good", Author: "Ana", Date: "2025-10-01T12:00:00Z"}}
	case strings.HasSuffix(rng, "^2"):
		if m3 := w.byName("m3"); rng != m3.SHA+"^1.."+m3.SHA+"^2" {
			return nil, enginetest.ExecError(argv, 128, "", "fatal: bad revision '"+rng+"'\n")
		}
		commits = w.pr
	}
	var b strings.Builder
	for _, cm := range commits {
		fmt.Fprintf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1e\n", cm.SHA, cm.Author, cm.Date, strings.Join(cm.Parents, " "), cm.Subject)
	}
	return b.String(), nil
}

// TestBisect: the module confirms at both ends, searches the history that
// git printed in a container holding Core's repository, probes each Core
// commit once (built once), skips the commit that cannot be built, and
// names both commits that broke pipeline, each with its test: p2 inside
// the pull request m3 merged, c6 on the first-parent path; orchestrator
// is not broken.
func TestBisect(t *testing.T) {
	w := newHistoryWorld(t)
	printed := captureTable(t)
	table, err := newModule(t).Bisect(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"pipeline", "orchestrator"}, true, "", nil)
	if err != nil {
		t.Fatalf("bisect: %v\n%s", err, printed)
	}
	p2, m3, c6 := w.byName("p2"), w.byName("m3"), w.byName("c6")
	for _, want := range []string{
		"BISECT v1.0.0..v2.0.0", "pipeline      found", p2.Short + " p2 (Ana, 2025-10-04), in " + m3.Short + " m3", c6.Short + " c6 (Ana, 2025-10-15)",
		"orchestrator  not-broken", "pipeline: " + p2.Short + " broke 1 test\n  tests.contracts.test_rates::test_scale\n",
		"pipeline: " + c6.Short + " broke 1 test\n  tests.contracts.test_rates::test_levels\n",
		"BISECTED v1.0.0..v2.0.0: pipeline at " + p2.Short + " and " + c6.Short,
	} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	builds := map[string]int{}
	for _, c := range w.e.Leaves("entries") {
		builds[coreOfBuild(w.e, c)]++
	}
	for sha, n := range builds {
		if n != 1 {
			t.Errorf("Core %s built %d times", sha[:7], n)
		}
	}
	// good and bad, then the probes: within the bound for 2 culprits in 11
	// commits, 8 on the first-parent path.
	if bound := bisect.MaxProbes(2, 8, 11); len(builds) > 2+bound {
		t.Errorf("%d Core commits built, want at most %d", len(builds), 2+bound)
	}
	if len(w.gitArgs) == 0 {
		t.Fatal("no git ran in a container")
	}
	for _, argv := range w.gitArgs {
		if !slices.Equal(argv[:5], []string{"git", "-c", "safe.directory=*", "-C", "/src"}) || (argv[5] != "log" && argv[5] != "rev-list") {
			t.Errorf("history ran %q", argv)
		}
	}
	for _, c := range w.e.Leaves("stdout") {
		tree := mountOf(w.e, c, "/src")
		if !tree.Has("git", "commit", "tree") || tree[1].Str("id") != w.mainline[7].SHA || fmt.Sprint(tree[2].Arg("depth")) != fmt.Sprint(historyDepth) {
			t.Errorf("history from %s, want git(core).commit(bad).tree(depth: all)", tree)
		}
	}
}

// TestBisectRunReports: the reports of a bisection carry it (summary.json's
// bisect key with pipeline's two culprits and exactly their tests, each
// culprit probe's JUnit report, the logs of every run), from-reports reads
// it back, and the GitHub outputs name the culprits.
func TestBisectRunReports(t *testing.T) {
	w := newHistoryWorld(t)
	run, err := newModule(t).BisectRun(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"pipeline"}, true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, files := reportsOf(t, w.e, run)
	if res.Bisect == nil || len(res.Bisect.Downstreams) != 1 {
		t.Fatalf("reports hold no bisection: %+v", res.Bisect)
	}
	d := res.Bisect.Downstreams[0]
	p2, m3, c6 := w.byName("p2"), w.byName("m3"), w.byName("c6")
	if d.Status != bisect.Found || len(d.Culprits) != 2 {
		t.Fatalf("pipeline: %+v", d)
	}
	for i, want := range []struct {
		commit, merge bisect.Commit
		test          string
	}{{p2, m3, "tests.contracts.test_rates::test_scale"}, {c6, bisect.Commit{}, "tests.contracts.test_rates::test_levels"}} {
		c := d.Culprits[i]
		merge := ""
		if c.Merge != nil {
			merge = c.Merge.SHA
		}
		if c.Commit.SHA != want.commit.SHA || merge != want.merge.SHA || len(c.Broken) != 1 || c.Broken[0].ID != want.test || c.Report != report.BisectReport("pipeline", want.commit) {
			t.Errorf("culprit %d: %+v in %+v, broken %+v, report %s; want %s in %q breaking %s", i+1, c.Commit, c.Merge, c.Broken, c.Report, want.commit.Subject, want.merge.Subject, want.test)
		}
		if _, ok := files[c.Report]; !ok {
			t.Errorf("no culprit probe report %s", c.Report)
		}
	}
	if d.Probes > bisect.MaxProbes(2, res.Bisect.FirstParent, res.Bisect.Commits) || res.Bisect.Commits != 11 {
		t.Errorf("%d probes over %d commits", d.Probes, res.Bisect.Commits)
	}
	for _, r := range append(res.Baselines, res.Runs...) {
		for _, s := range r.Suites {
			if _, ok := files[s.Log]; s.Log == "" || !ok {
				t.Errorf("%s at %s: log %q not in the reports (the endpoints' logs must be named in summary.json)", s.Name, r.Label, s.Log)
			}
		}
	}
	if run.ExitCode != 0 {
		t.Errorf("exit code %d with a culprit found", run.ExitCode)
	}
	if want := "culprits=pipeline@" + p2.Short + ",pipeline@" + c6.Short + "\n"; !strings.Contains(run.Outputs, want) {
		t.Errorf("step outputs lack %q:\n%s", want, run.Outputs)
	}
	if !strings.Contains(run.Commands, "::notice title=bisect%3A pipeline broken by "+p2.Short) {
		t.Errorf("workflow commands lack the culprit notice:\n%s", run.Commands)
	}
}

// TestBisectNothingToFind: when no downstream regresses the bisection
// fails with one line saying so.
func TestBisectNothingToFind(t *testing.T) {
	newHistoryWorld(t)
	captureTable(t)
	_, err := newModule(t).Bisect(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"orchestrator"}, true, "", nil)
	if err == nil || !strings.Contains(err.Error(), "NOTHING TO BISECT") {
		t.Errorf("err = %v", err)
	}
}

// TestBisectRefusesANonAncestor: a --good outside --bad's history is
// refused before any suite runs, with reports saying why (every suite an
// error, summary.json's bisect.error) and exit code 1, as the CLI does.
func TestBisectRefusesANonAncestor(t *testing.T) {
	w := newHistoryWorld(t)
	run, err := newModule(t).BisectRun(context.Background(), badRef, goodRef, dag.File("m.yaml", testMatrix), []string{"pipeline"}, true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// The history holds only bad's ancestry: git does not know good there.
	why := "v2.0.0 (" + w.mainline[7].Short + ") is not in v1.0.0's history, so not an ancestor of it"
	if _, err := run.Check(); run.ExitCode != 1 || err == nil || !strings.Contains(err.Error(), why) {
		t.Errorf("exit %d, check %v; want 1 and an error saying %q", run.ExitCode, err, why)
	}
	res, _ := reportsOf(t, w.e, run)
	if res.Bisect == nil || !strings.Contains(res.Bisect.Error, why) {
		t.Errorf("reports' bisection: %+v", res.Bisect)
	}
	for _, r := range append(res.Baselines, res.Runs...) {
		for _, s := range r.Suites {
			if s.Verdict != outcome.Error || !strings.Contains(s.Reason, why) {
				t.Errorf("%s at %s: %s %q, want an error saying why it did not run", s.Name, r.Label, s.Verdict, s.Reason)
			}
		}
	}
	if q := w.e.Leaves("exitCode"); len(q) > 0 {
		t.Errorf("suites ran: %s", q[0])
	}
}

// TestBisectSearchFails: when the history cannot be read after the runs at
// both ends, the reports still hold those runs and a bisection that says
// why the search failed, and the run fails with that reason.
func TestBisectSearchFails(t *testing.T) {
	w := newHistoryWorld(t)
	w.failLog = true
	run, err := newModule(t).BisectRun(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"pipeline"}, true, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 1 || !strings.HasPrefix(run.Failure, "bisect failed: ") || !strings.Contains(run.Failure, "your current branch appears to be broken") {
		t.Errorf("exit %d, failure %q", run.ExitCode, run.Failure)
	}
	res, _ := reportsOf(t, w.e, run)
	if res.Bisect == nil || !strings.Contains(res.Bisect.Error, "broken") || len(res.Runs) != 1 || len(res.Baselines) != 1 {
		t.Errorf("reports: bisect %+v, %d runs, %d baselines", res.Bisect, len(res.Runs), len(res.Baselines))
	}
	if !strings.Contains(run.Summary, "BISECT FAILED") {
		t.Errorf("summary:\n%s", run.Summary)
	}
}

func TestBisectRefusesBadRefs(t *testing.T) {
	e := enginetest.Use(t, fileResolver)
	if _, err := newModule(t).BisectRun(context.Background(), "--upload-pack=x", badRef, nil, nil, true, "", nil); err == nil || !strings.Contains(err.Error(), "--good") {
		t.Errorf("err = %v", err)
	}
	for _, q := range e.Queries() {
		if q.Chain[0].Name == "git" || q.Chain[0].Name == "container" {
			t.Errorf("work started: %s", q.Chain)
		}
	}
}
