package main

import (
	"strings"
	"testing"
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
