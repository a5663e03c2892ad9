package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
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
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var (
	t0     = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	coreV1 = plan.Source{Name: "market-data-core", Repo: "https://github.com/mjdevaccount/market-data-core", Ref: "v1.2.0", SHA: strings.Repeat("1", 40)}
	coreV2 = plan.Source{Name: "market-data-core", Repo: "https://github.com/mjdevaccount/market-data-core", Ref: "v2.0.0", SHA: strings.Repeat("2", 40)}
)

// hostile is a failure message written by code under test: Slack mentions,
// a link, formatting and a backtick.
const hostile = "AssertionError: <!channel> see <https://evil.example|docs> & *bold* `code`"

func tcase(module, name string, st junit.Status, msg string) junit.Case {
	return junit.Case{Classname: "tests.contracts." + module, Name: name, Status: st, Message: msg}
}

func suite(core plan.Source, name string, v outcome.Verdict, reason string, pin *readiness.Pin, cases ...junit.Case) outcome.Suite {
	return outcome.Suite{
		Name: name, Core: core, Downstream: plan.Source{Name: name, Repo: "https://github.com/mjdevaccount/" + name, Ref: "main", SHA: strings.Repeat("a", 40)},
		Verdict: v, Reason: reason, Counts: junit.Count(cases), Cases: cases, Pin: pin,
	}
}

func pinned(version, spec string, admits bool) *readiness.Pin {
	return &readiness.Pin{CoreVersion: version, Requirements: []readiness.Requirement{
		{Requirement: "market-data-core" + spec, Specifier: spec, Applies: true, DeclaredIn: "pyproject.toml", Admits: admits}}}
}

// candidate is a run of Core v2.0.0: pipeline regressed (a hostile
// message), store errored, orchestrator passed with a flaky test.
func candidate() report.Run {
	// A flaky test failed, then passed alone: settled as passed (outcome.Settle).
	flaky := []string{"tests.contracts.test_health::test_probe"}
	orch := suite(coreV2, "orchestrator", outcome.Passed, "", nil, outcome.Settle([]junit.Case{
		tcase("test_health", "test_roundtrip", junit.StatusPassed, ""), tcase("test_health", "test_probe", junit.StatusFailed, "timeout talking to the probe")}, flaky)...)
	orch.Flaky = flaky
	return report.Run{Label: "v2.0.0", Core: coreV2, Suites: []outcome.Suite{
		suite(coreV2, "pipeline", outcome.Failed, "", pinned("2.0.0", ">=1.1", true),
			tcase("test_rates", "test_scale", junit.StatusFailed, hostile), tcase("test_rates", "test_levels", junit.StatusPassed, "")),
		suite(coreV2, "store", outcome.Error, "install downstream (auto) failed (exit 1): ERROR: No matching distribution found for setuptools>=61", pinned("2.0.0", ">=1.1,<1.2", false)),
		orch,
	}}
}

func baseline() report.Run {
	return report.Run{Label: "baseline-v1.2.0", Core: coreV1, Suites: []outcome.Suite{
		suite(coreV1, "pipeline", outcome.Passed, "", pinned("1.2.0", ">=1.1", true),
			tcase("test_rates", "test_scale", junit.StatusPassed, ""), tcase("test_rates", "test_levels", junit.StatusPassed, "")),
		suite(coreV1, "store", outcome.Passed, "", pinned("1.2.0", ">=1.1,<1.2", false), tcase("test_feedback", "test_event", junit.StatusPassed, "")),
		suite(coreV1, "orchestrator", outcome.Passed, "", nil, tcase("test_health", "test_roundtrip", junit.StatusPassed, ""), tcase("test_health", "test_probe", junit.StatusPassed, "")),
	}}
}

func result(runs ...report.Run) *report.Result {
	res := &report.Result{Started: t0, Finished: t0.Add(time.Minute), Runs: runs, Tool: "v0.1.0"}
	res.Classify()
	return res
}

func regressionResult() *report.Result {
	res := result(candidate())
	res.Baselines = []report.Run{baseline()}
	res.Classify()
	return res
}

func bisectResult() *report.Result {
	res := regressionResult()
	culprit := bisect.Commit{SHA: strings.Repeat("4", 40), Short: "4444444", Subject: "RateAdjustment: rename scale_factor to scale <@U123>", Author: "Chen Wei", Date: "2025-10-04T12:00:00Z"}
	merge := bisect.Commit{SHA: strings.Repeat("5", 40), Short: "5555555", Subject: "Merge pull request #43 from pr/43-rate-scale", Author: "Ana Ortiz", Date: "2025-10-05T12:00:00Z"}
	second := bisect.Commit{SHA: strings.Repeat("8", 40), Short: "8888888", Subject: "FeedbackEvent.source: only known services", Author: "Dana Müller-Łukasik", Date: "2025-10-08T12:00:00Z"}
	res.Bisect = &bisect.Result{
		Good: goodEnd,
		Bad:  badEnd,
		Downstreams: []bisect.Downstream{
			{Name: "pipeline", Status: bisect.Found, Probes: 9, Culprits: []bisect.Culprit{
				{Status: bisect.Found, Commit: &culprit, Merge: &merge, Broken: []compare.Case{{ID: "t::a"}, {ID: "t::b"}}},
				{Status: bisect.Found, Commit: &second, Broken: []compare.Case{{ID: "t::c"}}},
			}},
			{Name: "store", Status: bisect.CannotRun, Reason: "the suite could not run at bad"},
			{Name: "orchestrator", Status: bisect.NotBroken, Reason: "no test that passed at good fails at bad"},
		},
	}
	return res
}

// The ends of the test bisections: v1.2.0 and v2.0.0.
var (
	goodEnd = bisect.Endpoint{Ref: "v1.2.0", Commit: bisect.Commit{SHA: coreV1.SHA, Short: coreV1.SHA[:7]}}
	badEnd  = bisect.Endpoint{Ref: "v2.0.0", Commit: bisect.Commit{SHA: coreV2.SHA, Short: coreV2.SHA[:7]}}
)

// failedBisectResult is a bisection whose search failed (git could not
// list the range): no culprit, an error.
func failedBisectResult() *report.Result {
	res := regressionResult()
	res.Bisect = &bisect.Result{
		Good:  goodEnd,
		Bad:   badEnd,
		Error: "git rev-list v1.2.0..v2.0.0: exit status 128: fatal: bad revision <!here>",
	}
	return res
}

// flipsBisectResult is a bisection that found no culprit: pipeline's
// regressed tests flip between good and bad.
func flipsBisectResult() *report.Result {
	res := regressionResult()
	res.Bisect = &bisect.Result{
		Good: goodEnd,
		Bad:  badEnd,
		Downstreams: []bisect.Downstream{
			{Name: "pipeline", Status: bisect.Flipping, Probes: 4, Flips: []bisect.Flip{
				{ID: "tests.contracts.test_rates::test_scale", Regressed: true},
				{ID: "tests.contracts.test_rates::test_levels"},
			}},
			{Name: "orchestrator", Status: bisect.NotBroken, Reason: "no test that passed at good fails at bad"},
		},
	}
	return res
}

func golden(t *testing.T, name string, m Message) {
	t.Helper()
	data, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, data, "", "  "); err != nil {
		t.Fatal(err)
	}
	testkit.Golden(t, filepath.Join("testdata", name), pretty.Bytes(), *update)
}

func TestMessageGolden(t *testing.T) {
	prev := result(baseline())
	res := regressionResult()
	change := Compare(prev, res)
	golden(t, "regression.json.golden", Build(res, &change, "https://github.com/mjdevaccount/market-data-core/actions/runs/42"))
	golden(t, "bisect.json.golden", Build(bisectResult(), nil, ""))
	golden(t, "bisect-failed.json.golden", Build(failedBisectResult(), nil, ""))
	golden(t, "bisect-flips.json.golden", Build(flipsBisectResult(), nil, ""))
	golden(t, "unreadable-previous.json.golden", Unreadable(errors.New("previous-reports/summary.json: schema \"market-data-contracts/summary/v1\", this tool reads \"market-data-contracts/summary/v2\"")).Build(res, ""))
	green := result(baseline())
	golden(t, "green.json.golden", Build(green, nil, ""))
}

// A bisection's header says what it found, as summary.md's title does:
// a failed search and tests that flip are not "nothing to bisect", and
// agree with the body.
func TestMessageBisectHeader(t *testing.T) {
	nothing := regressionResult()
	nothing.Bisect = &bisect.Result{Good: bisect.Endpoint{Ref: "v1.2.0"}, Bad: bisect.Endpoint{Ref: "v2.0.0"}}
	for _, tc := range []struct {
		name, header, body string
		res                *report.Result
	}{
		{"culprits", "Contract bisect: first bad commits found", "• *pipeline* found: 4444444", bisectResult()},
		{"a failed search", "Contract bisect: the search failed", "The search failed: git rev-list", failedBisectResult()},
		{"flips", "Contract bisect: no culprit, the regressed tests flip", "• *pipeline*: 2 test(s) flip between good and bad", flipsBisectResult()},
		{"nothing", "Contract bisect: nothing to bisect", "No downstream regresses between them.", nothing},
	} {
		m := Build(tc.res, nil, "")
		if got := m.Blocks[0].Text.Text; got != tc.header {
			t.Errorf("%s: header %q, want %q", tc.name, got, tc.header)
		}
		var summary bytes.Buffer
		report.Markdown(&summary, tc.res, report.MarkdownOptions{})
		if want := "# Bisect: " + strings.TrimPrefix(tc.header, "Contract bisect: ") + "\n"; !strings.HasPrefix(summary.String(), want) {
			t.Errorf("%s: summary.md starts %q, want %q", tc.name, strings.SplitN(summary.String(), "\n", 2)[0], want)
		}
		found := false
		for _, b := range m.Blocks {
			found = found || (b.Text != nil && strings.Contains(b.Text.Text, tc.body))
		}
		if !found {
			t.Errorf("%s: no block says %q", tc.name, tc.body)
		}
	}
}

// Previous reports that cannot be read: the message goes out, as without a
// previous run, and says why nothing was compared, right after the
// headline, in escaped text.
func TestUnreadablePrevious(t *testing.T) {
	res := regressionResult()
	d := Unreadable(errors.New("prev/summary.json: unexpected EOF <!channel>"))
	if !d.Send || d.Change != nil || !strings.Contains(d.Why, "unreadable") {
		t.Fatalf("decision %+v, want sent without a change", d)
	}
	m := d.Build(res, "")
	plain := Build(res, nil, "")
	if len(m.Blocks) != len(plain.Blocks)+1 {
		t.Fatalf("%d blocks, want %d and the note", len(m.Blocks), len(plain.Blocks))
	}
	note := m.Blocks[2]
	if note.Type != "context" || len(note.Elements) != 1 ||
		note.Elements[0].Text != "The previous run's reports could not be read, so this run is not compared with it (prev/summary.json: unexpected EOF &lt;!channel&gt;)." {
		t.Errorf("note %+v", note)
	}
	if got := Decide(nil, res).Build(res, ""); len(got.Blocks) != len(plain.Blocks) {
		t.Errorf("a decision without a note adds a block: %d, want %d", len(got.Blocks), len(plain.Blocks))
	}
}

// Text a test or a commit wrote cannot mention anyone, make links or
// break out of its code span.
func TestMessageEscapesUntrustedText(t *testing.T) {
	for _, res := range []*report.Result{regressionResult(), bisectResult(), failedBisectResult()} {
		m := Build(res, nil, "")
		all := []string{m.Text}
		for _, b := range m.Blocks {
			if b.Text != nil {
				all = append(all, b.Text.Text)
			}
			for _, e := range b.Elements {
				all = append(all, e.Text)
			}
		}
		text := strings.Join(all, "\n")
		for _, bad := range []string{"<!channel>", "<!here>", "<https://evil", "<@U123>", "`code`"} {
			if strings.Contains(text, bad) {
				t.Errorf("message carries %q:\n%s", bad, text)
			}
		}
		if res.Bisect == nil && !strings.Contains(text, "&lt;!channel&gt;") {
			t.Errorf("the hostile message is missing, not escaped:\n%s", text)
		}
	}
}

// Slack refuses a section longer than 3000 characters and a header longer
// than 150: a run with many long failures stays within them.
func TestMessageStaysWithinSlackLimits(t *testing.T) {
	run := candidate()
	for i := range 40 {
		s := suite(coreV2, "suite"+strings.Repeat("x", 40)+string(rune('a'+i%26))+string(rune('a'+i/26)), outcome.Failed, "", nil,
			tcase("test_x", "test_y", junit.StatusFailed, strings.Repeat("long message ", 100)))
		run.Suites = append(run.Suites, s)
	}
	m := Build(result(run), nil, "")
	for _, b := range m.Blocks {
		max := maxSection
		if b.Type == "header" {
			max = maxHeader
		}
		if b.Text != nil && len(b.Text.Text) > max {
			t.Errorf("%s block of %d characters", b.Type, len(b.Text.Text))
		}
	}
	if len(m.Blocks) > 50 {
		t.Errorf("%d blocks", len(m.Blocks))
	}
	if list := m.Blocks[2].Text.Text; !strings.Contains(list, " more (see the reports)") || !strings.HasPrefix(list, "*Failing or regressed suites (42)*\n• *pipeline*") {
		t.Errorf("the long list is not cut:\n%s", m.Blocks[2].Text.Text)
	}
}

func TestDecide(t *testing.T) {
	failing := result(candidate())                                                                 // pipeline, store
	passing := result(baseline())                                                                  // none
	flakyOnly := result(report.Run{Label: "v2.0.0", Core: coreV2, Suites: candidate().Suites[2:]}) // orchestrator: only a flaky failure
	for _, tc := range []struct {
		name       string
		prev, res  *report.Result
		send       bool
		newly, rec string
	}{
		{"no previous run", nil, failing, true, "", ""},
		{"the same failures again", failing, result(candidate()), false, "", ""},
		{"a new failure", passing, failing, true, "pipeline,store", ""},
		{"a recovery", failing, passing, true, "", "pipeline,store"},
		{"only a flaky test failed", passing, flakyOnly, false, "", ""},
		{"still green", passing, result(baseline()), false, "", ""},
	} {
		d := Decide(tc.prev, tc.res)
		if d.Send != tc.send {
			t.Errorf("%s: send %v (%s), want %v", tc.name, d.Send, d.Why, tc.send)
		}
		if tc.prev == nil {
			if d.Change != nil {
				t.Errorf("%s: a change without a previous run", tc.name)
			}
			continue
		}
		if got := strings.Join(d.Change.NewlyFailing, ","); got != tc.newly {
			t.Errorf("%s: newly failing %q, want %q", tc.name, got, tc.newly)
		}
		if got := strings.Join(d.Change.Recovered, ","); got != tc.rec {
			t.Errorf("%s: recovered %q, want %q", tc.name, got, tc.rec)
		}
	}
}

func TestRunLink(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	ok := map[string]string{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "mjdevaccount/market-data-core", "GITHUB_RUN_ID": "123456"}
	if got := RunLink(env(ok)); got != "https://github.com/mjdevaccount/market-data-core/actions/runs/123456" {
		t.Errorf("RunLink = %q", got)
	}
	for _, bad := range []map[string]string{
		{},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "mjdevaccount/market-data-core"},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "a/b|<!channel>", "GITHUB_RUN_ID": "1"},
		{"GITHUB_SERVER_URL": "javascript:alert(1)", "GITHUB_REPOSITORY": "a/b", "GITHUB_RUN_ID": "1"},
		{"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "a/b", "GITHUB_RUN_ID": "1 2"},
	} {
		if got := RunLink(env(bad)); got != "" {
			t.Errorf("RunLink(%v) = %q, want none", bad, got)
		}
	}
	if CheckLink("https://ci.example/run/1") != nil || CheckLink("https://u:p@ci.example/") == nil || CheckLink("https://x/a|b") == nil {
		t.Error("CheckLink accepts or refuses the wrong links")
	}
}
