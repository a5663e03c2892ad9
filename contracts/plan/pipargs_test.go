package plan

import (
	"strconv"
	"strings"
	"testing"
)

func TestValidatePipArgsAccepts(t *testing.T) {
	ok := [][]string{
		nil,
		{"--no-index", "--no-build-isolation"},
		{"--index-url=https://pypi.internal/simple", "--trusted-host=pypi.internal"},
		{"--extra-index-url", "https://mirror.example:8443/simple/"},
		{"-ihttps://[::1]:8080/simple"},
		{"--find-links=file:///srv/wheels"},
		{"--find-links", "/srv/wheels"},
		{"--proxy=http://proxy.internal:3128"},
		{"git+https://github.com/o/r@v1.0#egg=r"},  // '@' in the path: a git ref, not user info
		{"--constraint=c.txt", "user@example.com"}, // no URL
	}
	for _, args := range ok {
		if err := ValidatePipArgs(args); err != nil {
			t.Errorf("ValidatePipArgs(%q) = %v", args, err)
		}
	}
}

func TestValidatePipArgsRefusesCredentials(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		arg      int    // position named in the error
		redacted string // the argument as the error quotes it
	}{
		{[]string{"--extra-index-url=https://u:hunter2@pypi.internal/simple"}, 1, "--extra-index-url=https://REDACTED@pypi.internal/simple"},
		{[]string{"--no-index", "--extra-index-url", "https://u:hunter2@pypi.internal/simple"}, 3, "https://REDACTED@pypi.internal/simple"},
		{[]string{"-ihttps://hunter2@pypi.internal/simple"}, 1, "-ihttps://REDACTED@pypi.internal/simple"},
		{[]string{"--index-url=HTTP://hunter2:x-oauth-basic@host"}, 1, "--index-url=HTTP://REDACTED@host"},
		{[]string{"--proxy=http://u:hunter2@proxy:3128"}, 1, "--proxy=http://REDACTED@proxy:3128"},
		{[]string{"git+https://hunter2@github.com/o/r@v1"}, 1, "git+https://REDACTED@github.com/o/r@v1"},
		{[]string{"--find-links=https://ok.example/a https://u:hunter2@b.example/"}, 1, "--find-links=https://ok.example/a https://REDACTED@b.example/"},
		// a password holding '/' cuts the authority early: refused whole
		{[]string{"--index-url=https://u:hun/ter2@pypi.internal/simple"}, 1, "--index-url=https://REDACTED"},
		{[]string{"--index-url=https://u:p@ss:hunter2@host/"}, 1, "--index-url=https://REDACTED@host/"},
	} {
		err := ValidatePipArgs(tc.args)
		if err == nil {
			t.Errorf("ValidatePipArgs(%q) accepted", tc.args)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, "hunter2") || strings.Contains(msg, "hun/ter2") {
			t.Errorf("error repeats the secret: %s", msg)
		}
		if want := "pip argument " + strconv.Itoa(tc.arg) + " \"" + tc.redacted + "\""; !strings.Contains(msg, want) {
			t.Errorf("ValidatePipArgs(%q) = %q, want it to name %s", tc.args, msg, want)
		}
	}
}

func TestIndexArgs(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want []string
	}{
		{"https://pypi.internal/simple", []string{"--index-url", "https://pypi.internal/simple"}},
		{"http://10.87.0.1:41234/simple/", []string{"--index-url", "http://10.87.0.1:41234/simple/", "--trusted-host", "10.87.0.1:41234"}},
		{"http://127.0.0.1:8080/simple", []string{"--index-url", "http://127.0.0.1:8080/simple", "--trusted-host", "127.0.0.1:8080"}},
		{"HTTP://mirror.internal/simple", []string{"--index-url", "HTTP://mirror.internal/simple", "--trusted-host", "mirror.internal"}},
	} {
		got, err := IndexArgs("--pip-index-url", tc.url)
		if err != nil || strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("IndexArgs(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
	for _, bad := range []string{"https://user:hunter2@mirror/simple", "https://hunter2@mirror/simple", "https://u:hun/ter2@mirror/simple", "ftp://mirror", "mirror/simple", "http:///simple", ""} {
		_, err := IndexArgs("--pip-index-url", bad)
		if err == nil {
			t.Errorf("IndexArgs(%q) accepted", bad)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, "--pip-index-url: ") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "hun/ter2") {
			t.Errorf("IndexArgs(%q) = %q: want the flag named and no secret repeated", bad, msg)
		}
	}
}
