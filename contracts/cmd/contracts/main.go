// Command contracts answers "does Core at ref X break any downstream
// contract?" on the host, without containers: it plans every downstream's
// contract suite, runs them in parallel in virtualenvs, and writes JUnit,
// summary.json and summary.md reports.
//
// Usage:
//
//	contracts run    --core-ref REF [options]   run the matrix's contract suites
//	contracts demo   --core-ref REF [options]   run the bundled example ecosystem
//	contracts bisect --good REF --bad REF [options]   name the Core commit that broke each downstream
//	contracts demo-bisect [--good REF --bad REF]      bisect the example ecosystem's history
//	contracts plan   --core-ref REF [options]   print the plan as JSON, run nothing
//	contracts report --from DIR --format github publish reports to GitHub Actions
//	contracts merge  --out DIR SHARD-DIR...     merge the reports of a campaign's shards
//
// Exit codes: 0 every suite passed (or no regression, with a baseline);
// 1 a contract broke or a suite could not run; 2 usage or configuration error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
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
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usageText)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "contracts: unknown command %q\n\n%s", args[0], usageText)
		return exitUsage
	}
	code, err := cmd(ctx, args[1:], stdout, stderr)
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
  bisect  --good REF --bad REF   name the Core commit that broke each downstream
  demo-bisect              bisect the example ecosystem's Core history (v1.2.0..v2.0.0)
  plan    --core-ref REF   print the plan (sources, argv, env) as JSON; run nothing
  report  --from DIR       re-publish a run's reports (--format github|text)
  merge   --out DIR SHARD-DIR...   merge the reports of --shard=K/N runs into the whole run's

Run "contracts <command> -h" for its options. Exit codes: 0 all suites passed
(no regression with --baseline-ref), 1 a contract broke or a suite could not
run, 2 usage or configuration error.
`
