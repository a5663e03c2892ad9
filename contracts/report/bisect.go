package report

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// BisectLabel names the directory of the culprit probes' JUnit reports
// (junit/bisect/<downstream>/<short SHA>.xml).
const BisectLabel = "bisect"

// PropCulprit is the case property of a culprit probe's report naming the
// culprit (short SHA) that broke the case, for every case a culprit of
// that downstream broke (an earlier culprit's cases fail at a later one's
// probe too).
const PropCulprit = PropPrefix + "culprit"

// BisectReport is the path of the JUnit report of a downstream's probe at
// a culprit's end commit: junit/bisect/<downstream>/<short SHA>.xml.
func BisectReport(downstream string, end bisect.Commit) string {
	return path.Join(JUnitDir, BisectLabel, SafeName(downstream), SafeName(end.Short)+".xml")
}

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

// bisectHeadline sums a bisection up in one line: every downstream's
// culprits, then the downstreams with tests that flip.
func bisectHeadline(b *bisect.Result) string {
	if b.Error != "" {
		return fmt.Sprintf("BISECT FAILED %s..%s: %s", b.Good.Ref, b.Bad.Ref, OneLine(b.Error, MaxMessage))
	}
	var found, flips []string
	for _, d := range b.Downstreams {
		if len(d.Culprits) > 0 {
			var names []string
			for _, c := range d.Culprits {
				names = append(names, CulpritName(c))
			}
			found = append(found, d.Name+" at "+strings.Join(names, " and "))
		}
		if len(d.Flips) > 0 {
			flips = append(flips, fmt.Sprintf("%s (%s)", d.Name, plural(len(d.Flips), "test")))
		}
	}
	rng := b.Good.Ref + ".." + b.Bad.Ref
	switch {
	case len(found) > 0 && len(flips) > 0:
		return fmt.Sprintf("BISECTED %s: %s; flipping, not attributed: %s", rng, strings.Join(found, ", "), strings.Join(flips, ", "))
	case len(found) > 0:
		return fmt.Sprintf("BISECTED %s: %s", rng, strings.Join(found, ", "))
	case len(flips) > 0:
		return fmt.Sprintf("NO CULPRIT %s: the regressed tests flip between good and bad: %s", rng, strings.Join(flips, ", "))
	}
	return fmt.Sprintf("NOTHING TO BISECT: no downstream regresses between %s and %s", b.Good.Ref, b.Bad.Ref)
}

// BisectTitle says what a bisection found, for a title (summary.md's, a
// notification's header): the search failed, first bad commits found, no
// culprit (the regressed tests flip), or nothing to bisect.
func BisectTitle(b *bisect.Result) string {
	flips := false
	for _, d := range b.Downstreams {
		flips = flips || len(d.Flips) > 0
	}
	switch {
	case b.Error != "":
		return "the search failed"
	case b.Culprits() > 0:
		return "first bad commits found"
	case flips:
		return "no culprit, the regressed tests flip"
	}
	return "nothing to bisect"
}

// CulpritName is a culprit's short SHA, or "one of A..B" for a range.
func CulpritName(c bisect.Culprit) string {
	if c.Status == bisect.Found {
		return c.Commit.Short
	}
	return "one of " + c.Range[0].Short + ".." + c.Range[len(c.Range)-1].Short
}

// CulpritLine is a culprit on one line, as the tables show it: the commit
// with subject, author and date and the merge that brought it, or the
// range.
func CulpritLine(d bisect.Downstream, c bisect.Culprit) string {
	if c.Status == bisect.Range {
		return fmt.Sprintf("%s (%s could not be tested)", CulpritName(c), plural(len(d.Skipped), "commit"))
	}
	s := commitLine(*c.Commit)
	if c.Merge != nil {
		s += ", in " + c.Merge.Short + " " + OneLine(c.Merge.Subject, 80)
	}
	return s
}

// commitLine is "short subject (author, date)".
func commitLine(c bisect.Commit) string {
	return fmt.Sprintf("%s %s (%s, %s)", c.Short, OneLine(c.Subject, 100), OneLine(c.Author, 60), day(c.Date))
}

// day is the date part of an RFC 3339 time.
func day(date string) string {
	if len(date) >= 10 {
		return date[:10]
	}
	return date
}

func lastGood(b *bisect.Result, c bisect.Culprit) string {
	if c.LastGood == nil {
		return b.Good.Commit.Short + " (" + b.Good.Ref + ")"
	}
	return c.LastGood.Short
}

// bisectRow is one row of the bisection's tables: a culprit, or a
// downstream without one (culprit nil).
type bisectRow struct {
	d       bisect.Downstream
	culprit *bisect.Culprit
	// first marks a downstream's first row, which carries its probes.
	first bool
}

// bisectRows lists a row per culprit, and one per downstream without any.
func bisectRows(b *bisect.Result) []bisectRow {
	var rows []bisectRow
	for _, d := range b.Downstreams {
		if len(d.Culprits) == 0 {
			rows = append(rows, bisectRow{d: d, first: true})
		}
		for i := range d.Culprits {
			rows = append(rows, bisectRow{d: d, culprit: &d.Culprits[i], first: i == 0})
		}
	}
	return rows
}

// cells are the row's status, answer, tests, probes and last good commit.
func (r bisectRow) cells(b *bisect.Result) (status, answer, tests, probes, last string) {
	if r.first {
		probes = fmt.Sprint(r.d.Probes)
	}
	if r.culprit == nil {
		return string(r.d.Status), OneLine(r.d.Reason, MaxMessage), "-", probes, "-"
	}
	c := *r.culprit
	return string(c.Status), CulpritLine(r.d, c), fmt.Sprint(len(c.Broken)), probes, lastGood(b, c)
}

// termBisect prints the bisection: a table (downstream, status, first bad
// commit, tests it broke, probes, last good), a row per culprit; then each
// culprit's broken tests, and the tests that flip.
func termBisect(w io.Writer, b *bisect.Result) {
	fmt.Fprintf(w, "\nBISECT %s..%s (%s..%s: %d commits, %d on the first-parent path)\n",
		b.Good.Ref, b.Bad.Ref, b.Good.Commit.Short, b.Bad.Commit.Short, b.Commits, b.FirstParent)
	if b.Error != "" {
		fmt.Fprintf(w, "the search failed: %s\n", OneLine(b.Error, 2*MaxMessage))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "REPO\tSTATUS\tFIRST BAD COMMIT\tTESTS\tPROBES\tLAST GOOD")
	for _, r := range bisectRows(b) {
		status, answer, tests, probes, last := r.cells(b)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.d.Name, status, answer, tests, probes, last)
	}
	tw.Flush()
	for _, d := range b.Downstreams {
		for _, c := range d.Culprits {
			if len(c.Broken) == 0 {
				continue
			}
			fmt.Fprintf(w, "%s: %s broke %s\n", d.Name, CulpritName(c), plural(len(c.Broken), "test"))
			for i, bc := range c.Broken {
				if i == MaxListed {
					fmt.Fprintf(w, "  ... and %d more\n", len(c.Broken)-i)
					break
				}
				fmt.Fprintf(w, "  %s\n      %s\n", OneLine(bc.ID, MaxMessage), OneLine(bc.Message, MaxMessage))
			}
		}
		if len(d.Flips) > 0 {
			fmt.Fprintf(w, "%s: %s between good and bad, attributed to no commit\n", d.Name, flipCount(len(d.Flips)))
			for i, f := range d.Flips {
				if i == MaxListed {
					fmt.Fprintf(w, "  ... and %d more\n", len(d.Flips)-i)
					break
				}
				fmt.Fprintf(w, "  %s (%s)\n      seen: %s\n", OneLine(f.ID, MaxMessage), flipKind(f), FlipSeen(f))
			}
		}
	}
}

// flipCount is "1 test flips" or "n tests flip".
func flipCount(n int) string {
	if n == 1 {
		return "1 test flips"
	}
	return fmt.Sprintf("%d tests flip", n)
}

// mdCulpritName is culpritName in Markdown, the SHAs as code.
func mdCulpritName(c bisect.Culprit) string {
	if c.Status == bisect.Found {
		return MDCode(c.Commit.Short, 50, false)
	}
	return "one of " + MDCode(c.Range[0].Short, 50, false) + ".." + MDCode(c.Range[len(c.Range)-1].Short, 50, false)
}

// flipKind says what a flipping test is at bad.
func flipKind(f bisect.Flip) string {
	if f.Regressed {
		return "broken at bad"
	}
	return "broke and was fixed again"
}

// FlipSeen lists where a flipping test was seen, in history order:
// "abc1234 ok, def5678 broken, ...".
func FlipSeen(f bisect.Flip) string {
	return sightings(f, func(c bisect.Commit) string { return c.Short })
}

// sightings lists where a flipping test was seen: "abc1234 ok, def5678
// broken, ...", each commit named by name.
func sightings(f bisect.Flip, name func(bisect.Commit) string) string {
	var parts []string
	for _, s := range f.Seen {
		state := "ok"
		if s.Broken {
			state = "broken"
		}
		parts = append(parts, name(s.Commit)+" "+state)
	}
	return strings.Join(parts, ", ")
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
	fmt.Fprintf(w, "%d commits, %d on the first-parent path (a merge stands for its pull request). A row per culprit: every test that regressed is attributed to the first commit it breaks at.\n\n", b.Commits, b.FirstParent)
	fmt.Fprint(w, "| repo | status | first bad commit | author | date | tests | probes | last good |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range bisectRows(b) {
		status, answer, tests, probes, last := r.cells(b)
		commit, author, date := MDText(answer, 2*MaxMessage), "", ""
		if c := r.culprit; c != nil && c.Status == bisect.Found {
			commit = mdCommit(repo, *c.Commit)
			if c.Merge != nil {
				commit += " in " + mdCommit(repo, *c.Merge)
			}
			author, date = MDText(c.Commit.Author, 100), MDText(c.Commit.Date, 40)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", MDText(r.d.Name, 100), status, commit, author, date, tests, probes, MDText(last, 200))
	}
	for _, d := range b.Downstreams {
		for _, c := range d.Culprits {
			if len(c.Broken) == 0 {
				continue
			}
			fmt.Fprintf(w, "\n### %s: what %s broke\n\n", MDText(d.Name, 100), mdCulpritName(c))
			for i, bc := range c.Broken {
				if i == MaxListed {
					fmt.Fprintf(w, "- … and %d more\n", len(c.Broken)-i)
					break
				}
				fmt.Fprintf(w, "- %s: %s\n", MDCode(bc.ID, MaxMessage, false), or(MDCode(bc.Message, MaxMessage, false), "(no message)"))
			}
		}
		if len(d.Flips) > 0 {
			fmt.Fprintf(w, "\n### %s: tests that flip (attributed to no commit)\n\n", MDText(d.Name, 100))
			for i, f := range d.Flips {
				if i == MaxListed {
					fmt.Fprintf(w, "- … and %d more\n", len(d.Flips)-i)
					break
				}
				fmt.Fprintf(w, "- %s (%s): seen %s\n", MDCode(f.ID, MaxMessage, false), flipKind(f), sightings(f, func(c bisect.Commit) string { return MDCode(c.Short, 50, false) }))
			}
		}
	}
}

// mdCommit is "[short](link) subject", the link only for github.com.
func mdCommit(repo string, c bisect.Commit) string {
	return mdLinked(MDCode(c.Short, 50, true), commitLink(repo, c.SHA)) + " " + MDText(c.Subject, 200)
}

// CulpritLink is the GitHub web address of a culprit's end commit, or ""
// when Core is not on github.com.
func CulpritLink(res *Result, c bisect.Culprit) string {
	return commitLink(bisectRepo(res), c.End().SHA)
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

// writeBisect writes the JUnit report of each culprit's probe
// (BisectReport) and records its path: the suite's cases at that commit,
// each case a culprit of the downstream broke marked with that culprit
// (PropCulprit), and the culprit in bisect.* suite properties.
func writeBisect(root *os.Root, res *Result) error {
	b, run := res.Bisect, &Run{Label: BisectLabel}
	for i := range b.Downstreams {
		d := &b.Downstreams[i]
		brokeBy := map[string]string{}
		for _, c := range d.Culprits {
			for _, bc := range c.Broken {
				brokeBy[bc.ID] = c.End().Short
			}
		}
		for j := range d.Culprits {
			c := &d.Culprits[j]
			if c.Probe == nil {
				continue
			}
			js := suiteReport(run, c.Probe, nil)
			js.Properties = append(append(js.Properties, culpritProps(*c)...), toolProp(res))
			for k := range js.Cases {
				if short, ok := brokeBy[js.Cases[k].ID()]; ok {
					js.Cases[k].Properties = append(js.Cases[k].Properties, junit.Property{Name: PropCulprit, Value: short})
				}
			}
			rel := BisectReport(d.Name, c.End())
			if err := writeJUnit(root, rel, &junit.Report{Suites: []junit.Suite{js}}); err != nil {
				return err
			}
			c.Report = rel
		}
	}
	return nil
}

// culpritProps describe a culprit in its probe's report: bisect.status,
// bisect.commit (the end commit's SHA), bisect.subject, bisect.author,
// bisect.date, bisect.merge (when it came in a merge) and bisect.broken
// (how many tests it broke).
func culpritProps(c bisect.Culprit) []junit.Property {
	end := c.End()
	props := []junit.Property{
		{Name: "bisect.status", Value: string(c.Status)}, {Name: "bisect.commit", Value: end.SHA},
		{Name: "bisect.subject", Value: end.Subject}, {Name: "bisect.author", Value: end.Author}, {Name: "bisect.date", Value: end.Date},
	}
	if c.Merge != nil {
		props = append(props, junit.Property{Name: "bisect.merge", Value: c.Merge.SHA})
	}
	return append(props, junit.Property{Name: "bisect.broken", Value: fmt.Sprint(len(c.Broken))})
}
