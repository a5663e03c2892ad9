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

// historyWorld is a fake engine with a Core history c1..c8 after the good
// ref: c5 breaks pipeline; c3 cannot be built; orchestrator never breaks.
type historyWorld struct {
	e       *enginetest.Engine
	commits []bisect.Commit
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
	for i := 1; i <= 8; i++ {
		sha := fakeSHA(coreURL, fmt.Sprintf("c%d", i))
		parent := fakeSHA(coreURL, fmt.Sprintf("c%d", i-1))
		if i == 1 {
			parent = fakeSHA(coreURL, goodRef)
		}
		w.commits = append(w.commits, bisect.Commit{SHA: sha, Short: sha[:7], Subject: fmt.Sprintf("c%d", i), Author: "Ana", Date: "2025-10-0" + fmt.Sprint(i) + "T12:00:00Z", Parents: []string{parent}})
	}
	w.e = enginetest.Use(t, w.resolve)
	return w
}

// index is the position of a Core commit in the history (0 for good).
func (w *historyWorld) index(sha string) int {
	for i, c := range w.commits {
		if c.SHA == sha {
			return i + 1
		}
	}
	return 0
}

func (w *historyWorld) resolve(c enginetest.Chain) (any, error) {
	leaf := c.Leaf().Name
	switch {
	case c[0].Name == "file":
		return fileResolver(c)
	case c.Has("git", "ref", "commit"):
		if c[1].Str("name") == badRef {
			return w.commits[len(w.commits)-1].SHA, nil
		}
		return fakeSHA(c[0].Str("url"), c[1].Str("name")), nil
	case c.Has("git", "commit", "commit"):
		return c[1].Str("id"), nil
	case leaf == "stdout":
		return w.git(c)
	case leaf == "entries":
		core := coreOfBuild(w.e, c)
		if w.index(core) == 3 {
			return nil, enginetest.ExecError([]string{"timeout", "python", ".contracts/build_core.py"}, 1, "", "tomllib.TOMLDecodeError: Unclosed array (at line 2, column 1)\n")
		}
		return []string{testWheel}, nil
	case leaf == "exitCode" || leaf == "size" || leaf == "contents":
		failing := suiteOf(c) == "pipeline" && w.index(coreOfBuild(w.e, mountOf(w.e, c, wheelMount))) >= 5
		xml := junitXML(suiteOf(c), failing)
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
// that one.
func (w *historyWorld) git(c enginetest.Chain) (any, error) {
	execs := c.Index("withExec")
	argv := c[execs[len(execs)-1]].Strings("args")
	w.gitArgs = append(w.gitArgs, argv)
	rng := argv[len(argv)-1]
	known := map[string]bool{fakeSHA(coreURL, goodRef): true}
	mounted := mountOf(w.e, c, "/src")
	for i := 0; i < w.index(mounted[1].Str("id")); i++ {
		known[w.commits[i].SHA] = true
	}
	for _, rev := range strings.Split(strings.TrimSuffix(rng, "^{commit}"), "..") {
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
		if strings.HasPrefix(rng, w.commits[len(w.commits)-1].SHA+"..") {
			return "", nil // bad..good: good is an ancestor of bad
		}
		for _, cm := range w.commits {
			b.WriteString(cm.SHA + "\n")
		}
		return b.String(), nil
	}
	commits := w.commits
	if slices.Contains(argv, "-1") {
		commits = []bisect.Commit{{SHA: rng, Short: rng[:7], Subject: "good", Author: "Ana", Date: "2025-10-01T12:00:00Z"}}
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
// names pipeline's first bad commit; orchestrator is not broken.
func TestBisect(t *testing.T) {
	w := newHistoryWorld(t)
	printed := captureTable(t)
	table, err := newModule(t).Bisect(context.Background(), goodRef, badRef, dag.File("m.yaml", testMatrix), []string{"pipeline", "orchestrator"}, true, "", nil)
	if err != nil {
		t.Fatalf("bisect: %v\n%s", err, printed)
	}
	for _, want := range []string{"BISECT v1.0.0..v2.0.0", "pipeline      found", w.commits[4].Short + " c5 (Ana, 2025-10-05)", "orchestrator  not-broken", "BISECTED v1.0.0..v2.0.0: pipeline at " + w.commits[4].Short} {
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
	// good and bad, then at most log2(8) probes and the skipped commit.
	if len(builds) > 2+3+1 {
		t.Errorf("%d Core commits built, want at most 6", len(builds))
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
		if !tree.Has("git", "commit", "tree") || tree[1].Str("id") != w.commits[7].SHA || fmt.Sprint(tree[2].Arg("depth")) != fmt.Sprint(historyDepth) {
			t.Errorf("history from %s, want git(core).commit(bad).tree(depth: all)", tree)
		}
	}
}

// TestBisectRunReports: the reports of a bisection carry it (summary.json's
// bisect key, the culprit probe's JUnit), and from-reports reads it back.
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
	if d.Status != bisect.Found || d.Culprit.SHA != w.commits[4].SHA || d.Report != report.SuiteReport(report.BisectLabel, "pipeline") {
		t.Errorf("pipeline: %+v", d)
	}
	if _, ok := files[d.Report]; !ok {
		t.Errorf("no culprit probe report %s", d.Report)
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
	why := "v2.0.0 (" + w.commits[7].Short + ") is not in v1.0.0's history, so not an ancestor of it"
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
