// Command parity runs the same work through both runners, the host CLI
// and the Dagger module in a reachable engine, and compares their answers:
// per suite the verdict, counts, every test case's outcome, regressions,
// readiness and reasons (summary.json and the JUnit reports, flattened),
// exit codes, one-line failures, bisect results and the GitHub outputs. It
// prints a table (what, host, module, same?) and exits 1 on any
// difference. What differs by construction (the module's demo has no git,
// the engine's git hides git's message) is erased by named rules, listed
// under the row they applied to with their reasons.
//
// Run it through .ci/engine-parity, which finds the engine first:
//
//	bash .ci/engine-parity [-run REGEXP] [-keep]
//
// Environment: PARITY_DIR (work directory, kept between runs so the host
// side runs warm; default $TMPDIR/engine-parity), PARITY_GIT_URL,
// PARITY_GIT_ROOT and PARITY_GIT_CA (the local HTTPS git server: package
// localgit), PARITY_MODULE_ARGS (the module's constructor
// arguments, default --pip-args=--no-index,--no-build-isolation: the
// stand-in image has the packages, there is no index),
// PARITY_HOST_ARGS (the host CLI's, default --offline) and
// PARITY_WEBHOOK_ADDR (where the notify case listens for both runners'
// messages, default 10.87.0.1:0: the engine's bridge, which the module's
// runtime container and the host both reach). The index cases run without
// the first two: pip installs everything from pyindex (this machine's
// installed distributions as a package index) on loopback for the host
// and on the engine's bridge (PARITY_INDEX_BRIDGE, default 10.87.0.1) for
// the module, whose image is then PARITY_INDEX_IMAGE (default
// python:3.11-slim-bare: Python and pip, nothing installed).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

func main() {
	filter := flag.String("run", "", "run only the cases whose name matches `REGEXP`")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	re, err := regexp.Compile(*filter)
	if err != nil {
		fatal(fmt.Errorf("-run: %w", err))
	}
	w, err := newWorld(ctx)
	if err != nil {
		fatal(err)
	}
	defer w.index.stop()
	start := time.Now()
	var rows []row
	for _, c := range cases(w) {
		if !re.MatchString(c.name) {
			continue
		}
		fmt.Fprintf(os.Stderr, "parity: %s ...\n", c.name)
		r := c.run(ctx)
		r.what = c.name
		fmt.Fprintf(os.Stderr, "parity: %s: %s (host %.1fs, module %.1fs)\n", c.name, r.status(), r.hostTime.Seconds(), r.moduleTime.Seconds())
		rows = append(rows, r)
	}
	failed := printTable(os.Stdout, rows)
	fmt.Printf("\n%d cases in %s; work directory %s\n", len(rows), time.Since(start).Round(time.Second), w.dir)
	if failed > 0 {
		fmt.Printf("engine-parity: %d of %d cases differ\n", failed, len(rows))
		w.index.stop()
		os.Exit(1)
	}
	fmt.Println("engine-parity: host and module agree")
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "engine-parity:", err)
	os.Exit(2)
}

// env returns the variable's value, or def when unset or empty.
func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// repoRoot is the checkout this runs in: the module's source and the
// host CLI's.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "dagger.json")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no dagger.json in %s or above: run from the repository", dir)
		}
	}
}

// fields splits a space-separated argument list from the environment.
func fields(s string) []string { return strings.Fields(s) }
