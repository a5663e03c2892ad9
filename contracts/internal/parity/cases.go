package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// A case runs one piece of work through both runners and compares.
type testCase struct {
	name string
	run  func(ctx context.Context) row
}

// cases lists what is compared, in order.
func cases(w *world) []testCase {
	var out []testCase
	for _, ref := range examples.CoreRefs() {
		out = append(out, testCase{"demo " + ref, w.demo(ref, "")})
	}
	out = append(out,
		testCase{"demo (no --core-ref)", w.demo("", "")},
		testCase{"demo v2.0.0 vs baseline v1.1.0", w.demo("v2.0.0", "v1.1.0")},
		testCase{"run --matrix (git server) v2.0.0", w.needsGit(w.matrixRun("v2.0.0", ""))},
		testCase{"run --matrix v1.2.0,v2.0.0 vs baseline v1.1.0", w.needsGit(w.matrixRun("v1.2.0,v2.0.0", "v1.1.0"))},
		testCase{"run --core-source (uncommitted change)", w.needsGit(w.coreSource)},
		testCase{"bisect --matrix v1.2.0..v2.0.0 (store: two culprits)", w.needsGit(w.bisect("v1.2.0", "v2.0.0"))},
		testCase{"run --matrix v1.2.0,v2.0.0 vs baseline v1.1.0, 2 shards merged", w.needsGit(w.sharded("run", "run",
			[]string{"--core-ref", "v1.2.0,v2.0.0", "--baseline-ref", "v1.1.0"}, []string{"--core-ref=v1.2.0,v2.0.0", "--baseline-ref=v1.1.0"}))},
		testCase{"bisect --matrix v1.2.0..v2.0.0, 2 shards merged", w.needsGit(w.sharded("bisect", "bisect-run",
			[]string{"--good", "v1.2.0", "--bad", "v2.0.0"}, []string{"--good=v1.2.0", "--bad=v2.0.0"}))},
		testCase{"from-reports (check, github-summary, github-output, workflow-commands)", w.needsGit(w.fromReports)},
		testCase{"default-ref / dagger check (default matrix)", w.defaultRef},
		testCase{"hostile ref", w.needsGit(w.hostileRef)},
		testCase{"missing repo", w.needsGit(w.missingRepo)},
		testCase{"version", w.versionCase},
		testCase{"release (binaries run, checksums match)", w.releaseCase},
		testCase{"notify (failing run posts, identical run not, recovery posts)", w.notifyCase},
		testCase{"demo v2.0.0 through a package index (bare image, no --offline)", w.needsIndex(w.demoViaIndex("v2.0.0"))},
		testCase{"run --matrix v1.2.0,v2.0.0,v3.0.0 vs baseline v1.1.0 through the index", w.needsGit(w.needsIndex(w.matrixViaIndex("v1.2.0,v2.0.0,v3.0.0", "v1.1.0")))},
		testCase{"demo v2.0.0 through the index again, new environments: nothing downloaded", w.needsIndex(w.coldViaIndex("v2.0.0"))},
	)
	return out
}

// needsGit runs f only when the local git server answers.
func (w *world) needsGit(f func(context.Context) row) func(context.Context) row {
	return func(ctx context.Context) row {
		if w.git == nil {
			return row{skipped: w.noGit}
		}
		return f(ctx)
	}
}

// pair is one piece of work done by both runners, with its reports.
type pair struct {
	host, module       proc
	hostDir, moduleDir string
}

// compareReports compares both sides' reports (and, when check is set,
// the module's check against the host's exit code and headline).
func compareReports(p pair, check *proc, rules ...rule) row {
	r := row{hostTime: p.host.elapsed, moduleTime: p.module.elapsed}
	if check != nil {
		r.moduleTime += check.elapsed
	}
	hn, mn := newNormalizer(rules...), newNormalizer(rules...)
	ha, herr := loadAnswer(p.hostDir, hn)
	ma, merr := loadAnswer(p.moduleDir, mn)
	switch {
	case herr != nil:
		return r.broken("host", herr, p.host)
	case merr != nil:
		return r.broken("module", merr, p.module)
	}
	r.host, r.module = ha.verdicts(), ma.verdicts()
	r.diffs = diff(ha, ma, 12)
	r.notes = union(hn.applied(), mn.applied())
	if check != nil {
		r.diffs = append(r.diffs, checkLine(p, *check)...)
	}
	return r
}

// checkLine compares what the module's check says (its exit code and one
// line) with the host CLI's exit code and headline.
func checkLine(p pair, check proc) []string {
	res, err := report.Load(p.hostDir)
	if err != nil {
		return []string{err.Error()}
	}
	line := report.Headline(res)
	var out []string
	if !strings.Contains(p.host.stdout, line+"\n") {
		out = append(out, fmt.Sprintf("the host CLI did not print its headline %q", line))
	}
	if (check.code == 0) != (p.host.code == 0) {
		out = append(out, fmt.Sprintf("exit: host %d, module's check %d", p.host.code, check.code))
	}
	got := check.stdout
	if check.code != 0 {
		got = check.daggerError()
	}
	if !strings.Contains(got, line) {
		out = append(out, fmt.Sprintf("the module's check says %q, the host %q", lastLine(got), line))
	}
	return out
}

// demo runs the example ecosystem at ref (and baseline) on both sides.
func (w *world) demo(ref, baseline string) func(context.Context) row {
	return func(ctx context.Context) row {
		var hargs, margs []string
		if ref != "" {
			hargs, margs = append(hargs, "--core-ref", ref), append(margs, "--core-ref="+ref)
		}
		if baseline != "" {
			hargs, margs = append(hargs, "--baseline-ref", baseline), append(margs, "--baseline-ref="+baseline)
		}
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.host(ctx, "demo", append(hargs, "--out", p.hostDir)...)
		p.module = w.module(ctx, append(append([]string{"demo-run"}, margs...), "reports", "export", "--path="+p.moduleDir)...)
		check := w.module(ctx, append([]string{"demo"}, margs...)...)
		return compareReports(p, &check, demoSources)
	}
}

// matrixRun runs the example repos served by the git server at ref(s).
func (w *world) matrixRun(ref, baseline string) func(context.Context) row {
	return func(ctx context.Context) row {
		m, err := w.matrixFile("matrix.yaml", nil)
		if err != nil {
			return row{}.broken("setup", err, proc{})
		}
		hargs := []string{"--matrix", m, "--core-ref", ref}
		margs := []string{"--matrix=" + m, "--core-ref=" + ref}
		if baseline != "" {
			hargs, margs = append(hargs, "--baseline-ref", baseline), append(margs, "--baseline-ref="+baseline)
		}
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.host(ctx, "run", append(hargs, "--out", p.hostDir)...)
		p.module = w.module(ctx, append(append([]string{"run"}, margs...), "reports", "export", "--path="+p.moduleDir)...)
		check := w.module(ctx, append([]string{"contracts"}, margs...)...)
		return compareReports(p, &check)
	}
}

// coreSource tests a Core working copy at v1.2.0 with an uncommitted
// change that breaks the store (FeedbackEvent forbids unknown fields).
func (w *world) coreSource(ctx context.Context) row {
	wc := filepath.Join(w.dir, "core-working-copy")
	os.RemoveAll(wc)
	if p := run(ctx, "", nil, "git", "clone", "--quiet", "--branch", "v1.2.0", w.eco.Repos[examples.Core], wc); p.code != 0 {
		return row{}.broken("setup", p.err, p)
	}
	telemetry := filepath.Join(wc, "src", "market_data_core", "telemetry.py")
	data, err := os.ReadFile(telemetry)
	if err == nil && !strings.Contains(string(data), `extra="ignore"`) {
		err = fmt.Errorf("%s: no extra=\"ignore\" to change", telemetry)
	}
	if err == nil {
		err = os.WriteFile(telemetry, []byte(strings.Replace(string(data), `extra="ignore"`, `extra="forbid"`, 1)), 0o644)
	}
	if err != nil {
		return row{}.broken("setup", err, proc{})
	}
	m, err := w.matrixFile("matrix.yaml", nil)
	if err != nil {
		return row{}.broken("setup", err, proc{})
	}
	p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
	p.host = w.host(ctx, "run", "--matrix", m, "--core-source", wc, "--out", p.hostDir)
	p.module = w.module(ctx, "run", "--matrix="+m, "--core-source="+wc, "reports", "export", "--path="+p.moduleDir)
	check := w.module(ctx, "contracts", "--matrix="+m, "--core-source="+wc)
	return compareReports(p, &check, localSource(wc))
}

// bisect names the commits that broke each downstream, on both sides;
// over v1.2.0..v2.0.0 each side's culprits must also be the ones the
// examples name, each with exactly its tests (store has two: one inside a
// pull request, one on the first-parent path).
func (w *world) bisect(good, bad string) func(context.Context) row {
	return func(ctx context.Context) row {
		m, err := w.matrixFile("matrix.yaml", nil)
		if err != nil {
			return row{}.broken("setup", err, proc{})
		}
		p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
		p.host = w.host(ctx, "bisect", "--matrix", m, "--good", good, "--bad", bad, "--out", p.hostDir)
		p.module = w.module(ctx, "bisect-run", "--matrix="+m, "--good="+good, "--bad="+bad, "reports", "export", "--path="+p.moduleDir)
		check := w.module(ctx, "bisect", "--matrix="+m, "--good="+good, "--bad="+bad)
		r := compareReports(p, &check)
		for _, side := range []struct {
			name, dir string
			cell      *string
		}{{"host", p.hostDir, &r.host}, {"module", p.moduleDir, &r.module}} {
			b, cell, err := culprits(side.dir)
			if err != nil {
				r.diffs = append(r.diffs, fmt.Sprintf("%s: %v", side.name, err))
				continue
			}
			*side.cell += "; " + cell
			if good == "v1.2.0" && bad == "v2.0.0" {
				r.diffs = append(r.diffs, expectCulprits(side.name, b, w.eco.CoreCommits)...)
			}
		}
		return r
	}
}

// fromReports reads one host run's reports back through the module
// (from-reports) and compares every GitHub output with the host's
// `report --format github` on the same directory.
func (w *world) fromReports(ctx context.Context) row {
	m, err := w.matrixFile("matrix.yaml", nil)
	if err != nil {
		return row{}.broken("setup", err, proc{})
	}
	dir := w.reportDir("host")
	if p := w.host(ctx, "run", "--matrix", m, "--core-ref", "v2.0.0", "--baseline-ref", "v1.2.0", "--out", dir); p.err != nil || p.code > 1 {
		return row{}.broken("host", p.err, p)
	}
	return compareGitHub(ctx, w, dir)
}

// defaultRef runs the default matrix (Core's default branch) on both
// sides: `dagger check` runs the module's default-ref check.
func (w *world) defaultRef(ctx context.Context) row {
	dir := w.reportDir("host")
	h := w.host(ctx, "run", "--out", dir)
	check := w.dagger(ctx, "check")
	call := w.module(ctx, "default-ref")
	r := row{hostTime: h.elapsed, moduleTime: check.elapsed + call.elapsed}
	res, err := report.Load(dir)
	if err != nil {
		return r.broken("host", err, h)
	}
	line := report.Headline(res)
	r.host = fmt.Sprintf("exit %d; %s", h.code, line)
	r.module = fmt.Sprintf("check exit %d, default-ref exit %d", check.code, call.code)
	for name, p := range map[string]proc{"dagger check": check, "default-ref": call} {
		if (p.code == 0) != (h.code == 0) {
			r.diffs = append(r.diffs, fmt.Sprintf("exit: host %d, %s %d", h.code, name, p.code))
		}
		if got := p.daggerError(); h.code != 0 && !strings.Contains(got, line) {
			r.diffs = append(r.diffs, fmt.Sprintf("%s says %q, the host %q", name, got, line))
		}
	}
	diffs, applied := sameReasons(h.stdout, call.stderr)
	r.diffs, r.notes = append(r.diffs, diffs...), applied
	return r
}

// hostileRef: a ref that looks like an option is refused by both before
// any work, with the same reason. Had it reached git as --upload-pack, it
// would create a marker file; only the host side's marker can be seen
// from here (the module's git runs inside the engine, whose filesystem
// this process does not see), so that check covers the host only: the
// module is held to refusing with the same reason.
func (w *world) hostileRef(ctx context.Context) row {
	m, err := w.matrixFile("matrix.yaml", nil)
	if err != nil {
		return row{}.broken("setup", err, proc{})
	}
	marker := filepath.Join(w.dir, "hostile-ref-pwned")
	if err := os.Remove(marker); err != nil && !os.IsNotExist(err) {
		return row{}.broken("setup", err, proc{})
	}
	ref := "--upload-pack=touch '" + marker + "'"
	want := refs.Validate(ref)
	if want == nil {
		return row{}.broken("setup", fmt.Errorf("refs.Validate accepts %q", ref), proc{})
	}
	dir := w.reportDir("host")
	h := w.host(ctx, "run", "--matrix", m, "--core-ref="+ref, "--out", dir)
	mod := w.module(ctx, "contracts", "--matrix="+m, "--core-ref="+ref)
	r := row{hostTime: h.elapsed, moduleTime: mod.elapsed,
		host:   fmt.Sprintf("exit %d; no marker (host side checked)", h.code),
		module: fmt.Sprintf("exit %d; marker not checkable", mod.code)}
	if h.code != 2 {
		r.diffs = append(r.diffs, fmt.Sprintf("host exit %d, want 2 (usage)", h.code))
	}
	if mod.code == 0 {
		r.diffs = append(r.diffs, "the module accepted the ref")
	}
	for side, text := range map[string]string{"host": h.stderr, "module": mod.daggerError()} {
		if !strings.Contains(text, want.Error()) {
			r.diffs = append(r.diffs, fmt.Sprintf("%s does not say %q: %s", side, want, lastLine(text)))
		}
	}
	if _, err := os.Stat(dir); err == nil {
		r.diffs = append(r.diffs, "the host wrote reports: it did work before refusing")
	}
	if _, err := os.Stat(marker); err == nil {
		r.host = fmt.Sprintf("exit %d; MARKER WRITTEN", h.code)
		r.diffs = append(r.diffs, marker+" exists: the ref reached the host's git as an option")
	}
	return r
}

// missingRepo: a downstream whose repository does not exist is that
// suite's error; the others run as usual.
func (w *world) missingRepo(ctx context.Context) row {
	m, err := w.matrixFile("matrix-ghost.yaml", map[string]string{"ghost": w.git.URL + "/parity-no-such-repo.git"})
	if err != nil {
		return row{}.broken("setup", err, proc{})
	}
	p := pair{hostDir: w.reportDir("host"), moduleDir: w.reportDir("module")}
	p.host = w.host(ctx, "run", "--matrix", m, "--core-ref", "v1.2.0", "--only", "ghost,store", "--out", p.hostDir)
	p.module = w.module(ctx, "run", "--matrix="+m, "--core-ref=v1.2.0", "--only=ghost,store", "reports", "export", "--path="+p.moduleDir)
	check := w.module(ctx, "contracts", "--matrix="+m, "--core-ref=v1.2.0", "--only=ghost,store")
	return compareReports(p, &check, engineGit)
}

// sameReasons compares the "reason:" lines two outputs print, after the
// engine-git rule, and returns the differences and the rules that changed
// something.
func sameReasons(host, module string) ([]string, []rule) {
	n := newNormalizer(engineGit)
	var hs, ms []string
	for _, l := range strings.Split(host, "\n") {
		if _, r, ok := strings.Cut(l, "reason: "); ok {
			hs = append(hs, n.text(r))
		}
	}
	for _, l := range strings.Split(module, "\n") {
		if _, r, ok := strings.Cut(l, "reason: "); ok {
			ms = append(ms, n.text(r))
		}
	}
	if strings.Join(hs, "\n") != strings.Join(ms, "\n") {
		return []string{fmt.Sprintf("reasons: host %q, module %q", hs, ms)}, n.applied()
	}
	return nil, n.applied()
}

func union(a, b []rule) []rule {
	out := append([]rule(nil), a...)
	for _, r := range b {
		found := false
		for _, x := range out {
			found = found || x.name == r.name
		}
		if !found {
			out = append(out, r)
		}
	}
	return out
}
