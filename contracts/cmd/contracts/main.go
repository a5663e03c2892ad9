// Command contracts answers "does Core at ref X break any downstream
// contract?" on the host, without containers: it plans every downstream's
// contract suite, runs them in parallel in virtualenvs, and writes JUnit,
// summary.json and summary.md reports.
//
// Usage:
//
//	contracts run    --core-ref REF [options]   run the matrix's contract suites
//	contracts demo   --core-ref REF [options]   run the bundled example ecosystem
//	contracts bisect --good REF --bad REF [options]   name every Core commit that broke a downstream, with its tests
//	contracts demo-bisect [--good REF --bad REF]      bisect the example ecosystem's history
//	contracts plan   --core-ref REF [options]   print the plan as JSON, run nothing
//	contracts report --from DIR --format github publish reports to GitHub Actions
//	contracts merge  --out DIR SHARD-DIR...     merge the reports of a campaign's shards
//	contracts notify --webhook-env NAME [--previous DIR] DIR   post the run to a Slack-compatible webhook
//	contracts version                           print this tool's version (also --version)
//
// Exit codes, one rule for every command: 2 when the command line or a
// file it names is malformed (a bad flag, matrix or ref; nothing ran); else
// the work ran and wrote its reports: 0 when it succeeded (every suite
// passed, no regression with a baseline, a culprit found by bisect), 1 when
// it did not (a contract broke, a suite could not run, a ref git could not
// find, nothing to bisect, or the run was interrupted).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// Exit codes.
const (
	exitOK     = 0
	exitBroken = 1
	exitUsage  = 2
)

// usageError is a bad flag, matrix or ref: exit 2.
type usageError struct{ error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// commands maps a subcommand to its function; each returns an exit code.
var commands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error){
	"run":         cmdRun,
	"demo":        cmdDemo,
	"bisect":      cmdBisect,
	"demo-bisect": cmdDemoBisect,
	"plan":        cmdPlan,
	"report":      cmdReport,
	"merge":       cmdMerge,
	"notify":      cmdNotify,
	"version":     cmdVersion,
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usageText)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "contracts: unknown command %q\n\n%s", args[0], usageText)
		return exitUsage
	}
	code, err := exitUsage, hostRunnerSupported(args[0])
	if err == nil {
		code, err = cmd(ctx, args[1:], stdout, stderr)
	}
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "contracts %s: %v\n", args[0], err)
		return exitUsage
	case err != nil:
		fmt.Fprintf(stderr, "contracts %s: %v\n", args[0], err)
		return exitBroken
	}
	return code
}

const usageText = `contracts: cross-repo contract runs for market-data-core, on the host.

Commands:
  run     --core-ref REF   run every downstream's contract suite against Core at REF
  demo    --core-ref REF   materialize the bundled example ecosystem and run it
  bisect  --good REF --bad REF   name every Core commit that broke a downstream, with its tests
  demo-bisect              bisect the example ecosystem's Core history (v1.2.0..v2.0.0)
  plan    --core-ref REF   print the plan (sources, argv, env) as JSON; run nothing
  report  --from DIR       re-publish a run's reports (--format github|text)
  merge   --out DIR SHARD-DIR...   merge the reports of --shard=K/N runs into the whole run's
  notify  --webhook-env NAME [--previous DIR] DIR   post a run's result to a Slack-compatible webhook
  version                  print this tool's version (also --version)

Run "contracts <command> -h" for its options. Exit codes: 2 the command line
or a file it names is malformed (nothing ran); otherwise the reports are
written and 0 means success (all suites passed, no regression with
--baseline-ref, bisect found a culprit), 1 anything else (a contract broke,
a suite could not run, a ref git could not find, nothing to bisect).
`

// hostOS is the operating system this binary runs on (a variable for the
// tests).
var hostOS = runtime.GOOS

// hostRunnerCommands run suites (or plan them) with the host runner.
var hostRunnerCommands = map[string]bool{"run": true, "demo": true, "bisect": true, "demo-bisect": true, "plan": true}

// hostRunnerSupported refuses, on Windows, the commands that need the host
// runner: it relies on POSIX process groups, file locks and the virtualenv
// layout. The release binary for Windows reads reports, notifies and says
// its version.
func hostRunnerSupported(cmd string) error {
	if hostOS != "windows" || !hostRunnerCommands[cmd] {
		return nil
	}
	return usagef("the host runner needs Linux or macOS (POSIX process groups, file locks, virtualenv layout); on Windows, "+
		"run the contracts with the Dagger module (dagger call -m github.com/mjdevaccount/market-data-contracts@%s run ...) or under WSL; "+
		"this binary's report, notify and version commands work here", version.Release)
}

// cmdVersion prints the tool's version: the release it was stamped with or
// installed at, else "dev" and the commit (package version).
func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: contracts version (or contracts --version)\n\nPrints the tool's version: the release it was stamped with or installed at, else dev and the commit.\n")
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK, err
		}
		return exitUsage, usageError{err}
	}
	if fs.NArg() > 0 {
		return exitUsage, usagef("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(stdout, "%s %s %s/%s %s\n", version.Name, version.Get(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	return exitOK, nil
}
