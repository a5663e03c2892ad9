package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// Terminal prints res for people: what was tested, the regressions first,
// a table of every suite (downstream and Core ref@sha), the compatibility
// matrix when there are several runs, each failing test with its message,
// and the headline. Untrusted text (messages, reasons) is printed on one
// line without control characters.
func Terminal(w io.Writer, res *Result) {
	fmt.Fprintf(w, "contract run: %s\n", Subject(res, func(s string) string { return s }))
	if res.Bisect != nil {
		termBisect(w, res.Bisect)
	}
	if compared(res) {
		termRegressions(w, res)
	}
	termTable(w, res)
	termReadiness(w, res)
	if len(res.Runs) > 1 {
		termMatrix(w, res)
	}
	termFailures(w, res)
	termFlaky(w, res)
	fmt.Fprintf(w, "\n%s\n", Headline(res))
}

// termFlaky lists the tests that failed and then passed when rerun alone:
// they do not fail their suite (outcome.Settle).
func termFlaky(w io.Writer, res *Result) {
	flaky := Flaky(res)
	if len(flaky) == 0 {
		return
	}
	fmt.Fprintf(w, "\nFLAKY (%d: failed, then passed when rerun alone; not failures)\n", len(flaky))
	for _, f := range flaky {
		fmt.Fprintf(w, "  %s  %s  %s\n", f.Suite.Name, f.Run.Title(), OneLine(f.Case.ID(), MaxMessage))
	}
}

func termRegressions(w io.Writer, res *Result) {
	regs := Regressions(res)
	fmt.Fprintf(w, "\nREGRESSIONS (%d)\n", len(regs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range regs {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Suite.Name, r.Run.Title(), regressionText(r))
	}
	tw.Flush()
}

// regressionText describes a regression on one line.
func regressionText(r Regression) string {
	if r.Case == nil {
		return ReasonLine(fmt.Sprintf("suite %s -> %s: %s", r.From(), r.To(), r.Comparison.Reason), 2*MaxMessage)
	}
	return fmt.Sprintf("%s  %s -> %s  %s", OneLine(r.Case.ID, MaxMessage), r.From(), r.To(), OneLine(r.Case.Message, MaxMessage))
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func termTable(w io.Writer, res *Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head, rows := suiteTable(res)
	for k, h := range head {
		head[k] = termHeader(h)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r.cells, "\t"))
	}
	tw.Flush()
}

// termHeader is a column name as the terminal shows it.
func termHeader(column string) string {
	if column == "python" {
		return "PY"
	}
	return strings.ToUpper(column)
}

func classOf(run *Run, name string) string {
	if c := run.Compared(name); c != nil {
		return string(c.Class)
	}
	return "-"
}

func termMatrix(w io.Writer, res *Result) {
	fmt.Fprint(w, "\nCOMPATIBILITY MATRIX\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := []string{"REPO"}
	for i := range res.Runs {
		head = append(head, strings.ReplaceAll(res.Runs[i].Title(), " ", ""))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for _, name := range matrixRows(res) {
		row := []string{name}
		for i := range res.Runs {
			row = append(row, cell(&res.Runs[i], name))
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	tw.Flush()
}

// cell is a matrix cell: the verdict, and the class when it breaks.
func cell(run *Run, name string) string {
	s := suiteOf(run, name)
	if s == nil {
		return "-"
	}
	if c := run.Compared(name); c != nil && c.Class.Breaking() {
		return string(s.Verdict) + " (" + string(c.Class) + ")"
	}
	return string(s.Verdict)
}

func termFailures(w io.Writer, res *Result) {
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
				fmt.Fprint(w, "\nFAILURES\n")
				header = true
			}
			fmt.Fprintf(w, "%s @ core %s: %s\n", s.Name, Source(s.Core), Status(run, s))
			if s.Reason != "" {
				fmt.Fprintf(w, "  reason: %s\n", ReasonLine(s.Reason, 2*MaxMessage))
			}
			for _, f := range fails {
				fmt.Fprintf(w, "  %s%s%s\n      %s\n", tag(f), OneLine(f.Case.ID(), MaxMessage), where(f), OneLine(f.Case.Message, MaxMessage))
			}
			if total > len(fails) {
				fmt.Fprintf(w, "  ... and %d more failing tests (see %s)\n", total-len(fails), or(s.Report, "its JUnit report"))
			}
		}
	}
}

// tag labels a failure with its class ("[regressed] ") or as a module
// that could not be collected.
func tag(f Failure) string {
	switch {
	case f.Class != "":
		return "[" + string(f.Class) + "] "
	case f.Collection:
		return "[collection error] "
	}
	return ""
}

// location is "file:line", "file" or "" for a failing case.
func location(c junit.Case) string {
	switch {
	case c.File != "" && c.Line > 0:
		return fmt.Sprintf("%s:%d", c.File, c.Line)
	default:
		return c.File
	}
}

// where is " (file:line)" when the case is located.
func where(f Failure) string {
	if l := location(f.Case); l != "" {
		return " (" + OneLine(l, MaxMessage) + ")"
	}
	return ""
}
