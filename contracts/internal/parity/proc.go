package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// procTimeout bounds one command of either side.
const procTimeout = 20 * time.Minute

// proc is one finished command: what it printed and how it exited.
type proc struct {
	// argv is the command as run, for the report.
	argv []string
	// code is its exit code (-1 when it could not start or was killed).
	code           int
	stdout, stderr string
	elapsed        time.Duration
	// err is set when the command could not run at all.
	err error
}

// run executes argv (never through a shell) in dir with env added to this
// process's environment.
func run(ctx context.Context, dir string, env []string, argv ...string) proc {
	return runIn(ctx, dir, append(os.Environ(), env...), argv...)
}

// runIn executes argv (never through a shell) in dir with the environment
// environ.
func runIn(ctx context.Context, dir string, environ []string, argv ...string) proc {
	ctx, cancel := context.WithTimeout(ctx, procTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = environ
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	p := proc{argv: argv, code: 0, stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee) && ctx.Err() == nil:
		p.code = ee.ExitCode()
	case err != nil:
		p.code, p.err = -1, fmt.Errorf("%s: %w", argv[0], err)
	}
	return p
}

// traceSuffix is the engine's trace id that dagger appends to errors.
var traceSuffix = regexp.MustCompile(`\s*\[traceparent:[0-9a-f-]+\]`)

// daggerError is the message after "Error: " that dagger call prints last
// on a failing function, without the trace id; "" when there is none.
func (p proc) daggerError() string {
	lines := strings.Split(strings.TrimRight(p.stderr, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if msg, ok := strings.CutPrefix(lines[i], "Error: "); ok {
			return traceSuffix.ReplaceAllString(msg, "")
		}
	}
	return ""
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// describe says how a command ended, for a table cell.
func (p proc) describe() string {
	if p.err != nil {
		return p.err.Error()
	}
	return fmt.Sprintf("exit %d", p.code)
}

// tail is the end of what a command printed, for a failure's details.
func (p proc) tail() string {
	s := strings.TrimSpace(p.stderr + "\n" + p.stdout)
	if len(s) > 1500 {
		s = "..." + s[len(s)-1500:]
	}
	return fmt.Sprintf("$ %s\n%s", strings.Join(p.argv, " "), s)
}
