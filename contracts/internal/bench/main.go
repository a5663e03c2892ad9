// Command bench prints speed figures of the host CLI on the bundled
// example ecosystem, side by side with "the old way" in one run, paired
// round by round (issue targets in parentheses):
//
//   - cold: `contracts run --jobs 3` from a fresh cache vs the old way
//     (target <= 0.6 x the old way);
//   - warm, only the Core ref changed: `contracts run` at another Core ref
//     on the cache the cold run left vs the old way at that ref (target
//     <= 0.12 x the old way and <= 3.5 s for the 3 example suites);
//   - bisect of the example history (v1.2.0..v2.0.0, three culprits, two
//     of them store's): from a fresh cache, with the downstream
//     environments cached, and warm (environments and the probed commits'
//     Core builds cached, as a second bisection finds them), and the probes
//     each downstream took against its bound k x (ceil(log2 n) + 2) for k
//     culprits over n commits (target: warm <= 3 x one warm run, printed
//     as met or missed);
//   - merging 50 JUnit files holding 10,000 test cases (go test -bench
//     BenchmarkMerge in contracts/junit; target < 1 s, memory flat).
//
// The old way is what each downstream's contract workflow did, scripted on
// this machine with the same interpreter and offline flags (see oldWay):
// per downstream, one after another, clone it and Core, make a fresh
// virtualenv, pip install Core from its checkout, pip install the
// downstream, run pytest.
//
// Run: go run ./contracts/internal/bench [-rounds 3] [-python python3]
// It prints figures; it asserts nothing. Compare figures from one run only:
// a loaded machine multiplies all of them.
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
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// offline are the pip arguments both sides use: this machine has no index.
var offline = []string{"--no-index", "--no-build-isolation"}

func main() {
	rounds := flag.Int("rounds", 3, "paired rounds; medians are printed")
	python := flag.String("python", "python3", "interpreter both sides use")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "contracts-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "contracts")
	check(command("go", "build", "-o", bin, "./contracts/cmd/contracts").Run())
	eco, err := examples.Materialize(context.Background(), filepath.Join(tmp, "eco"))
	check(err)
	b := bench{bin: bin, tmp: tmp, eco: eco, python: *python}

	var coldOld, coldOurs, warmOld, warmOurs, bisectCold, bisectEnvs, bisectWarm []float64
	var probes, rng string
	for i := range *rounds {
		cache := filepath.Join(tmp, fmt.Sprintf("cache-%d", i))
		coldOld = append(coldOld, b.oldWay("v1.1.0"))
		coldOurs = append(coldOurs, b.run(cache, "v1.1.0"))
		warmOurs = append(warmOurs, b.run(cache, "v2.0.0"))
		warmOld = append(warmOld, b.oldWay("v2.0.0"))
		bcache := filepath.Join(tmp, fmt.Sprintf("bisect-cache-%d", i))
		bisectCold = append(bisectCold, b.bisect(bcache))
		check(os.RemoveAll(filepath.Join(bcache, "wheels")))
		bisectEnvs = append(bisectEnvs, b.bisect(bcache))
		bisectWarm = append(bisectWarm, b.bisect(bcache))
		rng, probes = b.probes()
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", i+1, *rounds)
	}
	fmt.Printf("example ecosystem, 3 suites, %d paired rounds, medians (offline pip, %s)\n\n", *rounds, *python)
	fmt.Printf("%-44s %9s %9s %7s  %s\n", "run", "ours", "old way", "ratio", "target")
	row := func(name string, ours, old []float64, target string) {
		fmt.Printf("%-44s %8.2fs %8.2fs %7.2f  %s\n", name, median(ours), median(old), median(ours)/median(old), target)
	}
	row("cold (fresh cache), --jobs 3", coldOurs, coldOld, "<= 0.6")
	row("warm, only the Core ref changed, --jobs 3", warmOurs, warmOld, "<= 0.12, <= 3.5 s")
	fmt.Printf("\nbisect %s, --jobs 3\n", rng)
	fmt.Printf("  cold (fresh cache):              %8.2fs\n", median(bisectCold))
	fmt.Printf("  downstream environments cached:  %8.2fs   %.2f x one warm run\n", median(bisectEnvs), median(bisectEnvs)/median(warmOurs))
	ratio := median(bisectWarm) / median(warmOurs)
	fmt.Printf("  warm (and the Core builds):      %8.2fs   %.2f x one warm run (target <= 3: %s)\n", median(bisectWarm), ratio, map[bool]string{true: "met", false: "MISSED"}[ratio <= 3])
	fmt.Printf("  probes per downstream: %s\n", probes)
	fmt.Printf("\nmerging 50 JUnit files, 10,000 cases (target < 1s, memory flat):\n")
	bench := command("go", "test", "-run", "^$", "-bench", "BenchmarkMerge", "-benchmem", "./contracts/junit/")
	bench.Stdout = os.Stdout
	check(bench.Run())
}

// bench holds what every measurement needs.
type bench struct {
	bin, tmp, python string
	eco              *examples.Ecosystem
}

// run times `contracts run` on the example ecosystem at ref with cache.
func (b bench) run(cache, ref string) float64 {
	return b.cli("run", "--matrix", b.eco.MatrixFile, "--core-ref", ref)(cache)
}

// bisect times `contracts bisect` of the example history with cache.
func (b bench) bisect(cache string) float64 {
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
		parts = append(parts, fmt.Sprintf("%s %d (%s, %d culprits, bound %d)", d.Name, d.Probes, d.Status, len(d.Culprits), bisect.MaxProbes(len(d.Culprits), r.Commits)))
	}
	return rng, strings.Join(parts, ", ")
}

// cli returns a function timing the CLI with args and a cache directory;
// exit 1 (a contract broke) is a result, anything else stops the bench.
func (b bench) cli(args ...string) func(cache string) float64 {
	return func(cache string) float64 {
		all := append(slices.Clone(args), "--offline", "--jobs", "3", "--python", b.python, "--cache-dir", cache,
			"--out", filepath.Join(b.tmp, "out"))
		start := time.Now()
		cmd := exec.Command(b.bin, all...)
		out, err := cmd.CombinedOutput()
		if err != nil && cmd.ProcessState.ExitCode() > 1 {
			fmt.Fprintf(os.Stderr, "%s\n", out)
			check(err)
		}
		return time.Since(start).Seconds()
	}
}

func median(xs []float64) float64 {
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
