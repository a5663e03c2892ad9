package main

// End-to-end tests of what a run means, through the CLI on the example
// ecosystem with real git, pip and pytest: a test failing on the baseline
// too is still-failing (not a regression), a flaky test is never a
// regression, several Core refs make a compatibility matrix, and the
// per-suite JUnit reports carry the classification.
//
// The ecosystems are materialized once under the shared cache directory
// (same paths every run, so downstream environments are built once).

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit/schema"
)

// knownBug is the contract test the variant ecosystem adds to store: it
// fails against every Core ref.
const (
	knownBugFile = "tests/contracts/test_known_bug.py"
	knownBug     = "tests.contracts.test_known_bug::test_store_known_bug"
	knownBugPy   = `"""Added by the CLI's end-to-end tests: fails whatever Core is."""


def test_store_known_bug():
    assert 1 + 1 == 3, "known store bug, independent of Core"
`
)

// flakyProbe is orchestrator's deliberately flaky test (see
// examples/repos/orchestrator/main/tests/contracts/test_flaky_probe.py).
const flakyProbe = "tests.contracts.test_flaky_probe::test_health_probe_settles"

// TestStillFailingIsNotARegression: store gets a contract test that fails
// at every Core ref. Against the v1.1.0 baseline it is still-failing: v2.0.0
// regresses exactly the expected tests, and v1.2.0 fails only under
// --fail-on=failures.
func TestStillFailingIsNotARegression(t *testing.T) {
	v2 := breakingVariantRun(t)
	if v2.code != exitBroken {
		t.Fatalf("v2.0.0 vs v1.1.0: exit %d, want 1\n%s\n%s", v2.code, v2.stdout, v2.stderr)
	}
	d := readDoc(t, v2.out)
	store := d.Runs[0].compared(t, examples.Store)
	if store.Class != "regressed" {
		t.Errorf("store suite class %q, want regressed (it has regressed cases)", store.Class)
	}
	if c := store.find(knownBug); c == nil || c.Class != "still-failing" || c.Baseline != "failed" || c.Candidate != "failed" {
		t.Errorf("%s: %+v, want still-failing (failed -> failed)", knownBug, c)
	}
	if got := breaking(d.Runs[0]); !slices.Equal(got, expectedRegressions) {
		t.Errorf("breaking cases:\n%s\nwant exactly:\n%s", strings.Join(got, "\n"), strings.Join(expectedRegressions, "\n"))
	}
	if d.Totals.Regressions != len(expectedRegressions) {
		t.Errorf("totals.regressions %d, want %d", d.Totals.Regressions, len(expectedRegressions))
	}
	checkRegressionLists(t, v2.out, v2.stdout)
	checkReread(t, v2.out, v2.code, v2.stdout)

	eco := variantEcosystem(t)
	for _, tc := range []struct {
		failOn string
		code   int
	}{{"", exitOK}, {"failures", exitBroken}} {
		out := t.TempDir()
		args := []string{"--core-ref", "v1.2.0", "--baseline-ref", "v1.1.0", "--only", examples.Store}
		if tc.failOn != "" {
			args = append(args, "--fail-on", tc.failOn)
		}
		code, stdout, stderr := runMatrix(t, eco.MatrixFile, out, args...)
		if code != tc.code {
			t.Errorf("v1.2.0 vs v1.1.0, fail-on %q: exit %d, want %d\n%s\n%s", tc.failOn, code, tc.code, stdout, stderr)
			continue
		}
		checkReread(t, out, code, stdout)
		d := readDoc(t, out)
		s := d.Runs[0].suite(t, examples.Store)
		if s.Verdict != "failed" || s.Fails != (tc.code == exitBroken) || d.ExitCode != tc.code {
			t.Errorf("fail-on %q: store %+v, exit_code %d", tc.failOn, s, d.ExitCode)
		}
		if c := d.Runs[0].compared(t, examples.Store); c.Class != "still-failing" || len(breaking(d.Runs[0])) != 0 {
			t.Errorf("fail-on %q: store comparison %+v, want still-failing and nothing breaking", tc.failOn, c)
		}
		if want := or(tc.failOn, "regressions"); d.FailOn != want {
			t.Errorf("fail_on %q, want %q", d.FailOn, want)
		}
	}
}

// checkRegressionLists: the terminal's and summary.md's regression lists
// hold the expected regressions and not the still-failing test, which the
// failures list tags as such.
func checkRegressionLists(t *testing.T, out, stdout string) {
	t.Helper()
	term := section(stdout, "REGRESSIONS", "\n\n")
	md := section(readFile(t, filepath.Join(out, "summary.md")), "## Regressions", "\n## ")
	for name, text := range map[string]string{"terminal": term, "summary.md": md} {
		if !strings.Contains(text, fmt.Sprintf("(%d)", len(expectedRegressions))) {
			t.Errorf("%s: regression list does not count %d:\n%s", name, len(expectedRegressions), text)
		}
		for _, r := range expectedRegressions {
			if _, id, _ := strings.Cut(r, ": "); !strings.Contains(text, id) {
				t.Errorf("%s: regression list lacks %s:\n%s", name, id, text)
			}
		}
		if strings.Contains(text, "test_store_known_bug") {
			t.Errorf("%s: the still-failing test is listed as a regression:\n%s", name, text)
		}
	}
	if !strings.Contains(stdout, "[still-failing] "+knownBug) {
		t.Errorf("terminal does not tag %s as still-failing:\n%s", knownBug, stdout)
	}
}

// checkReread: `contracts report` reads the run back from its reports
// (summary.json and the JUnit files) to the same headline and exit code.
func checkReread(t *testing.T, out string, code int, stdout string) {
	t.Helper()
	again, text, stderr := cli(t, "report", "--from", out)
	if again != code || headline(text) != headline(stdout) || headline(text) == "" {
		t.Errorf("report --from %s: exit %d, %q (%s); the run: exit %d, %q", out, again, headline(text), stderr, code, headline(stdout))
	}
}

// headline is the last "OK: ..." or "FAILED: ..." line of terminal output.
func headline(text string) string {
	lines := strings.Split(text, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "OK: ") || strings.HasPrefix(lines[i], "FAILED: ") {
			return lines[i]
		}
	}
	return ""
}

// TestJUnitCarriesClassification reads the per-suite reports of a run
// against a baseline with an independent parser: valid JUnit whose counts
// match summary.json, the suite's class as a suite property and each
// case's class and baseline status as case properties. (go-junit v1.0.0
// exposes suite properties but not case ones; those are read with
// encoding/xml.)
func TestJUnitCarriesClassification(t *testing.T) {
	v2 := breakingVariantRun(t)
	d := readDoc(t, v2.out)
	want := map[string]map[string][2]string{} // suite -> case ID -> {class, baseline}
	for _, r := range expectedRegressions {
		name, id, _ := strings.Cut(r, ": ")
		if want[name] == nil {
			want[name] = map[string][2]string{}
		}
		want[name][id] = [2]string{"regressed", "passed"}
	}
	want[examples.Store][knownBug] = [2]string{"still-failing", "failed"}
	for _, name := range []string{examples.Pipeline, examples.Store} {
		s := d.Runs[0].suite(t, name)
		path := filepath.Join(v2.out, filepath.FromSlash(s.Report))
		suites, err := gojunit.IngestFile(path)
		if err != nil || len(suites) != 1 {
			t.Fatalf("%s: go-junit: %v (%d suites)", s.Report, err, len(suites))
		}
		js := suites[0]
		if js.Name != name || js.Properties["class"] != "regressed" || js.Properties["verdict"] != "failed" || js.Properties["core.ref"] != "v2.0.0" {
			t.Errorf("%s: suite %q properties %v", s.Report, js.Name, js.Properties)
		}
		if js.Totals.Tests != s.Counts.Tests || js.Totals.Failed+js.Totals.Error != s.Counts.Failed+s.Counts.Errors {
			t.Errorf("%s: go-junit totals %+v, summary.json counts %+v", s.Report, js.Totals, s.Counts)
		}
		props := caseProperties(t, path)
		if len(props) != len(js.Tests) {
			t.Errorf("%s: %d cases by encoding/xml, %d by go-junit", s.Report, len(props), len(js.Tests))
		}
		for _, tc := range js.Tests {
			id := tc.Classname + "::" + tc.Name
			p := props[id]
			if p["contracts.class"] == "" {
				t.Errorf("%s: %s has no contracts.class", s.Report, id)
			}
			w, listed := want[name][id]
			if !listed {
				continue
			}
			delete(want[name], id)
			if tc.Status != gojunit.StatusFailed || p["contracts.class"] != w[0] || p["contracts.baseline"] != w[1] {
				t.Errorf("%s: %s is %s with %v, want failed with class %s, baseline %s", s.Report, id, tc.Status, p, w[0], w[1])
			}
		}
		if len(want[name]) > 0 {
			t.Errorf("%s: cases missing: %v", s.Report, want[name])
		}
	}
	base := d.Baselines[0].suite(t, examples.Store)
	for id, p := range caseProperties(t, filepath.Join(v2.out, filepath.FromSlash(base.Report))) {
		if p["contracts.class"] != "" {
			t.Errorf("baseline report %s: %s classified %v", base.Report, id, p)
		}
	}
	if _, err := gojunit.IngestFile(filepath.Join(v2.out, "junit.xml")); err != nil {
		t.Errorf("merged junit.xml: %v", err)
	}
}

// TestFlakyProbe drives orchestrator's flaky probe through --reruns. Its
// counter file is shared by every run of the test (the matrix, and so the
// cached environment, stay the same); each run chooses who finds it.
func TestFlakyProbe(t *testing.T) {
	eco := plainEcosystem(t)
	counter := filepath.Join(t.TempDir(), "flaky-counter")
	mf := writeMatrix(t, eco, map[string]map[string]string{
		examples.Orchestrator: {"CONTRACTS_FLAKY_COUNTER": counter},
	})

	t.Run("against a baseline", func(t *testing.T) {
		// Baseline and candidate share the matrix, so the counter too. With
		// --jobs 1 their suites do not overlap, and the runner announces
		// each on its progress writer before doing anything: the hook then
		// creates the counter for the baseline (its probe passes at once)
		// and removes it for the candidate (its first attempt fails, its
		// rerun passes), whichever runs first.
		started := map[string]bool{}
		hook := &startHook{fn: func(suite, ref string) {
			started[ref] = true
			var err error
			if ref == "v1.1.0" {
				err = os.WriteFile(counter, nil, 0o644)
			} else if err = os.Remove(counter); os.IsNotExist(err) {
				err = nil
			}
			if err != nil {
				t.Error(err)
			}
		}}
		out := t.TempDir()
		var stdout bytes.Buffer
		code := run(context.Background(), []string{"run", "--offline", "--cache-dir", cache, "--matrix", mf, "--out", out,
			"--jobs", "1", "--only", examples.Orchestrator, "--reruns", "2", "--core-ref", "v1.2.0", "--baseline-ref", "v1.1.0"}, &stdout, hook)
		if !started["v1.1.0"] || !started["v1.2.0"] {
			t.Fatalf("suite starts seen: %v\n%s", started, hook.String())
		}
		if code != exitOK {
			t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout.String(), hook.String())
		}
		checkReread(t, out, code, stdout.String())
		d := readDoc(t, out)
		base, cand := d.Baselines[0].suite(t, examples.Orchestrator), d.Runs[0].suite(t, examples.Orchestrator)
		if base.Verdict != "passed" || len(base.Flaky) != 0 {
			t.Errorf("baseline: %+v, want passed at the first attempt", base)
		}
		if cand.Verdict != "passed" || !slices.Equal(cand.Flaky, []string{flakyProbe}) || cand.Fails || cand.Counts.Failed != 0 {
			t.Errorf("candidate: %+v, want passed (its one failure was flaky), the probe listed flaky, no failed count", cand)
		}
		cmp := d.Runs[0].compared(t, examples.Orchestrator)
		if c := cmp.find(flakyProbe); cmp.Class != "flaky" || c == nil || c.Class != "flaky" || c.Baseline != "passed" || c.Candidate != "passed" {
			t.Errorf("comparison %+v, want a flaky suite and a flaky probe (passed -> passed after its rerun)", cmp)
		}
		if b := breaking(d.Runs[0]); len(b) != 0 || d.Totals.Regressions != 0 {
			t.Errorf("regressions: %v (totals %d)", b, d.Totals.Regressions)
		}
		checkFlakyEverywhere(t, out, stdout.String(), cand)
		props := caseProperties(t, filepath.Join(out, filepath.FromSlash(cand.Report)))[flakyProbe]
		if props["contracts.class"] != "flaky" {
			t.Errorf("JUnit properties of the probe: %v", props)
		}
	})

	for _, tc := range []struct {
		reruns string
		code   int
	}{{"2", exitOK}, {"0", exitBroken}} {
		t.Run("no baseline, reruns "+tc.reruns, func(t *testing.T) {
			if err := os.Remove(counter); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out := t.TempDir()
			code, stdout, stderr := runMatrix(t, mf, out, "--only", examples.Orchestrator, "--reruns", tc.reruns, "--core-ref", "v1.2.0")
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, stdout, stderr)
			}
			checkReread(t, out, code, stdout)
			d := readDoc(t, out)
			s := d.Runs[0].suite(t, examples.Orchestrator)
			var flaky []string
			verdict := "failed"
			if tc.reruns != "0" {
				flaky, verdict = []string{flakyProbe}, "passed"
				checkFlakyEverywhere(t, out, stdout, s)
			}
			if s.Verdict != verdict || !slices.Equal(s.Flaky, flaky) || s.Fails != (tc.code == exitBroken) || d.FailOn != "failures" {
				t.Errorf("orchestrator %+v under %s, want %s, flaky %v, fails %v", s, d.FailOn, verdict, flaky, tc.code == exitBroken)
			}
		})
	}
}

// checkFlakyEverywhere: a suite whose only failure was flaky means one
// thing in every report: passed, not listed as a failure, its flaky test
// listed as flaky; the run OK.
func checkFlakyEverywhere(t *testing.T, out, terminal string, s docSuite) {
	t.Helper()
	md := readFile(t, filepath.Join(out, "summary.md"))
	for where, text := range map[string]string{"terminal": terminal, "summary.md": md} {
		if strings.Contains(text, "FAILURES") || strings.Contains(text, "## Failures") {
			t.Errorf("%s lists failures for a run whose only failure was flaky:\n%s", where, text)
		}
		if !strings.Contains(text, flakyProbe) || !strings.Contains(strings.ToLower(text), "flaky (1") {
			t.Errorf("%s does not list the flaky probe under flaky:\n%s", where, text)
		}
	}
	if !strings.Contains(terminal, "OK: ") {
		t.Errorf("terminal headline is not OK:\n%s", terminal)
	}
	rep, err := junit.ParseFile(filepath.Join(out, filepath.FromSlash(s.Report)))
	if err != nil {
		t.Fatal(err)
	}
	props := map[string]string{}
	for _, p := range rep.Suites[0].Properties {
		props[p.Name] = p.Value
	}
	if props["verdict"] != "passed" || props["contracts.flaky"] != flakyProbe {
		t.Errorf("JUnit suite properties %v, want verdict passed and contracts.flaky naming the probe", props)
	}
	for _, c := range rep.Cases() {
		if c.ID() == flakyProbe && c.Status != junit.StatusPassed {
			t.Errorf("the flaky probe is %s in the JUnit report, want passed", c.Status)
		}
	}
	outputs := readFile(t, filepath.Join(out, "summary.json"))
	if !strings.Contains(outputs, `"verdict": "passed"`) {
		t.Errorf("summary.json does not say passed")
	}
}

// TestCompatibilityMatrix runs three Core refs at once: one run per ref
// with the verdicts examples.Expected gives, and a downstream x Core ref
// matrix in the terminal and in summary.md, whose cells link to the
// suites' JUnit reports.
func TestCompatibilityMatrix(t *testing.T) {
	eco := plainEcosystem(t)
	refs := []string{"v1.1.0", "v1.2.0", "v2.0.0"}
	out := t.TempDir()
	code, stdout, stderr := runMatrix(t, eco.MatrixFile, out, "--core-ref", strings.Join(refs, ","))
	if code != exitBroken {
		t.Fatalf("exit %d, want 1 (v2.0.0 breaks two suites)\n%s\n%s", code, stdout, stderr)
	}
	d := readDoc(t, out)
	if len(d.Runs) != len(refs) || len(d.Baselines) != 0 {
		t.Fatalf("%d runs and %d baselines, want %d and 0", len(d.Runs), len(d.Baselines), len(refs))
	}
	for i, ref := range refs {
		got := map[string]string{}
		for _, s := range d.Runs[i].Suites {
			got[s.Name] = s.Verdict
		}
		if d.Runs[i].Core.Ref != ref || !mapsEqual(got, examples.Expected(ref)) {
			t.Errorf("run %d: core %s, verdicts %v; want %s, %v", i, d.Runs[i].Core.Ref, got, ref, examples.Expected(ref))
		}
	}

	term := strings.Split(section(stdout, "COMPATIBILITY MATRIX\n", "\n\n"), "\n")
	checkMatrix(t, "terminal", term, refs, func(field string) []string { return strings.Fields(field) }, nil)
	md := strings.Split(section(readFile(t, filepath.Join(out, "summary.md")), "## Compatibility matrix\n", "\n\n## "), "\n")
	checkMatrix(t, "summary.md", md, refs, mdCells, func(name, ref, cell string) string {
		return checkLinkedReport(t, out, name, ref, cell)
	})
}

// checkMatrix checks a matrix's lines: a header naming the refs, then one
// row per downstream in matrix order with the expected verdicts. verdict,
// when set, turns a cell into its verdict (and checks the cell).
func checkMatrix(t *testing.T, where string, lines, refs []string, split func(string) []string, verdict func(name, ref, cell string) string) {
	t.Helper()
	var rows [][]string
	for _, l := range lines {
		if cells := split(l); len(cells) > 0 && !strings.HasPrefix(cells[0], "---") {
			rows = append(rows, cells)
		}
	}
	want := examples.Downstreams()
	if len(rows) != 1+len(want) {
		t.Fatalf("%s: matrix has %d rows, want %d:\n%s", where, len(rows), 1+len(want), strings.Join(lines, "\n"))
	}
	if head := rows[0][1:]; !slices.Equal(head, refs) || !strings.EqualFold(rows[0][0], "repo") {
		t.Errorf("%s: matrix header %v, want repo and %v", where, rows[0], refs)
	}
	for i, name := range want {
		row := rows[1+i]
		if row[0] != name || len(row) != 1+len(refs) {
			t.Errorf("%s: row %d is %v, want %s and %d cells", where, i, row, name, len(refs))
			continue
		}
		for j, ref := range refs {
			got := row[1+j]
			if verdict != nil {
				got = verdict(name, ref, got)
			}
			if w := examples.Expected(ref)[name]; got != w {
				t.Errorf("%s: %s x %s is %q, want %s", where, name, ref, row[1+j], w)
			}
		}
	}
}

// mdCells splits a Markdown table row into its trimmed cells.
func mdCells(line string) []string {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "|") {
		return nil
	}
	cells := strings.Split(strings.Trim(line, "|"), "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

var mdLink = regexp.MustCompile(`^\[([a-z-]+)\]\(<([^<>]+)>\)$`)

// checkLinkedReport checks that a summary.md matrix cell links to an
// existing report inside out of the right suite, ref and verdict, and
// returns the cell's verdict.
func checkLinkedReport(t *testing.T, out, name, ref, cell string) string {
	t.Helper()
	m := mdLink.FindStringSubmatch(cell)
	if m == nil {
		t.Errorf("summary.md: %s x %s cell %q is not a link to a report", name, ref, cell)
		return cell
	}
	verdict, rel := m[1], m[2]
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		t.Errorf("summary.md: %s x %s links outside the report directory: %s", name, ref, rel)
		return verdict
	}
	suites, err := gojunit.IngestFile(filepath.Join(out, filepath.FromSlash(rel)))
	if err != nil || len(suites) != 1 {
		t.Errorf("summary.md: %s x %s links to %s: %v (%d suites)", name, ref, rel, err, len(suites))
		return verdict
	}
	if p := suites[0].Properties; suites[0].Name != name || p["core.ref"] != ref || p["verdict"] != verdict {
		t.Errorf("summary.md: %s x %s (%s) links to %s: suite %s, properties %v", name, ref, verdict, rel, suites[0].Name, p)
	}
	return verdict
}

// --- fixtures -------------------------------------------------------------

// memo computes a fixture once per test binary. Fixtures live under the
// shared cache directory, which TestMain removes.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(t *testing.T, f func() (T, error)) T {
	t.Helper()
	m.once.Do(func() { m.v, m.err = f() })
	if m.err != nil {
		t.Fatal(m.err)
	}
	return m.v
}

var plainEco, variantEco memo[*examples.Ecosystem]

// plainEcosystem is the example ecosystem as bundled.
func plainEcosystem(t *testing.T) *examples.Ecosystem {
	return plainEco.get(t, func() (*examples.Ecosystem, error) {
		return examples.Materialize(context.Background(), filepath.Join(cache, "eco-plain"))
	})
}

// variantEcosystem is the example ecosystem with knownBug committed on
// store's main branch (what its matrix tests).
func variantEcosystem(t *testing.T) *examples.Ecosystem {
	return variantEco.get(t, func() (*examples.Ecosystem, error) {
		eco, err := examples.Materialize(context.Background(), filepath.Join(cache, "eco-variant"))
		if err != nil {
			return nil, err
		}
		repo := eco.Repos[examples.Store]
		if err := os.WriteFile(filepath.Join(repo, filepath.FromSlash(knownBugFile)), []byte(knownBugPy), 0o644); err != nil {
			return nil, err
		}
		if err := git(repo, "add", knownBugFile); err != nil {
			return nil, err
		}
		return eco, git(repo, "commit", "--quiet", "--no-verify", "-m", "Pin a known bug in a contract test")
	})
}

// git runs git in dir with a fixed identity and no user configuration.
func git(dir string, args ...string) error {
	argv := append([]string{"-c", "user.name=Contracts Tests", "-c", "user.email=tests@contracts.invalid", "-c", "commit.gpgSign=false"}, args...)
	cmd := exec.Command("git", argv...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// cliRun is the outcome of one CLI invocation.
type cliRun struct {
	out, stdout, stderr string
	code                int
}

var breakingVariant memo[cliRun]

// breakingVariantRun is the variant ecosystem run at v2.0.0 against the
// v1.1.0 baseline.
func breakingVariantRun(t *testing.T) cliRun {
	eco := variantEcosystem(t)
	return breakingVariant.get(t, func() (cliRun, error) {
		r := cliRun{out: filepath.Join(cache, "out-variant-v2.0.0")}
		r.code, r.stdout, r.stderr = runMatrix(t, eco.MatrixFile, r.out, "--core-ref", "v2.0.0", "--baseline-ref", "v1.1.0")
		return r, nil
	})
}

// runMatrix runs `contracts run` offline with the shared cache on a matrix.
func runMatrix(t *testing.T, matrixFile, out string, args ...string) (int, string, string) {
	t.Helper()
	base := []string{"run", "--offline", "--cache-dir", cache, "--matrix", matrixFile, "--out", out, "--jobs", "3"}
	return cli(t, append(base, args...)...)
}

// writeMatrix writes a matrix of eco's repos with extra environment per
// downstream, and returns its path.
func writeMatrix(t *testing.T, eco *examples.Ecosystem, env map[string]map[string]string) string {
	t.Helper()
	var b strings.Builder
	q := func(s string) string { v, _ := json.Marshal(s); return string(v) } // JSON strings are YAML
	fmt.Fprintf(&b, "version: 1\ncore:\n  name: %s\n  repo: %s\n  package: %s\n  ref: %s\ndownstreams:\n",
		examples.Core, q(eco.Repos[examples.Core]), examples.CorePackage, examples.DefaultBranch)
	for _, d := range examples.Downstreams() {
		fmt.Fprintf(&b, "  - name: %s\n    repo: %s\n    ref: %s\n", d, q(eco.Repos[d]), examples.DefaultBranch)
		if len(env[d]) > 0 {
			b.WriteString("    env:\n")
			for k, v := range env[d] {
				fmt.Fprintf(&b, "      %s: %s\n", k, q(v))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "matrix.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// startHook is a progress writer (the runner's stderr) that calls fn with
// the suite and Core ref of each "<suite> start core <ref>@<sha>" line,
// before that suite does anything else.
type startHook struct {
	mu      sync.Mutex
	all     bytes.Buffer
	pending []byte
	fn      func(suite, ref string)
}

func (h *startHook) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all.Write(p)
	h.pending = append(h.pending, p...)
	for {
		i := bytes.IndexByte(h.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		f := strings.Fields(string(h.pending[:i]))
		h.pending = h.pending[i+1:]
		if len(f) == 4 && f[1] == "start" && f[2] == "core" {
			if at := strings.LastIndex(f[3], "@"); at > 0 {
				h.fn(f[0], f[3][:at])
			}
		}
	}
}

func (h *startHook) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.all.String()
}

// --- summary.json and report readers ---------------------------------------

// doc is the part of summary.json these tests read.
type doc struct {
	FailOn   string `json:"fail_on"`
	ExitCode int    `json:"exit_code"`
	Totals   struct {
		Regressions int `json:"regressions"`
	} `json:"totals"`
	Baselines []docRun `json:"baselines"`
	Runs      []docRun `json:"runs"`
}

type docRun struct {
	Core struct {
		Ref string `json:"ref"`
	} `json:"core"`
	Suites     []docSuite      `json:"suites"`
	Comparison []docComparison `json:"comparison"`
}

type docSuite struct {
	Name    string `json:"name"`
	Verdict string `json:"verdict"`
	Report  string `json:"report"`
	Log     string `json:"log"`
	Counts  struct {
		Tests  int `json:"tests"`
		Failed int `json:"failed"`
		Errors int `json:"errors"`
	} `json:"counts"`
	Flaky []string `json:"flaky"`
	Fails bool     `json:"fails"`
}

type docComparison struct {
	Name  string    `json:"name"`
	Class string    `json:"class"`
	Cases []docCase `json:"cases"`
}

type docCase struct {
	ID        string `json:"id"`
	Class     string `json:"class"`
	Baseline  string `json:"baseline"`
	Candidate string `json:"candidate"`
}

func readDoc(t *testing.T, out string) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "summary.json"))), &d); err != nil {
		t.Fatalf("summary.json: %v", err)
	}
	if len(d.Runs) == 0 {
		t.Fatalf("summary.json in %s has no run", out)
	}
	if err := schema.ValidateDir(out); err != nil {
		t.Error(err)
	}
	return d
}

func (r docRun) suite(t *testing.T, name string) docSuite {
	t.Helper()
	for _, s := range r.Suites {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("run %s has no suite %s", r.Core.Ref, name)
	return docSuite{}
}

func (r docRun) compared(t *testing.T, name string) docComparison {
	t.Helper()
	for _, c := range r.Comparison {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("run %s has no comparison for %s", r.Core.Ref, name)
	return docComparison{}
}

func (c docComparison) find(id string) *docCase {
	for i := range c.Cases {
		if c.Cases[i].ID == id {
			return &c.Cases[i]
		}
	}
	return nil
}

// breaking lists the run's regressed and new-failing cases as
// "suite: case ID", sorted.
func breaking(r docRun) []string {
	var out []string
	for _, c := range r.Comparison {
		for _, cs := range c.Cases {
			if cs.Class == "regressed" || cs.Class == "new-failing" {
				out = append(out, c.Name+": "+cs.ID)
			}
		}
	}
	sort.Strings(out)
	return out
}

// caseProperties reads a JUnit file's case properties with encoding/xml:
// case ID (classname::name) -> property name -> value.
func caseProperties(t *testing.T, path string) map[string]map[string]string {
	t.Helper()
	var x struct {
		Suites []struct {
			Cases []struct {
				Classname string `xml:"classname,attr"`
				Name      string `xml:"name,attr"`
				Props     []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, path)), &x); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]map[string]string{}
	for _, s := range x.Suites {
		for _, c := range s.Cases {
			props := map[string]string{}
			for _, p := range c.Props {
				props[p.Name] = p.Value
			}
			out[c.Classname+"::"+c.Name] = props
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// section returns the text after start up to the first end after it (""
// if start is absent).
func section(text, start, end string) string {
	i := strings.Index(text, start)
	if i < 0 {
		return ""
	}
	text = text[i+len(start):]
	if j := strings.Index(text, end); j >= 0 {
		return text[:j]
	}
	return text
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
