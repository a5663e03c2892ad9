package host

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/gitrepo"
)

// logFile is a suite's log: capped at MaxLog, with a note of what it dropped.
type logFile struct {
	f *os.File
	*cappedWriter
}

func openLog(path string) (*logFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &logFile{f: f, cappedWriter: &cappedWriter{w: f, max: MaxLog}}, nil
}

// finish notes how much output was dropped. It reports whether the log
// holds anything: a suite that printed nothing (a clone that failed before
// any step ran) has no log, as in the Dagger module.
func (l *logFile) finish() bool {
	if l.dropped > 0 {
		fmt.Fprintf(l.f, "\n[log truncated: %d more bytes of output were dropped]\n", l.dropped)
	}
	return l.n > 0 || l.dropped > 0
}

// Close closes the file.
func (l *logFile) Close() error { return l.f.Close() }

// childEnv is the environment suites start from: the runner's own, minus
// any variable holding the token (alone, inside a longer value such as an
// Authorization header, or in its basic-auth form) and the variables that would let a suite reach the CI runner
// (GITHUB_ENV, GITHUB_OUTPUT, ACTIONS_RUNTIME_TOKEN, ...) or change which
// Python code runs (PYTHONPATH, PYTEST_ADDOPTS, VIRTUAL_ENV, ...), plus
// PIP_CACHE_DIR naming the pip cache in the cache directory (PipCache).
// The plan's own environment is added on top; containers get only that.
func (r *Runner) childEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if (r.Token != "" && gitrepo.Scrub(value, r.Token) != value) || withheld(name) || name == "PIP_CACHE_DIR" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, "PIP_CACHE_DIR="+r.PipCache())
}

// PipCache is pip's cache directory for every pip process the runner
// starts: CacheDir/pip, so pip's downloads and the wheels it builds from
// source distributions are kept with the rest of the cache (and restored
// with it on CI), shared by the suites (pip writes its cache atomically).
func (r *Runner) PipCache() string {
	dir := filepath.Join(r.CacheDir, "pip")
	if abs, err := filepath.Abs(dir); err == nil {
		return abs
	}
	return dir
}

// withheldPrefixes and withheldNames are never passed to a suite.
var (
	withheldPrefixes = []string{"GITHUB_", "ACTIONS_", "PYTHON", "PYTEST_"}
	withheldNames    = map[string]bool{"VIRTUAL_ENV": true, "CONDA_PREFIX": true, "PIP_REQUIRE_VIRTUALENV": true}
)

func withheld(name string) bool {
	for _, p := range withheldPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return withheldNames[name]
}

// skipDirs are left out when copying a local Core working copy: build
// output and environments that would only slow the copy or confuse pip.
var skipDirs = map[string]bool{
	".venv": true, "venv": true, "__pycache__": true, ".tox": true, ".nox": true,
	".mypy_cache": true, ".pytest_cache": true, ".ruff_cache": true, "build": true, "dist": true,
}

// copyTree copies a local working copy (uncommitted changes included) into
// dest, so building it never writes into the user's tree. Symlinks are
// copied as links; special files are skipped; so is what skipDirs names.
func copyTree(src, dest string) error {
	if err := copyWalked(walkCopied, src, dest); err != nil {
		return fmt.Errorf("core source: %w", err)
	}
	return nil
}

// copyVenv copies a virtualenv whole (pip's own packages hold directories
// named build and dist, which copyTree leaves out).
func copyVenv(src, dest string) error {
	return copyWalked(walkAll, src, dest)
}

// copyWalked copies what walk visits of src into dest: directories,
// regular files, symlinks as links.
func copyWalked(walk func(string, func(string, fs.DirEntry, string) error) error, src, dest string) error {
	return walk(src, func(rel string, d fs.DirEntry, path string) error {
		target := filepath.Join(dest, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			return copyFile(path, target)
		}
		return nil
	})
}

// walkAll walks all of src, calling fn with each path relative to src.
func walkAll(src string, fn func(rel string, d fs.DirEntry, path string) error) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		return fn(rel, d, path)
	})
}

func copyFile(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dest, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
