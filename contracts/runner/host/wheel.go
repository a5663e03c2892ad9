package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// wheelReady marks a cached Core build as complete; it holds the wheel's
// file name.
const wheelReady = ".contracts-wheel"

// coreWheel returns the path of Core's wheel for job j, building it first
// if needed (plan.CoreBuild): once per Core commit, or per content of a
// local working copy, and build key, cached in CacheDir/wheels and shared
// by every suite and every later run. Suites waiting for the same build
// wait for its lock; a build that failed in this runner fails the suites
// after it at once, with the same reason.
func (r *Runner) coreWheel(ctx context.Context, j Job, python string, log io.Writer) (string, error) {
	id, err := r.coreID(j.Suite.Core)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(r.CacheDir, "wheels", id+"-"+j.CoreBuild.Key)
	unlock, err := r.envLocks.Lock(ctx, dir)
	if err != nil {
		return "", err
	}
	defer unlock()
	if name, err := os.ReadFile(filepath.Join(dir, wheelReady)); err == nil {
		fmt.Fprintf(log, "# core wheel cached: %s\n", filepath.Join(dir, plan.WheelDir, string(name)))
		return filepath.Join(dir, plan.WheelDir, string(name)), nil
	}
	if failed, ok := r.failedBuilds.Load(dir); ok {
		fmt.Fprintf(log, "# core build failed earlier in this run\n")
		return "", failed.(error)
	}
	fmt.Fprintf(log, "# building core's wheel in %s\n", dir)
	path, err := r.buildCore(ctx, j, python, dir, log)
	if err != nil && ctx.Err() == nil {
		r.failedBuilds.Store(dir, err)
	}
	return path, err
}

// buildCore places Core and the build files in dir, runs the build steps
// with the base interpreter and marks the single wheel they left ready.
func (r *Runner) buildCore(ctx context.Context, j Job, python, dir string, log io.Writer) (string, error) {
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := r.placeCore(ctx, j.Suite.Core, filepath.Join(dir, plan.CoreDir)); err != nil {
		return "", fmt.Errorf("clone core: %w", err)
	}
	if err := writeFiles(dir, j.CoreBuild.Files); err != nil {
		return "", err
	}
	env := r.childEnv()
	for _, e := range j.CoreBuild.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	for _, st := range j.CoreBuild.Steps {
		c := command{argv: st.Expand(python, "", ""), dir: filepath.Join(dir, st.Dir), env: env}
		if err := runStep(ctx, st.Name, c, log); err != nil {
			return "", err
		}
	}
	wheels, _ := filepath.Glob(filepath.Join(dir, plan.WheelDir, "*.whl"))
	if len(wheels) != 1 {
		return "", fmt.Errorf("build core: %d wheels in %s, want 1", len(wheels), plan.WheelDir)
	}
	os.RemoveAll(filepath.Join(dir, plan.CoreDir)) // the source is no longer needed
	name := filepath.Base(wheels[0])
	if err := os.WriteFile(filepath.Join(dir, wheelReady), []byte(name), 0o644); err != nil {
		return "", err
	}
	return wheels[0], nil
}

// coreID names a Core source in the wheel cache: its commit SHA, or for a
// local working copy "local-" and a digest of its content, hashed once per
// runner when the first suite asks (the build copies the tree later: a
// copy edited during a run is not a stable input).
func (r *Runner) coreID(core plan.Source) (string, error) {
	if core.Local == "" {
		if core.SHA == "" {
			return "", errors.New("core is not resolved")
		}
		return core.SHA, nil
	}
	if id, ok := r.localIDs.Load(core.Local); ok {
		return id.(string), nil
	}
	sum, err := treeDigest(core.Local)
	if err != nil {
		return "", fmt.Errorf("core source: %w", err)
	}
	id, _ := r.localIDs.LoadOrStore(core.Local, "local-"+sum)
	return id.(string), nil
}

// treeDigest hashes what copyTree would copy of src: every path, file mode,
// symlink target and file content.
func treeDigest(src string) (string, error) {
	h := sha256.New()
	err := walkCopied(src, func(rel string, d fs.DirEntry, path string) error {
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", filepath.ToSlash(rel), info.Mode())
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			h.Write([]byte(link))
		case d.Type().IsRegular():
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			if _, err := io.Copy(h, f); err != nil {
				return err
			}
		}
		h.Write([]byte{0})
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// walkCopied walks src as copyTree copies it: build output, environments
// and caches left out.
func walkCopied(src string, fn func(rel string, d fs.DirEntry, path string) error) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if !info.IsDir() {
		return fmt.Errorf("%s: not a directory", src)
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && rel != "." && (skipDirs[d.Name()] || strings.HasSuffix(d.Name(), ".egg-info")) {
			return filepath.SkipDir
		}
		return fn(rel, d, path)
	})
}
