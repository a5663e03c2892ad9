package main

import (
	"context"
	"fmt"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/notify"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Notify posts the run's result to a Slack-compatible incoming webhook
// (Mattermost, Rocket.Chat and Discord's /slack endpoint take the same
// message): the headline, the failing and regressed suites with their
// first failure, the release readiness line, the bisection's culprits and
// the CI run's link. With --previous (the previous run's exported
// reports) it posts only when the set of failing suites changed: a new
// failure or a recovery, never flaky tests alone; previous reports that
// cannot be read count as no previous run, said in the message. It
// returns what it did,
// and fails when the message could not be delivered (naming the webhook's
// host, never its URL); the run's verdict and reports are unchanged.
// Chain it after from-reports:
// `from-reports --dir=DIR notify --webhook=env:CONTRACTS_WEBHOOK_URL`.
// +cache="never"
func (r *Run) Notify(
	ctx context.Context,
	// The webhook URL, as a secret (env:NAME, file:PATH, ...): https, or http to a loopback or private address
	webhook *dagger.Secret,
	// The previous run's reports directory: post only when the set of failing suites changed since it
	// +optional
	previous *dagger.Directory,
	// The CI run's web address for the message, e.g. "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID"
	// +optional
	runURL string,
) (string, error) {
	if runURL != "" {
		if err := notify.CheckLink(runURL); err != nil {
			return "", fmt.Errorf("--run-url: %w", err)
		}
	}
	raw, err := webhook.Plaintext(ctx)
	if err != nil {
		return "", fmt.Errorf("--webhook: %w", err)
	}
	hook, err := notify.New(raw)
	if err != nil {
		return "", fmt.Errorf("--webhook: %w", err)
	}
	var prev *report.Result
	var prevErr error
	if previous != nil {
		prevErr = withReports(ctx, previous, "--previous", func(res *report.Result) error { prev = res; return nil })
	}
	var done string
	err = withReports(ctx, r.Reports, "reports", func(res *report.Result) error {
		d := notify.Decide(prev, res)
		if prevErr != nil {
			// A damaged cache entry or an older schema must not silence
			// the run: it is posted as one without a previous run.
			d = notify.Unreadable(prevErr)
		}
		if !d.Send {
			done = "not posted: " + d.Why
			return nil
		}
		if err := hook.Post(ctx, d.Build(res, runURL)); err != nil {
			return err
		}
		done = fmt.Sprintf("posted to %s (%s): %s", hook.Host(), d.Why, report.Headline(res))
		return nil
	})
	return done, err
}
