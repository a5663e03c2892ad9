// Command parity runs the same work through both runners, the host CLI
// and the Dagger module in a reachable engine, and compares their answers:
// per suite the verdict, counts, every test case's outcome, regressions,
// readiness and reasons (summary.json and the JUnit reports, flattened),
// exit codes, one-line failures, bisect results and the GitHub outputs. It
// prints a table (what, host, module, same?) and exits 1 on any
// difference or when -run matches no case. When none of the cases
// selected could run (no git server, no index) it says nothing was
// compared and exits 0, or 1 with ENGINE_PARITY_REQUIRED=1, as
// .ci/engine-parity does without an engine. What differs by construction
// (the module's demo has no git, the engine's git hides git's message) is
// erased by named rules, listed under the row they applied to with their
// reasons.
//
// Run it through .ci/engine-parity, which finds the engine first:
//
//	bash .ci/engine-parity [-run REGEXP]
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
	// The cases' names do not depend on the world: check the filter
	// before building it.
	matched := 0
	for _, c := range cases(&world{}) {
		if re.MatchString(c.name) {
			matched++
		}
	}
	if matched == 0 {
		fmt.Printf("engine-parity: nothing compared: -run %q matches no case\n", *filter)
		os.Exit(1)
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
	line, code := conclusion(rows, failed, os.Getenv("ENGINE_PARITY_REQUIRED") == "1")
	fmt.Println("engine-parity: " + line)
	w.index.stop()
	os.Exit(code)
}

// conclusion is the last line and the exit code for rows, failed of
// which differ: 1 on any difference; when no row was compared (each was
// not run), 1 only if required, as .ci/engine-parity does without an
// engine; never "agree" about rows that were not compared.
func conclusion(rows []row, failed int, required bool) (string, int) {
	compared := 0
	for _, r := range rows {
		if r.skipped == "" {
			compared++
		}
	}
	switch {
	case failed > 0:
		return fmt.Sprintf("%d of %d cases differ", failed, len(rows)), 1
	case compared == 0 && required:
		return fmt.Sprintf("nothing compared: none of the %d cases could run (see above; ENGINE_PARITY_REQUIRED=1)", len(rows)), 1
	case compared == 0:
		return fmt.Sprintf("nothing compared: none of the %d cases could run (see above)", len(rows)), 0
	case compared < len(rows):
		return fmt.Sprintf("host and module agree on the %d cases compared (%d not run)", compared, len(rows)-compared), 0
	}
	return "host and module agree", 0
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
