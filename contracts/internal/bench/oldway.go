package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// oldWay times what each downstream's contract workflow did, scripted on
// one machine, one downstream after another, with the bench's interpreter
// and offline flags: clone the downstream and Core at coreRef, make a
// fresh virtualenv (with the interpreter's packages, as --offline gives
// ours), pip install Core from its checkout (a build from source), pip
// install the downstream (editable; its other requirements are the
// interpreter's own offline), run pytest on its contract suite.
func (b bench) oldWay(coreRef string) float64 {
	start := time.Now()
	for _, d := range examples.Downstreams() {
		dir, err := os.MkdirTemp(b.tmp, "old-"+d+"-")
		check(err)
		ds, core, venv := filepath.Join(dir, d), filepath.Join(dir, "core"), filepath.Join(dir, "venv")
		py := filepath.Join(venv, "bin", "python")
		steps := [][]string{
			{"git", "clone", "--quiet", b.eco.Repos[d], ds},
			{"git", "-c", "advice.detachedHead=false", "clone", "--quiet", "--branch", coreRef, b.eco.Repos[examples.Core], core},
			{b.python, "-m", "venv", "--system-site-packages", venv},
			append([]string{py, "-m", "pip", "install", "--quiet", core}, offline...),
			append([]string{py, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ds}, offline...),
			{py, "-m", "pytest", "-q", "-p", "no:cacheprovider", filepath.Join(ds, "tests", "contracts")},
		}
		for i, argv := range steps {
			cmd := command(argv[0], argv[1:]...)
			cmd.Dir = ds
			if i < 2 {
				cmd.Dir = dir
			}
			if err := cmd.Run(); err != nil && i < len(steps)-1 {
				check(fmt.Errorf("old way, %s: %v: %w", d, argv, err))
			}
		}
		check(os.RemoveAll(dir))
	}
	return time.Since(start).Seconds()
}
