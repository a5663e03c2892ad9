package junit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// want is what a pytest fixture case must parse to. Lines are given per
// fixture: xunit1 carries a 0-based line attribute, xunit2 none, and the
// failure lines come from the traceback in both.
type want struct {
	status  Status
	message string // a substring of Message ("" = Message must be empty)
	text    string // a substring of Text ("" = Text must be empty)
	file    string
	line1   int // pytest-xunit1.xml
	line2   int // pytest-xunit2.xml and pytest-xunit2-tblong.xml
}

const quotes = "tests/contracts/test_quotes.py"

var pytestCases = []struct {
	id string
	want
}{
	{"tests.contracts.test_broken", want{StatusError, "collection failure", "No module named 'market_data_core_does_not_exist'", "tests/contracts/test_broken.py", 1, 1}},
	{"tests.contracts.test_quotes::test_passes", want{StatusPassed, "", "", quotes, 7, 0}},
	{"tests.contracts.test_quotes::test_fails", want{StatusFailed, "AssertionError: bid <changed> & \"escaped\"\nassert 1.0 == 2.0", "assert 1.0 == 2.0", quotes, 14, 14}},
	{"tests.contracts.test_quotes::test_fails_in_helper", want{StatusFailed, "helper saw a wrong value", "assert 3 == 2", quotes, 5, 5}},
	{"tests.contracts.test_quotes::test_fixture_error", want{StatusError, `failed on setup with "RuntimeError: fixture could not connect"`, "tests/contracts/conftest.py:6", quotes, 20, 0}},
	{"tests.contracts.test_quotes::test_skipped", want{StatusSkipped, "not relevant for this core", "test_quotes.py:25: not relevant", quotes, 25, 25}},
	{"tests.contracts.test_quotes::test_xfail", want{StatusSkipped, "known drift in core 1.3", "", quotes, 29, 0}},
	{"tests.contracts.test_quotes::test_xpass", want{StatusPassed, "", "", quotes, 34, 0}},
	{"tests.contracts.test_quotes.TestBars::test_param[1-1]", want{StatusPassed, "", "", quotes, 40, 0}},
	{"tests.contracts.test_quotes.TestBars::test_param[2-3]", want{StatusFailed, "assert 2 == 3", "assert n == expected", quotes, 43, 43}},
	{"tests.contracts.test_quotes.TestBars::test_param[a b-a b]", want{StatusPassed, "", "", quotes, 40, 0}},
	{"tests.contracts.test_quotes.TestBars::test_skip_inside", want{StatusSkipped, "feed offline", "feed offline", quotes, 46, 46}},
}

func TestParsePytestFixtures(t *testing.T) {
	for _, fixture := range []string{"pytest-xunit1.xml", "pytest-xunit2.xml", "pytest-xunit2-tblong.xml"} {
		t.Run(fixture, func(t *testing.T) {
			rep, err := ParseFile(filepath.Join("testdata", fixture))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Suites) != 1 || rep.Suites[0].Name != "pipeline" {
				t.Fatalf("suites = %+v, want one named pipeline", rep.Suites)
			}
			s := rep.Suites[0]
			if s.Time <= 0 || s.Time > time.Minute || !strings.HasPrefix(s.Timestamp, "20") {
				t.Errorf("suite time %v timestamp %q", s.Time, s.Timestamp)
			}
			cases := rep.Cases()
			if len(cases) != len(pytestCases) {
				t.Fatalf("%d cases, want %d", len(cases), len(pytestCases))
			}
			got := Count(cases)
			if got != (Counts{Tests: 12, Passed: 4, Failed: 3, Errors: 2, Skipped: 3}) {
				t.Errorf("counts = %+v", got)
			}
			for i, tc := range pytestCases {
				checkCase(t, fixture, cases[i], tc.id, tc.want)
			}
		})
	}
}

func checkCase(t *testing.T, fixture string, c Case, id string, w want) {
	t.Helper()
	line := w.line2
	if fixture == "pytest-xunit1.xml" {
		line = w.line1
	}
	if fixture == "pytest-xunit2-tblong.xml" && w.status == StatusFailed {
		w.text = "AssertionError" // --tb=long ends with "FILE:LINE: AssertionError"
		if id == "tests.contracts.test_quotes.TestBars::test_param[2-3]" {
			w.text = "assert n == expected"
		}
	}
	if c.ID() != id {
		t.Errorf("case %q, want %q", c.ID(), id)
		return
	}
	if c.Status != w.status {
		t.Errorf("%s: status %q, want %q", id, c.Status, w.status)
	}
	if (w.message == "") != (c.Message == "") || !strings.Contains(c.Message, w.message) {
		t.Errorf("%s: message %q, want it to hold %q", id, c.Message, w.message)
	}
	if (w.text == "") != (c.Text == "") || !strings.Contains(c.Text, w.text) {
		t.Errorf("%s: text %q, want it to hold %q", id, c.Text, w.text)
	}
	if c.File != w.file || c.Line != line {
		t.Errorf("%s: at %s:%d, want %s:%d", id, c.File, c.Line, w.file, line)
	}
}

func TestParseCollectionError(t *testing.T) {
	rep, err := ParseFile("testdata/pytest-collection-error.xml")
	if err != nil {
		t.Fatal(err)
	}
	cases := rep.Cases()
	if len(cases) != 1 {
		t.Fatalf("%d cases, want 1", len(cases))
	}
	c := cases[0]
	if c.Status != StatusError || c.Message != "collection failure" || c.File != "tests/contracts/test_broken.py" || c.Line != 1 {
		t.Errorf("got %+v", c)
	}
}

func TestParseBareTestsuiteAndProperties(t *testing.T) {
	doc := `<?xml version="1.0"?>
<testsuite name="store" time="1.5" timestamp="2024-01-02T03:04:05">
  <properties>
    <property name="core.ref" value="v1.2.0"/>
    <property name="multi">line one
line two</property>
  </properties>
  <testcase classname="tests.contracts.test_a" name="test_ok" time="0.25">
    <properties><property name="owner" value="store-team"/></properties>
    <system-out>noise</system-out>
  </testcase>
  <testcase classname="a.b" name="c"><skipped/></testcase>
</testsuite>`
	rep, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Suites[0]
	if s.Name != "store" || s.Time != 1500*time.Millisecond || s.Timestamp != "2024-01-02T03:04:05" {
		t.Errorf("suite = %+v", s)
	}
	wantProps := []Property{{"core.ref", "v1.2.0"}, {"multi", "line one\nline two"}}
	if len(s.Properties) != 2 || s.Properties[0] != wantProps[0] || s.Properties[1] != wantProps[1] {
		t.Errorf("properties = %+v, want %+v", s.Properties, wantProps)
	}
	c := s.Cases[0]
	if c.Time != 250*time.Millisecond || len(c.Properties) != 1 || c.Properties[0] != (Property{"owner", "store-team"}) {
		t.Errorf("case = %+v", c)
	}
	if c.File != "tests/contracts/test_a.py" || c.Line != 0 {
		t.Errorf("file %s:%d, want the module guess", c.File, c.Line)
	}
	if s.Cases[1].Status != StatusSkipped || s.Cases[1].Message != "" {
		t.Errorf("case 2 = %+v", s.Cases[1])
	}
}

func TestParseResultPrecedence(t *testing.T) {
	for _, tc := range []struct {
		body string
		want Status
		msg  string
	}{
		{`<failure message="call"/><error message="teardown"/>`, StatusFailed, "call"},
		{`<error message="setup"/><failure message="later"/>`, StatusError, "setup"},
		{`<skipped message="s"/><failure message="f"/>`, StatusFailed, "f"},
		{`<skipped message="first"/><skipped message="second"/>`, StatusSkipped, "first"},
		{`<rerunFailure message="flaky"/>`, StatusPassed, ""},
	} {
		rep, err := Parse(strings.NewReader(`<testsuites><testsuite><testcase name="t">` + tc.body + `</testcase></testsuite></testsuites>`))
		if err != nil {
			t.Fatal(err)
		}
		c := rep.Cases()[0]
		if c.Status != tc.want || c.Message != tc.msg {
			t.Errorf("%s: got %s %q, want %s %q", tc.body, c.Status, c.Message, tc.want, tc.msg)
		}
	}
}

func TestParseNestedSuites(t *testing.T) {
	doc := `<testsuites><testsuite name="outer"><testcase name="a"/>
	<testsuite name="inner"><testcase name="b"/></testsuite><testcase name="c"/></testsuite></testsuites>`
	rep, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range rep.Suites {
		names = append(names, s.Name+":"+string(rune('0'+len(s.Cases))))
	}
	if got := strings.Join(names, ","); got != "outer:2,inner:1" {
		t.Errorf("suites %s, want outer:2,inner:1", got)
	}
	var ids []string
	for _, c := range rep.Cases() {
		ids = append(ids, c.ID())
	}
	if got := strings.Join(ids, ","); got != "a,c,b" {
		t.Errorf("cases %s, want a,c,b", got)
	}
}

func TestParseTimes(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"0.062": 62 * time.Millisecond, "": 0, "abc": 0, "-1": 0, "NaN": 0, "+Inf": 0,
		"1e300": time.Duration(maxSeconds) * time.Second, " 2 ": 2 * time.Second,
		"0.000000001": 1, "0.0000000004": 0,
	} {
		if got := parseSeconds(in); got != want {
			t.Errorf("parseSeconds(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLocate(t *testing.T) {
	for _, tc := range []struct {
		name, classname, caseName, fileAttr, lineAttr, text string
		file                                                string
		line                                                int
	}{
		{"module guess without traceback", "tests.contracts.test_x.TestY", "test_z", "", "", "", "tests/contracts/test_x.py", 0},
		{"nested classes", "tests.test_x.TestY.TestInner", "t", "", "", "", "tests/test_x.py", 0},
		{"traceback names a package module", "pkg.tests.TestY", "t", "", "", "pkg/tests.py:9: in t\n", "pkg/tests.py", 9},
		{"longest prefix the traceback mentions", "a.b.c", "t", "", "", "a/b.py:3: in x\na/b/c.py:4: in y\n", "a/b/c.py", 4},
		{"absolute path in traceback", "tests.test_x", "t", "", "", "/w/repo/tests/test_x.py:7: skipped\n", "tests/test_x.py", 7},
		{"last matching line wins", "tests.test_x", "t", "", "", "tests/test_x.py:3: in t\nlib/other.py:9: in h\ntests/test_x.py:5: in h\nlib/other.py:11: E\n", "tests/test_x.py", 5},
		{"native traceback", "tests.test_x", "t", "", "", "  File \"tests/test_x.py\", line 12, in t\n    assert x\n", "tests/test_x.py", 12},
		{"xunit1 attributes", "tests.test_x", "t", "tests/test_x.py", "10", "", "tests/test_x.py", 10},
		{"traceback beats line attribute", "tests.test_x", "t", "tests/test_x.py", "10", "tests/test_x.py:14: AssertionError\n", "tests/test_x.py", 14},
		{"file attribute beats classname", "x.y", "t", "src/z.py", "", "x/y.py:3: in t\n", "src/z.py", 0},
		{"collection error names the module", "", "tests.test_broken", "", "", "tests/test_broken.py:1: in <module>\n", "tests/test_broken.py", 1},
		{"not a dotted path", "", "test_param[1-2]", "", "", "", "", 0},
		{"only class names", "TestA.TestB", "t", "", "", "", "", 0},
		{"module guess needs a test module name", "tests.helpers.TestY", "t", "", "", "", "", 0},
		{"bad line attribute", "tests.test_x", "t", "", "-3", "", "tests/test_x.py", 0},
		{"not a traceback line", "tests.test_x", "t", "", "", "see tests/test_x.py:12: inline", "tests/test_x.py", 0},
		{"too deep to guess", strings.Repeat("a.", 20) + "test_b", "t", "", "", "", "", 0},
		{"not a test module", "contracts", "store", "", "", "", "", 0},
		{"suffix-named test module", "pkg.api_test.TestA", "t", "", "", "", "pkg/api_test.py", 0},
		{"any module the traceback names", "pkg.checks.TestA", "t", "", "", "pkg/checks.py:4: in t\n", "pkg/checks.py", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Case{Classname: tc.classname, Name: tc.caseName, Text: tc.text}
			locate(&c, tc.fileAttr, tc.lineAttr)
			if c.File != tc.file || c.Line != tc.line {
				t.Errorf("got %s:%d, want %s:%d", c.File, c.Line, tc.file, tc.line)
			}
		})
	}
}

func TestParseTruncatesLongText(t *testing.T) {
	long := strings.Repeat("é", MaxTextLen) // 2 bytes each: twice the limit
	doc := `<testsuite><testcase name="t"><failure message="m">` + long + `</failure></testcase></testsuite>`
	rep, err := Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	text := rep.Cases()[0].Text
	if len(text) > MaxTextLen || !strings.HasSuffix(text, " bytes truncated]") || !strings.HasPrefix(text, "éé") {
		t.Errorf("text of %d bytes ends %q", len(text), text[len(text)-40:])
	}
	if strings.ContainsRune(text, '\uFFFD') {
		t.Error("cut inside a character")
	}
}

func TestParseFileErrors(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "missing.xml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if _, err := ParseFile(t.TempDir()); err == nil {
		t.Error("a directory parsed")
	}
	big := filepath.Join(t.TempDir(), "big.xml")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxReportSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	if _, err := ParseFile(big); err == nil || !strings.Contains(err.Error(), "report larger than") {
		t.Errorf("oversized file: %v", err)
	}
}
