package main

// The tool's version, end to end: real `go build`s of this command (one
// stamped with -ldflags as the release function stamps it, one plain), run
// as processes.

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	gojunit "github.com/joshdk/go-junit"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// build compiles this command with extra go build arguments and env.
func build(t *testing.T, env []string, args ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "contracts")
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, args...), ".")...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
	return bin
}

func runBin(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, stdout, stderr := cli(t, args...)
		// The version itself is the package's (tested there); here: the
		// line's shape, unstamped (a test binary is "dev" or a release).
		want := regexp.MustCompile(`^market-data-contracts (dev|v\d+\.\d+\.\d+\S*)( \((commit [0-9a-f]{12})?(, )?(modified)?\))? ` +
			regexp.QuoteMeta(runtime.GOOS+"/"+runtime.GOARCH+" "+runtime.Version()) + "\n$")
		if code != 0 || !want.MatchString(stdout) {
			t.Errorf("%v: exit %d, %q (stderr %q); want it to match %s", args, code, stdout, stderr, want)
		}
	}
	if code, _, stderr := cli(t, "version", "extra"); code != exitUsage || !strings.Contains(stderr, `"extra"`) {
		t.Errorf("version extra: exit %d, %s", code, stderr)
	}
}

// A binary stamped with -ldflags reports the stamp in `version` and in
// every report a run writes: summary.json, summary.md, the JUnit files.
func TestStampedBuildReportsItsVersionEverywhere(t *testing.T) {
	const tag, commit = "v9.8.7", "0123456789abcdef0123456789abcdef01234567"
	bin := build(t, nil, "-ldflags", version.LDFlags(tag, commit))
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := runBin(t, bin, args...)
		if err != nil || !strings.HasPrefix(out, "market-data-contracts v9.8.7 (commit 0123456789ab) ") {
			t.Errorf("%v: %q, %v", args, out, err)
		}
	}
	out := t.TempDir()
	text, err := runBin(t, bin, "demo", "--offline", "--cache-dir", cache, "--out", out, "--core-ref", "v1.2.0", "--only", "orchestrator")
	if err != nil {
		t.Fatalf("stamped demo: %v\n%s", err, text)
	}
	data, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`"tool": \{\s*"name": "market-data-contracts",\s*"version": "v9\.8\.7"\s*\}`).Match(data) {
		t.Errorf("summary.json does not name v9.8.7")
	}
	md, _ := os.ReadFile(filepath.Join(out, "summary.md"))
	if !strings.Contains(string(md), "· market-data-contracts v9.8.7\n") {
		t.Errorf("summary.md does not name v9.8.7:\n%s", md)
	}
	files, _ := filepath.Glob(filepath.Join(out, "junit", "*", "*.xml"))
	for _, f := range append(files, filepath.Join(out, "junit.xml")) {
		suites, err := gojunit.IngestFile(f)
		if err != nil || len(suites) == 0 {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range suites {
			if s.Properties["tool.version"] != tag {
				t.Errorf("%s: suite %s tool.version %q", f, s.Name, s.Properties["tool.version"])
			}
		}
	}
}

// A plain `go build` in a git checkout says "dev" and the commit it was
// built from, with "modified" when the checkout has changes. The sources
// are committed to a fresh repository first: the Go command finds no git
// information in a git worktree (its .git is a file), and the commit must
// be one the test knows. buildvcs is turned on explicitly (this machine's
// GOFLAGS turn it off).
func TestPlainBuildSaysDevAndTheCommit(t *testing.T) {
	repo := t.TempDir()
	for _, name := range []string{"go.mod", "go.sum", "contracts"} {
		src := filepath.Join("..", "..", "..", name)
		info, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		if info.IsDir() {
			err = os.CopyFS(filepath.Join(repo, name), os.DirFS(src))
		} else {
			err = copyFile(src, filepath.Join(repo, name))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	git("init", "--quiet")
	git("add", "--all")
	git("commit", "--quiet", "--no-verify", "-m", "sources")
	head := git("rev-parse", "HEAD")
	versionOf := func() string {
		bin := filepath.Join(t.TempDir(), "contracts")
		cmd := exec.Command("go", "build", "-o", bin, "./contracts/cmd/contracts")
		cmd.Dir, cmd.Env = repo, append(os.Environ(), "GOFLAGS=-buildvcs=true")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := runBin(t, bin, "version")
		if err != nil {
			t.Fatalf("version: %v\n%s", err, out)
		}
		return out
	}
	if out, want := versionOf(), "market-data-contracts dev (commit "+head[:12]+") "; !strings.HasPrefix(out, want) {
		t.Errorf("clean checkout: %q, want %q...", out, want)
	}
	if err := os.WriteFile(filepath.Join(repo, "contracts", "uncommitted.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, want := versionOf(), "market-data-contracts dev (commit "+head[:12]+", modified) "; !strings.HasPrefix(out, want) {
		t.Errorf("checkout with changes: %q, want %q...", out, want)
	}
}

func copyFile(src, dst string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o644)
}

// The CLI compiles for every platform a release ships (the release
// function builds them in an engine; this catches a Unix-only change
// first).
func TestBuildsForEveryReleasePlatform(t *testing.T) {
	for _, p := range version.Platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", p, err, out)
		}
	}
}

// On Windows the commands that need the host runner refuse with a usage
// error that says what works there; the others run.
func TestWindowsRefusesTheHostRunner(t *testing.T) {
	defer func(os string) { hostOS = os }(hostOS)
	hostOS = "windows"
	for _, cmd := range []string{"run", "demo", "bisect", "demo-bisect", "plan"} {
		code, _, stderr := cli(t, cmd, "--core-ref", "v1.2.0")
		if code != exitUsage || !strings.Contains(stderr, "needs Linux or macOS") || !strings.Contains(stderr, "@"+version.Release+" run") {
			t.Errorf("%s on Windows: exit %d, %q", cmd, code, stderr)
		}
	}
	if code, stdout, _ := cli(t, "version"); code != exitOK || !strings.HasPrefix(stdout, version.Name) {
		t.Errorf("version on Windows: exit %d, %q", code, stdout)
	}
	if code, _, stderr := cli(t, "report", "--from", t.TempDir()); code != exitUsage || strings.Contains(stderr, "Linux or macOS") {
		t.Errorf("report on Windows: exit %d, %q; want it to run (and miss summary.json)", code, stderr)
	}
}
