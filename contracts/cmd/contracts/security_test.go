package main

// Hostile input and secrets, through the CLI with real git, pip and pytest:
// refs, names, repos and paths built to run commands or to climb out of
// the output directories never run anything and fail with exit 2 naming
// the bad value (or, when git merely cannot find them, with an error
// verdict naming them); a token in the environment never reaches a suite,
// a log, a report, the terminal or the cache.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
)

// hostileSandbox is the directory tree of one hostile CLI session: the
// process works in base/a/b/c with HOME, the cache and TMPDIR inside it, so
// a value that climbs up to three levels out still lands in base.
type hostileSandbox struct {
	base, cwd string
	marker    string // created by anything that runs a hostile value
	pwn       string // a command on PATH that creates the marker
	eco       *examples.Ecosystem
}

func newHostileSandbox(t *testing.T) *hostileSandbox {
	t.Helper()
	base := t.TempDir()
	sb := &hostileSandbox{base: base, cwd: filepath.Join(base, "a", "b", "c"), marker: filepath.Join(base, "pwned"), pwn: "contracts-pwn"}
	for _, d := range []string{"home", "tmp", "bin"} {
		if err := os.MkdirAll(filepath.Join(sb.cwd, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	script := "#!/bin/sh\ntouch '" + sb.marker + "'\n"
	if err := os.WriteFile(filepath.Join(sb.cwd, "bin", sb.pwn), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	eco, err := examples.Materialize(context.Background(), filepath.Join(sb.cwd, "eco"))
	if err != nil {
		t.Fatal(err)
	}
	sb.eco = eco
	t.Chdir(sb.cwd)
	t.Setenv("HOME", filepath.Join(sb.cwd, "home"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(sb.cwd, "home", ".cache"))
	t.Setenv("TMPDIR", filepath.Join(sb.cwd, "tmp"))
	t.Setenv("PATH", filepath.Join(sb.cwd, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	return sb
}

// check fails if the marker exists or a file appeared outside the places
// a run may write: its --out and --cache-dir, HOME's cache, TMPDIR (where
// work directories are made and removed), and the test's own fixtures.
func (sb *hostileSandbox) check(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(sb.marker); err == nil {
		t.Errorf("a hostile value was executed: %s exists", sb.marker)
	}
	allowed := []string{"out", "cache", "home", "tmp", "bin", "eco", "matrices"}
	filepath.WalkDir(sb.base, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(sb.cwd, path)
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		for _, a := range allowed {
			if top == a {
				return nil
			}
		}
		t.Errorf("written outside the run's directories: %s", path)
		return nil
	})
	if left, _ := filepath.Glob(filepath.Join(sb.cwd, "tmp", "*")); len(left) > 0 {
		t.Errorf("work directories left behind: %v", left)
	}
}

// hostileEntry is one downstream of a hostile matrix.
type hostileEntry struct{ name, repo, ref, tests string }

// matrix writes a matrix file with the given core and downstreams.
func (sb *hostileSandbox) matrix(t *testing.T, coreRepo, coreRef string, entries ...hostileEntry) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\ncore:\n  name: %s\n  repo: %s\n  package: %s\n  ref: %s\ndownstreams:\n",
		examples.Core, yamlString(coreRepo), examples.CorePackage, yamlString(coreRef))
	for _, e := range entries {
		fmt.Fprintf(&b, "  - name: %s\n    repo: %s\n    ref: %s\n", yamlString(e.name), yamlString(e.repo), yamlString(e.ref))
		if e.tests != "" {
			fmt.Fprintf(&b, "    tests: %s\n", yamlString(e.tests))
		}
	}
	dir := filepath.Join(sb.cwd, "matrices")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(dir, "matrix-*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// yamlString quotes s for YAML (a JSON string is a YAML string).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestHostileArgumentsRunNothing feeds refs, names, repos and paths built
// for shells, git's option parser and ssh to run, plan and the matrix.
func TestHostileArgumentsRunNothing(t *testing.T) {
	sb := newHostileSandbox(t)
	touch := "touch " + sb.marker
	ifsTouch := "touch${IFS}" + sb.marker
	core, good := sb.eco.Repos[examples.Core], sb.eco.Repos[examples.Orchestrator]
	base := []string{"--offline", "--cache-dir", "cache"}
	ecoMatrix := sb.matrix(t, core, "main", hostileEntry{"orchestrator", good, "main", ""})
	withMatrix := func(cmd, mf string, args ...string) []string {
		argv := append([]string{cmd, "--matrix", mf}, base...)
		if cmd == "run" { // plan takes neither: it writes nothing and runs nothing
			argv = append(argv, "--out", "out", "--jobs", "4")
		}
		return append(argv, args...)
	}
	usage := []struct {
		args []string
		want string
	}{}
	addUsage := func(want string, args ...string) {
		usage = append(usage, struct {
			args []string
			want string
		}{args, want})
	}
	for _, v := range []string{"--upload-pack=" + touch, "--upload-pack=" + sb.pwn, "$(" + touch + ")", ";" + touch, "`" + touch + "`", "../../etc", "a..b"} {
		for _, cmd := range []string{"run", "plan"} {
			addUsage(v, withMatrix(cmd, ecoMatrix, "--core-ref="+v)...)
			addUsage(v, withMatrix(cmd, ecoMatrix, "--core-ref=v1.2.0", "--baseline-ref="+v)...)
		}
	}
	for _, v := range []string{"../../etc", "$(" + touch + ")", ";" + touch, "--upload-pack=" + sb.pwn} {
		addUsage(v, withMatrix("run", ecoMatrix, "--only="+v)...)
		addUsage(v, withMatrix("plan", ecoMatrix, "--only="+v)...)
		addUsage(v, withMatrix("run", ecoMatrix, "--core-source="+v)...)
		addUsage(v, withMatrix("run", ecoMatrix, "--python="+v)...)
	}
	addUsage("../../etc", append([]string{"demo", "--out", "out"}, append(base, "--only=../../etc")...)...)
	for _, e := range []struct {
		entry hostileEntry
		want  string
	}{
		{hostileEntry{"../../etc", good, "main", ""}, "../../etc"},
		{hostileEntry{"$(" + ifsTouch + ")", good, "main", ""}, "$(" + ifsTouch + ")"},
		{hostileEntry{"ok", good, "--upload-pack=" + sb.pwn, ""}, "--upload-pack=" + sb.pwn},
		{hostileEntry{"ok", good, "../../etc", ""}, "../../etc"},
		{hostileEntry{"ok", "--upload-pack=" + sb.pwn, "main", ""}, "--upload-pack=" + sb.pwn},
		{hostileEntry{"ok", "ext::sh -c " + touch, "main", ""}, "ext::sh"},
		{hostileEntry{"ok", "$(" + touch + ")", "main", ""}, "$(" + touch + ")"},
		{hostileEntry{"ok", good, "main", "../../etc"}, "../../etc"},
		{hostileEntry{"ok", good, "main", "--upload-pack=" + sb.pwn}, "--upload-pack=" + sb.pwn},
	} {
		mf := sb.matrix(t, core, "main", e.entry)
		addUsage(e.want, withMatrix("run", mf)...)
		addUsage(e.want, withMatrix("plan", mf)...)
	}
	for _, c := range []struct{ repo, ref, want string }{
		{"--upload-pack=" + sb.pwn, "main", "--upload-pack=" + sb.pwn},
		{"ext::" + sb.pwn, "main", "ext::" + sb.pwn},
		{core, "--upload-pack=" + sb.pwn, "--upload-pack=" + sb.pwn},
		{core, "$(" + touch + ")", "$(" + touch + ")"},
	} {
		addUsage(c.want, withMatrix("run", sb.matrix(t, c.repo, c.ref, hostileEntry{"ok", good, "main", ""}))...)
	}
	for _, u := range usage {
		code, stdout, stderr := cli(t, u.args...)
		if code != exitUsage || !strings.Contains(stderr, u.want) {
			t.Errorf("%q: exit %d, want 2 with an error naming %q\nstderr: %s\nstdout: %s", u.args, code, u.want, stderr, stdout)
		}
	}
	sb.check(t)

	// Values git cannot find (or refuses itself) are no usage error: the
	// run goes on and the affected suites say which value failed.
	for _, c := range []struct {
		args []string
		mf   string
		want string
	}{
		{[]string{"--core-ref=$(" + ifsTouch + ")"}, ecoMatrix, "$(" + ifsTouch + ")"},
		{[]string{"--core-ref=;" + ifsTouch}, ecoMatrix, ";" + ifsTouch},
		{nil, sb.matrix(t, core, "main", hostileEntry{"orchestrator", good, "`" + sb.pwn + "`", ""}), "`" + sb.pwn + "`"},
		{nil, sb.matrix(t, core, "main", hostileEntry{"orchestrator", "$(" + ifsTouch + ")", "main", ""}), "$(" + ifsTouch + ")"},
	} {
		code, stdout, stderr := cli(t, withMatrix("run", c.mf, c.args...)...)
		reason := suiteReason(t, filepath.Join(sb.cwd, "out"), "orchestrator")
		if code != exitBroken || !strings.Contains(reason, c.want) {
			t.Errorf("%q: exit %d, reason %q; want 1 and a reason naming %q\nstderr: %s\nstdout: %s", c.args, code, reason, c.want, stderr, stdout)
		}
	}
	// An ssh host that ssh would read as an option: git refuses it (and a
	// stricter repo check may refuse it first, with exit 2); never runs it.
	ssh := "ssh://-oProxyCommand=" + sb.pwn + "/x"
	code, stdout, stderr := cli(t, withMatrix("run", sb.matrix(t, core, "main", hostileEntry{"orchestrator", ssh, "main", ""}))...)
	switch {
	case code == exitUsage && strings.Contains(stderr, ssh):
	case code == exitBroken && strings.Contains(suiteReason(t, filepath.Join(sb.cwd, "out"), "orchestrator"), "-oProxyCommand="+sb.pwn):
	default:
		t.Errorf("repo %s: exit %d; want 2, or 1 with a reason naming it\nstderr: %s\nstdout: %s", ssh, code, stderr, stdout)
	}
	sb.check(t)
}

// suiteReason reads a suite's verdict and reason from out/summary.json.
func suiteReason(t *testing.T, out, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Runs []struct {
			Suites []struct{ Name, Verdict, Reason string } `json:"suites"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.Runs {
		for _, su := range r.Suites {
			if su.Name == name {
				return su.Verdict + ": " + su.Reason
			}
		}
	}
	t.Fatalf("no suite %s in %s", name, out)
	return ""
}

// envDumpTest prints every environment variable the suite sees, and the
// process's raw environment, and fails with them as its message, so they
// reach the log, the JUnit reports, summary.md and the terminal.
const envDumpTest = `import os

def test_dump_environment():
    env = dict(os.environ)
    print("ENVIRONMENT", env)
    with open("/proc/self/environ", "rb") as f:
        print("RAW", f.read())
    assert False, "canary %s; environment: %r" % (env.get("CONTRACTS_TEST_CANARY"), env)
`

// TestTokenNeverLeaks: a token in GITHUB_TOKEN (the default --token-env),
// also embedded in other variables (a header, its basic-auth form), never
// reaches the interpreter that makes virtualenvs, a suite that dumps its
// environment, or any log, report, terminal output, plan or cache name.
func TestTokenNeverLeaks(t *testing.T) {
	token := fmt.Sprintf("ghp_ContractsTestToken%dx%d", os.Getpid(), time.Now().UnixNano())
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + token))
	t.Setenv("GITHUB_TOKEN", token)
	t.Setenv("CONTRACTS_TEST_AUTH_HEADER", "Authorization: Bearer "+token)
	t.Setenv("CONTRACTS_TEST_BASIC_AUTH", "basic "+basic)
	canary := fmt.Sprintf("canary-%x", time.Now().UnixNano())
	t.Setenv("CONTRACTS_TEST_CANARY", canary)

	tmp := t.TempDir()
	record := filepath.Join(tmp, "python-env.txt")
	python := filepath.Join(tmp, "python-recording-env")
	// It records the environment of every call: the runner asks it once for
	// its real executable, version and modules, then starts that directly.
	script := "#!/bin/sh\nenv >> '" + record + "'\nexec python3 \"$@\"\n"
	if err := os.WriteFile(python, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	eco, err := examples.Materialize(context.Background(), filepath.Join(tmp, "eco"))
	if err != nil {
		t.Fatal(err)
	}
	variant := testkit.VariantRepo(t, examples.Orchestrator, map[string]string{"tests/envdump/test_env.py": envDumpTest})
	sb := &hostileSandbox{cwd: tmp}
	mf := sb.matrix(t, eco.Repos[examples.Core], "main",
		hostileEntry{"orchestrator", variant, "main", ""},
		hostileEntry{"envdump", variant, "main", "tests/envdump"})
	out, cacheDir := filepath.Join(tmp, "out"), filepath.Join(cache, "token-test")
	args := []string{"--matrix", mf, "--offline", "--python", python, "--cache-dir", cacheDir, "--core-ref", "v1.2.0"}

	code, stdout, stderr := cli(t, append([]string{"run", "--out", out, "--jobs", "2"}, args...)...)
	if code != exitBroken {
		t.Fatalf("exit %d, want 1 (envdump fails)\n%s\n%s", code, stdout, stderr)
	}
	if v := suiteReason(t, out, "orchestrator"); v != "passed: " {
		t.Errorf("orchestrator: %s", v)
	}
	if v := suiteReason(t, out, "envdump"); v != "failed: " {
		t.Errorf("envdump: %s", v)
	}
	planCode, planOut, planErr := cli(t, append([]string{"plan"}, args...)...)
	if planCode != exitOK {
		t.Errorf("plan: exit %d\n%s", planCode, planErr)
	}

	texts := map[string]string{"run stdout": stdout, "run stderr": stderr, "plan stdout": planOut, "plan stderr": planErr}
	texts[record] = readAll(t, record)
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			texts[path] = readAll(t, path)
		}
		return nil
	})
	var names []string
	filepath.WalkDir(cacheDir, func(path string, d fs.DirEntry, err error) error {
		names = append(names, path)
		return nil
	})
	texts["cache names"] = strings.Join(names, "\n")
	for where, text := range texts {
		for _, secret := range []string{token, basic} {
			if strings.Contains(text, secret) {
				t.Errorf("%s holds the token (%s...)", where, secret[:12])
			}
		}
	}
	// The dump did reach the places searched: the canary (a harmless
	// variable set next to the token) is in the log, the reports and the
	// terminal, and the recording interpreter was asked.
	envLog := filepath.Join(out, "logs", "v1.2.0", "envdump.log")
	for _, where := range []string{envLog, filepath.Join(out, "junit.xml"), filepath.Join(out, "summary.md"), "run stdout"} {
		if !strings.Contains(texts[where], canary) {
			t.Errorf("%s lacks the dumped environment (canary %s): the test searched the wrong places", where, canary)
		}
	}
	if !strings.Contains(texts[record], canary) || !strings.Contains(texts[envLog], "RAW b'") {
		t.Errorf("the recording interpreter or the raw environment dump did not run")
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a bytes buffer safe for a process's output and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
