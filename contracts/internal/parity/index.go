package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
)

// indexes are the package indexes of the index cases: pyindex (this
// machine's installed distributions as a PEP 503 index) on loopback for
// the host CLI and on the engine's bridge for the module's containers.
type indexes struct {
	host, bridge *indexproc.Process
	// image is the module's image for these cases: Python and pip only,
	// so pip installs everything from the index.
	image string
}

// indexLifetime bounds the indexes if this process dies before Stop.
const indexLifetime = 2 * time.Hour

// startIndexes builds pyindex and starts both indexes (bridge: the host's
// address on the engine's network, PARITY_INDEX_BRIDGE).
func startIndexes(ctx context.Context, dir string) (*indexes, error) {
	bin, err := indexproc.Build(ctx, dir)
	if err != nil {
		return nil, err
	}
	host, err := indexproc.Start(bin, "127.0.0.1:0", indexLifetime)
	if err != nil {
		return nil, fmt.Errorf("index on loopback: %w", err)
	}
	bridge := env("PARITY_INDEX_BRIDGE", "10.87.0.1")
	onBridge, err := indexproc.Start(bin, bridge+":0", indexLifetime)
	if err != nil {
		host.Stop()
		return nil, fmt.Errorf("index on the engine's bridge %s (PARITY_INDEX_BRIDGE): %w", bridge, err)
	}
	return &indexes{host: host, bridge: onBridge, image: env("PARITY_INDEX_IMAGE", "python:3.11-slim-bare")}, nil
}

func (x *indexes) stop() {
	if x != nil {
		x.host.Stop()
		x.bridge.Stop()
	}
}

// needsIndex runs f only when both indexes serve.
func (w *world) needsIndex(f func(context.Context) row) func(context.Context) row {
	return func(ctx context.Context) row {
		if w.index == nil {
			return row{skipped: w.noIndex}
		}
		return f(ctx)
	}
}

// indexCache is the host's cache directory of the index cases: its
// environments are virtualenvs without system site packages, its pip cache
// holds only what the loopback index served.
func (w *world) indexCache() string { return filepath.Join(w.dir, "host-cache-index") }

// hostViaIndex runs the host CLI without --offline, pip's only source the
// loopback index (the machine's pip configuration left out).
func (w *world) hostViaIndex(ctx context.Context, cmd string, args ...string) proc {
	argv := []string{w.bin, cmd, "--pip-index-url", w.index.host.URL, "--cache-dir", w.indexCache()}
	environ := []string{"PIP_CONFIG_FILE=" + os.DevNull}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			environ = append(environ, kv)
		}
	}
	environ = append(environ, w.gitEnv...)
	return runIn(ctx, w.root, environ, append(argv, args...)...)
}

// moduleViaIndex runs `dagger call` with the bare image and the bridge
// index (extra: more constructor arguments).
func (w *world) moduleViaIndex(ctx context.Context, extra []string, args ...string) proc {
	ctor := append([]string{"call", "--image=" + w.index.image, "--pip-index-url=" + w.index.bridge.URL}, extra...)
	return w.dagger(ctx, append(ctor, args...)...)
}

// demoViaIndex runs the demo at ref with every requirement from an index:
// the host in virtualenvs without system site packages, the module in the
// bare image.
func (w *world) demoViaIndex(ref string) func(context.Context) row {
	return func(ctx context.Context) row {
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.hostViaIndex(ctx, "demo", "--core-ref", ref, "--out", p.hostDir)
		p.module = w.moduleViaIndex(ctx, nil, "demo-run", "--core-ref="+ref, "reports", "export", "--path="+p.moduleDir)
		check := w.moduleViaIndex(ctx, nil, "demo", "--core-ref="+ref)
		if p.host.err == nil && p.host.code <= 1 && p.module.code == 0 {
			w.indexWarm[ref] = true
		}
		return compareReports(p, &check, demoSources)
	}
}

// matrixViaIndex runs the example repos of the git server through the
// indexes at refs against baseline.
func (w *world) matrixViaIndex(refs, baseline string) func(context.Context) row {
	return func(ctx context.Context) row {
		m, err := w.matrixFile("matrix.yaml", nil)
		if err != nil {
			return row{}.broken("setup", err, proc{})
		}
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.hostViaIndex(ctx, "run", "--matrix", m, "--core-ref", refs, "--baseline-ref", baseline, "--out", p.hostDir)
		p.module = w.moduleViaIndex(ctx, nil, "run", "--matrix="+m, "--core-ref="+refs, "--baseline-ref="+baseline, "reports", "export", "--path="+p.moduleDir)
		check := w.moduleViaIndex(ctx, nil, "contracts", "--matrix="+m, "--core-ref="+refs, "--baseline-ref="+baseline)
		return compareReports(p, &check)
	}
}

// coldViaIndex runs the demo at ref again through the same indexes, every
// environment new but pip's cache kept: the host with its environments,
// Core builds and virtualenv templates removed, the module with one more
// pip argument (so no exec layer applies) and the same cache volume. The
// answers must be the same as before and, by each index's own log,
// nothing downloaded: no wheel sent, every page revalidated (304).
//
// pip's caches hold what the indexes served at their URLs, and the
// indexes listen on new ports in every process: unless demoViaIndex ran
// ref in this process (the case before this one), this case first warms
// both caches with the same demo itself (so -run can select it alone).
func (w *world) coldViaIndex(ref string) func(context.Context) row {
	return func(ctx context.Context) row {
		var warm row
		if !w.indexWarm[ref] {
			hp := w.hostViaIndex(ctx, "demo", "--core-ref", ref, "--out", w.reportDir("host-warm"))
			mp := w.moduleViaIndex(ctx, nil, "demo-run", "--core-ref="+ref, "reports", "export", "--path="+w.reportDir("module-warm"))
			warm.hostTime, warm.moduleTime = hp.elapsed, mp.elapsed
			switch {
			case hp.err != nil || hp.code > 1:
				return warm.broken("host warming the cache", hp.err, hp)
			case mp.code != 0:
				return warm.broken("module warming the cache", mp.err, mp)
			}
			w.indexWarm[ref] = true
		}
		for _, d := range []string{"envs", "wheels", "venv-templates"} {
			if err := os.RemoveAll(filepath.Join(w.indexCache(), d)); err != nil {
				return row{}.broken("setup", err, proc{})
			}
		}
		if err := syncLogs(ctx, w.index.host, w.index.bridge); err != nil {
			return row{}.broken("setup", err, proc{})
		}
		hmark, mmark := w.index.host.Mark(), w.index.bridge.Mark()
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.hostViaIndex(ctx, "demo", "--core-ref", ref, "--out", p.hostDir)
		p.module = w.moduleViaIndex(ctx, []string{"--pip-args=--no-color"}, "demo-run", "--core-ref="+ref, "reports", "export", "--path="+p.moduleDir)
		r := compareReports(p, nil, demoSources)
		if err := syncLogs(ctx, w.index.host, w.index.bridge); err != nil {
			r.diffs = append(r.diffs, err.Error())
		}
		htally, mtally := w.index.host.Since(hmark), w.index.bridge.Since(mmark)
		r.hostTime, r.moduleTime = r.hostTime+warm.hostTime, r.moduleTime+warm.moduleTime
		for side, t := range map[string]indexproc.Tally{"host": htally, "module": mtally} {
			if t.Requests == 0 || t.Files != 0 || t.Bytes != 0 || t.NotModified != t.Requests {
				r.diffs = append(r.diffs, fmt.Sprintf("%s downloaded again: its index served %s", side, t))
			}
		}
		r.host = fmt.Sprintf("%s; index: %s", r.host, htally)
		r.module = fmt.Sprintf("%s; index: %s", r.module, mtally)
		if warm.hostTime > 0 {
			r.host, r.module = r.host+" (warmed first)", r.module+" (warmed first)"
		}
		return r
	}
}

// syncLogs waits until every request the indexes answered is in their
// logs (indexproc.Process.Sync).
func syncLogs(ctx context.Context, indexes ...*indexproc.Process) error {
	for _, p := range indexes {
		if err := p.Sync(ctx); err != nil {
			return fmt.Errorf("index %s: %w", p.URL, err)
		}
	}
	return nil
}
