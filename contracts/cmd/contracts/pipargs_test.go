package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// TestPipArgCredentialsRefused: a URL with credentials in --pip-arg is a
// usage error that does not repeat the secret (it would otherwise reach
// every install argv, log, plan and cache key).
func TestPipArgCredentialsRefused(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--pip-arg=--extra-index-url=https://u:hunter2@pypi.internal/simple"},
		{"plan", "--pip-arg=--index-url", "--pip-arg=https://hunter2@pypi.internal/simple"},
	} {
		code, stdout, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "--pip-arg") || !strings.Contains(stderr, "REDACTED@pypi.internal") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming the redacted argument", args, code, stderr)
		}
		if strings.Contains(stdout+stderr, "hunter2") {
			t.Errorf("%v: the secret was printed: %s%s", args, stdout, stderr)
		}
	}
}

// TestPipIndexURL: --pip-index-url becomes pip's --index-url in every
// install of the plan, with --trusted-host for a plain-HTTP index; a URL
// with credentials, one that is not http(s), and --offline with it are
// usage errors that do not repeat a secret.
func TestPipIndexURL(t *testing.T) {
	code, stdout, stderr := cli(t, "plan", "--pip-index-url", "http://127.0.0.1:1/simple/", "--core-source", t.TempDir(), "--only", "store", "--cache-dir", t.TempDir())
	if code != 0 {
		t.Fatalf("plan: exit %d\n%s", code, stderr)
	}
	var entries []struct{ Plan plan.Plan }
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil || len(entries) != 1 || len(entries[0].Plan.Suites) != 1 {
		t.Fatalf("plan JSON: %v\n%s", err, stdout)
	}
	p := entries[0].Plan
	want := []string{"--index-url", "http://127.0.0.1:1/simple/", "--trusted-host", "127.0.0.1:1"}
	for _, st := range append(p.Suites[0].Steps, p.CoreBuild.Steps...) {
		if st.Layer != plan.LayerTest && !slices.Equal(st.Argv[len(st.Argv)-len(want):], want) {
			t.Errorf("step %q does not end with %q: %q", st.Name, want, st.Argv)
		}
	}
	for _, args := range [][]string{
		{"run", "--pip-index-url", "https://u:hunter2@pypi.internal/simple"},
		{"run", "--pip-index-url", "ftp://pypi.internal/simple"},
		{"run", "--pip-index-url", "https://pypi.internal/simple", "--offline"},
	} {
		code, stdout, stderr := cli(t, args...)
		if code != exitUsage || !strings.Contains(stderr, "--pip-index-url") {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming --pip-index-url", args, code, stderr)
		}
		if strings.Contains(stdout+stderr, "hunter2") {
			t.Errorf("%v: the secret was printed: %s%s", args, stdout, stderr)
		}
	}
}
