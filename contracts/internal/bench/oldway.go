package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// oldWay times what each downstream's contract workflow did, scripted on
// one machine, one downstream after another, with the bench's interpreter
// and pip mode: clone the downstream and Core at coreRef, make a fresh
// virtualenv, pip install Core from its checkout (a build from source),
// pip install the downstream (editable, without its dependencies: Core's
// brought pydantic, and its pin on Core would fight the Core under test),
// pip install pytest (offline: the interpreter's), run pytest on its
// contract suite. Offline the
// virtualenv has the interpreter's packages; through an index it has none
// and pip keeps no cache (each workflow ran on a fresh runner).
func (b bench) oldWay(coreRef string) sample {
	start, cpu := time.Now(), 0.0
	for _, d := range examples.Downstreams() {
		dir, err := os.MkdirTemp(b.tmp, "old-"+d+"-")
		check(err)
		ds, core, venv := filepath.Join(dir, d), filepath.Join(dir, "core"), filepath.Join(dir, "venv")
		py := filepath.Join(venv, "bin", "python")
		mkvenv := []string{b.python, "-m", "venv", venv}
		if b.mode.systemSite {
			mkvenv = []string{b.python, "-m", "venv", "--system-site-packages", venv}
		}
		steps := [][]string{
			{"git", "clone", "--quiet", b.eco.Repos[d], ds},
			{"git", "-c", "advice.detachedHead=false", "clone", "--quiet", "--branch", coreRef, b.eco.Repos[examples.Core], core},
			mkvenv,
			append([]string{py, "-m", "pip", "install", "--quiet", core}, b.mode.pip...),
			append([]string{py, "-m", "pip", "install", "--quiet", "--no-deps", "-e", ds}, b.mode.pip...),
			{py, "-m", "pytest", "-q", "-p", "no:cacheprovider", filepath.Join(ds, "tests", "contracts")},
		}
		if !b.mode.systemSite { // offline, pytest is the interpreter's
			steps = slices.Insert(steps, 5, append([]string{py, "-m", "pip", "install", "--quiet", "pytest"}, b.mode.pip...))
		}
		for i, argv := range steps {
			cmd := command(argv[0], argv[1:]...)
			cmd.Dir = ds
			if i < 2 {
				cmd.Dir = dir
			}
			cmd.Env = b.mode.env
			if b.mode.index != nil {
				cmd.Env = append(cmd.Env, "PIP_NO_CACHE_DIR=1")
			}
			err := cmd.Run()
			cpu += cpuSeconds(cmd)
			if err != nil && i < len(steps)-1 {
				check(fmt.Errorf("old way, %s: %v: %w", d, argv, err))
			}
		}
		check(os.RemoveAll(dir))
	}
	return sample{time.Since(start).Seconds(), cpu}
}
