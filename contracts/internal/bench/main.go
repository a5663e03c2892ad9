// Command bench prints the speed figures of the host runner on the bundled
// example ecosystem (issue targets in parentheses):
//
//   - wall time at --jobs 1 vs --jobs 3, each from a cold cache, and their
//     ratio (target <= 0.6 on 2 cores);
//   - a cold run vs a warm run where only the Core ref changed (target warm
//     <= 0.5 x cold);
//   - merging 50 JUnit files holding 10,000 test cases (go test -bench
//     BenchmarkMerge in contracts/junit; target < 1 s, memory flat).
//
// Run: go run ./contracts/internal/bench [-offline=false]
// It prints figures; it asserts nothing.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	offline := flag.Bool("offline", true, "pass --offline to the demo (no package index)")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "contracts-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "contracts")
	check(command("go", "build", "-o", bin, "./contracts/cmd/contracts").Run())

	demo := func(cache, ref string, jobs int) time.Duration {
		args := []string{"demo", "--core-ref", ref, "--jobs", fmt.Sprint(jobs), "--cache-dir", cache, "--out", filepath.Join(tmp, "out")}
		if *offline {
			args = append(args, "--offline")
		}
		start := time.Now()
		cmd := exec.Command(bin, args...)
		if out, err := cmd.CombinedOutput(); err != nil && cmd.ProcessState.ExitCode() > 1 {
			fmt.Fprintf(os.Stderr, "%s\n", out)
			check(err)
		}
		return time.Since(start)
	}
	fresh := func(name string) string { return filepath.Join(tmp, name) }

	j1 := demo(fresh("cache-j1"), "v1.1.0", 1)
	j3 := demo(fresh("cache-j3"), "v1.1.0", 3)
	warm := demo(fresh("cache-j3"), "v2.0.0", 3)
	fmt.Printf("example ecosystem, 3 suites, cold cache\n")
	fmt.Printf("  --jobs 1: %8.2fs\n  --jobs 3: %8.2fs\n  ratio:    %8.2f   (target <= 0.6 on 2 cores)\n", j1.Seconds(), j3.Seconds(), j3.Seconds()/j1.Seconds())
	fmt.Printf("only the Core ref changed (--jobs 3)\n")
	fmt.Printf("  cold v1.1.0: %8.2fs\n  warm v2.0.0: %8.2fs\n  ratio:       %8.2f   (target <= 0.5)\n", j3.Seconds(), warm.Seconds(), warm.Seconds()/j3.Seconds())
	fmt.Printf("merging 50 JUnit files, 10,000 cases (target < 1s, memory flat):\n")
	bench := command("go", "test", "-run", "^$", "-bench", "BenchmarkMerge", "-benchmem", "./contracts/junit/")
	bench.Stdout = os.Stdout
	check(bench.Run())
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
