package report

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

func props(ps []junit.Property) map[string]string {
	m := map[string]string{}
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

func TestWriteLoadRoundTrip(t *testing.T) {
	for name, fixture := range fixtures {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			want := fixture()
			if err := Write(dir, want); err != nil {
				t.Fatal(err)
			}
			got, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if want.Bisect != nil {
				// A culprit probe's outcome is in its JUnit report (Report),
				// which Load does not read back.
				for i := range want.Bisect.Downstreams {
					for j := range want.Bisect.Downstreams[i].Culprits {
						want.Bisect.Downstreams[i].Culprits[j].Probe = nil
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load(Write(r)) differs from r:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// Every report names the version that wrote it, and Load keeps it; Write
// stamps this binary's own version when the caller set none.
func TestReportsNameTheToolVersion(t *testing.T) {
	for _, tc := range []struct{ set, want string }{{"v9.8.7", "v9.8.7"}, {"", version.String()}} {
		for name, fixture := range map[string]func() *Result{"regression": regressionFixture, "bisect": bisectFixture} {
			dir := t.TempDir()
			res := fixture()
			res.Tool = tc.set
			if err := Write(dir, res); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(filepath.Join(dir, SummaryJSON))
			if err != nil {
				t.Fatal(err)
			}
			if want := `"tool": {
    "name": "market-data-contracts",
    "version": "` + tc.want + `"
  }`; !strings.Contains(string(data), want) {
				t.Errorf("%s: summary.json lacks %s", name, want)
			}
			md, _ := os.ReadFile(filepath.Join(dir, SummaryMD))
			if !strings.Contains(string(md), " · market-data-contracts "+tc.want+"\n") {
				t.Errorf("%s: summary.md does not name %s", name, tc.want)
			}
			junits, _ := filepath.Glob(filepath.Join(dir, "junit", "*", "*.xml"))
			for _, f := range append(junits, filepath.Join(dir, MergedJUnit)) {
				rep, err := junit.ParseFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range rep.Suites {
					if got := props(s.Properties)["tool.version"]; got != tc.want {
						t.Errorf("%s: %s: suite %s tool.version %q, want %q", name, f, s.Name, got, tc.want)
					}
				}
			}
			if len(junits) == 0 {
				t.Fatalf("%s: no JUnit reports", name)
			}
			got, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Tool != tc.want {
				t.Errorf("%s: Load: tool %q, want %q", name, got.Tool, tc.want)
			}
		}
	}
}

func TestSuiteReports(t *testing.T) {
	dir := t.TempDir()
	res := regressionFixture()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	pipe := res.Runs[0].Suites[0]
	if pipe.Report != "junit/v2.0.0/pipeline.xml" {
		t.Fatalf("Report = %q", pipe.Report)
	}
	rep, err := junit.ParseFile(filepath.Join(dir, pipe.Report))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Suites[0]
	p := props(s.Properties)
	if p["core.ref"] != "v2.0.0" || p["core.sha"] != coreV2.SHA || p["downstream.ref"] != "main" || p["downstream.sha"] != pipe.Downstream.SHA || p["verdict"] != "failed" || p["class"] != "regressed" || p["run"] != "v2.0.0" {
		t.Errorf("suite properties %v", p)
	}
	if len(s.Cases) != 4 || s.Cases[0].Message != hostile || s.Cases[0].File != "tests/contracts/test_quotes.py" || s.Cases[0].Line != 12 {
		t.Fatalf("cases %+v", s.Cases)
	}
	if cp := props(s.Cases[0].Properties); cp[PropClass] != "regressed" || cp[PropBaseline] != "passed" {
		t.Errorf("case properties %v", cp)
	}
	if cp := props(s.Cases[3].Properties); cp[PropClass] != "new-failing" || cp[PropBaseline] != "absent" {
		t.Errorf("new case properties %v", cp)
	}
	flaky, err := junit.ParseFile(filepath.Join(dir, "junit/v2.0.0/analytics.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if c := flaky.Suites[0].Cases[2]; c.Status != junit.StatusPassed || props(c.Properties)[PropClass] != "flaky" {
		t.Errorf("flaky case: %s %v, want passed, classed flaky", c.Status, props(c.Properties))
	}
	if sp := props(flaky.Suites[0].Properties); sp[PropFlaky] != "tests.contracts.test_stats::stats_flaky" {
		t.Errorf("suite properties %v, want the flaky case's ID under %s", sp, PropFlaky)
	}
}

// A suite that did not run its tests still gets a report that fails.
func TestSynthesizedReports(t *testing.T) {
	dir := t.TempDir()
	res := regressionFixture()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	for _, rel := range []string{"junit/v2.0.0/store.xml", "junit/v2.0.0/dashboard.xml", "junit/baseline-v1.2.0/dashboard.xml"} {
		rep, err := junit.ParseFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		cases := rep.Cases()
		if len(cases) != 1 || cases[0].Status != junit.StatusError || cases[0].Message == "" || props(cases[0].Properties)[PropSynthesized] != "true" {
			t.Errorf("%s: cases %+v", rel, cases)
		}
		if v := props(rep.Suites[0].Properties)["verdict"]; v == "passed" || v == "failed" || v == "" {
			t.Errorf("%s: verdict %q", rel, v)
		}
	}
}

func TestMergedJUnit(t *testing.T) {
	for _, tc := range []struct {
		fixture func() *Result
		names   []string
	}{
		{regressionFixture, []string{"pipeline", "store", "analytics", "dashboard"}},
		{matrixFixture, []string{"pipeline [v1.2.0 (py 3.11)]", "store [v1.2.0 (py 3.11)]", "pipeline [v2.0.0 (py 3.11)]", "store [v2.0.0 (py 3.11)]", "pipeline [refs/pull/7/head (py 3.12)]", "store [refs/pull/7/head (py 3.12)]"}},
	} {
		dir := t.TempDir()
		if err := Write(dir, tc.fixture()); err != nil {
			t.Fatal(err)
		}
		rep, err := junit.ParseFile(filepath.Join(dir, MergedJUnit))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range rep.Suites {
			names = append(names, s.Name)
			if p := props(s.Properties); p["core.sha"] == "" || p["verdict"] == "" {
				t.Errorf("%s: properties %v", s.Name, p)
			}
		}
		if !slices.Equal(names, tc.names) {
			t.Errorf("merged suites %q, want %q (baselines left out)", names, tc.names)
		}
	}
}

func TestWriteStaysInsideOutDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	res := greenFixture()
	res.Runs[0].Label = "../../escape"
	res.Runs[0].Suites[0].Name = "../evil"
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	if res.Runs[0].Label != "_.._.._escape" || res.Runs[0].Suites[0].Report != "junit/_.._.._escape/_.._evil.xml" {
		t.Errorf("label %q, report %q", res.Runs[0].Label, res.Runs[0].Suites[0].Report)
	}
	if _, err := os.Stat(filepath.Join(dir, res.Runs[0].Suites[0].Report)); err != nil {
		t.Error(err)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Errorf("Write created files next to the output directory: %v", entries)
	}
	// A symlink pointing out of the directory is refused, not followed.
	dir2 := filepath.Join(parent, "out2")
	if err := os.MkdirAll(dir2, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(parent, filepath.Join(dir2, JUnitDir)); err != nil {
		t.Fatal(err)
	}
	if err := Write(dir2, greenFixture()); err == nil || !strings.Contains(err.Error(), "escapes") {
		t.Errorf("Write through an escaping symlink: %v", err)
	}
}

func TestWriteRefusesSharedReportPaths(t *testing.T) {
	res := greenFixture()
	res.Runs[0].Suites = append(res.Runs[0].Suites, res.Runs[0].Suites[0])
	if err := Write(t.TempDir(), res); err == nil || !strings.Contains(err.Error(), "share") {
		t.Errorf("two suites, one report: %v", err)
	}
}

func TestDerivedLabelsAreUnique(t *testing.T) {
	res := greenFixture()
	res.Runs[0].Label = ""
	res.Runs = append(res.Runs, res.Runs[0])
	res.Baselines = []Run{{Core: coreV1, Suites: res.Runs[0].Suites}}
	if err := Write(t.TempDir(), res); err != nil {
		t.Fatal(err)
	}
	got := []string{res.Baselines[0].Label, res.Runs[0].Label, res.Runs[1].Label}
	if want := []string{"baseline-v1.2.0", "v2.0.0", "v2.0.0-2"}; !slices.Equal(got, want) {
		t.Errorf("labels %q, want %q", got, want)
	}
}

func TestARunIsNeverLabelledLikeTheBisectProbes(t *testing.T) {
	res := bisectFixture()
	res.Runs[0].Label = BisectLabel // as if the bad ref were a branch named bisect
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	if res.Runs[0].Label == BisectLabel {
		t.Fatalf("the run at bad is labelled %q, the culprit probes' directory", BisectLabel)
	}
	for _, rel := range []string{BisectReport("pipeline", *res.Bisect.Downstreams[0].Culprits[0].Commit), SuiteReport(res.Runs[0].Label, "pipeline")} {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("report missing: %v", err)
		}
	}
}

// TestCulpritReports: each culprit's probe has its JUnit report, which
// names the culprit in its properties and marks every case a culprit of
// that downstream broke with the culprit that broke it.
func TestCulpritReports(t *testing.T) {
	res := bisectFixture()
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	culprits := res.Bisect.Downstreams[0].Culprits
	for i, want := range []struct {
		rel, merge string
		brokeBy    map[string]string
	}{
		{"junit/bisect/pipeline/4444444.xml", strings.Repeat("5", 40), map[string]string{"quotes_bid": "4444444"}},
		{"junit/bisect/pipeline/8888888.xml", "", map[string]string{"quotes_bid": "4444444", "bars_new": "8888888"}},
	} {
		if culprits[i].Report != want.rel {
			t.Errorf("culprit %d: report %q, want %q", i, culprits[i].Report, want.rel)
		}
		rep, err := junit.ParseFile(filepath.Join(dir, want.rel))
		if err != nil {
			t.Fatal(err)
		}
		props := map[string]string{}
		for _, p := range rep.Suites[0].Properties {
			props[p.Name] = p.Value
		}
		if props["bisect.commit"] != culprits[i].Commit.SHA || props["bisect.merge"] != want.merge || props["bisect.broken"] != "1" || props["bisect.author"] != culprits[i].Commit.Author || props["run"] != BisectLabel {
			t.Errorf("%s: properties %v", want.rel, props)
		}
		got := map[string]string{}
		for _, c := range rep.Cases() {
			for _, p := range c.Properties {
				if p.Name == PropCulprit {
					got[c.Name] = p.Value
				}
			}
		}
		if !maps.Equal(got, want.brokeBy) {
			t.Errorf("%s: cases broken by %v, want %v", want.rel, got, want.brokeBy)
		}
	}
	if res.Bisect.Downstreams[1].Culprits[0].Report != "" {
		t.Errorf("a culprit without a probe got a report: %+v", res.Bisect.Downstreams[1].Culprits[0])
	}
}

// TestAFailedBisectionIsReported: a search that could not run keeps the
// runs at both ends, says why in every report, and fails the run.
func TestAFailedBisectionIsReported(t *testing.T) {
	res := bisectFixture()
	res.Bisect = bisect.Failed(res.Bisect.Good, res.Bisect.Bad, errors.New("history v1.2.0..v2.0.0: git log failed (exit 128): fatal: bad object"))
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	if ExitCode(res) != 1 || !strings.HasPrefix(Headline(res), "BISECT FAILED v1.2.0..v2.0.0: history") {
		t.Errorf("exit %d, headline %q", ExitCode(res), Headline(res))
	}
	var term strings.Builder
	Terminal(&term, res)
	md, err := os.ReadFile(filepath.Join(dir, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for what, text := range map[string]string{"terminal": term.String(), "summary.md": string(md)} {
		if !strings.Contains(text, "fatal: bad object") || !strings.Contains(text, "pipeline") {
			t.Errorf("%s lacks the reason or the runs at the ends:\n%s", what, text)
		}
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bisect == nil || got.Bisect.Error != res.Bisect.Error || ExitCode(got) != 1 {
		t.Errorf("loaded bisection %+v", got.Bisect)
	}
}

// TestBisectHeadlines: what a bisection found, in its headline, summary
// title and exit code: culprits (and flips beside them), only flips (no
// culprit: exit 1), or nothing.
func TestBisectHeadlines(t *testing.T) {
	found := bisectFixture()
	onlyFlips := bisectFixture()
	onlyFlips.Bisect.Downstreams = onlyFlips.Bisect.Downstreams[:1]
	onlyFlips.Bisect.Downstreams[0].Culprits, onlyFlips.Bisect.Downstreams[0].Status = nil, bisect.Flipping
	nothing := bisectFixture()
	nothing.Bisect.Downstreams = nothing.Bisect.Downstreams[2:]
	for _, tc := range []struct {
		res             *Result
		headline, title string
		exit            int
	}{
		{found, "BISECTED v1.2.0..v2.0.0: pipeline at 4444444 and 8888888, store at one of 6666666..7777777; flipping, not attributed: pipeline (1 test)", "# Bisect: first bad commits found", 0},
		{onlyFlips, "NO CULPRIT v1.2.0..v2.0.0: the regressed tests flip between good and bad: pipeline (1 test)", "# Bisect: no culprit, the regressed tests flip", 1},
		{nothing, "NOTHING TO BISECT: no downstream regresses between v1.2.0 and v2.0.0", "# Bisect: nothing to bisect", 1},
	} {
		var md strings.Builder
		Markdown(&md, tc.res, MarkdownOptions{})
		if got := Headline(tc.res); got != tc.headline || ExitCode(tc.res) != tc.exit || !strings.HasPrefix(md.String(), tc.title+"\n") {
			t.Errorf("headline %q, exit %d, summary %.60q; want %q, exit %d, %q", got, ExitCode(tc.res), md.String(), tc.headline, tc.exit, tc.title)
		}
	}
}
