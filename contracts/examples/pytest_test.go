package examples

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// These tests run the example suites with real pytest, to prove that
// Expected tells the truth. TestExpectedMatchesPytest imports the trees
// straight from their source directories (PYTHONPATH), which takes seconds;
// TestExpectedWithPip installs them as the plan does, which takes minutes
// and runs only when CONTRACTS_EXAMPLES_PIP=1.

// python returns the interpreter to test with. It fails (never skips) when
// it lacks pydantic 2 or pytest: .ci/setup provides them, and a skipped
// contract check would pass without proving anything.
func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 not found (run .ci/setup)")
	}
	check := "import pydantic, pytest, sys; sys.exit(pydantic.VERSION.split('.')[0] != '2')"
	if out, err := exec.Command(py, "-c", check).CombinedOutput(); err != nil {
		t.Fatalf("python3 lacks pydantic 2 or pytest (run .ci/setup): %v %s", err, out)
	}
	return py
}

// copyTree writes repo@ref into a new directory and returns it.
func copyTree(t *testing.T, repo, ref string) string {
	t.Helper()
	tree, err := Tree(repo, ref)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), repo)
	if err := os.CopyFS(dir, tree); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cleanEnv is the environment without variables that would change what
// pytest runs; extra is added.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PYTHONPATH", "PYTEST_ADDOPTS", "CONTRACTS_FLAKY_COUNTER", "PIP_INDEX_URL":
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "PYTHONDONTWRITEBYTECODE=1"), extra...)
}

// pytest runs the contract suite in dir and returns its verdict
// ("passed" for exit 0, "failed" for exit 1) and output; any other exit
// fails the test.
func pytest(t *testing.T, py, dir string, env []string, args ...string) (string, string) {
	t.Helper()
	argv := append([]string{"-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs"}, args...)
	cmd := exec.Command(py, argv...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return "passed", out.String()
	case errors.As(err, &exit) && exit.ExitCode() == 1:
		return "failed", out.String()
	}
	t.Fatalf("pytest in %s: %v\n%s", dir, err, out.String())
	return "", ""
}

// TestExpectedMatchesPytest runs every downstream's suite against every
// commit of Core's history that builds (one per distinct src/ tree) the
// way the plan runs it: through the plan's pytest wrapper, going on after
// collection errors, the verdict decided by package outcome from pytest's
// exit code and JUnit report.
func TestExpectedMatchesPytest(t *testing.T) {
	py := python(t)
	h, err := historyOf(Core)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, id := range h.order {
		key := srcDigest(h.nodes[id].files)
		if slices.Contains(Unbuildable(), id) || seen[key] {
			continue
		}
		seen[key] = true
		for d, want := range ExpectedAt(id) {
			t.Run(fmt.Sprintf("%s/%s", id, d), func(t *testing.T) {
				t.Parallel()
				core, ds := copyFS(t, h.nodes[id].fsys()), copyTree(t, d, "main")
				env := cleanEnv("PYTHONPATH=" + filepath.Join(core, "src") + string(os.PathListSeparator) + filepath.Join(ds, "src"))
				if got, reason, out := verdict(t, py, ds, env); got != want {
					t.Errorf("Core %s, %s: the plan's pytest gives %s (%s), Expected says %s\n%s", id, d, got, reason, want, out)
				}
			})
		}
	}
}

// srcDigest identifies a Core tree by its src/ files: commits that only
// change docs test the same.
func srcDigest(files map[string][]byte) string {
	h := sha256.New()
	for _, p := range slices.Sorted(maps.Keys(files)) {
		if strings.HasPrefix(p, "src/") {
			fmt.Fprintf(h, "%s\x00%d\x00%s", p, len(files[p]), files[p])
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// copyFS writes fsys into a new directory and returns it.
func copyFS(t *testing.T, fsys fs.FS) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "tree")
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	return dir
}

// verdict runs the contract suite in dir as the plan does (plan.PytestArgv,
// with the plan's wrapper) and decides its verdict with outcome.Decide.
func verdict(t *testing.T, py, dir string, env []string) (string, string, string) {
	t.Helper()
	s, out := runSuite(t, py, dir, env)
	return string(s.Verdict), s.Reason, out
}

// runSuite runs the contract suite in dir as the plan does and returns
// its outcome (verdict and cases) and pytest's output.
func runSuite(t *testing.T, py, dir string, env []string) (outcome.Suite, string) {
	t.Helper()
	wrapper, err := filepath.Abs(filepath.Join("..", "plan", "run_pytest.py"))
	if err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(t.TempDir(), "junit.xml")
	argv := plan.PytestArgv("suite", matrix.DefaultTests, CorePackage, report)
	argv[0], argv[1] = py, wrapper
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	facts := outcome.Facts{PytestRan: true, TestPath: matrix.DefaultTests}
	var exit *exec.ExitError
	if err := cmd.Run(); errors.As(err, &exit) {
		facts.ExitCode = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("pytest in %s: %v\n%s", dir, err, out.String())
	}
	if rep, err := junit.ParseFile(report); err != nil {
		facts.ReportError = err.Error()
	} else {
		facts.Cases = outcome.CasesOf(rep)
	}
	s := outcome.Suite{Cases: facts.Cases}
	s.Verdict, s.Reason = outcome.Decide(facts)
	return s, out.String()
}

// TestCulpritsBreakExactlyTheirTests runs each downstream's suite with
// real pytest at v1.2.0, at each culprit Culprits names and at its
// parent: the tests that break at the culprit and not at its parent are
// exactly the culprit's Tests, and all culprits together are exactly what
// v2.0.0 breaks.
func TestCulpritsBreakExactlyTheirTests(t *testing.T) {
	py := python(t)
	h := mustHistory(t)
	for _, d := range Downstreams() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			ds := copyTree(t, d, "main")
			at := func(id string) outcome.Suite {
				core := copyFS(t, h.nodes[id].fsys())
				s, _ := runSuite(t, py, ds, cleanEnv("PYTHONPATH="+filepath.Join(core, "src")+string(os.PathListSeparator)+filepath.Join(ds, "src")))
				s.Name = d
				return s
			}
			good := at(h.refs["v1.2.0"])
			breaking := func(id string) []string {
				var out []string
				for _, c := range compare.Compare([]outcome.Suite{good}, []outcome.Suite{at(id)})[0].Breaking() {
					out = append(out, c.ID)
				}
				slices.Sort(out)
				return out
			}
			var all []string
			for _, c := range Culprits(d) {
				before := breaking(h.nodes[c.Commit].parents[0])
				got := slices.DeleteFunc(breaking(c.Commit), func(id string) bool { return slices.Contains(before, id) })
				if !slices.Equal(got, c.Tests) {
					t.Errorf("%s breaks %v, Culprits says %v", c.Commit, got, c.Tests)
				}
				all = append(all, c.Tests...)
			}
			slices.Sort(all)
			if got := breaking(h.refs["v2.0.0"]); !slices.Equal(got, all) {
				t.Errorf("v2.0.0 breaks %v, the culprits %v", got, all)
			}
		})
	}
}

// TestFlakyProbe checks the deliberately flaky test: skipped without
// CONTRACTS_FLAKY_COUNTER; with it, failing once and then passing.
func TestFlakyProbe(t *testing.T) {
	py := python(t)
	core, ds := copyTree(t, Core, "main"), copyTree(t, Orchestrator, "main")
	path := "PYTHONPATH=" + filepath.Join(core, "src") + string(os.PathListSeparator) + filepath.Join(ds, "src")
	const probe = "tests/contracts/test_flaky_probe.py"
	if got, out := pytest(t, py, ds, cleanEnv(path), probe); got != "passed" || !strings.Contains(out, "1 skipped") {
		t.Fatalf("without a counter: %s, want 1 skipped\n%s", got, out)
	}
	counter := filepath.Join(t.TempDir(), "flaky-counter")
	env := cleanEnv(path, "CONTRACTS_FLAKY_COUNTER="+counter)
	for i, want := range []string{"failed", "passed", "passed"} {
		if got, out := pytest(t, py, ds, env, probe); got != want || strings.Contains(out, "skipped") {
			t.Fatalf("call %d with a counter: %s, want %s and not skipped\n%s", i+1, got, want, out)
		}
	}
}

// TestExpectedWithPip installs each downstream and Core into a fresh
// virtualenv the way the plan does (install_downstream.py without Core,
// then Core on top, offline) and runs its contract suite.
func TestExpectedWithPip(t *testing.T) {
	if os.Getenv("CONTRACTS_EXAMPLES_PIP") != "1" {
		t.Skip("set CONTRACTS_EXAMPLES_PIP=1 to install every pairing with pip (minutes)")
	}
	py := python(t)
	helper, err := filepath.Abs(filepath.Join("..", "plan", "install_downstream.py"))
	if err != nil {
		t.Fatal(err)
	}
	offline := []string{"--no-index", "--no-build-isolation"}
	for _, ref := range CoreRefs() {
		for d, want := range Expected(ref) {
			t.Run(fmt.Sprintf("%s/%s", ref, d), func(t *testing.T) {
				t.Parallel()
				core, ds := copyTree(t, Core, ref), copyTree(t, d, "main")
				venv := filepath.Join(t.TempDir(), "venv")
				vpy := filepath.Join(venv, "bin", "python")
				run(t, ds, py, "-m", "venv", "--system-site-packages", venv)
				run(t, ds, vpy, append([]string{helper, "--exclude", Core, "--dir", ds, "--"}, offline...)...)
				run(t, ds, vpy, append([]string{"-m", "pip", "install", core}, offline...)...)
				if got, reason, out := verdict(t, vpy, ds, cleanEnv()); got != want {
					t.Errorf("Core %s, %s: the plan's pytest gives %s (%s), Expected says %s\n%s", ref, d, got, reason, want, out)
				}
			})
		}
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, cleanEnv("PIP_DISABLE_PIP_VERSION_CHECK=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
