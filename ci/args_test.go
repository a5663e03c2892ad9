package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest"
)

func TestRequestCheck(t *testing.T) {
	dir := dag.Directory()
	for _, tc := range []struct {
		name string
		req  request
		want string // substring of the error; "" for none
	}{
		{"defaults", request{}, ""},
		{"ref", request{coreRef: "v2.0.0", baselineRef: "v1.2.0"}, ""},
		{"source", request{coreSource: dir}, ""},
		{"source and ref", request{coreRef: "main", coreSource: dir}, "exclude each other"},
		{"bad core ref", request{coreRef: "-x"}, "--core-ref"},
		{"bad baseline", request{baselineRef: "a..b"}, "--baseline-ref"},
		{"fail-on failures", request{failOn: "failures"}, ""},
		{"fail-on regressions", request{failOn: "regressions", baselineRef: "v1"}, ""},
		{"regressions without baseline", request{failOn: "regressions"}, "needs --baseline-ref"},
		{"fail-on unknown", request{failOn: "never"}, "--fail-on"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.check()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestCoreRefs(t *testing.T) {
	if got := (request{}).coreRefs(); got != nil {
		t.Errorf("no ref: %v, want nil (the matrix's core.ref)", got)
	}
	if got := (request{coreRef: "v2"}).coreRefs(); !slices.Equal(got, []string{"v2"}) {
		t.Errorf("coreRefs = %v", got)
	}
	if got := (request{coreRef: "v1.1.0, v1.2.0,main"}).coreRefs(); !slices.Equal(got, []string{"v1.1.0", "v1.2.0", "main"}) {
		t.Errorf("comma-separated coreRefs = %v", got)
	}
	if err := (request{coreRef: "v1.1.0,a..b"}).check(); err == nil || !strings.Contains(err.Error(), "a..b") {
		t.Errorf("a bad ref in a list: %v", err)
	}
}

func TestSplitList(t *testing.T) {
	got := splitList([]string{"a,b", " c ", "", "d,,e"})
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("splitList = %v, want %v", got, want)
	}
}

func TestPipArguments(t *testing.T) {
	got, err := pipArguments("https://mirror.example/simple", []string{"--pre"})
	if err != nil || !slices.Equal(got, []string{"--index-url", "https://mirror.example/simple", "--pre"}) {
		t.Errorf("pipArguments = %v, %v", got, err)
	}
	if got, err := pipArguments("", nil); err != nil || got != nil {
		t.Errorf("no options: %v, %v", got, err)
	}
	// A plain-HTTP index (the bare image's index on the engine's bridge):
	// pip ignores it, and caches nothing from it, unless its host is trusted.
	got, err = pipArguments("http://10.87.0.1:41234/simple/", nil)
	if want := []string{"--index-url", "http://10.87.0.1:41234/simple/", "--trusted-host", "10.87.0.1:41234"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("http index: %v, %v; want %v", got, err, want)
	}
	for _, bad := range []string{"https://user:pw@mirror/simple", "https://tok@mirror/simple", "ftp://mirror", "mirror/simple"} {
		if _, err := pipArguments(bad, nil); err == nil {
			t.Errorf("index URL %q accepted", bad)
		}
	}
	if _, err := pipArguments("", []string{"--pre", "a\nb"}); err == nil {
		t.Error("argument with a newline accepted")
	}
	for _, extra := range [][]string{
		{"--extra-index-url=https://u:hunter2@mirror/simple"},
		{"--extra-index-url", "https://hunter2@mirror/simple"},
	} {
		_, err := pipArguments("https://mirror.example/simple", extra)
		if err == nil || !strings.HasPrefix(err.Error(), "--pip-args: ") || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("pip args %q: %v, want a --pip-args error without the secret", extra, err)
		}
	}
}

// fileResolver answers the name and contents of files made by dag.File.
func fileResolver(c enginetest.Chain) (any, error) {
	switch {
	case c.Has("file", "name"):
		return c[0].Str("name"), nil
	case c.Has("file", "contents"):
		return c[0].Str("contents"), nil
	}
	return nil, nil
}

func TestLoadMatrix(t *testing.T) {
	enginetest.Use(t, fileResolver)
	ctx := context.Background()
	m, err := loadMatrix(ctx, nil, nil)
	if err != nil || m.Core.Repo == "" || len(m.Downstreams) == 0 {
		t.Fatalf("default matrix: %v, %v", m, err)
	}
	custom := `version: 1
core: {name: market-data-core, repo: "https://git.example/core.git", package: market_data_core}
downstreams:
  - {name: a, repo: "https://git.example/a.git", ref: main}
  - {name: b, repo: "https://git.example/b.git", ref: main}
  - {name: c, repo: "https://git.example/c.git", ref: main}
`
	m, err = loadMatrix(ctx, dag.File("m.yaml", custom), []string{"c,a"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range m.Downstreams {
		names = append(names, d.Name)
	}
	if !slices.Equal(names, []string{"a", "c"}) || m.Source != "m.yaml" {
		t.Errorf("selected %v from %s, want [a c] from m.yaml", names, m.Source)
	}
	if _, err := loadMatrix(ctx, dag.File("bad.yaml", "version: 9\n"), nil); err == nil || !strings.Contains(err.Error(), "bad.yaml") {
		t.Errorf("bad matrix: %v, want an error naming the file", err)
	}
	if _, err := loadMatrix(ctx, nil, []string{"nope"}); err == nil {
		t.Error("--only with an unknown name accepted")
	}
}
