package github

import (
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Summary is the job summary: report.Markdown without links (the JUnit
// files are not next to a job summary), cut at report.MaxMarkdown (below
// GitHub's 1 MiB per step).
func Summary(res *report.Result) string {
	var b strings.Builder
	report.Markdown(&b, res, report.MarkdownOptions{})
	return report.CutMarkdown(b.String(), "every suite and failing test is in the run's reports (summary.json, junit.xml)")
}

// splitLines returns the non-empty lines of s.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
