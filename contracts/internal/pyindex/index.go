package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"html"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
)

// index serves the installed distributions as a PEP 503 simple index,
// each project's wheel rebuilt when pip first asks for its page.
type index struct {
	in    interpreter
	dists map[string]dist
	// dir receives the rebuilt wheels.
	dir string
	// notes receives a line per wheel built (or not).
	notes io.Writer

	mu     sync.Mutex
	builds map[string]*build // by project
	files  map[string]wheel  // by "<sha256>/<file name>"
}

// build is one project's wheel, rebuilt once.
type build struct {
	once  sync.Once
	wheel wheel
	err   error
}

// Cache lifetimes: a wheel's URL holds its digest, so its content never
// changes (pip keeps it in its HTTP cache and does not ask again); pip
// revalidates pages on every resolve, and their ETag lets the index answer
// 304 Not Modified without sending them again.
const (
	fileCacheControl = "public, max-age=31536000, immutable"
	pageCacheControl = "public, max-age=600"
)

func newIndex(in interpreter, dists map[string]dist, dir string, notes io.Writer) *index {
	return &index{in: in, dists: dists, dir: dir, notes: notes, builds: map[string]*build{}, files: map[string]wheel{}}
}

// ServeHTTP answers /simple/, /simple/<project>/ and /files/<sha256>/<file>.
func (x *index) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "read-only index", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case p == "/simple/":
		x.root(w, r)
	case strings.HasPrefix(p, "/simple/"):
		x.project(w, r, strings.TrimPrefix(p, "/simple/"))
	case strings.HasPrefix(p, "/files/"):
		x.file(w, r, strings.TrimPrefix(p, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

// root lists every project.
func (x *index) root(w http.ResponseWriter, r *http.Request) {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Simple index</title></head><body>\n")
	for _, p := range slices.Sorted(maps.Keys(x.dists)) {
		fmt.Fprintf(&b, "<a href=\"/simple/%s/\">%s</a><br>\n", p, html.EscapeString(p))
	}
	b.WriteString("</body></html>\n")
	servePage(w, r, b.Bytes())
}

// project serves one project's page, rebuilding its wheel first.
func (x *index) project(w http.ResponseWriter, r *http.Request, rest string) {
	name, hasSlash := strings.CutSuffix(rest, "/")
	if strings.Contains(name, "/") || name == "" {
		http.NotFound(w, r)
		return
	}
	if p := normalize(name); p != name || !hasSlash {
		http.Redirect(w, r, "/simple/"+p+"/", http.StatusMovedPermanently)
		return
	}
	if _, ok := x.dists[name]; !ok {
		http.Error(w, fmt.Sprintf("no installed distribution named %q", name), http.StatusNotFound)
		return
	}
	wh, err := x.wheel(r.Context(), name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	attr := ""
	if wh.RequiresPython != "" {
		attr = fmt.Sprintf(" data-requires-python=\"%s\"", html.EscapeString(wh.RequiresPython))
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.0\"><title>Links for %s</title></head><body>\n<h1>Links for %[1]s</h1>\n", html.EscapeString(name))
	fmt.Fprintf(&b, "<a href=\"/files/%[1]s/%[2]s#sha256=%[1]s\"%[3]s>%[2]s</a><br>\n</body></html>\n", wh.SHA256, html.EscapeString(wh.File), attr)
	servePage(w, r, b.Bytes())
}

// file serves a wheel rebuilt earlier, by digest and name.
func (x *index) file(w http.ResponseWriter, r *http.Request, key string) {
	x.mu.Lock()
	wh, ok := x.files[key]
	x.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", fileCacheControl)
	w.Header().Set("ETag", `"`+wh.SHA256+`"`)
	w.Header().Set("Content-Type", "application/octet-stream")
	http.ServeFile(w, r, wh.Path)
}

// wheel rebuilds the project's wheel once; later calls return it.
func (x *index) wheel(ctx context.Context, project string) (wheel, error) {
	x.mu.Lock()
	b, ok := x.builds[project]
	if !ok {
		b = &build{}
		x.builds[project] = b
	}
	x.mu.Unlock()
	b.once.Do(func() {
		d := x.dists[project]
		start := time.Now()
		// Not the request's context: a client that gives up must not
		// leave a failed build behind for the next one.
		b.wheel, b.err = rebuild(context.WithoutCancel(ctx), d, x.in, x.dir)
		if b.err != nil {
			fmt.Fprintf(x.notes, "pyindex: cannot rebuild %s %s: %v\n", d.Name, d.Version, b.err)
			return
		}
		x.mu.Lock()
		x.files[b.wheel.SHA256+"/"+b.wheel.File] = b.wheel
		x.mu.Unlock()
		fmt.Fprintf(x.notes, "pyindex: rebuilt %s (%d bytes, %s) from %s/%s%s\n", b.wheel.File, b.wheel.Size,
			time.Since(start).Round(time.Millisecond), d.Site, d.InfoDir, skippedNote(b.wheel.Skipped))
	})
	return b.wheel, b.err
}

func skippedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d installed file(s) outside the site directory or missing left out", n)
}

// servePage sends a page with an ETag, so pip's revalidation gets 304.
func servePage(w http.ResponseWriter, r *http.Request, body []byte) {
	w.Header().Set("Cache-Control", pageCacheControl)
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256(body)))
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// logged wraps h so every request is written to log as one line
// (indexproc.Request).
func logged(h http.Handler, log io.Writer) http.Handler {
	var mu sync.Mutex
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(cw, r)
		req := indexproc.Request{Method: r.Method, Path: r.URL.EscapedPath(), Status: cw.status, Bytes: cw.bytes, Kind: kindOf(r.URL.Path)}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(log, req.String())
	})
}

func kindOf(p string) string {
	switch {
	case strings.HasPrefix(p, "/simple/"):
		return indexproc.KindPage
	case strings.HasPrefix(p, "/files/"):
		return indexproc.KindFile
	}
	return indexproc.KindOther
}

// countingWriter records a response's status and body size.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.bytes += int64(n)
	return n, err
}
