package host_test

// Hostile input to plan.Build and the runner: refs, repos and plan fields
// built to run commands or to write outside the runner's directories. No
// command may run (a marker file is never created), every suite must end
// with an error naming the bad value, and nothing may be written outside
// the work, output and cache directories.

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// sandbox is a directory tree for one hostile run: the runner's
// directories sit three levels below base, so any path that climbs out of
// them (with up to three "..") still lands inside base, where it is seen.
type sandbox struct {
	base, root        string
	work, out, cache  string
	marker, pwnScript string
}

func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "a", "b", "c")
	s := &sandbox{base: base, root: root, work: filepath.Join(root, "work"), out: filepath.Join(root, "out"),
		cache: filepath.Join(root, "cache"), marker: filepath.Join(base, "pwned")}
	bin := filepath.Join(base, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	// contracts-pwn, when found on PATH and run by anyone, creates the marker.
	s.pwnScript = "contracts-pwn"
	if err := os.WriteFile(filepath.Join(bin, s.pwnScript), []byte("#!/bin/sh\ntouch '"+s.marker+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	return s
}

func (s *sandbox) runner() *host.Runner {
	return host.New(host.Config{SystemSitePackages: true, Jobs: 4, CacheDir: s.cache, WorkDir: s.work, OutDir: s.out})
}

// check fails the test if the marker exists or anything under base lies
// outside the runner's directories (and the test's own files).
func (s *sandbox) check(t *testing.T, keep ...string) {
	t.Helper()
	if _, err := os.Stat(s.marker); err == nil {
		t.Errorf("a hostile value was executed: %s exists", s.marker)
	}
	allowed := append([]string{s.work, s.out, s.cache, filepath.Join(s.base, "bin")}, keep...)
	filepath.WalkDir(s.base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		for _, dir := range allowed {
			if path == dir || strings.HasPrefix(path, dir+string(filepath.Separator)) {
				return nil
			}
		}
		t.Errorf("written outside the runner's directories: %s", path)
		return nil
	})
}

// TestHostileRefsAndReposRunNothing: refs and repos that a shell, git's
// option parser or ssh would execute are refused or fail to resolve; each
// suite's error names its own bad value.
func TestHostileRefsAndReposRunNothing(t *testing.T) {
	sb := newSandbox(t)
	touch := "touch${IFS}" + sb.marker
	good := eco.Repos[examples.Orchestrator]
	hostile := []struct{ name, repo, ref, want string }{
		{"opt-ref", good, "--upload-pack=" + sb.pwnScript, `invalid ref "--upload-pack=` + sb.pwnScript + `"`},
		{"subst-ref", good, "$(" + touch + ")", `ref "$(` + touch + `)": not found`},
		{"semicolon-ref", good, ";" + touch, `ref ";` + touch + `": not found`},
		{"backtick-ref", good, "`" + sb.pwnScript + "`", "`" + sb.pwnScript + "`"},
		{"spaced-ref", good, "$(touch " + sb.marker + ")", "invalid ref"},
		{"climbing-ref", good, "../../etc", `invalid ref "../../etc"`},
		{"opt-repo", "--upload-pack=" + sb.pwnScript, "main", `invalid repo "--upload-pack=` + sb.pwnScript + `"`},
		{"helper-repo", "ext::" + sb.pwnScript, "main", `invalid repo "ext::` + sb.pwnScript + `"`},
		{"ssh-option-repo", "ssh://-oProxyCommand=" + sb.pwnScript + "/x", "main", "-oProxyCommand=" + sb.pwnScript},
		{"subst-repo", "$(" + touch + ")", "main", "$(" + touch + ")"},
	}
	m := exampleMatrix(t)
	m.Downstreams = nil
	for _, h := range hostile {
		m.Downstreams = append(m.Downstreams, matrix.Downstream{Name: h.name, Repo: h.repo, Ref: h.ref, Tests: matrix.DefaultTests, Timeout: matrix.DefaultTimeout})
	}
	r := sb.runner()
	defer r.Close()
	p, err := plan.Build(context.Background(), m, plan.Options{CoreRef: "v1.2.0", PipArgs: offline}, r.Resolver())
	if err != nil {
		t.Fatal(err)
	}
	got := byName(r.Run(context.Background(), jobsOf(p, "v1.2.0")))
	for _, h := range hostile {
		s := got[h.name]
		if s.Verdict != outcome.Error || !strings.Contains(s.Reason, h.want) {
			t.Errorf("%s: %s (%q), want an error naming %q", h.name, s.Verdict, s.Reason, h.want)
		}
	}
	sb.check(t)

	// The same values as the Core ref stop every suite.
	for _, h := range hostile[:6] {
		p, err := plan.Build(context.Background(), exampleMatrix(t), plan.Options{CoreRef: h.ref, PipArgs: offline}, r.Resolver())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Run(context.Background(), jobsOf(p, "hostile")) {
			if s.Verdict != outcome.Error || !strings.Contains(s.Reason, h.ref) {
				t.Errorf("core ref %q, %s: %s (%q), want an error naming the ref", h.ref, s.Name, s.Verdict, s.Reason)
			}
		}
	}
	sb.check(t)
}

// TestHostileJobFieldsStayInside: a plan or job whose names, cache key or
// paths climb out of the runner's directories (a plan is plain data, and
// not every plan comes from a validated matrix) runs nothing and writes
// nothing outside them.
func TestHostileJobFieldsStayInside(t *testing.T) {
	sb := newSandbox(t)
	victim := filepath.Join(sb.base, "a", "victim", "keep.txt")
	if err := os.MkdirAll(filepath.Dir(victim), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(victim, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := sb.runner()
	defer r.Close()
	m, err := exampleMatrix(t).Select([]string{examples.Orchestrator})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(context.Background(), m, plan.Options{CoreRef: "v1.2.0", PipArgs: offline}, r.Resolver())
	if err != nil {
		t.Fatal(err)
	}
	good := p.Suites[0]
	withStep := func(dir string) plan.Suite {
		s := good
		s.Steps = append([]plan.Step(nil), s.Steps...)
		s.Steps[0].Dir = dir
		return s
	}
	with := func(f func(*plan.Suite)) plan.Suite { s := good; f(&s); return s }
	cases := []struct {
		field string
		job   host.Job
	}{
		{"name", host.Job{CoreBuild: p.CoreBuild, Label: "l1", Suite: with(func(s *plan.Suite) { s.Name = "../../../escape" })}},
		{"label", host.Job{CoreBuild: p.CoreBuild, Label: "../../../escape", Suite: good}},
		{"downstream key", host.Job{CoreBuild: p.CoreBuild, Label: "l2", Suite: with(func(s *plan.Suite) { s.DownstreamKey = "../../../../victim" })}},
		{"tests", host.Job{CoreBuild: p.CoreBuild, Label: "l3", Suite: with(func(s *plan.Suite) { s.Tests = "../../../../../../victim" })}},
		{"report", host.Job{CoreBuild: p.CoreBuild, Label: "l4", Suite: with(func(s *plan.Suite) { s.Report = "../../../../../victim/keep.txt" })}},
		{"step dir", host.Job{CoreBuild: p.CoreBuild, Label: "l5", Suite: withStep("../../../escape")}},
		{"core build key", host.Job{CoreBuild: plan.CoreBuild{Key: "../../../victim", Steps: p.CoreBuild.Steps}, Label: "l6", Suite: good}},
		{"core build file", host.Job{CoreBuild: plan.CoreBuild{Key: p.CoreBuild.Key, Steps: p.CoreBuild.Steps, Files: []plan.File{{Path: "../../../victim/x.py"}}}, Label: "l7", Suite: good}},
	}
	var jobs []host.Job
	for _, c := range cases {
		jobs = append(jobs, c.job)
	}
	for i, s := range r.Run(context.Background(), jobs) {
		if s.Verdict != outcome.Error || !strings.Contains(s.Reason, "../") {
			t.Errorf("hostile %s: %s (%q), want an error naming the bad path", cases[i].field, s.Verdict, s.Reason)
		}
	}
	// Two jobs with one label and suite name would share a workspace.
	unresolved := with(func(s *plan.Suite) { s.Error = "planned with an error" })
	twins := r.Run(context.Background(), []host.Job{{Label: "l", Suite: unresolved}, {Label: "l", Suite: unresolved}})
	if twins[0].Reason != unresolved.Error || !strings.Contains(twins[1].Reason, "another job") {
		t.Errorf("twin jobs: %q and %q, want the plan's error and a refusal of the second", twins[0].Reason, twins[1].Reason)
	}
	// A file no layer writes would be missing where its step runs in the module.
	bogus := with(func(s *plan.Suite) { s.Files = append(slices.Clone(s.Files), plan.File{Path: "x.py", Layer: "bogus"}) })
	if got := r.Run(context.Background(), []host.Job{{CoreBuild: p.CoreBuild, Label: "l8", Suite: bogus}}); got[0].Verdict != outcome.Error || !strings.Contains(got[0].Reason, `unknown layer "bogus"`) {
		t.Errorf("a file in an unknown layer: %s (%q)", got[0].Verdict, got[0].Reason)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "precious" {
		t.Errorf("a file outside the runner's directories was removed or changed: %q, %v", b, err)
	}
	sb.check(t, filepath.Dir(victim))
}

// jobsOf makes one job per planned suite.
func jobsOf(p *plan.Plan, label string) []host.Job {
	var jobs []host.Job
	for _, s := range p.Suites {
		jobs = append(jobs, host.Job{Label: label, Suite: s, CoreBuild: p.CoreBuild})
	}
	return jobs
}
