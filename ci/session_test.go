package main

// These tests call the module's functions against the fake engine
// (package enginetest) and check what the module asks the engine to do.
// No container runs: they show the requests, not that an engine would
// carry them out.

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"dagger/market-data-contracts/enginetest"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit/schema"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

const (
	tokenURI       = "env://CONTRACTS_TOKEN"
	tokenPlaintext = "s3cr3t-token-value"
	coreURL        = "https://git.example/market-data-core.git"
)

const testMatrix = `version: 1
core: {name: market-data-core, repo: "` + coreURL + `", package: market_data_core, ref: main}
downstreams:
  - {name: pipeline, repo: "https://git.example/pipeline.git", ref: main}
  - name: store
    repo: "https://git.example/store.git"
    ref: main
    install: [["-e", "."]]
    env: {STORE_MODE: contract}
  - {name: orchestrator, repo: "git@git.example:orchestrator.git", ref: v3}
`

// fakeSHA is the commit a fake repo's ref resolves to.
func fakeSHA(url, ref string) string {
	sum := sha1.Sum([]byte(url + "@" + ref))
	return hex.EncodeToString(sum[:])
}

func junitXML(suite string, failing bool) string {
	failure := ""
	if failing {
		failure = `<failure message="AttributeError: 'RateAdjustment' has no attribute 'scale_factor'">tests/contracts/test_rates.py:12: AttributeError</failure>`
	}
	return fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name=%q errors="0" failures="%d" skipped="0" tests="2" time="0.2">
<testcase classname="tests.contracts.test_rates" name="test_scale" time="0.1">%s</testcase>
<testcase classname="tests.contracts.test_rates" name="test_levels" time="0.1"/>
</testsuite></testsuites>`, suite, map[bool]int{true: 1}[failing], failure)
}

// world is what the fake engine knows: repos, which suites fail how.
type world struct {
	e *enginetest.Engine
	// failInstall: downstream repo URL -> the argv suffix of the install
	// step that fails.
	failInstall map[string]string
	// exitCode: downstream repo URL -> pytest's exit code.
	exitCode map[string]int
	// secrets: secret URI -> plaintext, for secrets other than the token.
	secrets map[string]string
	// refs lists the git refs asked for, in order ("url@ref").
	mu   sync.Mutex
	refs []string
}

func (w *world) resolve(c enginetest.Chain) (any, error) {
	leaf := c.Leaf().Name
	switch {
	case c.Has("git", "ref", "commit"):
		w.mu.Lock()
		w.refs = append(w.refs, c[0].Str("url")+"@"+c[1].Str("name"))
		w.mu.Unlock()
		return fakeSHA(c[0].Str("url"), c[1].Str("name")), nil
	case c.Has("git", "commit", "commit"):
		return c[1].Str("id"), nil
	case c.Has("file", "name"):
		return c[0].Str("name"), nil
	case c.Has("file", "contents"):
		return c[0].Str("contents"), nil
	case leaf == "plaintext":
		if v, ok := w.secrets[c[0].Str("uri")]; ok {
			return v, nil
		}
		return tokenPlaintext, nil
	case leaf == "sync" && c[0].Name == "container":
		return w.syncContainer(c)
	case leaf == "entries":
		return []string{testWheel}, nil
	case leaf == "sync", leaf == "exists":
		return map[string]any{"sync": nil, "exists": true}[leaf], nil
	}
	repo := w.downstreamOf(c)
	switch leaf {
	case "exitCode":
		return w.exitCode[repo], nil
	case "combinedOutput":
		return "pytest output for " + repo + "\n", nil
	case "size", "contents":
		xml := junitXML(repo, w.exitCode[repo] == 1)
		if leaf == "size" {
			return len(xml), nil
		}
		return xml, nil
	}
	return nil, fmt.Errorf("fake engine: no answer for %s", c)
}

// syncContainer fails the downstream layer of a repo in failInstall.
func (w *world) syncContainer(c enginetest.Chain) (any, error) {
	suffix, ok := w.failInstall[w.downstreamOf(c)]
	if !ok {
		return nil, nil
	}
	for _, i := range c.Index("withExec") {
		if argv := c[i].Strings("args"); strings.HasSuffix(strings.Join(argv, " "), suffix) {
			return nil, enginetest.ExecError(argv, 1, "Obtaining file:///work/downstream\n", "ERROR: No matching distribution found for market-data-store-deps\n")
		}
	}
	return nil, nil
}

// downstreamOf returns the repo URL mounted at /work/downstream in c.
func (w *world) downstreamOf(c enginetest.Chain) string {
	for _, f := range c {
		if f.Name == "withMountedDirectory" && f.Str("path") == "/work/downstream" {
			if obj, ok := w.e.Object(f.Str("source")); ok {
				return obj[0].Str("url")
			}
		}
	}
	return ""
}

func newWorld(t *testing.T) *world {
	w := &world{
		failInstall: map[string]string{"https://git.example/store.git": "--no-warn-script-location -e ."},
		exitCode:    map[string]int{"https://git.example/pipeline.git": 1, "git@git.example:orchestrator.git": 0},
	}
	w.e = enginetest.Use(t, w.resolve)
	return w
}

func newModule(t *testing.T) *MarketDataContracts {
	m, err := New("", "", nil, dag.Secret(tokenURI), 2)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// expectedPlan builds the plan the module must execute, independently of
// the module's own planning path.
func expectedPlan(t *testing.T, coreRef string) *plan.Plan {
	m, err := matrix.Parse("m.yaml", []byte(testMatrix))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(context.Background(), m, plan.Options{CoreRef: coreRef, Interpreter: "image python:3.11-slim"}, staticResolver{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type staticResolver struct{}

func (staticResolver) Resolve(_ context.Context, repo, ref string) (string, error) {
	return fakeSHA(repo, ref), nil
}

// workspaceFile is a file a chain writes into the workspace: where in the
// chain (the withDirectory call) and what.
type workspaceFile struct {
	at      int
	content string
}

// workspaceFiles returns the files c writes into the workspace, by path
// relative to it: the plan files, staged as directories copied onto /work.
func workspaceFiles(t *testing.T, e *enginetest.Engine, c enginetest.Chain) map[string]workspaceFile {
	t.Helper()
	out := map[string]workspaceFile{}
	for _, i := range c.Index("withDirectory") {
		if c[i].Str("path") != workRoot {
			continue
		}
		src, ok := e.Object(c[i].Str("source"))
		if !ok {
			t.Fatalf("withDirectory of an unknown directory: %s", c[i])
		}
		files, err := enginetest.Files(src)
		if err != nil {
			t.Fatal(err)
		}
		for rel, data := range files {
			out[rel] = workspaceFile{at: i, content: string(data)}
		}
	}
	return out
}

// reportsOf reads the Reports directory the module handed to the engine
// (enginetest.Files) and loads it with the report package.
func reportsOf(t *testing.T, e *enginetest.Engine, r *Run) (*report.Result, map[string]string) {
	t.Helper()
	id, err := r.Reports.ID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	chain, ok := e.Object(string(id))
	if !ok {
		t.Fatalf("Reports %s was not made by the module", id)
	}
	data, err := enginetest.Files(chain)
	if err != nil {
		t.Fatalf("Reports is %v: %v", chain, err)
	}
	dir := t.TempDir()
	files := map[string]string{}
	for rel, b := range data {
		files[rel] = string(b)
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := report.Load(dir)
	if err != nil {
		t.Fatalf("report.Load of the exported reports: %v", err)
	}
	if err := schema.ValidateDir(dir); err != nil {
		t.Error(err)
	}
	return res, files
}

func TestRunVerdictsAndReports(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	run, err := newModule(t).Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.ExitCode != 1 {
		t.Errorf("exit code %d, want 1 (pipeline failed, store errored)", run.ExitCode)
	}
	if _, err := run.Check(); err == nil || !strings.Contains(err.Error(), "pipeline") {
		t.Errorf("Check() = %v, want an error naming the failing suites", err)
	}
	res, files := reportsOf(t, w.e, run)
	if len(res.Runs) != 1 || res.Runs[0].Core.SHA != fakeSHA(coreURL, "v2.0.0") {
		t.Fatalf("runs %+v, want one against core %s", res.Runs, fakeSHA(coreURL, "v2.0.0"))
	}
	got := map[string]outcome.Suite{}
	for _, s := range res.Runs[0].Suites {
		got[s.Name] = s
	}
	if s := got["pipeline"]; s.Verdict != outcome.Failed || s.Counts.Failed != 1 || s.Counts.Tests != 2 {
		t.Errorf("pipeline: %s %+v, want failed with 1 of 2 failing", s.Verdict, s.Counts)
	}
	if s := got["store"]; s.Verdict != outcome.Error ||
		!strings.Contains(s.Reason, "install downstream [0] failed (exit 1)") ||
		!strings.Contains(s.Reason, "No matching distribution") {
		t.Errorf("store: %s %q, want an install error naming the step and pip's message", s.Verdict, s.Reason)
	}
	if s := got["orchestrator"]; s.Verdict != outcome.Passed || s.Counts.Passed != 2 {
		t.Errorf("orchestrator: %s %+v, want passed", s.Verdict, s.Counts)
	}
	for _, want := range []string{"summary.json", "summary.md", "junit.xml", "junit/v2.0.0/pipeline.xml", "junit/v2.0.0/store.xml", "logs/v2.0.0/pipeline.log", "logs/v2.0.0/store.log"} {
		if _, ok := files[want]; !ok {
			t.Errorf("reports lack %s (have %v)", want, slices.Sorted(maps.Keys(files)))
		}
	}
	if log := files["logs/v2.0.0/pipeline.log"]; !strings.Contains(log, "pytest output for https://git.example/pipeline.git") {
		t.Errorf("pipeline log %q", log)
	}
	if log := files["logs/v2.0.0/store.log"]; !strings.Contains(log, "No matching distribution") {
		t.Errorf("store log %q, want the failed step's output", log)
	}
	for _, want := range []string{"pipeline", "store", "orchestrator", "v2.0.0"} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	if !strings.Contains(run.Commands, "::error") {
		t.Errorf("workflow commands carry no error annotation:\n%s", run.Commands)
	}
	if !strings.Contains(run.Outputs, "failed=pipeline\n") || !strings.Contains(run.Outputs, "broken=store\n") || strings.Contains(run.Outputs, "report-path") {
		t.Errorf("step outputs:\n%s", run.Outputs)
	}
	if !strings.Contains(run.GithubMarkdown, "pipeline") {
		t.Errorf("job summary lacks the suites:\n%s", run.GithubMarkdown)
	}
}

// pytestChains returns each suite's chain that evaluated pytest's exit code.
func pytestChains(t *testing.T, w *world) map[string]enginetest.Chain {
	out := map[string]enginetest.Chain{}
	for _, c := range w.e.Leaves("exitCode") {
		repo := w.downstreamOf(c)
		if _, dup := out[repo]; dup {
			t.Errorf("pytest evaluated twice for %s", repo)
		}
		out[repo] = c
	}
	return out
}

func TestRunContainers(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, err := newModule(t).Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil); err != nil {
		t.Fatal(err)
	}
	p := expectedPlan(t, "v2.0.0")
	chains := pytestChains(t, w)
	if _, ran := chains["https://git.example/store.git"]; ran || len(chains) != 2 {
		t.Fatalf("pytest ran for %v, want pipeline and orchestrator only (store's install failed)", slices.Sorted(maps.Keys(chains)))
	}
	for _, s := range p.Suites {
		c, ok := chains[s.Downstream.Repo]
		if !ok {
			continue
		}
		t.Run(s.Name, func(t *testing.T) { checkSuiteChain(t, w.e, s, c) })
	}
}

// checkSuiteChain checks one suite's container from the image to pytest.
func checkSuiteChain(t *testing.T, e *enginetest.Engine, s plan.Suite, c enginetest.Chain) {
	if c[0].Name != "container" || c[1].Name != "from" || c[1].Str("address") != "python:3.11-slim" {
		t.Errorf("container starts %s, want container.from(python:3.11-slim)", c[:2])
	}
	checkPipCache(t, e, "suite "+s.Name, c)
	mounts := map[string]int{}
	for _, i := range c.Index("withMountedDirectory") {
		mounts[c[i].Str("path")] = i
		src, _ := e.Object(c[i].Str("source"))
		switch c[i].Str("path") {
		case "/work/downstream":
			checkTree(t, "downstream", src, s.Downstream)
		case wheelMount:
			checkBuild(t, e, src, s.Core, "/work/wheel")
		case siteMount:
			checkBuild(t, e, src, s.Core, "/work/site")
		default:
			t.Errorf("unexpected mount %s", c[i])
		}
	}
	for _, env := range s.Env {
		if !slices.ContainsFunc(c, func(f enginetest.Field) bool {
			return f.Name == "withEnvVariable" && f.Str("name") == env.Name && f.Str("value") == env.Value
		}) {
			t.Errorf("env %s=%s not set", env.Name, env.Value)
		}
	}
	written := workspaceFiles(t, e, c)
	for _, f := range s.Files {
		if w, ok := written[f.Path]; !ok || w.content != f.Content {
			t.Errorf("plan file %s not written", f.Path)
		}
	}
	execs := c.Index("withExec")
	if len(execs) != len(s.Steps) {
		t.Fatalf("%d execs, want the plan's %d steps:\n%s", len(execs), len(s.Steps), c)
	}
	for n, i := range execs {
		st := s.Steps[n]
		argv := c[i].Strings("args")
		if !slices.Equal(argv[:4], []string{"timeout", "--verbose", "--kill-after=30s", "900s"}) {
			t.Errorf("step %q not wrapped in timeout with the suite's 15m: %q", st.Name, argv)
		}
		want := slices.Clone(st.Argv)
		if want[0] == plan.Python {
			want[0] = "python"
		}
		if i := slices.Index(want, plan.CoreWheel); i >= 0 {
			want[i] = wheelMount + "/" + testWheel
		}
		if i := slices.Index(want, plan.CoreSite); i >= 0 {
			want[i] = siteMount
		}
		if !slices.Equal(argv[4:], want) {
			t.Errorf("step %q runs %q, want the plan's %q", st.Name, argv[4:], want)
		}
		if wd := c[i-1]; wd.Name != "withWorkdir" || wd.Str("path") != workPath(st.Dir) {
			t.Errorf("step %q runs in %s, want /work/%s", st.Name, wd, st.Dir)
		}
		if expect := c[i].Str("expect"); (expect == "ANY") != st.MayFail {
			t.Errorf("step %q: expect=%q, may fail: %v", st.Name, expect, st.MayFail)
		}
		switch st.Layer {
		case plan.LayerDownstream:
			if i < mounts["/work/downstream"] || i > mounts[wheelMount] {
				t.Errorf("downstream step %q at %d, want between the downstream mount (%d) and Core's wheel (%d)", st.Name, i, mounts["/work/downstream"], mounts[wheelMount])
			}
		default:
			if i < mounts[wheelMount] {
				t.Errorf("%s step %q at %d runs before Core's wheel is mounted (%d)", st.Layer, st.Name, i, mounts[wheelMount])
			}
		}
	}
	if last := c[execs[len(execs)-1]].Strings("args"); !slices.Contains(last, "../"+plan.PytestWrapperPath) {
		t.Errorf("last exec %q is not pytest's wrapper", last)
	}
}

// checkTree checks that a mounted directory is src's tree at its SHA.
func checkTree(t *testing.T, what string, got enginetest.Chain, src plan.Source) {
	t.Helper()
	if !got.Has("git", "commit", "tree") || got[0].Str("url") != src.Repo || got[1].Str("id") != src.SHA {
		t.Errorf("%s from %s, want git(%s).commit(%s).tree", what, got, src.Repo, src.SHA)
	}
}

// checkPipCache checks that every exec of a chain runs with the pip cache
// volume mounted and PIP_CACHE_DIR naming it, so each pip process keeps its
// downloads there whatever the image's HOME or XDG_CACHE_HOME.
func checkPipCache(t *testing.T, e *enginetest.Engine, what string, c enginetest.Chain) {
	t.Helper()
	caches, envs := c.Index("withMountedCache"), c.Index("withEnvVariable")
	if len(caches) != 1 {
		t.Errorf("%s: %d cache mounts, want the pip cache once", what, len(caches))
		return
	}
	cache := c[caches[0]]
	vol, _ := e.Object(cache.Str("cache"))
	if cache.Str("path") != "/root/.cache/pip" || !vol.Has("cacheVolume") || vol[0].Str("key") != "market-data-contracts:pip" {
		t.Errorf("%s: pip cache %s -> %s", what, cache, vol)
	}
	set := slices.IndexFunc(envs, func(i int) bool { return c[i].Str("name") == "PIP_CACHE_DIR" })
	if set < 0 || c[envs[set]].Str("value") != "/root/.cache/pip" {
		t.Errorf("%s: PIP_CACHE_DIR is not the pip cache volume's path", what)
		return
	}
	for _, i := range c.Index("withExec") {
		if i < caches[0] || i < envs[set] {
			t.Errorf("%s: exec %s runs before the pip cache is in place", what, c[i])
		}
	}
}

// checkBuild checks that a mounted directory is an output of Core's
// build: the image, Core's tree at its SHA, the build helper, then
// directory(out).
func checkBuild(t *testing.T, e *enginetest.Engine, got enginetest.Chain, core plan.Source, out string) {
	t.Helper()
	if len(got) < 3 || got[0].Name != "container" || got[1].Str("address") != "python:3.11-slim" || got.Leaf().Name != "directory" || got.Leaf().Str("path") != out {
		t.Errorf("Core's build output from %s, want container.from(image)...directory(%s)", got, out)
		return
	}
	tree, _ := e.Object(got[got.Index("withMountedDirectory")[0]].Str("source"))
	checkTree(t, "Core's build", tree, core)
	checkPipCache(t, e, "Core's build", got)
	execs := got.Index("withExec")
	if len(execs) != 1 || !slices.Contains(got[execs[0]].Strings("args"), plan.BuildHelperPath) {
		t.Errorf("Core's build runs %v, want the build helper once", execs)
	}
}

// TestCoreBuiltOncePerCommit: with a baseline, two Core commits are
// tested by three suites each; each commit is built once, and every suite
// mounts the wheel of its own Core.
func TestCoreBuiltOncePerCommit(t *testing.T) {
	w := newWorld(t)
	if _, err := newModule(t).Run(context.Background(), "v2.0.0", "v1.2.0", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil); err != nil {
		t.Fatal(err)
	}
	builds := map[string]int{}
	for _, c := range w.e.Leaves("entries") {
		tree, _ := w.e.Object(c[c.Index("withMountedDirectory")[0]].Str("source"))
		builds[tree[1].Str("id")]++
	}
	v1, v2 := fakeSHA(coreURL, "v1.2.0"), fakeSHA(coreURL, "v2.0.0")
	if len(builds) != 2 || builds[v1] != 1 || builds[v2] != 1 {
		t.Errorf("Core builds per commit: %v, want one for %s and one for %s", builds, v1[:7], v2[:7])
	}
	mounted := map[string]int{}
	for _, c := range w.e.Leaves("exitCode") {
		build := mountOf(w.e, c, wheelMount)
		tree, _ := w.e.Object(build[build.Index("withMountedDirectory")[0]].Str("source"))
		mounted[tree[1].Str("id")]++
	}
	// store's install fails on both sides: pipeline and orchestrator reach pytest.
	if mounted[v1] != 2 || mounted[v2] != 2 {
		t.Errorf("suites mounting each Core's wheel: %v, want 2 each", mounted)
	}
}

// tokenMatrix mixes a github.com repo (the only host a token goes to, as
// in the host runner) with https repos elsewhere and an ssh one.
const tokenMatrix = `version: 1
core: {name: market-data-core, repo: "https://github.com/mjdevaccount/market-data-core", package: market_data_core, ref: main}
downstreams:
  - {name: pipeline, repo: "https://git.example/pipeline.git", ref: main}
  - {name: store, repo: "https://GitHub.com/mjdevaccount/market-data-store.git", ref: main}
  - {name: look-alike, repo: "https://github.com.example/o/r.git", ref: main}
  - {name: orchestrator, repo: "git@github.com:mjdevaccount/orchestrator.git", ref: v3}
`

func TestTokenStaysSecret(t *testing.T) {
	w := newWorld(t)
	if _, err := newModule(t).Run(context.Background(), "v2.0.0", "", nil, dag.File("m.yaml", tokenMatrix), nil, "", "", nil); err != nil {
		t.Fatal(err)
	}
	authed := map[string]bool{}
	for _, q := range w.e.Queries() {
		if strings.Contains(q.Text, tokenPlaintext) || q.Chain.Leaf().Name == "plaintext" {
			t.Errorf("token plaintext requested or sent: %s", q.Text)
		}
		for _, f := range q.Chain {
			if f.Name != "git" {
				continue
			}
			url, auth := f.Str("url"), f.Str("httpAuthToken")
			if _, seen := authed[url]; !seen {
				authed[url] = false
			}
			if auth == "" {
				continue
			}
			authed[url] = true
			if obj, ok := w.e.Object(auth); !ok || !obj.Has("secret") || obj[0].Str("uri") != tokenURI {
				t.Errorf("git(%s) auth %q is not the token secret (%v)", url, auth, obj)
			}
		}
	}
	want := map[string]bool{
		"https://github.com/mjdevaccount/market-data-core":      true,
		"https://GitHub.com/mjdevaccount/market-data-store.git": true,
		"https://git.example/pipeline.git":                      false,
		"https://github.com.example/o/r.git":                    false,
		"git@github.com:mjdevaccount/orchestrator.git":          false,
	}
	if !maps.Equal(authed, want) {
		t.Errorf("repos fetched with the token: %v, want %v", authed, want)
	}
}

// canonical renders c with every ID argument replaced by what made it, so
// chains from different queries compare by meaning.
func canonical(e *enginetest.Engine, c enginetest.Chain) string {
	var b strings.Builder
	for _, f := range c {
		b.WriteString(f.Name + "(")
		for _, k := range slices.Sorted(maps.Keys(f.Args)) {
			v := fmt.Sprint(f.Args[k])
			if obj, ok := e.Object(v); ok {
				v = "{" + canonical(e, obj) + "}"
			}
			fmt.Fprintf(&b, "%s=%s,", k, v)
		}
		b.WriteString(")")
	}
	return b.String()
}

// downstreamLayers returns, per downstream repo, the downstream layer
// synced by queries qs (the container synced before Core is mounted).
func downstreamLayers(w *world, qs []enginetest.Query) map[string]string {
	out := map[string]string{}
	for _, q := range qs {
		c := q.Chain
		if c.Leaf().Name == "sync" && c[0].Name == "container" && len(c.Index("withMountedDirectory")) == 1 {
			out[w.downstreamOf(c)] = canonical(w.e, c)
		}
	}
	return out
}

func TestChangingCoreRefKeepsDownstreamLayer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	m := newModule(t)
	layers := map[string]map[string]string{}
	for _, ref := range []string{"v1.2.0", "v2.0.0"} {
		n := len(w.e.Queries())
		if _, err := m.Run(ctx, ref, "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil); err != nil {
			t.Fatal(err)
		}
		layers[ref] = downstreamLayers(w, w.e.Queries()[n:])
	}
	for repo, l := range layers["v1.2.0"] {
		if layers["v2.0.0"][repo] != l {
			t.Errorf("%s: the downstream layer changed with the Core ref:\n%s\n%s", repo, l, layers["v2.0.0"][repo])
		}
		if strings.Contains(l, fakeSHA(coreURL, "v1.2.0")) || strings.Contains(l, "v1.2.0") {
			t.Errorf("%s: the downstream layer depends on Core: %s", repo, l)
		}
	}
	if len(layers["v1.2.0"]) != 3 {
		t.Errorf("downstream layers for %d repos, want 3", len(layers["v1.2.0"]))
	}
}
