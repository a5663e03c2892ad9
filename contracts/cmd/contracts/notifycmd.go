package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/mjdevaccount/market-data-contracts/contracts/notify"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// cmdNotify posts a run's result (its reports directory) to a
// Slack-compatible webhook whose URL is in the environment variable named
// by --webhook-env. With --previous, only when the set of failing suites
// changed since that run (reports there that cannot be read: as without
// one, with a warning). It reads reports and writes none: exit 0 when the
// message went out or was not needed, 1 when it could not be delivered, 2
// for usage errors; the run's own verdict is not its business.
func cmdNotify(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	webhookEnv := fs.String("webhook-env", "", "environment `variable` holding the webhook URL (a secret: never printed)")
	previous := fs.String("previous", "", "reports `DIR` of the previous run: post only when the set of failing suites changed since it")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: contracts notify --webhook-env NAME [--previous DIR] REPORT_DIR\n\n"+
			"Posts the run in REPORT_DIR to a Slack-compatible incoming webhook (with --previous, only when\n"+
			"the set of failing suites changed). Exit 0 posted or not needed, 1 not delivered, 2 usage.\n\n")
		fs.PrintDefaults()
	}
	dirs, err := parseInterspersed(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(dirs) != 1 {
		return exitUsage, usagef("want one report directory (REPORT_DIR), got %d", len(dirs))
	}
	if *webhookEnv == "" {
		return exitUsage, usagef("--webhook-env: name the environment variable that holds the webhook URL")
	}
	raw := os.Getenv(*webhookEnv)
	if raw == "" {
		return exitUsage, usagef("--webhook-env %s: the variable is unset or empty", *webhookEnv)
	}
	hook, err := notify.New(raw)
	if err != nil {
		return exitUsage, usagef("--webhook-env %s: %v", *webhookEnv, err)
	}
	res, err := report.Load(dirs[0])
	if err != nil {
		return exitUsage, usageError{err}
	}
	d := decideNotify(res, *previous, stderr)
	if !d.Send {
		fmt.Fprintf(stdout, "notify: not posted: %s\n", d.Why)
		return exitOK, nil
	}
	if err := hook.Post(ctx, d.Build(res, notify.RunLink(os.Getenv))); err != nil {
		return exitBroken, err
	}
	fmt.Fprintf(stdout, "notify: posted to %s (%s): %s\n", hook.Host(), d.Why, report.Headline(res))
	return exitOK, nil
}

// decideNotify decides against the previous run in dir previous, if any.
// Reports there that cannot be read (a damaged cache entry, a summary.json
// of another schema, a directory that is not there) count as no previous
// run: the message goes out and says so, and a warning on stderr names
// the file and why. A notification is not lost because the last one's
// reports are.
func decideNotify(res *report.Result, previous string, stderr io.Writer) notify.Decision {
	if previous == "" {
		return notify.Decide(nil, res)
	}
	prev, err := report.Load(previous)
	if err != nil {
		fmt.Fprintf(stderr, "contracts notify: warning: --previous %s: %v; posting as if there were no previous run\n", previous, err)
		return notify.Unreadable(err)
	}
	return notify.Decide(prev, res)
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments ("notify DIR --previous P" as well as "notify --previous P
// DIR") and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usageError{err}
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
