package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// layerPth is the file that stacks a run's environment on the cached
// downstream environment: the run venv holds Core; the downstream and its
// dependencies come from the cached venv, after the run venv on sys.path.
const layerPth = "_contracts_downstream_layer.pth"

// readyFile marks a cached downstream environment as complete.
const readyFile = ".contracts-ready"

// envRoot is where the cached downstream environment of s lives.
func (r *Runner) envRoot(s plan.Suite) string {
	return filepath.Join(r.CacheDir, "envs", s.DownstreamKey)
}

// downstreamEnv makes sure the cached environment at root (see envRoot) is
// complete, building it if needed: checkout at DownstreamDir, plan files,
// venv, downstream-layer steps. The caller holds root's lock.
func (r *Runner) downstreamEnv(ctx context.Context, s plan.Suite, python, root string, log io.Writer) error {
	if _, err := os.Stat(filepath.Join(root, readyFile)); err == nil {
		fmt.Fprintf(log, "# downstream environment cached: %s\n", root)
		return nil
	}
	fmt.Fprintf(log, "# building downstream environment %s\n", root)
	if err := os.RemoveAll(root); err != nil {
		return err
	}
	if err := r.prepareDownstream(ctx, s, root); err != nil {
		return err
	}
	venv := filepath.Join(root, "venv")
	if err := r.templateVenv(ctx, python, !r.borrowsPip(ctx, python), venv, log); err != nil {
		return err
	}
	if err := r.runSteps(ctx, s, plan.LayerDownstream, root, venv, "", log); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(root, readyFile), []byte(s.DownstreamKey+"\n"), 0o644)
}

func (r *Runner) prepareDownstream(ctx context.Context, s plan.Suite, root string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	if err := r.git.Checkout(ctx, s.Downstream.Repo, s.Downstream.SHA, filepath.Join(root, plan.DownstreamDir)); err != nil {
		return fmt.Errorf("clone downstream: %w", err)
	}
	return writeFiles(root, s.FilesOf(plan.LayerDownstream))
}

// borrowsPip reports whether virtualenvs can use the interpreter's own pip
// (with SystemSitePackages): then they are made without pip, which skips
// ensurepip, the slowest part of making a virtualenv.
func (r *Runner) borrowsPip(ctx context.Context, python string) bool {
	if !r.SystemSitePackages {
		return false
	}
	if ok, known := r.hasPip.Load(python); known {
		return ok.(bool)
	}
	res, err := run(ctx, command{argv: []string{python, "-m", "pip", "--version"}, env: os.Environ()}, io.Discard)
	ok := err == nil && res.exitCode == 0
	r.hasPip.Store(python, ok)
	return ok
}

// runVenv makes the bare virtualenv of one suite's run (Core on top of the
// cached downstream environment): a copy of a template (templateVenv).
func (r *Runner) runVenv(ctx context.Context, python, dir string, log io.Writer) error {
	return r.templateVenv(ctx, python, false, dir, log)
}

// templateVenv makes a virtualenv at dir by copying a template made once
// per interpreter, site-packages choice, pip choice and cache: a venv holds
// no path of its own where it matters (its interpreter links and
// pyvenv.cfg name only the interpreter; pip is run as python -m pip, never
// through the scripts ensurepip wrote), so a copy is a working venv, and
// copying costs a fraction of python -m venv, whose ensurepip (for a venv
// with pip, as every run with a package index makes) takes seconds.
func (r *Runner) templateVenv(ctx context.Context, python string, withPip bool, dir string, log io.Writer) error {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%v\x00%v", python, r.SystemSitePackages, withPip)))
	template := filepath.Join(r.CacheDir, "venv-templates", hex.EncodeToString(sum[:8]))
	unlock, err := r.envLocks.Lock(ctx, template)
	if err != nil {
		return err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(template, readyFile)); err != nil {
		os.RemoveAll(template)
		if err := r.venv(ctx, python, filepath.Join(template, "venv"), withPip, log); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(template, readyFile), []byte(python+"\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "# virtualenv copied from %s\n", template)
	return copyVenv(filepath.Join(template, "venv"), dir)
}

// venv creates a virtualenv with the runner's interpreter; withPip false
// makes a bare one (run environments borrow pip from the cached layer).
func (r *Runner) venv(ctx context.Context, python, dir string, withPip bool, log io.Writer) error {
	argv := []string{python, "-m", "venv"}
	if r.SystemSitePackages {
		argv = append(argv, "--system-site-packages")
	}
	if !withPip {
		argv = append(argv, "--without-pip")
	}
	res, err := run(ctx, command{argv: append(argv, dir), env: r.childEnv()}, log)
	if err != nil {
		return fmt.Errorf("create virtualenv: %w", err)
	}
	if res.exitCode != 0 {
		return fmt.Errorf("create virtualenv: %s exited %d: %s", python, res.exitCode, res.quote)
	}
	return nil
}

// stack makes the run venv at runVenv see the cached venv's packages
// (processing their .pth files, so editable installs work) after its own.
func stack(runVenv, cachedVenv string) error {
	runSite, err := sitePackages(runVenv)
	if err != nil {
		return err
	}
	cachedSite, err := sitePackages(cachedVenv)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("import site; site.addsitedir(%q)\n", cachedSite)
	return os.WriteFile(filepath.Join(runSite, layerPth), []byte(line), 0o644)
}

func sitePackages(venv string) (string, error) {
	matches, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages"))
	if len(matches) != 1 {
		return "", fmt.Errorf("virtualenv %s: expected one lib/python*/site-packages, found %d", venv, len(matches))
	}
	return matches[0], nil
}

func writeFiles(root string, files []plan.File) error {
	for _, f := range files {
		path, err := inside(root, f.Path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(f.Content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// inside joins rel to root and refuses paths that leave root.
func inside(root, rel string) (string, error) {
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("path %q leaves %s", rel, root)
	}
	return filepath.Join(root, rel), nil
}
