package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/localgit"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
)

// engine measures the Dagger module in the engine `dagger` reaches, every
// pip install from an index on the engine's bridge.
type engine struct {
	bench
	// index is the pyindex binary; bridge is the host's address on the
	// engine's network; image the suites' image; matrixFile (set by runs)
	// names the example repos on the local git server.
	index, bridge, image, matrixFile string
}

// runs measures cold and warm module runs against the old way in the same
// engine. Each round starts its own index: a new URL is in every pip
// argument, so no exec layer of an earlier round and no entry of the pip
// cache volume (keyed by URL) applies, as on a runner with an empty engine.
func (e engine) runs(rounds int) []row {
	git, err := localgit.Serve(context.Background(), e.eco)
	check(err)
	e.matrixFile = filepath.Join(e.tmp, "engine-matrix.yaml")
	check(os.WriteFile(e.matrixFile, []byte(git.Matrix(nil)), 0o644))
	fmt.Fprintln(os.Stderr, "engine: loading the module (dagger functions)")
	check(e.dagger("functions"))
	cold := row{name: "engine cold (new index URL), module run", target: "<= 0.6"}
	warm := row{name: "engine warm, only the Core ref changed", target: "<= 0.12"}
	for i := range rounds {
		idx, err := indexproc.Start(e.index, e.bridge+":0", 24*time.Hour, "-python", e.python)
		check(err)
		r := e
		r.mode = indexMode(idx)
		r.measure(&cold, func() sample { return r.oldWay("v1.1.0", i) }, func() sample { return r.module("v1.1.0") })
		r.measure(&warm, func() sample { return r.oldWay("v2.0.0", i) }, func() sample { return r.module("v2.0.0") })
		idx.Stop()
		fmt.Fprintf(os.Stderr, "engine round %d/%d done\n", i+1, rounds)
	}
	return []row{cold, warm}
}

// module times the module's run of the matrix at ref through the index.
func (e engine) module(ref string) sample {
	start := time.Now()
	check(e.dagger("call", "--image="+e.image, "--pip-index-url="+e.mode.index.URL,
		"run", "--matrix="+e.matrixFile, "--core-ref="+ref, "exit-code"))
	return sample{wall: time.Since(start).Seconds()} // the CPU is the engine's
}

// oldWay times the old way in the engine: per downstream, one after
// another, Core and the downstream cloned on the host (the same commits
// the git server serves) and sent into a fresh container of the image,
// pip install Core from its checkout, pip install the downstream
// (editable, no dependencies), pip install pytest, run pytest; no pip
// cache, no layer reused (a value unique to the run).
func (e engine) oldWay(coreRef string, round int) sample {
	start := time.Now()
	host := strings.TrimSuffix(strings.TrimPrefix(e.mode.index.URL, "http://"), "/simple/")
	pip := "--index-url," + e.mode.index.URL + ",--trusted-host," + host
	for _, d := range examples.Downstreams() {
		dir, err := os.MkdirTemp(e.tmp, "engine-old-"+d+"-")
		check(err)
		core, ds := filepath.Join(dir, "core"), filepath.Join(dir, "ds")
		check(e.git("-c", "advice.detachedHead=false", "clone", "--quiet", "--branch", coreRef, e.eco.Repos[examples.Core], core))
		check(e.git("clone", "--quiet", e.eco.Repos[d], ds))
		unique := fmt.Sprintf("%s-%d-%d", coreRef, round, time.Now().UnixNano())
		check(e.dagger("core", "container", "from", "--address="+e.image,
			"with-directory", "--path=/work/core", "--source="+core,
			"with-directory", "--path=/work/ds", "--source="+ds,
			"with-env-variable", "--name=CONTRACTS_BENCH_RUN", "--value="+unique,
			"with-env-variable", "--name=PIP_NO_CACHE_DIR", "--value=1",
			"with-workdir", "--path=/work/ds",
			"with-exec", "--args=python3,-m,pip,install,--quiet,/work/core,"+pip,
			"with-exec", "--args=python3,-m,pip,install,--quiet,--no-deps,-e,/work/ds,"+pip,
			"with-exec", "--args=python3,-m,pip,install,--quiet,pytest,"+pip,
			"with-exec", "--args=python3,-m,pytest,-q,-p,no:cacheprovider,tests/contracts", "--expect=ANY",
			"exit-code"))
		check(os.RemoveAll(dir))
	}
	return sample{wall: time.Since(start).Seconds()} // the CPU is the engine's
}

// dagger runs the dagger CLI in the module's directory (the working
// directory: the bench runs from the repository's root).
func (e engine) dagger(args ...string) error {
	out, err := exec.Command("dagger", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("dagger %s: %w\n%s", strings.Join(args[:min(len(args), 2)], " "), err, tail(out, 40))
	}
	return nil
}

func (e engine) git(args ...string) error {
	out, err := exec.Command("git", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("git %v: %w\n%s", args, err, out)
	}
	return nil
}

// tail is the last n lines of out.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
