package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/lockfile"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

// cmdDemo materializes the bundled example ecosystem as real git repos in a
// temporary directory (or --dir) and runs it like any matrix.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	fs := newFlagSet("demo", &o, stderr, demoGroups)
	dir := fs.String("dir", "", "materialize the example repos in `DIR` (default: demo-ecosystem in the cache dir, so later demos reuse the cached environments)")
	demoOut(fs, &o)
	if err := o.parse(fs, args); err != nil {
		return exitUsage, err
	}
	m, unlock, err := demoMatrix(ctx, &o, *dir, stderr)
	if err != nil {
		return exitBroken, err // a usageError exits 2 (see run)
	}
	defer unlock()
	return execute(ctx, &o, m, stdout, stderr)
}

// demoOut gives the demos' --out its own default, demo-reports in the
// cache dir: a demo never writes into the checkout it runs from.
func demoOut(fs *flag.FlagSet, o *options) {
	f := fs.Lookup("out")
	f.Usage = "report `DIR` (default: demo-reports in the cache dir, so a demo never writes into the checkout)"
	f.DefValue = ""
	o.out = ""
	o.defaultOut = func() string { return filepath.Join(o.cacheDir, "demo-reports") }
}

// demoMatrix materializes the example ecosystem for a demo command and
// returns its matrix with --only applied, holding the demo directory's lock
// until unlock. Errors of the user's making are usageErrors.
func demoMatrix(ctx context.Context, o *options, dir string, stderr io.Writer) (*matrix.Matrix, func(), error) {
	root, unlock, err := demoDir(ctx, dir, o.cacheDir)
	if err != nil {
		return nil, nil, usageError{err}
	}
	eco, err := examples.Materialize(ctx, root)
	if err != nil {
		unlock()
		return nil, nil, fmt.Errorf("materializing the example ecosystem: %w", err)
	}
	fmt.Fprintf(stderr, "example ecosystem in %s (Core refs: %v)\n", eco.Dir, examples.CoreRefs())
	m, err := eco.Matrix()
	if err != nil {
		unlock()
		return nil, nil, usageError{err}
	}
	if m, err = o.selectDownstreams(m); err != nil {
		unlock()
		return nil, nil, err
	}
	return m, unlock, nil
}

// demoDir is where the example repos are materialized: dir, or a fixed
// place in the cache, so their paths (which are part of the cache keys) and
// commit SHAs stay the same from one demo to the next. It is locked for the
// whole demo: two demos sharing a cache take turns.
func demoDir(ctx context.Context, dir, cacheDir string) (string, func(), error) {
	if dir == "" {
		dir = filepath.Join(cacheDir, "demo-ecosystem")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	unlock, err := demoLocks.Lock(ctx, dir)
	if err != nil {
		return "", nil, err
	}
	return dir, unlock, nil
}

var demoLocks lockfile.Locks
