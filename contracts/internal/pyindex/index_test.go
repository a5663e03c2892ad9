package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
)

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// tally counts the log's requests from line mark on.
func (s *syncBuffer) tally(mark int) (indexproc.Tally, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t indexproc.Tally
	lines := strings.Split(strings.TrimSpace(s.b.String()), "\n")
	for _, line := range lines[min(mark, len(lines)):] {
		if r, ok := indexproc.ParseRequest(line); ok {
			t.Add(r)
		}
	}
	return t, len(lines)
}

// testIndex serves a site directory holding one pure distribution.
func testIndex(t *testing.T) (*httptest.Server, *syncBuffer) {
	site := t.TempDir()
	writeFiles(t, site, map[string]string{
		"m.py":                         "x = 1\n",
		"M_Pkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: M_Pkg\nVersion: 1.0\nRequires-Python: >=3.8\n",
		"M_Pkg-1.0.dist-info/RECORD":   "m.py,,\nM_Pkg-1.0.dist-info/METADATA,,\n",
	})
	dists, notes := distributions([]string{site, filepath.Join(site, "missing")})
	if len(dists) != 1 || len(notes) != 0 {
		t.Fatalf("distributions: %v %v", dists, notes)
	}
	log := &syncBuffer{}
	srv := httptest.NewServer(logged(newIndex(testInterp, dists, t.TempDir(), io.Discard), log))
	t.Cleanup(srv.Close)
	return srv, log
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestIndexPages: PEP 503 pages with digests and Requires-Python, names
// normalized by redirect, a missing project 404, pages revalidated with
// 304, wheels immutable; every request logged once.
func TestIndexPages(t *testing.T) {
	srv, log := testIndex(t)
	resp, root := get(t, srv.URL+"/simple/")
	if resp.StatusCode != 200 || !strings.Contains(root, `<a href="/simple/m-pkg/">m-pkg</a>`) {
		t.Fatalf("root %d:\n%s", resp.StatusCode, root)
	}
	if resp, _ := get(t, srv.URL+"/simple/M_Pkg/"); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/simple/m-pkg/" {
		t.Errorf("unnormalized name: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := get(t, srv.URL+"/simple/absent/"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("absent project: %d", resp.StatusCode)
	}
	resp, page := get(t, srv.URL+"/simple/m-pkg/")
	link := regexp.MustCompile(`<a href="(/files/([0-9a-f]{64})/M_Pkg-1\.0-py3-none-any\.whl)#sha256=([0-9a-f]{64})" data-requires-python="&gt;=3.8">`).FindStringSubmatch(page)
	if resp.StatusCode != 200 || link == nil || link[2] != link[3] {
		t.Fatalf("project page %d:\n%s", resp.StatusCode, page)
	}
	etag := resp.Header.Get("ETag")
	if resp, body := get(t, srv.URL+"/simple/m-pkg/", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("revalidation: %d %q, want 304", resp.StatusCode, body)
	}
	resp, whl := get(t, srv.URL+link[1])
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(whl, "PK") {
		t.Errorf("wheel: %d %s", resp.StatusCode, resp.Header)
	}
	if resp, _ := get(t, srv.URL+"/files/"+strings.Repeat("0", 64)+"/M_Pkg-1.0-py3-none-any.whl"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown digest: %d", resp.StatusCode)
	}
	got, _ := log.tally(0)
	want := indexproc.Tally{Requests: 7, NotModified: 1, Files: 1, FileBytes: int64(len(whl))}
	if got.Requests != want.Requests || got.NotModified != want.NotModified || got.Files != want.Files || got.FileBytes != want.FileBytes {
		t.Errorf("log tally %s, want %s", got, want)
	}
}

// TestPipInstallsFromTheIndex: the interpreter's own pytest and pydantic
// (pydantic_core compiled, its cp311 wheel rebuilt with its manylinux
// tags) install with real pip into a virtualenv without the interpreter's
// packages, from the index alone, and import. (The demo through the index,
// a second run downloading nothing and a missing project are
// contracts/cmd/contracts' TestDemoThroughIndex.)
func TestPipInstallsFromTheIndex(t *testing.T) {
	ctx := context.Background()
	in, err := inspect(ctx, "python3")
	if err != nil {
		t.Fatal(err)
	}
	dists, _ := distributions(in.Path)
	for _, need := range []string{"pytest", "pydantic", "pydantic-core"} {
		if _, ok := dists[need]; !ok {
			t.Fatalf("python3 has no %s installed (bash .ci/setup installs what the tests need)", need)
		}
	}
	log := &syncBuffer{}
	srv := httptest.NewServer(logged(newIndex(in, dists, t.TempDir(), io.Discard), log))
	defer srv.Close()
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("python3", "-m", "venv", venv).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	py := filepath.Join(venv, "bin", "python")
	cmd := exec.Command(py, "-m", "pip", "install", "--progress-bar", "off", "--no-compile",
		"--index-url", srv.URL+"/simple/", "--trusted-host", strings.TrimPrefix(srv.URL, "http://"), "pytest", "pydantic")
	cmd.Env = append(pipEnv(), "PIP_CACHE_DIR="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	out, err := exec.Command(py, "-c", "import pytest, pydantic, pydantic_core; print(pytest.__version__, pydantic.VERSION)").CombinedOutput()
	if want := dists["pytest"].Version + " " + dists["pydantic"].Version; err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("imports: %v %q, want %s", err, out, want)
	}
	if got, _ := log.tally(0); got.Files < 9 {
		t.Errorf("index log: %s; want pytest, pydantic and their requirements downloaded", got)
	}
}

// pipEnv is the test's environment without pip configuration (this
// machine sets PIP_FIND_LINKS): the index is pip's only source.
func pipEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			out = append(out, kv)
		}
	}
	return append(out, "PIP_CONFIG_FILE="+os.DevNull, "PIP_DISABLE_PIP_VERSION_CHECK=1")
}
