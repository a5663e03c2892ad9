// Package testkit holds helpers shared by the integration tests of the
// host runner and the CLI: variant repos of the example ecosystem, a
// hanging contract test, a look at the live processes, and the package
// index of this machine's installed distributions.
package testkit

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
)

// VariantRepo copies an example downstream (branch main), applies edits
// (path -> content) and commits the result as branch main of a new repo
// in a test directory, whose path it returns.
func VariantRepo(t testing.TB, base string, edits map[string]string) string {
	t.Helper()
	fsys, err := examples.Tree(base, examples.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), base+"-variant")
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	for name, content := range edits {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "--all"},
		{"commit", "--quiet", "--no-verify", "-m", "variant of " + base},
	} {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return dir
}

// HangingTest is a pytest module whose test starts two children carrying
// marker in their argv (one in the test's process group, one in a session
// of its own), says it started by creating the file started, and sleeps
// forever.
func HangingTest(marker, started string) string {
	return fmt.Sprintf(`import pathlib, subprocess, sys, time

def test_hangs():
    sleep = [sys.executable, "-c", "import time; time.sleep(600)"]
    subprocess.Popen(sleep + [%[1]q])
    subprocess.Popen(sleep + [%[1]q + "-own-session"], start_new_session=True)
    pathlib.Path(%[2]q).write_text("started")
    time.sleep(100000)
`, marker, started)
}

// Processes lists the live processes whose command line holds s.
func Processes(s string) []string {
	var out []string
	pids, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range pids {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), s) {
			out = append(out, filepath.Base(filepath.Dir(p))+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// Survivors gives killed processes up to five seconds to be reaped, then
// lists those still alive whose command line holds s.
func Survivors(s string) []string {
	left := Processes(s)
	for i := 0; i < 50 && len(left) > 0; i++ {
		time.Sleep(100 * time.Millisecond)
		left = Processes(s)
	}
	return left
}

// Golden compares got with the golden file at path, or rewrites the file
// when update is set (the tests' -update flag). A difference is reported
// at its first differing line.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if string(got) == string(want) {
		return
	}
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	t.Errorf("%s differs from line %d (go test -update rewrites it):\n got: %q\nwant: %q", path, i+1, lineAt(g, i), lineAt(w, i))
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of file>"
}

// Index starts the project's package index (contracts/internal/pyindex,
// built from source) for the test, on a free loopback port, serving what
// python3 has installed; it is stopped when the test ends, and stops
// itself once the test binary's deadline has passed if the test could not.
// The test's pip sees no other source: IsolatePip.
func Index(t *testing.T) *indexproc.Process {
	t.Helper()
	bin, err := indexproc.Build(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lifetime := 30 * time.Minute
	if deadline, ok := t.Deadline(); ok {
		lifetime = time.Until(deadline) + time.Minute
	}
	p, err := indexproc.Start(bin, "127.0.0.1:0", lifetime)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	IsolatePip(t)
	return p
}

// IsolatePip removes, for the test, the pip configuration of the machine
// (this one sets PIP_FIND_LINKS; pip.conf files), so pip installs only
// from the index a run names.
func IsolatePip(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PIP_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("PIP_CONFIG_FILE", os.DevNull)
}
