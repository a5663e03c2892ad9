// Package indexproc is the pyindex command (contracts/internal/pyindex) as
// its users see it: the request log it writes, one line per request, and a
// running index process started, read and stopped by a test or the bench.
//
// The log is the index's own record of what it served: a run that
// downloads nothing shows up as requests answered 304 (pip revalidating
// its cached index pages) and no file served.
package indexproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Kinds of request in the log.
const (
	// KindPage is a PEP 503 page (/simple/ and /simple/<project>/).
	KindPage = "page"
	// KindFile is a wheel (/files/<sha256>/<name>.whl).
	KindFile = "file"
	// KindOther is anything else.
	KindOther = "other"
)

// Request is one line of the index's request log.
type Request struct {
	// Method and Path are the request's (Path without the query).
	Method, Path string
	// Status is the HTTP status answered.
	Status int
	// Bytes is the size of the response body sent.
	Bytes int64
	// Kind is KindPage, KindFile or KindOther.
	Kind string
}

// logPrefix starts every request line, so a reader can tell them from
// anything else a process prints.
const logPrefix = "served "

// String is the request's log line (without a newline):
// "served GET /simple/pytest/ 200 812 page".
func (r Request) String() string {
	return fmt.Sprintf("%s%s %s %d %d %s", logPrefix, r.Method, r.Path, r.Status, r.Bytes, r.Kind)
}

// ParseRequest reads a log line written by Request.String.
func ParseRequest(line string) (Request, bool) {
	rest, ok := strings.CutPrefix(line, logPrefix)
	if !ok {
		return Request{}, false
	}
	f := strings.Fields(rest)
	if len(f) != 5 {
		return Request{}, false
	}
	status, err1 := strconv.Atoi(f[2])
	size, err2 := strconv.ParseInt(f[3], 10, 64)
	if err1 != nil || err2 != nil {
		return Request{}, false
	}
	return Request{Method: f[0], Path: f[1], Status: status, Bytes: size, Kind: f[4]}, true
}

// Tally counts what a stretch of the log served.
type Tally struct {
	// Requests is every request; NotModified those answered 304.
	Requests, NotModified int
	// Files is the wheels sent (status 200 on a file); FileBytes their bytes.
	Files     int
	FileBytes int64
	// Bytes is every response body byte sent, pages included.
	Bytes int64
}

// Add counts one request.
func (t *Tally) Add(r Request) {
	t.Requests++
	t.Bytes += r.Bytes
	if r.Status == 304 {
		t.NotModified++
	}
	if r.Kind == KindFile && r.Status == 200 {
		t.Files++
		t.FileBytes += r.Bytes
	}
}

// String says what the tally counted, for test failures and the bench.
func (t Tally) String() string {
	return fmt.Sprintf("%d requests (%d answered 304 Not Modified), %d wheel files (%d bytes), %d bytes in all",
		t.Requests, t.NotModified, t.Files, t.FileBytes, t.Bytes)
}

// Build compiles the pyindex command into dir and returns the binary's
// path; it runs the go tool from the module that holds this package.
func Build(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "pyindex")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build pyindex: %w\n%s", err, out)
	}
	return bin, nil
}

// Process is a running index.
type Process struct {
	// URL is the index URL it printed first (http://ADDR/simple/).
	URL string
	cmd *exec.Cmd

	mu       sync.Mutex
	requests []Request
	stderr   strings.Builder
	done     chan struct{}
	syncs    map[string]chan struct{} // Sync's marker paths, closed when logged
	synced   int
}

// syncPath starts the paths Sync asks for; the log keeps no such request.
const syncPath = "/-/sync/"

// startTimeout bounds how long Start waits for the index URL.
const startTimeout = 30 * time.Second

// Start runs the pyindex binary bin listening on listen (HOST:PORT; port 0
// picks a free one), serving for at most lifetime, and returns once it printed its
// URL. args are further flags (-python PY). Stop it with Stop; it also
// stops itself when lifetime ends, so a test that dies leaves no server.
func Start(bin, listen string, lifetime time.Duration, args ...string) (*Process, error) {
	argv := append([]string{"-listen", listen, "-lifetime", lifetime.String()}, args...)
	cmd := exec.Command(bin, argv...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewScanner(stdout)
	first := make(chan string, 1)
	go func() {
		defer close(p.done)
		if lines.Scan() {
			first <- lines.Text()
		}
		close(first)
		for lines.Scan() {
			if r, ok := ParseRequest(lines.Text()); ok {
				p.log(r)
			}
		}
		cmd.Wait()
	}()
	select {
	case url, ok := <-first:
		if ok && strings.HasPrefix(url, "http://") {
			p.URL = url
			return p, nil
		}
		p.Stop()
		return nil, fmt.Errorf("pyindex printed %q instead of its URL: %s", url, p.Stderr())
	case <-time.After(startTimeout):
		p.Stop()
		return nil, fmt.Errorf("pyindex printed no URL within %s: %s", startTimeout, p.Stderr())
	}
}

// log records r, or closes the channel of the Sync it marks.
func (p *Process) log(r Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if strings.HasPrefix(r.Path, syncPath) {
		if c, ok := p.syncs[r.Path]; ok {
			close(c)
			delete(p.syncs, r.Path)
		}
		return
	}
	p.requests = append(p.requests, r)
}

// Sync returns once every request the index answered before the call is
// in the log. It asks the index for a marker path and waits until the log
// shows it: the index logs a request before its response completes, and
// the log is read in order, so nothing answered earlier is still on its
// way. Call it before Mark and Since when a client has just finished.
func (p *Process) Sync(ctx context.Context) error {
	p.mu.Lock()
	p.synced++
	path := fmt.Sprintf("%s%d", syncPath, p.synced)
	c := make(chan struct{})
	if p.syncs == nil {
		p.syncs = map[string]chan struct{}{}
	}
	p.syncs[path] = c
	p.mu.Unlock()
	resp, err := http.Get(strings.TrimSuffix(p.URL, "/simple/") + path)
	if err != nil {
		return fmt.Errorf("syncing with the index log: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	select {
	case <-c:
		return nil
	case <-p.done:
		return errors.New("syncing with the index log: the index stopped")
	case <-ctx.Done():
		return fmt.Errorf("syncing with the index log: %w", ctx.Err())
	}
}

// Mark is a position in the request log, for Since.
func (p *Process) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

// Since tallies the requests logged after mark (Mark).
func (p *Process) Since(mark int) Tally {
	p.mu.Lock()
	defer p.mu.Unlock()
	var t Tally
	for _, r := range p.requests[min(mark, len(p.requests)):] {
		t.Add(r)
	}
	return t
}

// Requests returns a copy of the request log so far.
func (p *Process) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Stderr is what the index wrote to stderr so far (its start-up notes and
// the wheels it built).
func (p *Process) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Stop interrupts the index and waits (at most 10 s, then kills it) until
// it exited and its log was read.
func (p *Process) Stop() error {
	if p.cmd.Process == nil {
		return errors.New("pyindex not started")
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// lockedWriter appends to w under mu.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
