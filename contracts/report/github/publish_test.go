package github

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func init() { stopToken = func() string { return "STOPTOKEN" } }

var (
	t0     = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	coreV1 = plan.Source{Name: "market-data-core", Repo: "https://example.com/core", Ref: "v1.2.0", SHA: strings.Repeat("1", 40)}
	coreV2 = plan.Source{Name: "market-data-core", Repo: "https://example.com/core", Ref: "v2.0.0", SHA: strings.Repeat("2", 40)}
)

func tcase(name string, st junit.Status, msg string) junit.Case {
	c := junit.Case{Classname: "tests.contracts.test_quotes", Name: name, File: "tests/contracts/test_quotes.py", Status: st, Message: msg, Time: 100 * time.Millisecond}
	if st == junit.StatusFailed || st == junit.StatusError {
		c.Line, c.Text = 42, "def test():\n>   assert quote.bid\nE   "+msg
	}
	return c
}

func suite(core plan.Source, name string, v outcome.Verdict, reason string, cases ...junit.Case) outcome.Suite {
	return outcome.Suite{
		Name: name, Core: core, Downstream: plan.Source{Name: name, Repo: "https://github.com/example/" + name + ".git", Ref: "main", SHA: strings.Repeat("a", 40)},
		Verdict: v, Reason: reason, Counts: junit.Count(cases), Cases: cases, Duration: 3 * time.Second,
		Log: "logs/" + core.Ref + "/" + name + ".log",
	}
}

// fixture writes a baseline and a candidate run, with logs, into a
// directory and loads it back the way `contracts report --from` does.
func fixture(t *testing.T) *report.Result {
	t.Helper()
	flaky := suite(coreV2, "analytics", outcome.Failed, "", tcase("test_mean", junit.StatusFailed, "assert 1 == 2"), tcase("test_flaky", junit.StatusPassed, ""))
	flaky.Flaky = []string{"tests.contracts.test_quotes::test_flaky"} // failed, then passed on rerun: settled
	flaky.Downstream.Repo = "https://git.example.com/analytics"       // not on github.com: no permalinks
	res := &report.Result{
		Started: t0, Finished: t0.Add(time.Minute),
		Baselines: []report.Run{{Label: "baseline-v1.2.0", Core: coreV1, Suites: []outcome.Suite{
			suite(coreV1, "pipeline", outcome.Passed, "", tcase("test_bid", junit.StatusPassed, ""), tcase("test_ask", junit.StatusPassed, "")),
			suite(coreV1, "analytics", outcome.Failed, "", tcase("test_mean", junit.StatusFailed, "assert 1 == 2"), tcase("test_flaky", junit.StatusPassed, "")),
			suite(coreV1, "store", outcome.Passed, "", tcase("test_schema", junit.StatusPassed, "")),
		}}},
		Runs: []report.Run{{Label: "v2.0.0", Core: coreV2, Suites: []outcome.Suite{
			suite(coreV2, "pipeline", outcome.Failed, "", tcase("test_bid", junit.StatusFailed, "AttributeError: 'Quote' object has no attribute 'bid'\nsecond line"), tcase("test_ask", junit.StatusPassed, "")),
			flaky,
			suite(coreV2, "store", outcome.NoTests, "pytest collected no tests in tests/contracts"),
		}}},
	}
	dir := t.TempDir()
	for _, runs := range [][]report.Run{res.Baselines, res.Runs} {
		for _, r := range runs {
			for _, s := range r.Suites {
				p := filepath.Join(dir, filepath.FromSlash(s.Log))
				os.MkdirAll(filepath.Dir(p), 0o755)
				// Test output trying to issue workflow commands.
				log := "$ pytest\n::error::pwned by " + s.Name + "\n::set-output name=passed::everything\n::endgroup::\n1 passed\n"
				if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := report.Write(dir, res); err != nil {
		t.Fatal(err)
	}
	loaded, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return loaded
}

// captured is a GitHub Actions environment in temporary files.
type captured struct {
	env    map[string]string
	stdout bytes.Buffer
}

func capture(t *testing.T) (*captured, *githubactions.Action) {
	dir := t.TempDir()
	c := &captured{env: map[string]string{
		"GITHUB_STEP_SUMMARY": filepath.Join(dir, "summary"),
		"GITHUB_OUTPUT":       filepath.Join(dir, "output"),
	}}
	a := githubactions.New(githubactions.WithWriter(&c.stdout), githubactions.WithGetenv(func(k string) string { return c.env[k] }))
	return c, a
}

func (c *captured) file(t *testing.T, key string) string {
	b, err := os.ReadFile(c.env[key])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name), []byte(got), *update)
}

func TestPublishGolden(t *testing.T) {
	res := fixture(t)
	c, a := capture(t)
	if err := Publish(a, res); err != nil {
		t.Fatal(err)
	}
	golden(t, "summary.md.golden", c.file(t, "GITHUB_STEP_SUMMARY"))
	golden(t, "commands.golden", strings.ReplaceAll(c.stdout.String(), res.Dir, "$DIR"))
	golden(t, "output.golden", strings.ReplaceAll(c.file(t, "GITHUB_OUTPUT"), res.Dir, "$DIR"))
}

func TestRenderMatchesPublish(t *testing.T) {
	res := fixture(t)
	summary, commands, err := Render(res)
	if err != nil {
		t.Fatal(err)
	}
	c, a := capture(t)
	if err := Publish(a, res); err != nil {
		t.Fatal(err)
	}
	if summary != c.file(t, "GITHUB_STEP_SUMMARY") || commands != c.stdout.String() {
		t.Error("Render differs from Publish in a captured environment")
	}
	if !strings.HasPrefix(summary, "# Contract run: FAILED") || !strings.Contains(commands, "::error file=tests/contracts/test_quotes.py,line=42,") {
		t.Errorf("Render: summary %.40q, commands %.80q", summary, commands)
	}
}

// Annotations of a downstream on github.com carry the permalink of the
// failing line; those of a downstream elsewhere carry none.
func TestAnnotationsLinkDownstream(t *testing.T) {
	_, commands, err := Render(fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	var pipeline, analytics []string
	for _, l := range strings.Split(commands, "\n") {
		switch {
		case strings.HasPrefix(l, "::error ") && strings.Contains(l, "::pipeline ("):
			pipeline = append(pipeline, l)
		case strings.HasPrefix(l, "::warning ") && strings.Contains(l, "::analytics ("):
			analytics = append(analytics, l)
		}
	}
	link := "%0Ahttps://github.com/example/pipeline/blob/" + strings.Repeat("a", 40) + "/tests/contracts/test_quotes.py#L42"
	if len(pipeline) != 1 || !strings.HasSuffix(pipeline[0], link) {
		t.Errorf("pipeline annotations %q, want one ending with %q", pipeline, link)
	}
	if len(analytics) != 2 || strings.Contains(strings.Join(analytics, "\n"), "https://") {
		t.Errorf("analytics annotations %q, want two without a link", analytics)
	}
}

// Test output printed in a group cannot issue workflow commands: it sits
// between stop-commands and the resume token.
func TestGroupsFenceUntrustedOutput(t *testing.T) {
	res := fixture(t)
	c, a := capture(t)
	if err := Publish(a, res); err != nil {
		t.Fatal(err)
	}
	active := true
	for _, l := range strings.Split(c.stdout.String(), "\n") {
		switch {
		case l == "::stop-commands::STOPTOKEN":
			active = false
		case l == "::STOPTOKEN::":
			active = true
		case active && strings.Contains(l, "pwned"):
			t.Errorf("untrusted line outside the fence: %q", l)
		}
	}
	if !active {
		t.Error("commands never resumed")
	}
	if strings.Contains(c.file(t, "GITHUB_OUTPUT"), "everything") {
		t.Error("test output set a step output")
	}
}

func TestPublishOutsideActions(t *testing.T) {
	var out bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	if err := Publish(a, fixture(t)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "::group::") {
		t.Errorf("no groups printed: %q", out.String())
	}
}

func TestPublishReportsWriteFailures(t *testing.T) {
	c, a := capture(t)
	c.env["GITHUB_STEP_SUMMARY"] = filepath.Join(t.TempDir(), "missing", "summary")
	if err := Publish(a, fixture(t)); err == nil || !strings.Contains(err.Error(), "GitHub Actions") {
		t.Errorf("Publish with an unwritable summary: %v", err)
	}
}

func TestMask(t *testing.T) {
	var out bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&out))
	Mask(a, "")
	Mask(a, "ghp_secret")
	Mask(a, "line1\r\nline2\n")
	if want := "::add-mask::ghp_secret\n::add-mask::line1\n::add-mask::line2\n"; out.String() != want {
		t.Errorf("Mask printed %q, want %q", out.String(), want)
	}
}

func TestAnnotationsAreBounded(t *testing.T) {
	var cases []junit.Case
	for i := range MaxAnnotations + 7 {
		cases = append(cases, junit.Case{Classname: "t", Name: strings.Repeat("x", i+1), Status: junit.StatusFailed, Message: "m"})
	}
	s := suite(coreV2, "big", outcome.Failed, "", cases...)
	s.Log = ""
	res := &report.Result{Runs: []report.Run{{Label: "v2.0.0", Core: coreV2, Suites: []outcome.Suite{s}}}}
	var out bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(string) string { return "" }))
	if err := Publish(a, res); err != nil {
		t.Fatal(err)
	}
	// report.Failures lists MaxListed per suite; annotations stop at MaxAnnotations.
	n := strings.Count(out.String(), "::error ")
	if want := min(report.MaxListed, MaxAnnotations); n != want {
		t.Errorf("%d error annotations, want %d", n, want)
	}
	if report.MaxListed > MaxAnnotations && !strings.Contains(out.String(), "::notice::") {
		t.Error("no notice for the annotations left out")
	}
}

func TestLogTail(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.log"), []byte("first line\nsecond line\nthird line\n"), 0o644)
	if got := logTail(dir, "a.log", 1<<10); got != "first line\nsecond line\nthird line" {
		t.Errorf("whole log: %q", got)
	}
	if got := logTail(dir, "a.log", 15); got != "[... first 23 bytes of the log left out]\nthird line" {
		t.Errorf("tail: %q", got)
	}
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("secret"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.log"))
	for _, rel := range []string{"../secret", "link.log", "/etc/passwd"} {
		if got := logTail(dir, rel, 1<<10); !strings.HasPrefix(got, "(log not available") || strings.Contains(got, "secret\n") {
			t.Errorf("logTail(%q) = %q", rel, got)
		}
	}
	if got := logTail("", "a.log", 10); !strings.Contains(got, "no report directory") {
		t.Errorf("no dir: %q", got)
	}
}

// TestBisectAnnotationsAndOutputs: a bisection adds a notice per culprit
// (commit, merge, tests, link), a warning per flipping test, "broken by"
// on the annotation of each test a culprit broke, and the culprits output.
func TestBisectAnnotationsAndOutputs(t *testing.T) {
	res := fixture(t)
	commit := func(n, subject string) bisect.Commit {
		sha := strings.Repeat(n, 40)
		return bisect.Commit{SHA: sha, Short: sha[:7], Subject: subject, Author: "Chen Wei", Date: "2025-10-17T12:00:00Z"}
	}
	rename, merge, flip := commit("4", "Quote: rename bid"), commit("5", "Merge pull request #43"), commit("6", "docs")
	res.Runs[0].Core.Repo = "https://github.com/example/core"
	res.Bisect = &bisect.Result{Good: bisect.Endpoint{Ref: "v1.2.0", Commit: commit("1", "")}, Bad: bisect.Endpoint{Ref: "v2.0.0", Commit: commit("2", "")},
		Downstreams: []bisect.Downstream{{Name: "pipeline", Status: bisect.Found, Culprits: []bisect.Culprit{{Status: bisect.Found, Commit: &rename, Merge: &merge,
			Broken: []compare.Case{{ID: "tests.contracts.test_quotes::test_bid", Class: compare.Regressed}}}},
			Flips: []bisect.Flip{{ID: "tests.contracts.test_quotes::test_ask", Seen: []bisect.Sighting{{Commit: commit("1", "")}, {Commit: flip, Broken: true}, {Commit: commit("2", "")}}}}}}}
	c, a := capture(t)
	if err := Publish(a, res); err != nil {
		t.Fatal(err)
	}
	out := c.stdout.String()
	for _, want := range []string{
		"::notice title=bisect: pipeline broken by 4444444::4444444 Quote: rename bid (Chen Wei, 2025-10-17), in 5555555 Merge pull request #43 broke 1 test(s): tests.contracts.test_quotes::test_bid%0Ahttps://github.com/example/core/commit/" + rename.SHA,
		"::warning title=bisect: pipeline: tests.contracts.test_quotes::test_ask flips::attributed to no commit; seen 1111111 ok, 6666666 broken, 2222222 ok",
		"%0Abroken by 4444444 Quote: rename bid",
	} {
		if !strings.Contains(strings.ReplaceAll(out, "%3A", ":"), want) {
			t.Errorf("commands lack %q:\n%s", want, out)
		}
	}
	if !strings.HasPrefix(out, "::notice ") {
		t.Errorf("the culprit is not the first annotation:\n%s", out)
	}
	if got := c.file(t, "GITHUB_OUTPUT"); !strings.Contains(got, "culprits<<") || !strings.Contains(got, "\npipeline@4444444\n") {
		t.Errorf("outputs:\n%s", got)
	}
	if _, ok := Outputs(fixture(t))["culprits"]; ok {
		t.Error("a run that is not a bisection has a culprits output")
	}
}
