package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/shard"
)

// cmdMerge merges the report directories of a campaign's shards
// (`--shard=K/N`) into the report the unsharded run would have written,
// prints it and exits with its verdict.
func cmdMerge(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "contract-reports", "merged report `DIR` (an earlier run's reports in it are replaced)")
	format := fs.String("format", "text", "`format`: text, or github to also publish the merged run to GitHub Actions")
	tokenEnv := fs.String("token-env", "GITHUB_TOKEN", "environment `variable` whose value is masked in GitHub logs")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: contracts merge [--out DIR] [--format text|github] SHARD-DIR...\n\n"+
			"Merges the report directories of a campaign's shards (--shard=K/N, every K once) into the report\n"+
			"the unsharded run writes, prints it and exits with its verdict.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK, err
		}
		return exitUsage, usageError{err}
	}
	if *format != "text" && *format != "github" {
		return exitUsage, usagef("--format: want text or github, got %q", *format)
	}
	dirs := fs.Args()
	if len(dirs) == 0 {
		return exitUsage, usagef("no shard report directory given (contracts merge --out DIR SHARD-DIR...)")
	}
	if err := outsideShards(*out, dirs); err != nil {
		return exitUsage, err
	}
	merged, err := shard.Check(dirs)
	if err != nil {
		return exitUsage, usageError{err}
	}
	// Only now that the shards merge: an earlier run's reports in --out
	// stay when they do not.
	if err := checkOut(*out); err != nil {
		return exitUsage, err
	}
	res, err := merged.Write(*out)
	if err != nil {
		return exitBroken, err
	}
	report.Terminal(stdout, res)
	fmt.Fprintf(stdout, "\nreports: %s\n", *out)
	if *format == "github" {
		if err := publishGitHub(res, os.Getenv(*tokenEnv)); err != nil {
			return exitBroken, err
		}
	}
	return report.ExitCode(res), nil
}

// outsideShards refuses an output directory that is one of the shard
// directories (writing the merge would delete that shard's reports).
func outsideShards(out string, dirs []string) error {
	o, err := filepath.Abs(out)
	if err != nil {
		return usagef("--out: %v", err)
	}
	oi, oerr := os.Stat(o)
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return usagef("%s: %v", d, err)
		}
		if abs == o {
			return usagef("--out %s is one of the shard directories; choose another", out)
		}
		if di, err := os.Stat(abs); err == nil && oerr == nil && os.SameFile(oi, di) {
			return usagef("--out %s is the shard directory %s; choose another", out, d)
		}
	}
	return nil
}
