package main

import (
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

func TestExecArgv(t *testing.T) {
	st := plan.Step{Argv: []string{plan.Python, "-m", "pip", "install", "./core"}}
	got := execArgv(st, 90*time.Second, nil)
	want := []string{"timeout", "--verbose", "--kill-after=30s", "90s", "python", "-m", "pip", "install", "./core"}
	if !slices.Equal(got, want) {
		t.Errorf("execArgv = %q, want %q", got, want)
	}
	if st.Argv[0] != plan.Python {
		t.Error("execArgv changed the plan's argv")
	}
	if got := execArgv(plan.Step{Argv: []string{"git", "status"}}, 1500*time.Millisecond, nil); !slices.Equal(got[3:], []string{"2s", "git", "status"}) {
		t.Errorf("non-python step or fractional timeout: %q", got)
	}
}

func TestWorkPath(t *testing.T) {
	for rel, want := range map[string]string{".": "/work", "downstream": "/work/downstream", ".contracts/x.py": "/work/.contracts/x.py", "junit.xml": "/work/junit.xml"} {
		if got := workPath(rel); got != want {
			t.Errorf("workPath(%q) = %q, want %q", rel, got, want)
		}
	}
}

func testSuite() plan.Suite {
	return plan.Suite{
		Name:    "store",
		Timeout: time.Minute,
		Steps: []plan.Step{
			{Name: "install downstream [0]", Layer: plan.LayerDownstream, Dir: "downstream", Argv: []string{plan.Python, "-m", "pip", "install", "-e", "."}},
			{Name: "install pytest", Layer: plan.LayerDownstream, Dir: ".", Argv: []string{plan.Python, "-m", "pip", "install", "pytest"}},
			{Name: "install core", Layer: plan.LayerCore, Dir: ".", Argv: []string{plan.Python, "-m", "pip", "install", plan.CoreWheel}},
		},
	}
}

func TestStepFailure(t *testing.T) {
	s := testSuite()
	ee := &dagger.ExecError{Cmd: execArgv(s.Steps[1], s.Timeout, nil), ExitCode: 1, Stderr: "noise\nERROR: No matching distribution found for pytest\n"}
	got := stepFailure("preparing the suite", s.Steps, s.Timeout, nil, fmt.Errorf("sync: %w", ee))
	if got != "install pytest failed (exit 1): ERROR: No matching distribution found for pytest | noise" {
		t.Errorf("reason %q", got)
	}
	wheel := &builtWheel{name: "market_data_core-2.0.0-py3-none-any.whl"}
	ee = &dagger.ExecError{Cmd: execArgv(s.Steps[2], s.Timeout, wheel), ExitCode: 1, Stderr: "ERROR: bad wheel\n"}
	if got := stepFailure("preparing the suite", s.Steps, s.Timeout, wheel, ee); got != "install core failed (exit 1): ERROR: bad wheel" {
		t.Errorf("core install: %q", got)
	}
	ee = &dagger.ExecError{Cmd: []string{"other"}, ExitCode: 2, Stdout: "only stdout"}
	if got := stepFailure("preparing the suite", s.Steps, s.Timeout, nil, ee); got != "a step failed (exit 2): only stdout" {
		t.Errorf("unknown step: %q", got)
	}
	if got := stepFailure("preparing the suite", s.Steps, s.Timeout, nil, errors.New("failed to resolve image [traceparent:41eb0c-77]")); got != "preparing the suite: failed to resolve image" {
		t.Errorf("plain error: %q", got)
	}
	if !stepTimedOut(&dagger.ExecError{ExitCode: timeoutExit}) || stepTimedOut(&dagger.ExecError{ExitCode: 1}) || stepTimedOut(errors.New("x")) {
		t.Error("stepTimedOut misclassifies")
	}
	killed := &dagger.ExecError{ExitCode: killedExit, Stderr: "timeout: sending signal TERM to command 'pip'\n" + killNotice + "'pip'\n"}
	if !stepTimedOut(fmt.Errorf("sync: %w", killed)) || stepTimedOut(&dagger.ExecError{ExitCode: killedExit, Stderr: "Killed\n"}) {
		t.Error("stepTimedOut misclassifies exit 137")
	}
}

func TestTimedOut(t *testing.T) {
	for _, tc := range []struct {
		code   int
		output string
		want   bool
	}{
		{timeoutExit, "", true},
		{timeoutExit, "anything", true},
		{killedExit, killNotice + "'python'\n", true},
		{killedExit, "collected 3 items\n" + killNotice + "‘python’\n", true},
		{killedExit, "", false},                     // SIGKILL from elsewhere (the OOM killer)
		{killedExit, "Killed\n", false},             // idem
		{killedExit, "print: " + killNotice, false}, // not timeout's own line
		{1, killNotice + "'python'\n", false},
		{0, "", false},
	} {
		if got := timedOut(tc.code, tc.output); got != tc.want {
			t.Errorf("timedOut(%d, %q) = %v, want %v", tc.code, tc.output, got, tc.want)
		}
	}
}

// TestTimeoutWrapperWithGNUTimeout runs execArgv's wrapper with the host's
// GNU timeout (the images' is the same program), shortened to a 5s
// timeout and a 2s grace, and checks that timedOut reads what it reports:
// 124 after TERM, 137 with the KILL notice for a command that ignores
// TERM, and 137 without it for a command killed by something else. The
// interpreter is started by its real path (a pyenv shim alone can take a
// second on a loaded machine), and 5s leaves a loaded machine time to
// start it and install the TERM handler before TERM comes.
func TestTimeoutWrapperWithGNUTimeout(t *testing.T) {
	if _, err := exec.LookPath("timeout"); err != nil {
		t.Fatal("timeout (GNU coreutils) not found")
	}
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	py := strings.TrimSpace(string(out))
	for _, tc := range []struct {
		name   string
		script string
		code   int
		want   bool
	}{
		{"stops at TERM", "import time; time.sleep(30)", timeoutExit, true},
		{"ignores TERM", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(30)", killedExit, true},
		{"killed by another", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)", killedExit, false},
		{"fails", "raise SystemExit(3)", 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			argv := execArgv(plan.Step{Argv: []string{py, "-c", tc.script}}, 5*time.Second, nil)
			i := slices.Index(argv, "--kill-after="+killGrace)
			if i < 0 {
				t.Fatalf("wrapper %q has no --kill-after=%s", argv, killGrace)
			}
			argv[i] = "--kill-after=2s"
			var stderr strings.Builder
			cmd := exec.Command(argv[0], argv[1:]...)
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
				if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					code = 128 + int(ws.Signal()) // as the container runtime reports it
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.code || timedOut(code, stderr.String()) != tc.want {
				t.Errorf("%q: exit %d, stderr %q: timedOut %v; want exit %d, timedOut %v", argv, code, stderr.String(), timedOut(code, stderr.String()), tc.code, tc.want)
			}
		})
	}
}

func TestKeepEnd(t *testing.T) {
	if got := keepEnd("abcdef", 3); got != "[... output truncated ...]\ndef" {
		t.Errorf("keepEnd = %q", got)
	}
	if got := keepEnd("abc", 3); got != "abc" {
		t.Errorf("keepEnd kept %q", got)
	}
}
