package host_test

// Integration tests: the host runner for real (git, venv, pip, pytest) on
// the bundled example ecosystem. They need git and a python3 that can import
// pytest and pydantic 2 (.ci/setup provides them).

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// offline are the pip arguments for machines without a package index.
var offline = []string{"--no-index", "--no-build-isolation"}

// eco is the example ecosystem materialized once for all tests; cacheDir
// is shared so downstream environments are built once.
var (
	eco      *examples.Ecosystem
	cacheDir string
)

func TestMain(m *testing.M) {
	tmp, err := os.MkdirTemp("", "contracts-host-test-")
	if err != nil {
		panic(err)
	}
	eco, err = examples.Materialize(context.Background(), filepath.Join(tmp, "eco"))
	if err != nil {
		panic(err)
	}
	cacheDir = filepath.Join(tmp, "cache")
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// harness runs plans with a fresh runner sharing the test cache.
type harness struct {
	t      *testing.T
	runner *host.Runner
	out    string
}

func newHarness(t *testing.T, cfg host.Config) *harness {
	t.Helper()
	cfg.SystemSitePackages = true
	if cfg.CacheDir == "" {
		cfg.CacheDir = cacheDir
	}
	cfg.WorkDir, cfg.OutDir = t.TempDir(), t.TempDir()
	r := host.New(cfg)
	return &harness{t: t, runner: r, out: cfg.OutDir}
}

func (h *harness) matrix() *matrix.Matrix {
	m, err := eco.Matrix()
	if err != nil {
		h.t.Fatal(err)
	}
	return m
}

// run plans m at coreRef (or a local source) and runs every suite.
func (h *harness) run(m *matrix.Matrix, opts plan.Options) []outcome.Suite {
	h.t.Helper()
	opts.PipArgs = append(opts.PipArgs, offline...)
	opts.Interpreter = "python3 system-site-packages"
	p, err := plan.Build(context.Background(), m, opts, h.runner.Resolver())
	if err != nil {
		h.t.Fatal(err)
	}
	var jobs []host.Job
	for _, s := range p.Suites {
		jobs = append(jobs, host.Job{Label: report.SafeName(p.Core.Ref), Suite: s, CoreBuild: p.CoreBuild})
	}
	return h.runner.Run(context.Background(), jobs)
}

func byName(suites []outcome.Suite) map[string]outcome.Suite {
	out := map[string]outcome.Suite{}
	for _, s := range suites {
		out[s.Name] = s
	}
	return out
}

func (h *harness) log(s outcome.Suite) string {
	b, _ := os.ReadFile(filepath.Join(h.out, s.Log))
	return string(b)
}

func gitRevParse(t *testing.T, repo, ref string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", ref+"^{commit}").Output()
	if err != nil {
		t.Fatalf("rev-parse %s in %s: %v", ref, repo, err)
	}
	return strings.TrimSpace(string(out))
}

// TestExampleVerdicts runs the example ecosystem at every Core version and
// checks each suite's verdict, recorded SHAs and JUnit content.
func TestExampleVerdicts(t *testing.T) {
	h := newHarness(t, host.Config{Jobs: 3})
	for _, ref := range examples.CoreRefs() {
		t.Run(strings.ReplaceAll(ref, "/", "_"), func(t *testing.T) {
			got := byName(h.run(h.matrix(), plan.Options{CoreRef: ref}))
			wantSHA := gitRevParse(t, eco.Repos[examples.Core], ref)
			for name, want := range examples.Expected(ref) {
				s, ok := got[name]
				if !ok {
					t.Fatalf("no outcome for %s", name)
				}
				if string(s.Verdict) != want {
					t.Errorf("%s at core %s: verdict %s (%s), want %s\n%s", name, ref, s.Verdict, s.Reason, want, h.log(s))
				}
				if s.Core.SHA != wantSHA || s.Core.Ref != ref || len(s.Downstream.SHA) != 40 {
					t.Errorf("%s: recorded core %+v / downstream %+v, want core SHA %s", name, s.Core, s.Downstream, wantSHA)
				}
				checkCases(t, s)
			}
		})
	}
}

// checkCases: every suite that ran has cases; failed suites name failing
// tests with a message and a location.
func checkCases(t *testing.T, s outcome.Suite) {
	t.Helper()
	if s.Counts.Tests == 0 || s.Counts.Tests != len(s.Cases) {
		t.Errorf("%s: counts %+v for %d cases", s.Name, s.Counts, len(s.Cases))
	}
	failing := s.Failing()
	collections := diagnose.Collections(s.Cases)
	if (s.Verdict == outcome.Failed) != (len(failing) > len(collections) || slices.ContainsFunc(collections, diagnose.Collection.FromCore)) {
		t.Errorf("%s: verdict %s with %d failing cases, %d of them collection errors", s.Name, s.Verdict, len(failing), len(collections))
	}
	for _, c := range failing {
		if c.Message == "" || !strings.HasPrefix(c.File, "tests/contracts/") || c.Line == 0 {
			t.Errorf("%s: failing case %s lacks message or location: %q %s:%d", s.Name, c.ID(), c.Message, c.File, c.Line)
		}
	}
}

// TestOnlyCoreIsReinstalledWhenTheCoreRefChanges: the second run, at
// another Core ref, reuses every downstream environment.
func TestOnlyCoreIsReinstalledWhenTheCoreRefChanges(t *testing.T) {
	h := newHarness(t, host.Config{Jobs: 3, CacheDir: t.TempDir()})
	for i, ref := range []string{"v1.1.0", "v2.0.0"} {
		for _, s := range h.run(h.matrix(), plan.Options{CoreRef: ref}) {
			log := h.log(s)
			cached := strings.Contains(log, "# downstream environment cached")
			if cached != (i == 1) {
				t.Errorf("run %d (%s), %s: downstream environment cached = %v\n%s", i+1, ref, s.Name, cached, log)
			}
			if !installedCore(log) {
				t.Errorf("run %d, %s: Core was not installed:\n%s", i+1, s.Name, log)
			}
			// store pins market-data-core<1.2 in its UTF-16 requirements.txt:
			// the pin is read and left out of the downstream layer.
			if pin := "not installing 'market-data-core>=1.1,"; i == 0 && s.Name == examples.Store && !strings.Contains(log, pin) {
				t.Errorf("store: its Core pin was not read and left out:\n%s", log)
			}
			if want := examples.Expected(ref)[s.Name]; string(s.Verdict) != want {
				t.Errorf("run %d (%s), %s: verdict %s, want %s", i+1, ref, s.Name, s.Verdict, want)
			}
		}
	}
}

// TestLocalCoreSource runs a Core working copy that is not a git repo at
// all, with an uncommitted breaking change: v1.2.0's tree with v2.0.0's
// telemetry module.
func TestLocalCoreSource(t *testing.T) {
	dir := t.TempDir()
	copyTree(t, examples.Core, "v1.2.0", dir)
	breaking, err := fsRead(examples.Core, "v2.0.0", "src/market_data_core/telemetry.py")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "src/market_data_core/telemetry.py"), breaking, 0o644)
	h := newHarness(t, host.Config{Jobs: 3})
	got := byName(h.run(h.matrix(), plan.Options{CoreSource: dir}))
	if got[examples.Store].Verdict != outcome.Failed {
		t.Errorf("store with the local breaking telemetry: %s (%s)", got[examples.Store].Verdict, got[examples.Store].Reason)
	}
	if got[examples.Orchestrator].Verdict != outcome.Passed {
		t.Errorf("orchestrator: %s (%s)", got[examples.Orchestrator].Verdict, got[examples.Orchestrator].Reason)
	}
	if got[examples.Store].Core.Local != dir {
		t.Errorf("core source not recorded: %+v", got[examples.Store].Core)
	}
	if _, err := os.Stat(filepath.Join(dir, "build")); err == nil {
		t.Error("building Core wrote into the user's working copy")
	}
}

// TestMissingSuiteIsNeverGreen: a downstream without the contract path.
func TestMissingSuiteIsNeverGreen(t *testing.T) {
	h := newHarness(t, host.Config{Jobs: 3})
	m := h.matrix()
	m.Downstreams = m.Downstreams[:1]
	m.Downstreams[0].Tests = "tests/does_not_exist"
	s := h.run(m, plan.Options{CoreRef: "v1.2.0"})[0]
	if s.Verdict != outcome.NoTests || !strings.Contains(s.Reason, "tests/does_not_exist") {
		t.Fatalf("verdict %s (%s), want no-tests naming the path", s.Verdict, s.Reason)
	}
}

// TestUnknownRefIsASuiteError: every suite reports the bad Core ref.
func TestUnknownRefIsASuiteError(t *testing.T) {
	h := newHarness(t, host.Config{Jobs: 3})
	for _, s := range h.run(h.matrix(), plan.Options{CoreRef: "v9.9.9"}) {
		if s.Verdict != outcome.Error || !strings.Contains(s.Reason, `"v9.9.9"`) {
			t.Errorf("%s: %s (%s), want error naming the ref", s.Name, s.Verdict, s.Reason)
		}
	}
}

func copyTree(t *testing.T, repo, ref, dest string) {
	t.Helper()
	fsys, err := examples.Tree(repo, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(dest, fsys); err != nil {
		t.Fatal(err)
	}
}

func fsRead(repo, ref, name string) ([]byte, error) {
	fsys, err := examples.Tree(repo, ref)
	if err != nil {
		return nil, err
	}
	return fs.ReadFile(fsys, name)
}

// installedCore reports whether the log shows Core's pip install exiting 0.
func installedCore(log string) bool {
	_, after, found := strings.Cut(log, plan.CoreInstallerPath+" /")
	if !strings.Contains(after, ".whl") {
		return false
	}
	if !found {
		return false
	}
	_, exit, _ := strings.Cut(after, "\n# exit ")
	return strings.HasPrefix(exit, "0 ")
}
