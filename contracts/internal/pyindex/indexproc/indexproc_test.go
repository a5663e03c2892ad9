package indexproc

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRequestLine(t *testing.T) {
	r := Request{Method: "GET", Path: "/files/ab/x-1.0-py3-none-any.whl", Status: 200, Bytes: 1234, Kind: KindFile}
	got, ok := ParseRequest(r.String())
	if !ok || got != r {
		t.Errorf("ParseRequest(%q) = %+v, %v", r.String(), got, ok)
	}
	for _, bad := range []string{"", "http://127.0.0.1:1/simple/", "served GET / x 1 page", "served GET / 200 page"} {
		if _, ok := ParseRequest(bad); ok {
			t.Errorf("ParseRequest(%q) accepted", bad)
		}
	}
	var tally Tally
	for _, r := range []Request{{Status: 200, Bytes: 10, Kind: KindPage}, {Status: 304, Kind: KindPage}, {Status: 200, Bytes: 90, Kind: KindFile}, {Status: 404, Bytes: 5, Kind: KindPage}} {
		tally.Add(r)
	}
	if tally != (Tally{Requests: 4, NotModified: 1, Files: 1, FileBytes: 90, Bytes: 105}) {
		t.Errorf("tally %+v", tally)
	}
}

// TestProcess: the command built from source prints its URL first, logs
// each request, and stops when asked; a lifetime stops it by itself.
func TestProcess(t *testing.T) {
	bin, err := Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Start(bin, "127.0.0.1:0", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") || !strings.HasSuffix(p.URL, "/simple/") {
		t.Fatalf("URL %q", p.URL)
	}
	mark := p.Mark()
	resp, err := http.Get(p.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `href="/simple/pip/"`) {
		t.Errorf("root page %d lists no pip:\n%.300s", resp.StatusCode, body)
	}
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.Since(mark); got.Requests != 1 || got.Bytes != int64(len(body)) {
		t.Errorf("log: %s, want the one page of %d bytes", got, len(body))
	}
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(p.URL); err == nil {
		t.Error("index still answers after Stop")
	}

	short, err := Start(bin, "127.0.0.1:0", 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-short.done:
	case <-time.After(10 * time.Second):
		short.Stop()
		t.Error("index outlived its lifetime")
	}
}
