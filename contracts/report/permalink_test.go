package report

import (
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

func TestPermalink(t *testing.T) {
	sha := strings.Repeat("ab", 20)
	const file = "tests/contracts/test_x.py"
	base := "https://github.com/o/r/blob/" + sha + "/"
	for _, tc := range []struct {
		name, repo, sha, file string
		line                  int
		want                  string // "" when refused
	}{
		{"https", "https://github.com/o/r", sha, file, 12, base + file + "#L12"},
		{"https .git", "https://github.com/o/r.git", sha, file, 12, base + file + "#L12"},
		{"trailing slash", "https://github.com/o/r/", sha, file, 12, base + file + "#L12"},
		{"host case, port 443", "https://GitHub.com:443/o/r", sha, file, 1, base + file + "#L1"},
		{"scp", "git@github.com:o/r.git", sha, file, 3, base + file + "#L3"},
		{"scp without .git", "git@github.com:o/r", sha, file, 3, base + file + "#L3"},
		{"no line", "https://github.com/o/r", sha, file, 0, base + file},
		{"dotted repo name", "https://github.com/my-org/market.data_x", sha, "a.py", 1, "https://github.com/my-org/market.data_x/blob/" + sha + "/a.py#L1"},
		{"sha256", "https://github.com/o/r", strings.Repeat("c", 64), "a.py", 0, "https://github.com/o/r/blob/" + strings.Repeat("c", 64) + "/a.py"},
		{"segments escaped", "https://github.com/o/r", sha, "tests/a b/t#1?x%.py", 2, base + "tests/a%20b/t%231%3Fx%25.py#L2"},
		{"user info refused", "https://x-access-token:secret@github.com/o/r", sha, file, 1, ""},
		{"http", "http://github.com/o/r", sha, file, 1, ""},
		{"other host", "https://gitlab.com/o/r", sha, file, 1, ""},
		{"look-alike host", "https://github.com.example/o/r", sha, file, 1, ""},
		{"host in user info", "https://github.com@example.com/o/r", sha, file, 1, ""},
		{"other port", "https://github.com:8443/o/r", sha, file, 1, ""},
		{"enterprise scp", "git@github.example.com:o/r.git", sha, file, 1, ""},
		{"ssh URL", "ssh://git@example.com/o/r.git", sha, file, 1, ""},
		{"local path", "/src/github.com/o/r", sha, file, 1, ""},
		{"no repo", "https://github.com/o", sha, file, 1, ""},
		{"nested path", "https://github.com/o/r/tree/main", sha, file, 1, ""},
		{"query", "https://github.com/o/r?x=1", sha, file, 1, ""},
		{"fragment", "https://github.com/o/r#x", sha, file, 1, ""},
		{"bad owner", "https://github.com/o_o/r", sha, file, 1, ""},
		{"dot-dot repo", "https://github.com/o/..", sha, file, 1, ""},
		{"escaped slash in repo", "https://github.com/o/r%2Fx", sha, file, 1, ""},
		{"short sha", "https://github.com/o/r", sha[:7], file, 1, ""},
		{"branch", "https://github.com/o/r", "main", file, 1, ""},
		{"upper-case sha", "https://github.com/o/r", strings.ToUpper(sha), file, 1, ""},
		{"no sha", "https://github.com/o/r", "", file, 1, ""},
		{"no file", "https://github.com/o/r", sha, "", 1, ""},
		{"absolute file", "https://github.com/o/r", sha, "/etc/passwd", 1, ""},
		{"dot-dot file", "https://github.com/o/r", sha, "tests/../../x.py", 1, ""},
		{"dot file segment", "https://github.com/o/r", sha, "./tests/x.py", 1, ""},
		{"backslash file", "https://github.com/o/r", sha, `tests\x.py`, 1, ""},
		{"empty segment", "https://github.com/o/r", sha, "tests//x.py", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Permalink(tc.repo, tc.sha, tc.file, tc.line)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Permalink(%q, %q, %q, %d) = %q, %v; want %q", tc.repo, tc.sha, tc.file, tc.line, got, ok, tc.want)
			}
		})
	}
}

func TestCaseLink(t *testing.T) {
	d := downstream("pipeline")
	c := tc("quotes_bid", fail, "boom")
	want := "https://github.com/mjdevaccount/pipeline/blob/" + d.SHA + "/tests/contracts/test_quotes.py#L12"
	if got := CaseLink(d, c); got != want {
		t.Errorf("CaseLink = %q, want %q", got, want)
	}
	for name, src := range map[string]plan.Source{
		"unresolved": {Repo: d.Repo, Ref: "main"},
		"local copy": {Repo: d.Repo, SHA: d.SHA, Local: "/src/pipeline"},
	} {
		if got := CaseLink(src, c); got != "" {
			t.Errorf("%s: CaseLink = %q, want none", name, got)
		}
	}
	if got := CaseLink(d, junit.Case{Classname: "t", Name: "x", Status: fail}); got != "" {
		t.Errorf("case without a file: CaseLink = %q", got)
	}
}
