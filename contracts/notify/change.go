package notify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Change is how the set of failing suites (report.FailingSuites: the
// suites that fail the run under its policy; a suite whose only failures
// are flaky does not) moved from a previous run to this one.
type Change struct {
	// Failing are this run's failing suites, Before the previous run's.
	Failing, Before []string
	// NewlyFailing fail now and did not before; Recovered failed before
	// and do not now.
	NewlyFailing, Recovered []string
}

// Compare returns how res's failing suites differ from prev's.
func Compare(prev, res *report.Result) Change {
	c := Change{Failing: report.FailingSuites(res), Before: report.FailingSuites(prev)}
	for _, s := range c.Failing {
		if !slices.Contains(c.Before, s) {
			c.NewlyFailing = append(c.NewlyFailing, s)
		}
	}
	for _, s := range c.Before {
		if !slices.Contains(c.Failing, s) {
			c.Recovered = append(c.Recovered, s)
		}
	}
	return c
}

// Changed reports whether a suite started or stopped failing.
func (c Change) Changed() bool { return len(c.NewlyFailing)+len(c.Recovered) > 0 }

// Decision is whether to send a message, and why.
type Decision struct {
	// Send is set when the message should go out.
	Send bool
	// Change is set when there was a previous run.
	Change *Change
	// Why says why, for the command's output.
	Why string
	// Note, when set, is a line for the message (Decision.Build): why it
	// compares with no previous run although one was given.
	Note string
}

// Build is the message for res under d: Build with d's change, and d's
// note after the headline.
func (d Decision) Build(res *report.Result, link string) Message {
	return Build(res, d.Change, link).withNote(d.Note)
}

// Decide sends every run without a previous one (prev nil), and with one
// only when the set of failing suites changed.
func Decide(prev, res *report.Result) Decision {
	if prev == nil {
		return Decision{Send: true, Why: "no previous run to compare with"}
	}
	c := Compare(prev, res)
	if !c.Changed() {
		return Decision{Change: &c, Why: "the failing suites are the same as in the previous run (" + names(c.Failing) + ")"}
	}
	return Decision{Send: true, Change: &c, Why: "the failing suites changed: " + c.summary()}
}

// Unreadable decides for a run whose previous run's reports, given, could
// not be read (err says which file and why: a damaged cache entry, an
// older summary.json schema): it is sent, as without a previous run, and
// its message says that nothing was compared. A notification is not lost
// because the last one's reports are.
func Unreadable(err error) Decision {
	return Decision{
		Send: true,
		Why:  "the previous run's reports are unreadable, nothing to compare with",
		Note: "The previous run's reports could not be read, so this run is not compared with it (" + err.Error() + ").",
	}
}

// summary is "newly failing: a, b; recovered: c".
func (c Change) summary() string {
	var parts []string
	if len(c.NewlyFailing) > 0 {
		parts = append(parts, "newly failing: "+strings.Join(c.NewlyFailing, ", "))
	}
	if len(c.Recovered) > 0 {
		parts = append(parts, "recovered: "+strings.Join(c.Recovered, ", "))
	}
	return strings.Join(parts, "; ")
}

// markdown is the change as a message section.
func (c Change) markdown() string {
	if !c.Changed() {
		return "*Since the previous run*\nThe same suites fail: " + escape(names(c.Failing))
	}
	var lines []string
	if len(c.NewlyFailing) > 0 {
		lines = append(lines, fmt.Sprintf("Newly failing: %s", escape(strings.Join(c.NewlyFailing, ", "))))
	}
	if len(c.Recovered) > 0 {
		lines = append(lines, fmt.Sprintf("Recovered: %s", escape(strings.Join(c.Recovered, ", "))))
	}
	return "*Since the previous run*\n" + strings.Join(lines, "\n")
}

func names(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
