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

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
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
	quote    string // what a reason quotes of its output (diagnose.Quote)
}

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
	quote := &diagnose.Recorder{}
	tag := newTag()
	cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
	cmd.Dir, cmd.Env = c.dir, append(c.env[:len(c.env):len(c.env)], tagVar+"="+tag)
	cmd.Stdout = io.MultiWriter(log, quote)
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
	res := result{quote: quote.Quote()}
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
