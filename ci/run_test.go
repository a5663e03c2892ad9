package main

import (
	"bytes"
	"context"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// suiteOf names the suite a container chain runs: pytest's
// junit_suite_name option in its last exec.
func suiteOf(c enginetest.Chain) string {
	execs := c.Index("withExec")
	if len(execs) == 0 {
		return ""
	}
	for _, a := range c[execs[len(execs)-1]].Strings("args") {
		if name, ok := strings.CutPrefix(a, "junit_suite_name="); ok {
			return name
		}
	}
	return ""
}

// mountOf returns the chain that made the directory mounted at path in c.
func mountOf(e *enginetest.Engine, c enginetest.Chain, path string) enginetest.Chain {
	for _, f := range c {
		if f.Name == "withMountedDirectory" && f.Str("path") == path {
			obj, _ := e.Object(f.Str("source"))
			return obj
		}
	}
	return nil
}

// coreMountOf returns the chain that made the Core tree a suite container
// installs: the tree mounted into the build whose wheel c mounts.
func coreMountOf(e *enginetest.Engine, c enginetest.Chain) enginetest.Chain {
	return mountOf(e, mountOf(e, c, wheelMount), "/work/core")
}

// verdictWorld answers every query of a run; fails(suite, core) decides
// which suites' tests fail, core being the chain that made Core's mount.
func verdictWorld(t *testing.T, fails func(suite string, core enginetest.Chain) bool) *enginetest.Engine {
	var e *enginetest.Engine
	e = enginetest.Use(t, verdictAnswers(&e, fails))
	return e
}

// verdictAnswers is verdictWorld's resolver, for the engine *e.
func verdictAnswers(e **enginetest.Engine, fails func(suite string, core enginetest.Chain) bool) enginetest.Resolver {
	return func(c enginetest.Chain) (any, error) {
		switch leaf := c.Leaf().Name; {
		case c[0].Name == "file":
			return fileResolver(c)
		case c.Has("git", "ref", "commit"):
			return fakeSHA(c[0].Str("url"), c[1].Str("name")), nil
		case leaf == "digest":
			return "sha256:0123abcd", nil
		case leaf == "exitCode" || leaf == "size" || leaf == "contents":
			failing := fails(suiteOf(c), coreMountOf(*e, c))
			xml := junitXML(suiteOf(c), failing)
			return map[string]any{"exitCode": map[bool]int{true: 1}[failing], "size": len(xml), "contents": xml}[leaf], nil
		case leaf == "exists":
			return true, nil
		}
		return passingSuite(c)
	}
}

func never(string, enginetest.Chain) bool { return false }

func TestContracts(t *testing.T) {
	ctx := context.Background()
	m := newModule(t)
	verdictWorld(t, never)
	table, err := m.Contracts(ctx, "v1.2.0", "", nil, dag.File("m.yaml", testMatrix), []string{"pipeline,orchestrator"}, "", "", nil)
	if err != nil || !strings.Contains(table, "pipeline") || strings.Contains(table, "store") {
		t.Errorf("all pass: %v\n%s", err, table)
	}
}

// TestLaterLayersFilesComeAfterTheDownstreamLayer: the downstream layer
// (what the engine caches across Core refs) holds only the files its own
// steps use; Core's installer and the pytest wrapper are written after it.
func TestLaterLayersFilesComeAfterTheDownstreamLayer(t *testing.T) {
	e := verdictWorld(t, never)
	if _, err := newModule(t).Contracts(context.Background(), "v1.2.0", "", nil, dag.File("m.yaml", testMatrix), []string{"pipeline"}, "", "", nil); err != nil {
		t.Fatal(err)
	}
	chains := e.Leaves("exitCode")
	if len(chains) == 0 {
		t.Fatal("no pytest exec")
	}
	c := chains[0]
	written := workspaceFiles(t, e, c)
	file := func(path string) int {
		w, ok := written[path]
		if !ok {
			t.Fatalf("%s is never written: %s", path, c)
		}
		return w.at
	}
	lastDownstream := -1
	for _, i := range c.Index("withExec") {
		if slices.Contains(c[i].Strings("args"), "pytest") { // the downstream layer's last step installs pytest
			lastDownstream = i
			break
		}
	}
	if lastDownstream < 0 {
		t.Fatalf("no install of pytest in %s", c)
	}
	if file(plan.InstallHelperPath) > lastDownstream || file(plan.CoreInstallerPath) < lastDownstream || file(plan.PytestWrapperPath) < lastDownstream {
		t.Errorf("files in the wrong layers: install helper at %d, core installer at %d, pytest wrapper at %d, downstream layer ends at %d",
			file(plan.InstallHelperPath), file(plan.CoreInstallerPath), file(plan.PytestWrapperPath), lastDownstream)
	}
}

// captureTable swaps the writer a failing check prints its table to.
func captureTable(t *testing.T) *strings.Builder {
	var b strings.Builder
	old := tableOut
	tableOut = &b
	t.Cleanup(func() { tableOut = old })
	return &b
}

// TestContractsBroken: a broken contract prints the table once, as the
// function's output, and fails with one line naming the failing suite, so
// dagger call does not print the table twice.
func TestContractsBroken(t *testing.T) {
	verdictWorld(t, func(suite string, _ enginetest.Chain) bool { return suite == "orchestrator" })
	printed := captureTable(t)
	table, err := newModule(t).Contracts(context.Background(), "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), []string{"orchestrator"}, "", "", nil)
	want := "FAILED: 1 of 1 suite failing (fail-on failures): orchestrator"
	if err == nil || table != "" || err.Error() != want {
		t.Errorf("broken contract: table %q, error %v; want the error %q", table, err, want)
	}
	if !strings.HasPrefix(printed.String(), "contract run:") || !strings.Contains(printed.String(), "orchestrator") || strings.Count(printed.String(), "\nFAILED:") != 1 {
		t.Errorf("printed table:\n%s", printed)
	}
}

func TestArgumentErrorsBeforeWork(t *testing.T) {
	e := verdictWorld(t, never)
	ctx := context.Background()
	m := newModule(t)
	if _, err := m.Run(ctx, "main", "", dag.Directory(), nil, nil, "", "", nil); err == nil {
		t.Error("--core-ref with --core-source accepted")
	}
	if _, err := m.Run(ctx, "--upload-pack=x", "", nil, nil, nil, "", "", nil); err == nil {
		t.Error("option-like ref accepted")
	}
	if _, err := m.Run(ctx, "", "", nil, nil, nil, "regressions", "", nil); err == nil {
		t.Error("--fail-on=regressions without a baseline accepted")
	}
	if _, err := New("", "https://u:p@mirror/simple", nil, nil, 1); err == nil {
		t.Error("index URL with credentials accepted")
	}
	for _, q := range e.Queries() {
		if q.Chain[0].Name == "git" || q.Chain[0].Name == "container" {
			t.Errorf("work started for a bad request: %s", q.Chain)
		}
	}
}

func TestDefaultRefCheck(t *testing.T) {
	def, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := verdictWorld(t, never)
	if err := newModule(t).DefaultRef(context.Background()); err != nil {
		t.Fatalf("all suites pass, check failed: %v", err)
	}
	var asked []string
	for _, c := range e.Leaves("commit") {
		if c.Has("git", "ref", "commit") && c[0].Str("url") == def.Core.Repo {
			asked = append(asked, c[1].Str("name"))
		}
	}
	if !slices.Equal(asked, []string{def.Core.Ref}) {
		t.Errorf("Core resolved at %v, want the matrix's core.ref %q", asked, def.Core.Ref)
	}
	if got := len(pytestSuites(e)); got != len(def.Downstreams) {
		t.Errorf("%d suites ran, want the default matrix's %d", got, len(def.Downstreams))
	}
}

func TestDefaultRefCheckFails(t *testing.T) {
	verdictWorld(t, func(string, enginetest.Chain) bool { return true })
	if err := newModule(t).DefaultRef(context.Background()); err == nil {
		t.Error("every suite failed, check passed")
	}
}

func pytestSuites(e *enginetest.Engine) []string {
	var out []string
	for _, c := range e.Leaves("exitCode") {
		out = append(out, suiteOf(c))
	}
	slices.Sort(out)
	return out
}

func TestCoreSource(t *testing.T) {
	e := verdictWorld(t, never)
	src := dag.Directory().WithNewFile("pyproject.toml", "[project]\nname = \"market-data-core\"\n")
	run, err := newModule(t).Run(context.Background(), "", "", src, dag.File("m.yaml", testMatrix), []string{"pipeline"}, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := reportsOf(t, e, run)
	if core := res.Runs[0].Core; core.Local != "core-source@sha256:0123abcd" || core.SHA != "" {
		t.Errorf("core source planned as %+v", core)
	}
	for _, c := range e.Leaves("exitCode") {
		if m := coreMountOf(e, c); len(m) < 2 || m[0].Name != "directory" || m[1].Str("path") != "pyproject.toml" {
			t.Errorf("Core built from %s, want the --core-source directory", m)
		}
	}
	for _, q := range e.Queries() {
		if q.Chain[0].Name == "git" && q.Chain[0].Str("url") == coreURL {
			t.Errorf("fetched Core although --core-source was given: %s", q.Chain)
		}
	}
}

func TestBaseline(t *testing.T) {
	v2 := fakeSHA(coreURL, "v2.0.0")
	e := verdictWorld(t, func(suite string, core enginetest.Chain) bool {
		return suite == "pipeline" && len(core) > 1 && core[1].Str("id") == v2
	})
	run, err := newModule(t).Run(context.Background(), "v2.0.0", "v1.2.0", nil, dag.File("m.yaml", testMatrix), []string{"pipeline", "orchestrator"}, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, _ := reportsOf(t, e, run)
	if len(res.Baselines) != 1 || res.Baselines[0].Core.Ref != "v1.2.0" || len(res.Runs) != 1 || res.Runs[0].Core.Ref != "v2.0.0" {
		t.Fatalf("baselines %+v runs %+v", res.Baselines, res.Runs)
	}
	c := res.Runs[0].Compared("pipeline")
	if c == nil || !c.Class.Breaking() || run.ExitCode != 1 {
		t.Errorf("pipeline compared as %+v, exit %d; want a breaking regression and exit 1", c, run.ExitCode)
	}
	if got := pytestSuites(e); len(got) != 4 {
		t.Errorf("pytest ran for %v, want 2 suites x (baseline, candidate)", got)
	}
}

func TestDemo(t *testing.T) {
	e := verdictWorld(t, func(suite string, _ enginetest.Chain) bool { return suite == "store" })
	ctx := context.Background()
	m := newModule(t)
	printed := captureTable(t)
	table, err := m.Demo(ctx, "v2.0.0", "", nil, "", nil)
	if err == nil || table != "" || !strings.HasSuffix(err.Error(), ": store") || !strings.Contains(printed.String(), "store") {
		t.Errorf("demo with a failing suite: table %q, error %v, printed %q", table, err, printed)
	}
	if got, want := pytestSuites(e), []string{"orchestrator", "pipeline", "store"}; !slices.Equal(got, want) {
		t.Errorf("demo ran %v, want %v", got, want)
	}
	want, err := examples.Tree(examples.Core, "v2.0.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range e.Leaves("exitCode") {
		core := coreMountOf(e, c)
		if err := sameFiles(core, want); err != nil {
			t.Errorf("%s: Core mount is not examples' v2.0.0: %v", suiteOf(c), err)
		}
	}
	for _, q := range e.Queries() {
		if q.Chain[0].Name == "git" {
			t.Errorf("the demo fetched a repo: %s", q.Chain)
		}
	}
}

func TestDemoRefs(t *testing.T) {
	verdictWorld(t, never)
	ctx := context.Background()
	m := newModule(t)
	if _, err := m.DemoRun(ctx, "v9.9.9", "", nil, "", nil); err == nil || !strings.Contains(err.Error(), "v1.2.0") {
		t.Errorf("unknown example ref: %v, want an error listing the refs", err)
	}
	run, err := m.DemoRun(ctx, "", "", []string{"orchestrator"}, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(run.Summary, "main@") || strings.Contains(run.Summary, "v2.0.0") || run.ExitCode != 0 {
		t.Errorf("default demo ref: exit %d\n%s", run.ExitCode, run.Summary)
	}
}

// sameFiles checks that a directory the module handed to the engine holds
// exactly the files of want, byte for byte.
func sameFiles(dir enginetest.Chain, want fs.FS) error {
	got, err := enginetest.Files(dir)
	if err != nil {
		return err
	}
	n := 0
	err = walkFiles(want, func(path string, data []byte) error {
		n++
		if !bytes.Equal(got[path], data) {
			return &fs.PathError{Op: "compare", Path: path, Err: fs.ErrInvalid}
		}
		return nil
	})
	if err == nil && n != len(got) {
		return &fs.PathError{Op: "count", Path: ".", Err: fs.ErrExist}
	}
	return err
}

// TestReadinessInTheModule: the module reads each suite's readiness facts
// from its core layer and its table shows the readiness and the release
// line, as the CLI's does.
func TestReadinessInTheModule(t *testing.T) {
	facts := map[string]string{
		"pipeline":     `{"core_version": "2.0.0", "requirements": [{"requirement": "market-data-core>=1.1", "specifier": ">=1.1", "applies": true, "declared_in": "pyproject.toml", "admits": true}]}`,
		"orchestrator": `{"core_version": "2.0.0", "requirements": []}`,
	}
	var e *enginetest.Engine
	answer := verdictAnswers(&e, func(suite string, _ enginetest.Chain) bool { return suite == "pipeline" })
	e = enginetest.Use(t, func(c enginetest.Chain) (any, error) {
		if c.Leaf().Name == "contents" && isPinFacts(c) {
			for name, url := range map[string]string{"pipeline": "https://git.example/pipeline.git", "orchestrator": "git@git.example:orchestrator.git"} {
				if mountOf(e, c, "/work/downstream")[0].Str("url") == url {
					return facts[name], nil
				}
			}
		}
		return answer(c)
	})
	run, err := newModule(t).Run(context.Background(), "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), []string{"pipeline", "orchestrator"}, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Core 2.0.0 (v2.0.0): 1 breaks-now, 1 unknown", "breaks-now  >=1.1 admits 2.0.0 (pyproject.toml), and the contracts break", "it declares no requirement on Core"} {
		if !strings.Contains(run.Summary, want) {
			t.Errorf("summary lacks %q:\n%s", want, run.Summary)
		}
	}
	if !strings.Contains(run.Outputs, "breaks-now=pipeline\n") || !strings.Contains(run.Outputs, "unknown=orchestrator\n") {
		t.Errorf("step outputs:\n%s", run.Outputs)
	}
}
