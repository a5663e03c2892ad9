package main

// End-to-end tests of the CLI on the bundled example ecosystem: real git,
// pip and pytest through `contracts demo`, reports read back with an
// independent JUnit parser (github.com/joshdk/go-junit).

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// cache is shared by the tests so downstream environments are built once.
var cache string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "contracts-cli-test-")
	if err != nil {
		panic(err)
	}
	cache = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the command in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// demo runs `contracts demo` offline with the shared cache.
func demo(t *testing.T, out string, args ...string) (int, string, string) {
	t.Helper()
	base := []string{"demo", "--offline", "--cache-dir", cache, "--out", out, "--jobs", "3"}
	return cli(t, append(base, args...)...)
}

// summary is the part of summary.json these tests read.
type summary struct {
	Runs []struct {
		Core struct {
			Ref string `json:"ref"`
			SHA string `json:"sha"`
		} `json:"core"`
		Suites []struct {
			Name    string `json:"name"`
			Verdict string `json:"verdict"`
			Report  string `json:"report"`
		} `json:"suites"`
		Comparison []struct {
			Name  string `json:"name"`
			Class string `json:"class"`
			Cases []struct {
				ID    string `json:"id"`
				Class string `json:"class"`
			} `json:"cases"`
		} `json:"comparison"`
	} `json:"runs"`
}

func readSummary(t *testing.T, out string) summary {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	return s
}

func verdicts(s summary) map[string]string {
	out := map[string]string{}
	for _, su := range s.Runs[0].Suites {
		out[su.Name] = su.Verdict
	}
	return out
}

func TestDemoBreakingRelease(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v2.0.0")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	want := map[string]string{"pipeline": "failed", "store": "failed", "orchestrator": "passed"}
	s := readSummary(t, out)
	if got := verdicts(s); !mapsEqual(got, want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
	if len(s.Runs[0].Core.SHA) != 40 || s.Runs[0].Core.Ref != "v2.0.0" {
		t.Errorf("core not recorded: %+v", s.Runs[0].Core)
	}
	for _, name := range []string{"pipeline", "store", "orchestrator"} {
		if !strings.Contains(stdout, name) {
			t.Errorf("terminal table lacks %s:\n%s", name, stdout)
		}
	}
	checkMergedJUnit(t, filepath.Join(out, "junit.xml"), want)
	for _, su := range s.Runs[0].Suites {
		if _, err := gojunit.IngestFile(filepath.Join(out, su.Report)); err != nil {
			t.Errorf("%s: per-suite report %s unreadable: %v", su.Name, su.Report, err)
		}
	}
	for _, f := range []string{"summary.md"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// checkMergedJUnit reads the merged report with an independent parser:
// one testsuite per downstream, failures exactly where contracts broke,
// and the Core ref and verdict as properties.
func checkMergedJUnit(t *testing.T, path string, want map[string]string) {
	t.Helper()
	suites, err := gojunit.IngestFile(path)
	if err != nil {
		t.Fatalf("go-junit cannot read %s: %v", path, err)
	}
	got := map[string]string{}
	for _, s := range suites {
		if s.Totals.Tests == 0 {
			t.Errorf("suite %s has no tests", s.Name)
		}
		v := "passed"
		if s.Totals.Failed+s.Totals.Error > 0 {
			v = "failed"
		}
		got[s.Name] = v
		if s.Properties["verdict"] != want[s.Name] || s.Properties["core.ref"] == "" {
			t.Errorf("suite %s properties %v", s.Name, s.Properties)
		}
	}
	if !mapsEqual(got, want) {
		t.Errorf("merged JUnit verdicts %v, want %v", got, want)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestDemoCompatibleRelease(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v1.2.0")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout, stderr)
	}
	for name, v := range verdicts(readSummary(t, out)) {
		if v != "passed" {
			t.Errorf("%s: %s", name, v)
		}
	}
}

// TestDemoRegressionsAgainstBaseline: v2.0.0 against v1.1.0 regresses
// exactly the contract tests that pin what v2.0.0 broke.
func TestDemoRegressionsAgainstBaseline(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v2.0.0", "--baseline-ref", "v1.1.0")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	var regressed []string
	for _, c := range readSummary(t, out).Runs[0].Comparison {
		for _, cs := range c.Cases {
			if cs.Class == "regressed" {
				regressed = append(regressed, c.Name+": "+cs.ID)
			}
		}
	}
	sort.Strings(regressed)
	if !slices.Equal(regressed, expectedRegressions) {
		t.Errorf("regressions:\n%s\nwant:\n%s", strings.Join(regressed, "\n"), strings.Join(expectedRegressions, "\n"))
	}
	// (A store failure message names the service "orchestrator" too.)
	if i, j := strings.Index(stdout, "REGRESSIONS ("), strings.Index(stdout, "\norchestrator "); i < 0 || j < 0 || i > j {
		t.Errorf("regressions are not listed first:\n%s", stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--core-ref", "a..b"}, `"a..b"`},
		{[]string{"run", "--core-ref", "--upload-pack=x"}, "--upload-pack=x"},
		{[]string{"run", "--matrix", missing}, "nope.yaml"},
		{[]string{"run", "--only", "nosuch"}, `"nosuch"`},
		{[]string{"run", "--fail-on", "sometimes"}, `"sometimes"`},
		{[]string{"run", "--fail-on", "regressions"}, "--baseline-ref"},
		{[]string{"run", "--core-ref", "v1", "--core-source", "."}, "exclude each other"},
		{[]string{"run", "stray"}, `"stray"`},
		{[]string{"frobnicate"}, `"frobnicate"`},
		{[]string{"report", "--from", t.TempDir()}, "summary.json"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %s", tc.args, code, stderr, tc.want)
		}
	}
}

// expectedRegressions are the example contract tests that pin what Core
// v2.0.0 breaks (every culprit's tests, examples.Culprits):
// RateAdjustment.scale_factor's rename (pipeline), FeedbackEvent's refusal
// of unknown fields and of unknown sources (store).
var expectedRegressions = func() []string {
	var out []string
	for _, d := range examples.Downstreams() {
		for _, c := range examples.Culprits(d) {
			for _, id := range c.Tests {
				out = append(out, d+": "+id)
			}
		}
	}
	slices.Sort(out)
	return out
}()

// TestHelpListsWhatEachCommandAccepts: each command's -h lists the flags
// it takes and no other, and a flag it does not list is refused (exit 2).
func TestHelpListsWhatEachCommandAccepts(t *testing.T) {
	common := []string{"only", "pip-arg", "pip-index-url", "system-site-packages", "offline", "cache-dir", "token-env", "token-file", "python", "shard", "shard-durations"}
	for cmd, want := range map[string][]string{
		"run":         {"core-ref", "core-source", "baseline-ref", "matrix", "fail-on", "jobs", "reruns", "out", "format"},
		"demo":        {"core-ref", "core-source", "baseline-ref", "fail-on", "jobs", "reruns", "out", "format", "dir"},
		"plan":        {"core-ref", "core-source", "baseline-ref", "matrix"},
		"bisect":      {"good", "bad", "descend", "matrix", "jobs", "reruns", "out", "format"},
		"demo-bisect": {"good", "bad", "descend", "jobs", "reruns", "out", "format", "dir"},
		"report":      {"from", "format", "token-env"},
		"merge":       {"out", "format", "token-env"},
	} {
		code, _, stderr := cli(t, cmd, "-h")
		if code != exitOK {
			t.Errorf("%s -h: exit %d", cmd, code)
		}
		listed := helpFlags(stderr)
		if cmd != "report" && cmd != "merge" {
			want = append(want, common...)
		}
		slices.Sort(want)
		if !slices.Equal(listed, want) {
			t.Errorf("%s -h lists %v, want %v", cmd, listed, want)
		}
		for _, f := range []string{"core-ref", "matrix", "out", "fail-on", "good", "dir"} {
			if slices.Contains(listed, f) {
				continue
			}
			if code, _, stderr := cli(t, cmd, "--"+f+"=x"); code != exitUsage || !strings.Contains(stderr, "-"+f) {
				t.Errorf("%s --%s=x: exit %d (%s), want 2 naming the flag", cmd, f, code, lastLine(stderr))
			}
		}
	}
}

// helpFlags are the flag names a flag set's usage lists, sorted.
func helpFlags(usage string) []string {
	var out []string
	for _, l := range strings.Split(usage, "\n") {
		if name, ok := strings.CutPrefix(l, "  -"); ok {
			name, _, _ = strings.Cut(name, " ")
			out = append(out, strings.TrimSpace(name))
		}
	}
	slices.Sort(out)
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestPlanJSON: contracts plan prints every key in snake_case, durations
// in seconds, under plan schema version 3.
func TestPlanJSON(t *testing.T) {
	eco := plainEcosystem(t)
	code, stdout, stderr := cli(t, "plan", "--offline", "--cache-dir", cache, "--matrix", eco.MatrixFile, "--core-ref", "v1.2.0", "--baseline-ref", "v1.1.0")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var entries []map[string]any
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0]["baseline"] != true || entries[0]["label"] == nil {
		t.Fatalf("entries %v", entries)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, child := range v {
				if !snake.MatchString(k) {
					t.Errorf("%s.%s is not a snake_case key", path, k)
				}
				walk(path+"."+k, child)
			}
		case []any:
			for _, child := range v {
				walk(path+"[]", child)
			}
		}
	}
	walk("", entries)
	p := entries[1]["plan"].(map[string]any)
	suite := p["suites"].([]any)[0].(map[string]any)
	if p["version"] != float64(3) || suite["timeout_seconds"] != float64(900) || suite["timeout"] != nil {
		t.Errorf("plan version %v, suite timeout_seconds %v (timeout %v): want 3 and 900 (15m), no timeout key", p["version"], suite["timeout_seconds"], suite["timeout"])
	}
}

// TestDemoWritesOutsideTheCheckout: without --out, a demo writes its
// reports under the cache dir, never into the directory it runs from.
func TestDemoWritesOutsideTheCheckout(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	code, stdout, stderr := cli(t, "demo", "--offline", "--cache-dir", cache, "--core-ref", "v1.2.0", "--only", "orchestrator")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := filepath.Join(cache, "demo-reports")
	if _, err := os.Stat(filepath.Join(want, "summary.json")); err != nil || !strings.Contains(stdout, "reports: "+want) {
		t.Errorf("reports not in %s (%v):\n%s", want, err, stdout)
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("the demo wrote into its working directory: %v", entries)
	}
}
