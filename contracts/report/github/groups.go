package github

import (
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

// MaxText bounds the failure text printed per test in a group.
const MaxText = 8 << 10

// stopToken returns the token that fences untrusted output; tests replace it.
var stopToken = rand.Text

// groups prints a collapsed group per suite, candidates then baselines.
func groups(a *githubactions.Action, res *report.Result) {
	for i := range res.Runs {
		for j := range res.Runs[i].Suites {
			group(a, res, "", &res.Runs[i], &res.Runs[i].Suites[j])
		}
	}
	for i := range res.Baselines {
		for j := range res.Baselines[i].Suites {
			group(a, res, "baseline ", &res.Baselines[i], &res.Baselines[i].Suites[j])
		}
	}
}

// group prints one suite: its reason, failing tests and log tail, with
// workflow commands stopped in between (the text comes from the tests).
func group(a *githubactions.Action, res *report.Result, kind string, run *report.Run, s *outcome.Suite) {
	a.Group(fmt.Sprintf("%s · %score %s · %s · tests %d, failed %d, errors %d, skipped %d · %s",
		s.Name, kind, report.Source(s.Core), report.Status(run, s), s.Counts.Tests, s.Counts.Failed, s.Counts.Errors, s.Counts.Skipped, report.Dur(s.Duration)))
	defer a.EndGroup()
	token := stopToken()
	a.IssueCommand(&githubactions.Command{Name: "stop-commands", Message: token})
	defer a.IssueCommand(&githubactions.Command{Name: token})
	if s.Reason != "" {
		a.Infof("%s", "reason: "+s.Reason)
	}
	fails, total := report.Failures(run, s)
	for _, f := range fails {
		a.Infof("%s", failureText(f))
	}
	if total > len(fails) {
		a.Infof("... and %d more failing tests (see %s)", total-len(fails), s.Report)
	}
	if s.Log != "" {
		a.Infof("%s", "--- log "+s.Log+" ---")
		a.Infof("%s", logTail(res.Dir, s.Log, MaxLog))
	}
}

func failureText(f report.Failure) string {
	head := "FAILED " + f.Case.ID()
	if f.Class != "" {
		head += " [" + string(f.Class) + "]"
	}
	text := strings.TrimRight(f.Case.Text, "\n")
	if text == "" {
		text = f.Case.Message
	}
	if len(text) > MaxText {
		text = strings.ToValidUTF8(text[:MaxText], "") + "\n[... cut]"
	}
	return head + "\n" + text
}
