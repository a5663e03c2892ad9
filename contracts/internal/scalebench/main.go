// Command scalebench prints how the host CLI's cost grows with the number
// of downstreams, on synthetic ecosystems it makes itself (the example
// Core and N copies of the example store downstream, N = 10, 30, 100 by
// default), each run by `contracts` as a user would run it:
//
//   - planning (`contracts plan`): with an empty cache (every repository
//     fetched) and warm (the same plan again); target: 100 downstreams
//     <= 5 s warm;
//   - a cold run (fresh cache, Core v1.2.0) and a warm run (only the Core
//     ref changed, to v2.0.0, where every copy fails), wall time;
//   - per suite, in the warm run: the suite's time, pytest's (from the
//     suite's log) and the overhead, the difference; target <= 0.3 s;
//   - peak memory: the CLI process's own (VmHWM, sampled every 20 ms) and
//     the largest of it and every process it waited for (rusage); target
//     <= 150 MB at 100 downstreams for the CLI;
//   - report sizes at Core v2.0.0 (every suite failing), and whether the
//     summary (summary.md, the GitHub job summary) stays under GitHub's
//     1 MiB job summary limit or is cut with a note;
//   - N shards (-shards, default 2) against one run: each shard cold (its
//     own fresh cache, as a fresh CI runner), one after another so each
//     has the machine, then `contracts merge`; the CI wall time of a
//     sharded run is its slowest shard plus the merge.
//
// Run: go run ./contracts/internal/scalebench [-sizes 10,30,100] [-shards 2] [-jobs N]
// It prints figures; it asserts nothing. A loaded machine multiplies all
// of them: compare figures of one run only.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/report/github"
)

func main() {
	sizes := flag.String("sizes", "10,30,100", "numbers of downstreams, comma-separated")
	shards := flag.Int("shards", 2, "shards to compare with one run (0: skip)")
	jobs := flag.Int("jobs", runtime.NumCPU(), "suites in parallel (--jobs)")
	python := flag.String("python", "python3", "interpreter (--python)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "contracts-scalebench-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "contracts")
	build := exec.Command("go", "build", "-o", bin, "./contracts/cmd/contracts")
	build.Stderr = os.Stderr
	check(build.Run())
	ctx := context.Background()
	eco, err := examples.Materialize(ctx, filepath.Join(tmp, "example"))
	check(err)
	b := bench{bin: bin, tmp: tmp, jobs: *jobs, python: *python}
	var rows []row
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		check(err)
		dir := filepath.Join(tmp, fmt.Sprintf("eco-%d", n))
		check(os.MkdirAll(dir, 0o755))
		syn, err := makeSynthetic(ctx, dir, eco, n)
		check(err)
		rows = append(rows, b.measure(syn, *shards))
		fmt.Fprintf(os.Stderr, "scalebench: %d downstreams done\n", n)
	}
	printRows(rows, *shards, *jobs)
}

// bench runs the CLI.
type bench struct {
	bin, tmp, python string
	jobs             int
}

// row is every figure of one ecosystem size.
type row struct {
	n                         int
	planCold, planWarm        float64
	cold, warm                result
	suite, pytest, overhead   stats
	reports                   map[string]int64
	jobSummary                int
	summaryCut, jobSummaryCut bool
	failing                   int
	shardWalls                []float64
	merge                     float64
	mergedExitMatch           bool
}

// result is one CLI invocation.
type result struct {
	wall        float64
	code        int
	cliPeak     int64 // bytes, the CLI's own high-water mark
	largestPeak int64 // bytes, the largest of the CLI and the processes it waited for
	out         string
}

func (b bench) measure(syn *synthetic, shards int) row {
	r := row{n: syn.n}
	cache := filepath.Join(b.tmp, fmt.Sprintf("cache-%d", syn.n))
	r.planCold = b.cli(cache, "", "plan", "--matrix", syn.matrixFile, "--core-ref", "v1.2.0").wall
	r.planWarm = b.cli(cache, "", "plan", "--matrix", syn.matrixFile, "--core-ref", "v1.2.0").wall
	// The runs get their own fresh cache: the plans above fetched every repository.
	cache = filepath.Join(b.tmp, fmt.Sprintf("run-cache-%d", syn.n))
	r.cold = b.cli(cache, b.out(syn.n, "cold"), "run", "--matrix", syn.matrixFile, "--core-ref", "v1.2.0")
	r.warm = b.cli(cache, b.out(syn.n, "warm"), "run", "--matrix", syn.matrixFile, "--core-ref", "v2.0.0")
	r.suite, r.pytest, r.overhead = overheads(r.warm.out)
	r.reports, r.failing = reportSizes(r.warm.out)
	md, err := os.ReadFile(filepath.Join(r.warm.out, report.SummaryMD))
	check(err)
	r.summaryCut = strings.Contains(string(md), "GitHub's job summary limit")
	res, err := report.Load(r.warm.out)
	check(err)
	js := github.Summary(res)
	r.jobSummary, r.jobSummaryCut = len(js), strings.Contains(js, "GitHub's job summary limit")
	if shards > 0 {
		r.shardWalls, r.merge, r.mergedExitMatch = b.sharded(syn, shards, r.cold)
	}
	return r
}

// sharded runs the shards cold, one after another, each with its own
// fresh cache, then merges them; it returns each shard's wall time, the
// merge's, and whether the merged run exits as the one run did.
func (b bench) sharded(syn *synthetic, n int, whole result) ([]float64, float64, bool) {
	var walls []float64
	var dirs []string
	for k := 1; k <= n; k++ {
		cache := filepath.Join(b.tmp, fmt.Sprintf("shard-cache-%d-%d", syn.n, k))
		res := b.cli(cache, b.out(syn.n, fmt.Sprintf("shard-%d", k)), "run", "--matrix", syn.matrixFile, "--core-ref", "v1.2.0", "--shard", fmt.Sprintf("%d/%d", k, n))
		walls = append(walls, res.wall)
		dirs = append(dirs, res.out)
	}
	merged := b.out(syn.n, "merged")
	start := time.Now()
	cmd := exec.Command(b.bin, append([]string{"merge", "--out", merged}, dirs...)...)
	out, err := cmd.CombinedOutput()
	if err != nil && cmd.ProcessState.ExitCode() > 1 {
		fmt.Fprintf(os.Stderr, "%s\n", out)
		check(err)
	}
	return walls, time.Since(start).Seconds(), cmd.ProcessState.ExitCode() == whole.code
}

func (b bench) out(n int, what string) string {
	return filepath.Join(b.tmp, fmt.Sprintf("out-%d-%s", n, what))
}

// cli runs the CLI with args, the bench's interpreter, offline pip, --jobs
// and cache (and --out out when set), and measures it. Exit 1 (a contract
// broke) is a result; anything else stops the bench.
func (b bench) cli(cache, out string, args ...string) result {
	all := append(slices.Clone(args), "--offline", "--python", b.python, "--cache-dir", cache, "--jobs", strconv.Itoa(b.jobs))
	if out != "" {
		all = append(all, "--out", out)
	}
	cmd := exec.Command(b.bin, all...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	check(cmd.Start())
	done := make(chan struct{})
	peak := make(chan int64)
	go sampleHWM(cmd.Process.Pid, done, peak)
	err := cmd.Wait()
	wall := time.Since(start).Seconds()
	close(done)
	if err != nil && cmd.ProcessState.ExitCode() != 1 {
		fmt.Fprintf(os.Stderr, "contracts %s: %v\n%s\n", strings.Join(all, " "), err, stderr.String())
		os.Exit(1)
	}
	r := result{wall: wall, code: cmd.ProcessState.ExitCode(), cliPeak: <-peak, out: out}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.largestPeak = ru.Maxrss << 10 // KiB on Linux
	}
	return r
}

// sampleHWM reads the process's VmHWM (its peak resident set) every 20 ms
// until done, then sends the last value read.
func sampleHWM(pid int, done <-chan struct{}, peak chan<- int64) {
	var last int64
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if v := vmHWM(pid); v > last {
			last = v
		}
		select {
		case <-done:
			peak <- last
			return
		case <-tick.C:
		}
	}
}

func vmHWM(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stats are a distribution's median, 90th percentile and maximum, seconds.
type stats struct{ median, p90, max float64 }

func statsOf(xs []float64) stats {
	if len(xs) == 0 {
		return stats{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stats{s[len(s)/2], s[min(len(s)-1, len(s)*9/10)], s[len(s)-1]}
}

// overheads reads a run's suites: each one's time (summary.json), its
// pytest's (the "# exit N after D" line after the pytest wrapper's command
// in its log) and the difference.
func overheads(out string) (suite, pytest, overhead stats) {
	data, err := os.ReadFile(filepath.Join(out, report.SummaryJSON))
	check(err)
	var doc struct {
		Runs []struct {
			Suites []struct {
				Duration float64 `json:"duration_seconds"`
				Log      string  `json:"log"`
			} `json:"suites"`
		} `json:"runs"`
	}
	check(json.Unmarshal(data, &doc))
	var ss, ps, os_ []float64
	for _, r := range doc.Runs {
		for _, s := range r.Suites {
			p, ok := pytestTime(filepath.Join(out, s.Log))
			if !ok {
				continue
			}
			ss, ps, os_ = append(ss, s.Duration), append(ps, p), append(os_, s.Duration-p)
		}
	}
	return statsOf(ss), statsOf(ps), statsOf(os_)
}

// pytestTime finds how long the suite's pytest ran, from its log.
func pytestTime(log string) (float64, bool) {
	f, err := os.Open(log)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	inPytest := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "$ ") && strings.Contains(line, "run_pytest.py"):
			inPytest = true
		case inPytest && strings.HasPrefix(line, "# exit "):
			_, after, _ := strings.Cut(line, " after ")
			d, err := time.ParseDuration(after)
			return d.Seconds(), err == nil
		}
	}
	return 0, false
}

// reportSizes sizes a run's reports and counts its failing suites.
func reportSizes(out string) (map[string]int64, int) {
	sizes := map[string]int64{}
	for _, f := range []string{report.SummaryJSON, report.SummaryMD, report.MergedJUnit} {
		info, err := os.Stat(filepath.Join(out, f))
		check(err)
		sizes[f] = info.Size()
	}
	check(filepath.Walk(out, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			sizes["all"] += info.Size()
		}
		return err
	}))
	data, err := os.ReadFile(filepath.Join(out, report.SummaryJSON))
	check(err)
	var doc struct {
		Totals struct {
			Failed int `json:"failed"`
		} `json:"totals"`
	}
	check(json.Unmarshal(data, &doc))
	return sizes, doc.Totals.Failed
}

func printRows(rows []row, shards, jobs int) {
	fmt.Printf("synthetic ecosystems: the example Core and N copies of the example store downstream; host CLI, --jobs %d, offline pip, %d CPUs\n", jobs, runtime.NumCPU())
	fmt.Printf("\nGROWTH (wall time)\n%-5s %10s %10s %10s %10s %12s %12s\n", "N", "plan cold", "plan warm", "run cold", "run warm", "cold/suite", "warm/suite")
	for _, r := range rows {
		fmt.Printf("%-5d %9.2fs %9.2fs %9.2fs %9.2fs %11.3fs %11.3fs\n", r.n, r.planCold, r.planWarm, r.cold.wall, r.warm.wall, r.cold.wall/float64(r.n), r.warm.wall/float64(r.n))
	}
	fmt.Printf("\nWARM RUN, PER SUITE (seconds: median / p90 / max)\n%-5s %22s %22s %22s\n", "N", "suite", "pytest", "overhead (suite - pytest)")
	for _, r := range rows {
		fmt.Printf("%-5d %22s %22s %22s\n", r.n, r.suite, r.pytest, r.overhead)
	}
	fmt.Printf("\nPEAK MEMORY (MB)\n%-5s %14s %14s %28s\n", "N", "CLI cold", "CLI warm", "largest process (any run)")
	for _, r := range rows {
		fmt.Printf("%-5d %14.1f %14.1f %28.1f\n", r.n, mb(r.cold.cliPeak), mb(r.warm.cliPeak), mb(max(r.cold.largestPeak, r.warm.largestPeak)))
	}
	fmt.Printf("\nREPORTS AT CORE v2.0.0 (every suite failing), KiB\n%-5s %8s %13s %11s %10s %10s %13s %14s\n", "N", "failing", "summary.json", "summary.md", "junit.xml", "all", "job summary", "under 1 MiB")
	for _, r := range rows {
		under := "yes"
		if r.summaryCut || r.jobSummaryCut {
			under = "cut, noted"
		}
		fmt.Printf("%-5d %8d %13.1f %11.1f %10.1f %10.1f %13.1f %14s\n", r.n, r.failing, kib(r.reports[report.SummaryJSON]), kib(r.reports[report.SummaryMD]),
			kib(r.reports[report.MergedJUnit]), kib(r.reports["all"]), kib(int64(r.jobSummary)), under)
	}
	if shards > 0 {
		fmt.Printf("\n%d SHARDS AGAINST ONE RUN (cold, each shard its own fresh cache, run one after another)\n%-5s %10s %24s %10s %14s %8s %10s\n", shards, "N", "one run", "shards", "merge", "CI wall", "ratio", "same exit")
		for _, r := range rows {
			var parts []string
			for _, w := range r.shardWalls {
				parts = append(parts, fmt.Sprintf("%.2fs", w))
			}
			wall := slices.Max(r.shardWalls) + r.merge
			fmt.Printf("%-5d %9.2fs %24s %9.2fs %13.2fs %8.2f %10v\n", r.n, r.cold.wall, strings.Join(parts, " "), r.merge, wall, wall/r.cold.wall, r.mergedExitMatch)
		}
		fmt.Println("(CI wall: the slowest shard plus the merge, as parallel runners would take; each runner pays its own cold start.)")
	}
	fmt.Println("\nTARGETS")
	last := rows[len(rows)-1]
	target := func(what string, got float64, unit string, limit float64) {
		word := "met"
		if got > limit {
			word = "MISSED"
		}
		fmt.Printf("  %-58s %8.2f %-2s (<= %g): %s\n", what, got, unit, limit, word)
	}
	for _, r := range rows {
		target(fmt.Sprintf("per-suite warm overhead, median, N=%d", r.n), r.overhead.median, "s", 0.3)
	}
	target(fmt.Sprintf("CLI peak RSS, N=%d (cold and warm)", last.n), mb(max(last.cold.cliPeak, last.warm.cliPeak)), "MB", 150)
	target(fmt.Sprintf("planning, warm, N=%d", last.n), last.planWarm, "s", 5)
}

func (s stats) String() string { return fmt.Sprintf("%.2f / %.2f / %.2f", s.median, s.p90, s.max) }

func mb(b int64) float64  { return float64(b) / 1e6 }
func kib(b int64) float64 { return float64(b) / 1024 }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "scalebench:", err)
		os.Exit(1)
	}
}
