package host_test

// Fault injection: variants of the example downstreams that cannot be
// fetched, cannot be installed, do not collect, hang, kill their
// interpreter, flood their log or leave a daemon behind, run together with
// the healthy example suites. Each faulty suite must get its own verdict
// and a reason naming its cause, the healthy ones complete results, and no
// process may outlive the Run.

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// noisyBytes is what the noisy suite prints: far more than host.MaxLog.
const noisyBytes = 50 << 20

// hangTimeout bounds the hanging suite: its downstream environment is
// cached by then, so it covers a bare venv, Core's install and pytest,
// with room for a loaded CI machine.
const hangTimeout = 60 * time.Second

// fault is a variant suite and what it must end with.
type fault struct {
	entry   matrix.Downstream
	verdict outcome.Verdict
	reason  []string // substrings of the reason naming the cause
}

// TestFaultsNextToHealthySuites runs every fault next to the healthy
// example suites, in two Runs of one runner: the first builds the
// environment the runtime faults share (so the second's hang starts well
// within its timeout), the second hangs, kills its interpreter, floods its
// log and leaks a daemon. orchestrator runs in both, so the second Run
// also reuses a job's workspace.
func TestFaultsNextToHealthySuites(t *testing.T) {
	tmp := t.TempDir()
	marker := fmt.Sprintf("contracts-fault-marker-%d-%d", os.Getpid(), time.Now().UnixNano())
	started := filepath.Join(tmp, "hang-started")
	faulty := testkit.VariantRepo(t, examples.Orchestrator, map[string]string{
		"tests/collect/test_syntax.py": "def test_broken(:\n    pass\n",
		"tests/hang/test_hang.py":      testkit.HangingTest(marker+"-hang", started),
		"tests/die/test_die.py":        dieTest(marker + "-die"),
		"tests/noisy/test_noisy.py":    noisyTest,
		"tests/leak/pytest.ini":        "[pytest]\naddopts = -s\n",
		"tests/leak/test_leak.py":      leakTest(marker + "-leak"),
	})
	badInstall := testkit.VariantRepo(t, examples.Orchestrator, map[string]string{
		"pyproject.toml": "[project\nname = \"broken\n",
	})
	missing := filepath.Join(tmp, "no-such-repo")
	entry := func(name, repo, ref, tests string, timeout time.Duration) matrix.Downstream {
		return matrix.Downstream{Name: name, Repo: repo, Ref: ref, Tests: tests, Timeout: timeout}
	}
	h := newHarness(t, host.Config{Jobs: 8})

	t.Run("setup", func(t *testing.T) {
		runFaults(t, h, []fault{
			{entry("bad-ref", eco.Repos[examples.Orchestrator], "no-such-branch", matrix.DefaultTests, time.Minute), outcome.Error, []string{`"no-such-branch"`, "not found"}},
			{entry("missing-repo", missing, "main", matrix.DefaultTests, time.Minute), outcome.Error, []string{missing}},
			{entry("closed-port", "https://127.0.0.1:1/x.git", "main", matrix.DefaultTests, time.Minute), outcome.Error, []string{"127.0.0.1:1", "fetch"}},
			{entry("bad-install", badInstall, "main", matrix.DefaultTests, 3*time.Minute), outcome.Error, []string{"install downstream (auto) failed (exit 1): ERROR: downstream/pyproject.toml: Expected ']'"}},
			{entry("collect-error", faulty, "main", "tests/collect", 3*time.Minute), outcome.Error, []string{"could not collect tests/collect/test_syntax.py:1: SyntaxError", "not raised by Core"}},
		}, examples.Downstreams())
	})
	t.Run("runtime", func(t *testing.T) {
		peak := sampleHeap()
		got := runFaults(t, h, []fault{
			{entry("hang", faulty, "main", "tests/hang", hangTimeout), outcome.Timeout, []string{"timeout"}},
			{entry("dies", faulty, "main", "tests/die", 3*time.Minute), outcome.Error, []string{"exited 3"}},
			{entry("noisy", faulty, "main", "tests/noisy", 3*time.Minute), outcome.Failed, nil},
			{entry("leak", faulty, "main", "tests/leak", 3*time.Minute), outcome.Passed, nil},
		}, []string{examples.Orchestrator})
		heap := peak()
		if _, err := os.Stat(started); err != nil {
			t.Errorf("the hanging test never started (its timeout of %s ran out during setup?): %v", hangTimeout, err)
		}
		checkNoisy(t, h, got["noisy"], heap)
		if log := h.log(got["leak"]); !strings.Contains(log, "leftover process") {
			t.Errorf("leak: the log does not note the leftover process it killed:\n%s", tail(log))
		}
		if left := testkit.Survivors(marker); len(left) > 0 {
			t.Errorf("processes outlived the run:\n%s", strings.Join(left, "\n"))
		}
	})
}

// runFaults runs the faults and the named healthy example suites in one
// Run at Core v1.2.0 and checks every verdict.
func runFaults(t *testing.T, h *harness, faults []fault, healthy []string) map[string]outcome.Suite {
	t.Helper()
	m, err := exampleMatrix(t).Select(healthy)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range faults {
		m.Downstreams = append(m.Downstreams, f.entry)
	}
	h.t = t
	got := byName(h.run(m, plan.Options{CoreRef: "v1.2.0"}))
	for _, name := range healthy {
		s := got[name]
		if s.Verdict != outcome.Passed {
			t.Errorf("healthy %s: %s (%s)\n%s", name, s.Verdict, s.Reason, tail(h.log(s)))
		}
		checkCases(t, s)
	}
	for _, f := range faults {
		s := got[f.entry.Name]
		if s.Verdict != f.verdict || !containsAll(s.Reason, f.reason) {
			t.Errorf("%s: %s (%q), want %s with a reason naming %q\n%s", s.Name, s.Verdict, s.Reason, f.verdict, f.reason, tail(h.log(s)))
		}
	}
	checkLogs(t, h, got)
	return got
}

// checkLogs: a suite has a log exactly when it printed something (as in
// the Dagger module): a named log is there and not empty, and no empty
// log is left for a suite that stopped before any step (a ref that does
// not resolve).
func checkLogs(t *testing.T, h *harness, suites map[string]outcome.Suite) {
	t.Helper()
	for name, s := range suites {
		path := filepath.Join(h.out, "logs", "v1.2.0", name+".log")
		info, err := os.Stat(path)
		switch {
		case s.Log == "" && err == nil:
			t.Errorf("%s: a log file %s that summary.json does not name (%d bytes)", name, path, info.Size())
		case s.Log != "" && (err != nil || info.Size() == 0):
			t.Errorf("%s: log %s is missing or empty: %v", name, s.Log, err)
		}
	}
	if s := suites["bad-ref"]; s.Name != "" && s.Log != "" {
		t.Errorf("bad-ref stopped before any step but has a log %s", s.Log)
	}
}

// leakTest passes and leaves a child behind in a session of its own (out
// of reach of a process-group kill) that holds pytest's stdout open: the
// suite's pytest.ini turns output capture off.
func leakTest(marker string) string {
	return fmt.Sprintf(`import subprocess, sys

def test_leaves_a_daemon():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", %q], start_new_session=True)
`, marker)
}

// dieTest leaves a child carrying marker behind and kills the interpreter
// running pytest, so no JUnit report is written.
func dieTest(marker string) string {
	return fmt.Sprintf(`import os, subprocess, sys

def test_passes():
    pass

def test_dies():
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", %q])
    os._exit(3)
`, marker)
}

// noisyTest prints noisyBytes and fails, so pytest replays the captured
// output into the suite's log; its sibling passes.
var noisyTest = fmt.Sprintf(`import sys

def test_quiet():
    pass

def test_noisy():
    line = "x" * 1023 + "\n"
    for _ in range(%d):
        sys.stdout.write(line)
    assert False, "printed %d bytes"
`, noisyBytes/1024, noisyBytes)

var dropped = regexp.MustCompile(`\[log truncated: (\d+) more bytes of output were dropped\]\n$`)

// checkNoisy: the noisy suite's cases are all there, its log is capped with
// a note of what was dropped, and the runner never held the output.
func checkNoisy(t *testing.T, h *harness, s outcome.Suite, heap uint64) {
	t.Helper()
	if s.Counts.Tests != 2 || s.Counts.Failed != 1 || s.Counts.Passed != 1 {
		t.Errorf("noisy: counts %+v, want 2 tests, 1 failed, 1 passed", s.Counts)
	}
	info, err := os.Stat(filepath.Join(h.out, s.Log))
	if err != nil {
		t.Fatalf("noisy: %v", err)
	}
	if info.Size() > host.MaxLog+200 {
		t.Errorf("noisy: log is %d bytes, cap %d", info.Size(), host.MaxLog)
	}
	f, err := os.Open(filepath.Join(h.out, s.Log))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	end := make([]byte, 200)
	n, _ := f.ReadAt(end, info.Size()-int64(len(end)))
	match := dropped.FindSubmatch(end[:n])
	if match == nil {
		t.Fatalf("noisy: log does not end with a note of dropped output: %q", end[:n])
	}
	if d, _ := strconv.ParseInt(string(match[1]), 10, 64); d < noisyBytes-host.MaxLog {
		t.Errorf("noisy: %d bytes dropped, want at least %d", d, noisyBytes-host.MaxLog)
	}
	t.Logf("peak Go heap during the run: %d MB (the suites printed more than %d MB)", heap>>20, noisyBytes>>20)
	if heap > noisyBytes*3/4 {
		t.Errorf("peak Go heap %d MB during a run printing %d MB: output is being held in memory", heap>>20, noisyBytes>>20)
	}
}

// TestCancelledResolveDoesNotHang: a server that accepts connections and
// never answers must not keep a cancelled ref resolution (git fetch over
// https, with git-remote-https as a child) waiting, nor leave git behind.
func TestCancelledResolveDoesNotHang(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The server accepts connections and holds them, silent.
	var held []net.Conn
	accepting := make(chan struct{})
	go func() {
		defer close(accepting)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	defer func() {
		ln.Close()
		<-accepting
		for _, c := range held {
			c.Close()
		}
	}()
	repo := "https://" + ln.Addr().String() + "/stalled.git"
	h := newHarness(t, host.Config{CacheDir: t.TempDir()})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := h.runner.Resolver().Resolve(ctx, repo, "main")
		done <- err
	}()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatalf("Resolve of a stalled https repo still running a minute after its context ended")
	}
	if err == nil || !strings.Contains(err.Error(), "context deadline exceeded") {
		t.Errorf("Resolve = %v, want the deadline named", err)
	}
	if left := testkit.Survivors(ln.Addr().String()); len(left) > 0 {
		t.Errorf("git processes outlived the cancelled resolution:\n%s", strings.Join(left, "\n"))
	}
}

// exampleMatrix is the example ecosystem's matrix.
func exampleMatrix(t *testing.T) *matrix.Matrix {
	t.Helper()
	m, err := eco.Matrix()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sampleHeap samples the Go heap until the returned function is called,
// which returns the largest value seen.
func sampleHeap() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return peak }
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// tail is the end of a log, for failure messages.
func tail(log string) string {
	if len(log) > 3000 {
		return "..." + log[len(log)-3000:]
	}
	return log
}
