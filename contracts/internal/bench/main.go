// Command bench prints speed figures of contract runs on the bundled
// example ecosystem, side by side with "the old way" in one run, paired
// round by round (issue targets in parentheses):
//
//   - offline (--offline, the machine's preinstalled packages):
//     cold, `contracts run --jobs 3` from a fresh cache vs the old way
//     (target <= 0.6 x the old way); warm, only the Core ref changed, on
//     the cache the cold run left vs the old way at that ref (target
//     <= 0.12 x the old way and <= 3.5 s for the 3 example suites);
//   - through a package index (-index, on by default): the same cold and
//     warm runs without --offline, every requirement from pyindex (this
//     machine's installed distributions served on loopback), next to the
//     old way installing from the same index, with the bytes each run
//     downloaded by the index's own log (same targets);
//   - in the Dagger engine through the index (-engine): the module's `run`
//     of the example repos (served by the local git server, package
//     localgit, as .ci/engine-parity does) with the bare image
//     (python:3.11-slim-bare) and --pip-index-url on the engine's bridge,
//     cold (a new index URL, so no layer and no pip cache entry applies)
//     and warm (only the Core ref changed), next to the old way in the
//     same engine (one container per downstream, in turn), with the bytes
//     downloaded (same targets);
//   - bisect of the example history (v1.2.0..v2.0.0, three culprits, two
//     of them store's), offline: from a fresh cache, with the downstream
//     environments cached, and warm (environments and the probed commits'
//     Core builds cached, as a second bisection finds them), and the probes
//     each downstream took against its bound (bisect.MaxProbes: k culprits
//     over n commits, F on the first-parent path) (target: warm <= 3 x one
//     warm run, printed as met or missed);
//   - merging 50 JUnit files holding 10,000 test cases (go test -bench
//     BenchmarkMerge in contracts/junit; target < 1 s, memory flat).
//
// The old way is what each downstream's contract workflow did, scripted
// (see oldWay): per downstream, one after another, clone it and Core, a
// fresh environment, pip install Core from its checkout, pip install the
// downstream, run pytest; with an index, a fresh runner each time, so no
// pip cache.
//
// Run: go run ./contracts/internal/bench [-rounds 3] [-python python3]
// [-index=false] [-engine [-engine-rounds 1]]. It prints figures; it asserts
// nothing. Compare figures from one run only: a loaded machine multiplies
// all of them.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// offline are the pip arguments of the offline figures: no index.
var offline = []string{"--no-index", "--no-build-isolation"}

func main() {
	rounds := flag.Int("rounds", 3, "paired rounds; medians are printed")
	python := flag.String("python", "python3", "interpreter both sides use on the host")
	withIndex := flag.Bool("index", true, "also measure through a package index on loopback (pyindex)")
	engineRounds := flag.Int("engine-rounds", 1, "paired rounds in the engine")
	withEngine := flag.Bool("engine", false, "also measure in the Dagger engine dagger reaches, the example repos on the local git server (PARITY_GIT_* variables, as .ci/engine-parity)")
	bridge := flag.String("bridge", "10.87.0.1", "`address` on which containers of the engine reach the host (the engine's bridge)")
	image := flag.String("image", "python:3.11-slim-bare", "`image` of the engine figures: Python and pip, nothing installed")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "contracts-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "contracts")
	check(command("go", "build", "-o", bin, "./contracts/cmd/contracts").Run())
	eco, err := examples.Materialize(context.Background(), filepath.Join(tmp, "eco"))
	check(err)
	b := bench{bin: bin, tmp: tmp, eco: eco, python: *python, mode: offlineMode()}

	offlineRows := b.contractRuns(*rounds, "offline")
	bis := b.bisections(*rounds)
	var indexRows, engineRows []row
	if *withIndex || *withEngine {
		indexBin, err := indexproc.Build(context.Background(), tmp)
		check(err)
		if *withIndex {
			indexRows = b.indexRuns(indexBin, *rounds)
		}
		if *withEngine {
			e := engine{bench: b, index: indexBin, bridge: *bridge, image: *image}
			engineRows = e.runs(*engineRounds)
		}
	}

	fmt.Printf("example ecosystem, 3 suites, %d paired rounds, medians (%s on the host)\n", *rounds, *python)
	printRows("offline pip (--offline: the interpreter's packages, no downloads)", offlineRows, false)
	if indexRows != nil {
		printRows("through a package index (pyindex on loopback; virtualenvs without system site packages; the old way without a pip cache)", indexRows, true)
	}
	if engineRows != nil {
		printRows(fmt.Sprintf("Dagger engine, %s through the index on %s (cold: a new index URL; the old way: one container per downstream, no cache)", *image, *bridge), engineRows, true)
	}
	warm := median(offlineRows[1].ours)
	fmt.Printf("\nbisect %s, offline, --jobs 3\n", bis.rng)
	fmt.Printf("  cold (fresh cache):              %8.2fs\n", median(bis.cold))
	fmt.Printf("  downstream environments cached:  %8.2fs   %.2f x one warm run\n", median(bis.envs), median(bis.envs)/warm)
	ratio := median(bis.warm) / warm
	fmt.Printf("  warm (and the Core builds):      %8.2fs   %.2f x one warm run (target <= 3: %s)\n", median(bis.warm), ratio, map[bool]string{true: "met", false: "MISSED"}[ratio <= 3])
	fmt.Printf("  probes per downstream: %s\n", bis.probes)
	fmt.Printf("\nmerging 50 JUnit files, 10,000 cases (target < 1s, memory flat):\n")
	merge := command("go", "test", "-run", "^$", "-bench", "BenchmarkMerge", "-benchmem", "./contracts/junit/")
	merge.Stdout = os.Stdout
	check(merge.Run())
}

// row is one line of figures per round: wall seconds, CPU seconds (the
// processes' and their children's user and system time, where the bench
// can see them: not inside the engine) and bytes downloaded.
type row struct {
	name, target        string
	ours, old           []float64
	oursCPU, oldCPU     []float64
	oursBytes, oldBytes []int64
}

// sample is one timed run: wall and CPU seconds.
type sample struct{ wall, cpu float64 }

// contractRuns measures cold and warm runs against the old way in b's mode.
func (b bench) contractRuns(rounds int, what string) []row {
	cold := row{name: "cold (fresh cache), --jobs 3", target: "<= 0.6"}
	warm := row{name: "warm, only the Core ref changed, --jobs 3", target: "<= 0.12, <= 3.5 s"}
	for i := range rounds {
		cache := filepath.Join(b.tmp, fmt.Sprintf("%s-cache-%d", what, i))
		b.measure(&cold, func() sample { return b.oldWay("v1.1.0") }, func() sample { return b.run(cache, "v1.1.0") })
		b.measure(&warm, func() sample { return b.oldWay("v2.0.0") }, func() sample { return b.run(cache, "v2.0.0") })
		fmt.Fprintf(os.Stderr, "%s round %d/%d done\n", what, i+1, rounds)
	}
	return []row{cold, warm}
}

// measure times one paired round of r: the old way, then ours, each with
// the bytes the index served meanwhile (when there is one).
func (b bench) measure(r *row, old, ours func() sample) {
	mark := b.mark()
	o := old()
	r.old, r.oldCPU, r.oldBytes = append(r.old, o.wall), append(r.oldCPU, o.cpu), append(r.oldBytes, b.served(mark))
	mark = b.mark()
	u := ours()
	r.ours, r.oursCPU, r.oursBytes = append(r.ours, u.wall), append(r.oursCPU, u.cpu), append(r.oursBytes, b.served(mark))
}

// indexRuns measures the contract runs and the old way through an index.
func (b bench) indexRuns(indexBin string, rounds int) []row {
	idx, err := indexproc.Start(indexBin, "127.0.0.1:0", 24*time.Hour, "-python", b.python)
	check(err)
	defer idx.Stop()
	b.mode = indexMode(idx)
	return b.contractRuns(rounds, "index")
}

func printRows(title string, rows []row, bytes bool) {
	fmt.Printf("\n%s\n", title)
	fmt.Printf("%-44s %9s %9s %7s  %-26s %-20s", "run", "ours", "old way", "ratio", "target", "CPU: ours / old way")
	if bytes {
		fmt.Printf(" %s", "downloaded: ours / old way")
	}
	fmt.Println()
	for _, r := range rows {
		ratio := median(r.ours) / median(r.old)
		cpu := "-"
		if median(r.oursCPU) > 0 {
			cpu = fmt.Sprintf("%.1fs / %.1fs", median(r.oursCPU), median(r.oldCPU))
		}
		fmt.Printf("%-44s %8.2fs %8.2fs %7.2f  %-26s %-20s", r.name, median(r.ours), median(r.old), ratio, r.target+met(ratio, r.target), cpu)
		if bytes {
			fmt.Printf(" %s / %s", size(medianInt(r.oursBytes)), size(medianInt(r.oldBytes)))
		}
		fmt.Println()
	}
}

// met says whether a ratio meets the first bound of its target.
func met(ratio float64, target string) string {
	var bound float64
	if _, err := fmt.Sscanf(target, "<= %g", &bound); err != nil {
		return ""
	}
	if ratio <= bound {
		return " met"
	}
	return " MISSED"
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// bench holds what every measurement needs.
type bench struct {
	bin, tmp, python string
	eco              *examples.Ecosystem
	mode             mode
}

// mode is how both sides install Python packages.
type mode struct {
	// ours are the CLI's flags; pip the old way's pip arguments.
	ours, pip []string
	// systemSite gives the old way's virtualenv the interpreter's packages.
	systemSite bool
	// env is the environment of both sides.
	env []string
	// index is the index serving both sides (nil offline).
	index *indexproc.Process
}

func offlineMode() mode {
	return mode{ours: []string{"--offline"}, pip: offline, systemSite: true, env: os.Environ()}
}

// indexMode installs from idx only: no pip configuration of the machine,
// the old way without a pip cache (a fresh runner every time).
func indexMode(idx *indexproc.Process) mode {
	host := strings.TrimSuffix(strings.TrimPrefix(idx.URL, "http://"), "/simple/")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			env = append(env, kv)
		}
	}
	env = append(env, "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1")
	return mode{
		ours:  []string{"--pip-index-url", idx.URL},
		pip:   []string{"--index-url", idx.URL, "--trusted-host", host},
		env:   env,
		index: idx,
	}
}

func (b bench) mark() int {
	if b.mode.index == nil {
		return 0
	}
	return b.mode.index.Mark()
}

// served is what the index sent since mark, in bytes.
func (b bench) served(mark int) int64 {
	if b.mode.index == nil {
		return 0
	}
	time.Sleep(100 * time.Millisecond) // the last log lines
	return b.mode.index.Since(mark).Bytes
}

// run times `contracts run` on the example ecosystem at ref with cache.
func (b bench) run(cache, ref string) sample {
	return b.cli("run", "--matrix", b.eco.MatrixFile, "--core-ref", ref)(cache)
}

// bisections times three bisections per round, offline.
type bisections struct {
	cold, envs, warm []float64
	rng, probes      string
}

func (b bench) bisections(rounds int) bisections {
	var out bisections
	for i := range rounds {
		cache := filepath.Join(b.tmp, fmt.Sprintf("bisect-cache-%d", i))
		out.cold = append(out.cold, b.bisect(cache).wall)
		check(os.RemoveAll(filepath.Join(cache, "wheels")))
		out.envs = append(out.envs, b.bisect(cache).wall)
		out.warm = append(out.warm, b.bisect(cache).wall)
		out.rng, out.probes = b.probes()
		fmt.Fprintf(os.Stderr, "bisect round %d/%d done\n", i+1, rounds)
	}
	return out
}

// bisect times `contracts bisect` of the example history with cache.
func (b bench) bisect(cache string) sample {
	return b.cli("bisect", "--matrix", b.eco.MatrixFile, "--good", "v1.2.0", "--bad", "v2.0.0")(cache)
}

// probes reads the last bisection: its range, and per downstream the
// probes it took against the bound for its culprits.
func (b bench) probes() (string, string) {
	data, err := os.ReadFile(filepath.Join(b.tmp, "out", report.SummaryJSON))
	check(err)
	var doc struct {
		Bisect bisect.Result `json:"bisect"`
	}
	check(json.Unmarshal(data, &doc))
	r := doc.Bisect
	rng := fmt.Sprintf("%s..%s (%d commits, %d on the first-parent path)", r.Good.Ref, r.Bad.Ref, r.Commits, r.FirstParent)
	var parts []string
	for _, d := range r.Downstreams {
		parts = append(parts, fmt.Sprintf("%s %d (%s, %d culprits, bound %d)", d.Name, d.Probes, d.Status, len(d.Culprits), bisect.MaxProbes(len(d.Culprits), r.FirstParent, r.Commits)))
	}
	return rng, strings.Join(parts, ", ")
}

// cli returns a function timing the CLI with args and a cache directory;
// exit 1 (a contract broke) is a result, anything else stops the bench.
func (b bench) cli(args ...string) func(cache string) sample {
	return func(cache string) sample {
		all := append(slices.Clone(args), b.mode.ours...)
		all = append(all, "--jobs", "3", "--python", b.python, "--cache-dir", cache, "--out", filepath.Join(b.tmp, "out"))
		start := time.Now()
		cmd := exec.Command(b.bin, all...)
		cmd.Env = b.mode.env
		out, err := cmd.CombinedOutput()
		if err != nil && cmd.ProcessState.ExitCode() > 1 {
			fmt.Fprintf(os.Stderr, "%s\n", out)
			check(err)
		}
		return sample{time.Since(start).Seconds(), cpuSeconds(cmd)}
	}
}

// cpuSeconds is the user and system time of a finished command and of the
// descendants it waited for.
func cpuSeconds(cmd *exec.Cmd) float64 {
	if cmd.ProcessState == nil {
		return 0
	}
	return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func medianInt(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	return cmd
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
