package main

// Interrupting a run: the built binary gets SIGINT while one suite hangs
// and another has finished. Every suite must stop with its processes, the
// command must exit 1, and the reports of what finished must be written.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
)

// buildCLI builds the contracts binary into a temporary directory.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "contracts")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var passedLine = regexp.MustCompile(`(?m)^orchestrator\s+passed\b`)

func TestInterruptStopsEverySuiteAndKeepsReports(t *testing.T) {
	bin := buildCLI(t)
	tmp := t.TempDir()
	marker := fmt.Sprintf("contracts-interrupt-marker-%d-%d", os.Getpid(), time.Now().UnixNano())
	started := filepath.Join(tmp, "hang-started")
	eco, err := examples.Materialize(context.Background(), filepath.Join(tmp, "eco"))
	if err != nil {
		t.Fatal(err)
	}
	// Both suites come from one repo, so they share one downstream environment.
	variant := testkit.VariantRepo(t, examples.Orchestrator, map[string]string{"tests/hang/test_hang.py": testkit.HangingTest(marker, started)})
	sb := &hostileSandbox{cwd: tmp}
	mf := sb.matrix(t, eco.Repos[examples.Core], "main",
		hostileEntry{"orchestrator", variant, "main", ""},
		hostileEntry{"hang", variant, "main", "tests/hang"})
	out, work := filepath.Join(tmp, "out"), filepath.Join(tmp, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "run", "--offline", "--matrix", mf, "--out", out, "--cache-dir", filepath.Join(cache, "signal-test"), "--core-ref", "v1.2.0", "--jobs", "2")
	cmd.Env = append(os.Environ(), "TMPDIR="+work)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	// Interrupt once orchestrator has finished and the hanging test hangs.
	deadline := time.After(4 * time.Minute)
	for ready := false; !ready; {
		select {
		case err := <-exited:
			t.Fatalf("contracts exited before the interrupt: %v\n%s\n%s", err, stdout.String(), stderr.String())
		case <-deadline:
			t.Fatalf("orchestrator did not pass or the hanging test did not start within 4 minutes\n%s", stderr.String())
		case <-time.After(100 * time.Millisecond):
		}
		_, err := os.Stat(started)
		ready = err == nil && passedLine.MatchString(stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	select {
	case waitErr = <-exited:
	case <-time.After(time.Minute):
		t.Fatalf("contracts still running a minute after SIGINT\n%s", stderr.String())
	}

	var exitErr *exec.ExitError
	if !errors.As(waitErr, &exitErr) || exitErr.ExitCode() != exitBroken {
		t.Errorf("exit: %v, want exit status 1\n%s", waitErr, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say the run was interrupted:\n%s", stderr.String())
	}
	if v := suiteReason(t, out, "orchestrator"); v != "passed: " {
		t.Errorf("orchestrator finished before the interrupt, summary.json says %q", v)
	}
	if v := suiteReason(t, out, "hang"); !strings.HasPrefix(v, "error: ") || !strings.Contains(v, "interrupt") {
		t.Errorf("hang: summary.json says %q, want an error naming the interrupt", v)
	}
	for _, f := range []string{"junit.xml", "summary.md", "logs/v1.2.0/hang.log"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("report missing after the interrupt: %v", err)
		}
	}
	if left := testkit.Survivors(marker); len(left) > 0 {
		t.Errorf("processes outlived the interrupted run:\n%s", strings.Join(left, "\n"))
	}
	if left, _ := filepath.Glob(filepath.Join(work, "*")); len(left) > 0 {
		t.Errorf("work directories left behind: %v", left)
	}
}
