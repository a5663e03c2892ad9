package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// MaxMarkdown bounds summary.md and the GitHub job summary: GitHub takes
// at most 1 MiB of job summary per step, and summary.md is what a
// workflow's summary step shows.
const MaxMarkdown = 1000 << 10

// CutMarkdown returns md when it fits in MaxMarkdown; else md cut at its
// last line break within the limit, ending with a note that says so and
// where the full report is (where).
func CutMarkdown(md, where string) string {
	note := fmt.Sprintf("\n*(cut at %d KiB, GitHub's job summary limit: %s)*\n", MaxMarkdown>>10, where)
	if len(md) <= MaxMarkdown {
		return md
	}
	cut := strings.LastIndexByte(md[:MaxMarkdown-len(note)], '\n')
	return md[:cut+1] + note
}

// MarkdownOptions shape Markdown's output.
type MarkdownOptions struct {
	// Links makes verdicts links to the suites' JUnit reports (relative to
	// the output directory: right for summary.md, wrong for a job summary).
	Links bool
}

// Markdown writes res as GitHub-flavoured Markdown: headline, regressions
// first (when there is a baseline), the per-repo table (downstream and
// Core ref@sha), the compatibility matrix when there are several runs, then
// the failing tests with their messages. Failing tests and regressed cases
// link to their lines in the downstream repository when it is on github.com
// (CaseLink). Untrusted text is escaped (MDText, MDCode).
func Markdown(w io.Writer, res *Result, opts MarkdownOptions) {
	word := "OK"
	if !res.OK() {
		word = "FAILED"
	}
	title := "Contract run: " + word
	if res.Bisect != nil {
		title = "Bisect: " + BisectTitle(res.Bisect)
	}
	fmt.Fprintf(w, "# %s\n\n", title)
	fmt.Fprintf(w, "%s · started %s · took %s%s\n\n", Subject(res, func(s string) string { return MDCode(s, 300, false) }), res.Started.UTC().Format("2006-01-02 15:04:05 UTC"), Dur(res.Duration()), toolLine(res))
	fmt.Fprintf(w, "**%s**\n", MDText(Headline(res), 1000))
	if res.Bisect != nil {
		mdBisect(w, res)
	}
	if compared(res) {
		mdRegressions(w, res)
	}
	mdTable(w, res, opts)
	mdReadiness(w, res)
	if len(res.Runs) > 1 {
		mdMatrix(w, res, opts)
	}
	mdFailures(w, res, opts)
	mdFlaky(w, res)
}

// mdFlaky lists the flaky tests, as termFlaky.
func mdFlaky(w io.Writer, res *Result) {
	flaky := Flaky(res)
	if len(flaky) == 0 {
		return
	}
	fmt.Fprintf(w, "\n## Flaky (%d)\n\nFailed, then passed when rerun alone: not failures.\n\n", len(flaky))
	for _, f := range flaky {
		id := mdLinked(MDCode(f.Case.ID(), MaxMessage, false), CaseLink(f.Suite.Downstream, f.Case))
		fmt.Fprintf(w, "- %s · %s · %s\n", MDText(f.Suite.Name, 100), MDCode(f.Run.Title(), 300, false), id)
	}
}

func mdRegressions(w io.Writer, res *Result) {
	regs := Regressions(res)
	fmt.Fprintf(w, "\n## Regressions (%d)\n\n", len(regs))
	if len(regs) == 0 {
		fmt.Fprint(w, "No case and no suite got worse than on the baseline.\n")
		return
	}
	fmt.Fprint(w, "| repo | core | test | baseline → candidate | message |\n|---|---|---|---|---|\n")
	for _, r := range regs {
		test, msg := "*(whole suite)*", MDText(ReasonLine(r.Comparison.Reason, MaxMessage), MaxMessage)
		if c := r.Case; c != nil {
			test, msg = mdLinked(MDCode(c.ID, MaxMessage, true), r.Link()), MDCode(c.Message, MaxMessage, true)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s → %s | %s |\n", MDText(r.Suite.Name, 100), MDText(r.Run.Title(), 300), test, r.From(), r.To(), msg)
	}
}

func mdTable(w io.Writer, res *Result, opts MarkdownOptions) {
	head, rows := suiteTable(res)
	fmt.Fprintf(w, "\n## Suites\n\n| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, r := range rows {
		cells := make([]string, len(r.cells))
		for k, v := range r.cells {
			cells[k] = mdCell(head[k], v, r.suite, opts)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// mdCell escapes a per-repo table cell for markdown; the verdict links to
// the suite's JUnit report.
func mdCell(column, v string, s *outcome.Suite, opts MarkdownOptions) string {
	switch column {
	case "repo":
		return MDText(v, 100)
	case "downstream", "core":
		return MDCode(v, 300, true)
	case "python":
		return MDText(v, 50)
	case "verdict":
		return link(v, s, opts)
	}
	return v
}

// link makes text a link to the suite's JUnit report when asked to.
func link(text string, s *outcome.Suite, opts MarkdownOptions) string {
	if !opts.Links || s.Report == "" {
		return text
	}
	return fmt.Sprintf("[%s](<%s>)", text, s.Report)
}

// mdLinked makes text (already escaped) a link to url when there is one;
// url comes from Permalink, escaped and without '<', '>' or spaces.
func mdLinked(text, url string) string {
	if url == "" {
		return text
	}
	return "[" + text + "](<" + url + ">)"
}

func mdMatrix(w io.Writer, res *Result, opts MarkdownOptions) {
	head := []string{"repo"}
	for i := range res.Runs {
		head = append(head, MDText(res.Runs[i].Title(), 300))
	}
	fmt.Fprintf(w, "\n## Compatibility matrix\n\n| %s |\n|%s\n", strings.Join(head, " | "), strings.Repeat("---|", len(head)))
	for _, name := range matrixRows(res) {
		row := []string{MDText(name, 100)}
		for i := range res.Runs {
			text := cell(&res.Runs[i], name)
			if s := suiteOf(&res.Runs[i], name); s != nil {
				text = link(text, s, opts)
			}
			row = append(row, text)
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

func mdFailures(w io.Writer, res *Result, opts MarkdownOptions) {
	header := false
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			fails, total, ok := failuresToList(run, s)
			if !ok {
				continue
			}
			if !header {
				fmt.Fprint(w, "\n## Failures\n")
				header = true
			}
			mdSuiteFailures(w, run, s, fails, total, opts)
		}
	}
}

func mdSuiteFailures(w io.Writer, run *Run, s *outcome.Suite, fails []Failure, total int, opts MarkdownOptions) {
	fmt.Fprintf(w, "\n### %s · core %s · %s\n", MDText(s.Name, 100), MDCode(Source(s.Core), 300, false), Status(run, s))
	if s.Reason != "" {
		fmt.Fprintf(w, "\nReason: %s\n", MDText(ReasonLine(s.Reason, 2*MaxMessage), 2*MaxMessage))
	}
	if len(fails) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range fails {
		loc := ""
		if l := location(f.Case); l != "" {
			loc = " (" + MDCode(l, MaxMessage, false) + ")"
		}
		id := mdLinked(MDCode(f.Case.ID(), MaxMessage, false), CaseLink(s.Downstream, f.Case))
		fmt.Fprintf(w, "- %s%s%s: %s\n", mdTag(f), id, loc, or(MDCode(f.Case.Message, MaxMessage, false), "(no message)"))
	}
	if total > len(fails) {
		fmt.Fprintf(w, "- … and %d more failing tests (%s)\n", total-len(fails), link("JUnit report", s, opts))
	}
}

func mdTag(f Failure) string {
	if t := tag(f); t != "" {
		return "**" + strings.Trim(t, "[] ") + "** "
	}
	return ""
}

// toolLine names the version that ran the run, after the subject line
// ("" for reports that do not record it).
func toolLine(res *Result) string {
	if res.Tool == "" {
		return ""
	}
	return " · " + version.Name + " " + MDText(res.Tool, 100)
}
