package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// cmdDemo materializes the bundled example ecosystem as real git repos in a
// temporary directory (or --dir) and runs it like any matrix.
func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	fs := newFlagSet("demo", &o, stderr)
	dir := fs.String("dir", "", "materialize the example repos in `DIR` and keep them (default: a temporary directory, removed afterwards)")
	if err := o.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if o.matrixFile != "" {
		return exitUsage, usagef("--matrix does not apply to demo: the demo brings its own")
	}
	root, cleanup, err := demoDir(*dir)
	if err != nil {
		return exitUsage, err
	}
	defer cleanup()
	eco, err := examples.Materialize(ctx, root)
	if err != nil {
		return exitBroken, fmt.Errorf("materializing the example ecosystem: %w", err)
	}
	fmt.Fprintf(stderr, "example ecosystem in %s (Core refs: %v)\n", eco.Dir, examples.CoreRefs())
	m, err := eco.Matrix()
	if err != nil {
		return exitBroken, err
	}
	if m, err = m.Select(o.only); err != nil {
		return exitUsage, usageError{err}
	}
	return execute(ctx, &o, m, stdout, stderr)
}

func demoDir(dir string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, os.MkdirAll(dir, 0o755)
	}
	tmp, err := os.MkdirTemp("", "contracts-demo-")
	return tmp, func() { os.RemoveAll(tmp) }, err
}
