// Package github publishes a contract run (report.Result) to GitHub
// Actions through github.com/sethvargo/go-githubactions, never with
// hand-built workflow commands:
//
//   - a job summary: regressions first, then one row per downstream and
//     run (downstream and Core ref@sha, counts, verdict), the compatibility
//     matrix and the failing tests, which link to their lines in the
//     downstream repository when it is on github.com (report.Permalink);
//   - an annotation per failing contract test, titled with the test id,
//     located by its file and line and carrying that permalink: an error
//     when the test fails the run under the fail-on policy, a warning
//     otherwise (flaky, still failing);
//     a warning per suite that errored, timed out or collected nothing;
//     for a bisection, first a notice per culprit (the commit, the merge
//     it came in, the tests it broke, its GitHub link) and a warning per
//     test that flips, and "broken by <culprit>" on each failing test a
//     culprit broke;
//   - a collapsed log group per suite, with its failing tests and the tail
//     of its log; everything printed there is fenced with stop-commands,
//     so that test output cannot issue workflow commands;
//   - step outputs: passed, failed, broken, regressed (comma-separated
//     downstream names, "name@run" when there are several runs), the
//     release readiness values, report-path and, for a bisection,
//     culprits ("downstream@short SHA" per culprit).
//
// The CLI calls Mask for its token and then Publish with a real Action;
// the Dagger module, which cannot touch the runner's files, calls Render
// and hands back the summary and the commands for the workflow to apply.
package github

import (
	"fmt"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

// Publish writes res to GitHub Actions through a. The job summary and the
// step outputs are skipped when GITHUB_STEP_SUMMARY or GITHUB_OUTPUT is not
// set (outside Actions); annotations and groups go to a's writer. Call
// res.Classify (or report.Write) first. Logs are read from res.Dir.
func Publish(a *githubactions.Action, res *report.Result) (err error) {
	defer func() {
		// go-githubactions panics when it cannot write; report it instead.
		if r := recover(); r != nil {
			err = fmt.Errorf("publishing to GitHub Actions: %v", r)
		}
	}()
	if a.Getenv("GITHUB_STEP_SUMMARY") != "" {
		a.AddStepSummary(Summary(res))
	}
	annotate(a, res)
	groups(a, res)
	if a.Getenv("GITHUB_OUTPUT") != "" {
		outputs(a, res)
	}
	return nil
}

// Mask hides secret (each of its lines) in the job's logs from now on.
func Mask(a *githubactions.Action, secret string) {
	for _, line := range splitLines(secret) {
		a.AddMask(line)
	}
}
