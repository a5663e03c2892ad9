package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// BisectLabel names the directory of the culprit probes' JUnit reports
// (junit/bisect/<downstream>.xml).
const BisectLabel = "bisect"

// commitLink is the GitHub web address of commit sha of repo
// (https://github.com/OWNER/REPO/commit/SHA), or "" for a repository not
// on github.com or a SHA that is not a full commit id.
func commitLink(repo, sha string) string {
	owner, name, ok := githubRepo(repo)
	if !ok || !fullSHA.MatchString(sha) {
		return ""
	}
	return "https://github.com/" + owner + "/" + name + "/commit/" + sha
}

// bisectHeadline sums a bisection up in one line.
func bisectHeadline(b *bisect.Result) string {
	if b.Error != "" {
		return fmt.Sprintf("BISECT FAILED %s..%s: %s", b.Good.Ref, b.Bad.Ref, OneLine(b.Error, MaxMessage))
	}
	var found []string
	for _, d := range b.Downstreams {
		switch d.Status {
		case bisect.Found:
			found = append(found, d.Name+" at "+d.Culprit.Short)
		case bisect.Range:
			found = append(found, fmt.Sprintf("%s in %d commits", d.Name, len(d.Range)))
		}
	}
	if len(found) == 0 {
		return fmt.Sprintf("NOTHING TO BISECT: no downstream regresses between %s and %s", b.Good.Ref, b.Bad.Ref)
	}
	return fmt.Sprintf("BISECTED %s..%s: %s", b.Good.Ref, b.Bad.Ref, strings.Join(found, ", "))
}

// BisectAnswer is a downstream's answer on one line: the first bad commit
// with its subject, author, date and merge, the range, or the reason.
func BisectAnswer(d bisect.Downstream) string {
	switch d.Status {
	case bisect.Found:
		s := commitLine(*d.Culprit)
		if d.Merge != nil {
			s += ", in " + d.Merge.Short + " " + OneLine(d.Merge.Subject, 80)
		}
		return s
	case bisect.Range:
		return fmt.Sprintf("one of %s..%s (%s could not be tested)", d.Range[0].Short, d.Range[len(d.Range)-1].Short, plural(len(d.Skipped), "commit"))
	}
	return OneLine(d.Reason, MaxMessage)
}

// commitLine is "short subject (author, date)".
func commitLine(c bisect.Commit) string {
	date := c.Date
	if len(date) >= 10 {
		date = date[:10]
	}
	return fmt.Sprintf("%s %s (%s, %s)", c.Short, OneLine(c.Subject, 100), OneLine(c.Author, 60), date)
}

func lastGood(b *bisect.Result, d bisect.Downstream) string {
	switch {
	case !d.Status.Bisected():
		return "-"
	case d.LastGood == nil:
		return b.Good.Commit.Short + " (" + b.Good.Ref + ")"
	}
	return d.LastGood.Short
}

// termBisect prints the bisection: a table (downstream, status, first bad
// commit, probes, last good), then each culprit's broken tests.
func termBisect(w io.Writer, b *bisect.Result) {
	fmt.Fprintf(w, "\nBISECT %s..%s (%s..%s: %d commits, %d on the first-parent path)\n",
		b.Good.Ref, b.Bad.Ref, b.Good.Commit.Short, b.Bad.Commit.Short, b.Commits, b.FirstParent)
	if b.Error != "" {
		fmt.Fprintf(w, "the search failed: %s\n", OneLine(b.Error, 2*MaxMessage))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPO\tSTATUS\tFIRST BAD COMMIT\tPROBES\tLAST GOOD")
	for _, d := range b.Downstreams {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.Name, d.Status, BisectAnswer(d), d.Probes, lastGood(b, d))
	}
	tw.Flush()
	for _, d := range b.Downstreams {
		if !d.Status.Bisected() || len(d.Broken) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %s broke %s\n", d.Name, culpritName(d), plural(len(d.Broken), "test"))
		for i, c := range d.Broken {
			if i == MaxListed {
				fmt.Fprintf(w, "  ... and %d more\n", len(d.Broken)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n      %s\n", OneLine(c.ID, MaxMessage), OneLine(c.Message, MaxMessage))
		}
	}
}

func culpritName(d bisect.Downstream) string {
	if d.Status == bisect.Found {
		return d.Culprit.Short
	}
	return d.Range[len(d.Range)-1].Short
}

// mdBisect writes the bisection as Markdown: commits link to GitHub when
// Core is there.
func mdBisect(w io.Writer, res *Result) {
	b, repo := res.Bisect, bisectRepo(res)
	fmt.Fprintf(w, "\n## Bisect %s..%s\n\n", MDText(b.Good.Ref, 200), MDText(b.Bad.Ref, 200))
	if b.Error != "" {
		fmt.Fprintf(w, "The search failed: %s\n", MDText(b.Error, 2*MaxMessage))
		return
	}
	fmt.Fprintf(w, "%d commits, %d on the first-parent path (a merge stands for its pull request).\n\n", b.Commits, b.FirstParent)
	fmt.Fprint(w, "| repo | status | first bad commit | author | date | probes | last good |\n|---|---|---|---|---|---|---|\n")
	for _, d := range b.Downstreams {
		commit, author, date := MDText(BisectAnswer(d), 2*MaxMessage), "", ""
		if d.Status == bisect.Found {
			commit = mdCommit(repo, *d.Culprit)
			if d.Merge != nil {
				commit += " in " + mdCommit(repo, *d.Merge)
			}
			author, date = MDText(d.Culprit.Author, 100), MDText(d.Culprit.Date, 40)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %d | %s |\n", MDText(d.Name, 100), d.Status, commit, author, date, d.Probes, MDText(lastGood(b, d), 200))
	}
	for _, d := range b.Downstreams {
		if !d.Status.Bisected() || len(d.Broken) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n### %s: what %s broke\n\n", MDText(d.Name, 100), MDCode(culpritName(d), 50, false))
		for i, c := range d.Broken {
			if i == MaxListed {
				fmt.Fprintf(w, "- … and %d more\n", len(d.Broken)-i)
				break
			}
			fmt.Fprintf(w, "- %s: %s\n", MDCode(c.ID, MaxMessage, false), or(MDCode(c.Message, MaxMessage, false), "(no message)"))
		}
	}
}

// mdCommit is "[short](link) subject", the link only for github.com.
func mdCommit(repo string, c bisect.Commit) string {
	return mdLinked(MDCode(c.Short, 50, true), commitLink(repo, c.SHA)) + " " + MDText(c.Subject, 200)
}

// bisectRepo is Core's repository, from the bisected runs.
func bisectRepo(res *Result) string {
	for _, runs := range [][]Run{res.Runs, res.Baselines} {
		for _, r := range runs {
			if r.Core.Repo != "" {
				return r.Core.Repo
			}
		}
	}
	return ""
}

// writeBisect writes each culprit probe's JUnit report
// (junit/bisect/<downstream>.xml) and records its path.
func writeBisect(root *os.Root, res *Result) error {
	b, run := res.Bisect, &Run{Label: BisectLabel}
	for i := range b.Downstreams {
		d := &b.Downstreams[i]
		if d.Probe == nil {
			continue
		}
		rel := SuiteReport(BisectLabel, d.Name)
		js := suiteReport(run, d.Probe, nil)
		js.Properties = append(js.Properties, junit.Property{Name: "bisect.status", Value: string(d.Status)}, toolProp(res))
		if err := writeJUnit(root, rel, &junit.Report{Suites: []junit.Suite{js}}); err != nil {
			return err
		}
		d.Report = rel
	}
	return nil
}
