package github

import (
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// MaxSummary bounds the job summary below GitHub's 1 MiB per step.
const MaxSummary = 1000 << 10

// Summary is the job summary: report.Markdown without links (the JUnit
// files are not next to a job summary), cut at MaxSummary.
func Summary(res *report.Result) string {
	var b strings.Builder
	report.Markdown(&b, res, report.MarkdownOptions{})
	s := b.String()
	if len(s) > MaxSummary {
		cut := strings.LastIndexByte(s[:MaxSummary], '\n')
		s = s[:cut+1] + "\n*(summary cut at 1000 KiB: see summary.md in the reports)*\n"
	}
	return s
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
