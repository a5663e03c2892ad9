package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/procgroup"
)

// command is one process to run: argv, working directory, environment.
type command struct {
	argv []string
	dir  string
	env  []string
}

// result is what a finished process left behind.
type result struct {
	exitCode int    // -signal when killed by a signal
	tail     string // the last lines of its output, for error reasons
}

// tailSize bounds the output kept for error reasons; reasonLines is how
// many of its last lines a reason quotes (the whole output is in the log).
const (
	tailSize    = 2048
	reasonLines = 6
)

// waitDelay bounds how long run waits for output after the process exited
// (or was killed) while a leftover process holds the pipe open.
const waitDelay = 5 * time.Second

// run starts c in its own process group, streams its combined output to
// log, and waits. When ctx ends (timeout, cancel) the whole process group is
// killed; after every exit the group is killed too, and so is every process
// carrying the command's tag (see sweep), so no test leaves a process
// behind. A leftover that holds the output open delays the return by at
// most waitDelay. err is set only when the process could not run or ctx ended.
func run(ctx context.Context, c command, log io.Writer) (result, error) {
	fmt.Fprintf(log, "$ %s\n", strings.Join(c.argv, " "))
	tail := &tailWriter{max: tailSize}
	tag := newTag()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Dir, cmd.Env = c.dir, append(c.env[:len(c.env):len(c.env)], tagVar+"="+tag)
	cmd.Stdout = io.MultiWriter(log, tail)
	cmd.Stderr = cmd.Stdout
	procgroup.Isolate(cmd)
	cmd.Cancel = func() error { sweep(tag); return procgroup.Kill(cmd) }
	cmd.WaitDelay = waitDelay
	start := time.Now()
	err := cmd.Run()
	procgroup.Kill(cmd)
	if n := sweep(tag); n > 0 {
		fmt.Fprintf(log, "# killed %d leftover process(es) that had left the process group\n", n)
	}
	if errors.Is(err, exec.ErrWaitDelay) {
		fmt.Fprintf(log, "# a leftover process held the output open for %s after the exit\n", waitDelay)
		err = nil
	}
	res := result{tail: tail.String()}
	if cmd.ProcessState != nil {
		res.exitCode = exitCode(cmd.ProcessState)
	}
	fmt.Fprintf(log, "# exit %d after %s\n", res.exitCode, time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return res, err
	}
	return res, nil
}

func exitCode(ps interface{ Sys() any }) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok {
		if ws.Signaled() {
			return -int(ws.Signal())
		}
		return ws.ExitStatus()
	}
	return -1
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	max int
	buf []byte
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// lastLines returns the last n non-empty lines of s: the part of a failed
// command's output that says why (pip and pytest put the error last).
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			keep = append([]string{l}, keep...)
		}
	}
	return strings.Join(keep, "\n")
}

// String returns the kept tail, starting at a line boundary.
func (t *tailWriter) String() string {
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimSpace(string(b))
}

// cappedWriter writes at most max bytes to w, then counts what it drops, so a
// suite printing megabytes cannot fill the disk or the memory.
type cappedWriter struct {
	w       io.Writer
	max     int64
	n       int64
	dropped int64
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	size := len(p)
	room := c.max - c.n
	if room <= 0 {
		c.dropped += int64(size)
		return size, nil
	}
	if int64(len(p)) > room {
		c.dropped += int64(len(p)) - room
		p = p[:room]
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		return n, err
	}
	return size, nil
}
