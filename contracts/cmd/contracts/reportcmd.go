package main

import (
	"context"
	"flag"
	"io"
	"os"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/report/github"
	"github.com/sethvargo/go-githubactions"
)

// cmdReport re-reads a run's reports and publishes them: as text, or to
// GitHub Actions (job summary, annotations, grouped logs, step outputs).
func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "contract-reports", "report `DIR` written by run or demo")
	format := fs.String("format", "text", "`text` or github")
	tokenEnv := fs.String("token-env", "GITHUB_TOKEN", "environment `variable` whose value is masked in GitHub logs")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK, err
		}
		return exitUsage, usageError{err}
	}
	if fs.NArg() > 0 {
		return exitUsage, usagef("unexpected argument %q", fs.Arg(0))
	}
	if *format != "text" && *format != "github" {
		return exitUsage, usagef("--format: want text or github, got %q", *format)
	}
	res, err := report.Load(*from)
	if err != nil {
		return exitUsage, usageError{err}
	}
	if *format == "github" {
		if err := publishGitHub(res, os.Getenv(*tokenEnv)); err != nil {
			return exitBroken, err
		}
	} else {
		report.Terminal(stdout, res)
	}
	return report.ExitCode(res), nil
}

// publishGitHub writes to the real GitHub Actions environment of this process.
func publishGitHub(res *report.Result, token string) error {
	a := githubactions.New()
	github.Mask(a, token)
	return github.Publish(a, res)
}
