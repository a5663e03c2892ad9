package plan

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

// fakeResolver maps "repo@ref" to SHAs; anything else does not resolve.
type fakeResolver map[string]string

func (f fakeResolver) Resolve(_ context.Context, repo, ref string) (string, error) {
	if sha, ok := f[repo+"@"+ref]; ok {
		return sha, nil
	}
	return "", errors.New("unknown ref")
}

const (
	shaCore1 = "1111111111111111111111111111111111111111"
	shaCore2 = "2222222222222222222222222222222222222222"
	shaPipe  = "3333333333333333333333333333333333333333"
	shaStore = "4444444444444444444444444444444444444444"
)

const testMatrix = `version: 1
core: {name: market-data-core, repo: /src/core, package: market_data_core}
downstreams:
  - {name: pipeline, repo: /src/pipeline, ref: main}
  - name: store
    repo: /src/store
    ref: master
    tests: tests/contract_suite
    install: [["-e", "."], ["-r", "requirements-dev.txt"]]
    env: {STORE_MODE: contract}
    timeout: 90s
`

func build(t *testing.T, opts Options, r Resolver) *Plan {
	t.Helper()
	m, err := matrix.Parse("test.yaml", []byte(testMatrix))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Build(context.Background(), m, opts, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var resolver = fakeResolver{
	"/src/core@v1.2.0": shaCore1, "/src/core@v2.0.0": shaCore2,
	"/src/pipeline@main": shaPipe, "/src/store@master": shaStore,
}

func TestBuildResolvesAndPlansEverySuite(t *testing.T) {
	p := build(t, Options{CoreRef: "v1.2.0", PipArgs: []string{"--no-index"}, Interpreter: "py3.11"}, resolver)
	if p.Core.SHA != shaCore1 || p.Core.Ref != "v1.2.0" || len(p.Suites) != 2 {
		t.Fatalf("plan core %+v, %d suites", p.Core, len(p.Suites))
	}
	pipe, store := p.Suites[0], p.Suites[1]
	if pipe.Downstream.SHA != shaPipe || store.Downstream.SHA != shaStore || pipe.Error != "" {
		t.Fatalf("downstream SHAs: %+v %+v", pipe.Downstream, store.Downstream)
	}
	// Automatic install: the helper, excluding Core, with the pip args.
	if len(pipe.Files) != 3 || pipe.Files[0].Path != InstallHelperPath || !strings.Contains(pipe.Files[0].Content, "tomllib") {
		t.Fatalf("auto install helper not planned: %+v", pipe.Files)
	}
	if len(store.Files) != 3 || store.Files[2].Path != PytestWrapperPath || !strings.Contains(store.Files[2].Content, "pytest_exception_interact") {
		t.Fatalf("the pytest wrapper is not planned for an explicit install: %+v", store.Files)
	}
	want := []string{Python, InstallHelperPath, "--exclude", "market-data-core", "--dir", DownstreamDir, "--pin-out", PinsPath, "--", "--no-index"}
	if got := pipe.Steps[0].Argv; !slices.Equal(got, want) {
		t.Errorf("auto install argv = %q, want %q", got, want)
	}
	pin := store.StepsOf(LayerDownstream)[2]
	wantPin := []string{Python, InstallHelperPath, "--exclude", "market-data-core", "--dir", DownstreamDir, "--pin-out", PinsPath, "--pins-only", "--spec", `["-e","."]`, "--spec", `["-r","requirements-dev.txt"]`}
	if !slices.Equal(pin.Argv, wantPin) || pin.Layer != LayerDownstream {
		t.Errorf("explicit install's pin step = %+v, want argv %q", pin, wantPin)
	}
	// Explicit install lists: one pip call each, in the checkout.
	if got := store.StepsOf(LayerDownstream); len(got) != 4 || !slices.Equal(got[1].Argv, []string{Python, "-m", "pip", "install", "--progress-bar", "off", "--no-compile", "--no-warn-script-location", "-r", "requirements-dev.txt", "--no-index"}) || got[1].Dir != DownstreamDir {
		t.Errorf("explicit install steps = %+v", got)
	}
	if store.Timeout.Seconds() != 90 || !slices.Contains(store.Environ(), "STORE_MODE=contract") {
		t.Errorf("store timeout/env: %v %v", store.Timeout, store.Environ())
	}
}

func TestLayerOrderAndPytest(t *testing.T) {
	p := build(t, Options{CoreRef: "v1.2.0"}, resolver)
	for _, s := range p.Suites {
		var layers []Layer
		for _, st := range s.Steps {
			if len(layers) == 0 || layers[len(layers)-1] != st.Layer {
				layers = append(layers, st.Layer)
			}
			if st.Argv[0] != Python {
				t.Errorf("%s: step %q does not run the suite's python: %q", s.Name, st.Name, st.Argv)
			}
		}
		if !slices.Equal(layers, []Layer{LayerDownstream, LayerCore, LayerTest}) {
			t.Errorf("%s: layers %v, want downstream, core, test", s.Name, layers)
		}
		test := s.StepsOf(LayerTest)[0]
		for _, arg := range []string{"--junitxml=../" + ReportFile, "junit_family=xunit2", "junit_suite_name=" + s.Name, "no:cacheprovider", s.Tests} {
			if !slices.Contains(test.Argv, arg) {
				t.Errorf("%s: pytest argv %q lacks %q", s.Name, test.Argv, arg)
			}
		}
		if !test.MayFail || test.Dir != DownstreamDir {
			t.Errorf("%s: pytest step %+v", s.Name, test)
		}
		if core := s.StepsOf(LayerCore); len(core) != 1 || !slices.Equal(core[0].Argv[:10], []string{Python, CoreInstallerPath, CoreWheel, "--site", CoreSite, "--pin", PinsPath, "--facts", PinFactsPath, "--"}) || s.PinFacts != PinFactsPath {
			t.Errorf("%s: core step %+v", s.Name, core)
		}
		wrapper := []string{Python, "../" + PytestWrapperPath, "--core-package", "market_data_core", "--"}
		if !slices.Equal(test.Argv[:len(wrapper)], wrapper) || !slices.Contains(test.Argv, "--continue-on-collection-errors") {
			t.Errorf("%s: pytest does not run through the wrapper, going on after collection errors: %q", s.Name, test.Argv)
		}
	}
}

func TestCoreBuild(t *testing.T) {
	a := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.11", PipArgs: []string{"--no-index"}}, resolver)
	b := build(t, Options{CoreRef: "v2.0.0", Interpreter: "py3.11", PipArgs: []string{"--no-index"}}, resolver)
	c := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.12", PipArgs: []string{"--no-index"}}, resolver)
	if len(a.CoreBuild.Steps) != 1 || a.CoreBuild.Steps[0].Layer != LayerBuild || len(a.CoreBuild.Files) != 1 || a.CoreBuild.Files[0].Path != BuildHelperPath {
		t.Fatalf("build %+v", a.CoreBuild)
	}
	want := []string{Python, BuildHelperPath, "--source", CoreDir, "--out", WheelDir, "--site", SiteDir, "--", "--no-index"}
	if !slices.Equal(a.CoreBuild.Steps[0].Argv, want) {
		t.Errorf("build argv %q, want %q", a.CoreBuild.Steps[0].Argv, want)
	}
	if a.CoreBuild.Key != b.CoreBuild.Key || a.CoreBuild.Key == c.CoreBuild.Key || a.CoreBuild.Key == "" {
		t.Errorf("build keys: %q %q %q (the Core ref must not change it, the interpreter must)", a.CoreBuild.Key, b.CoreBuild.Key, c.CoreBuild.Key)
	}
}

func TestDownstreamKeyIgnoresCoreRef(t *testing.T) {
	a := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.11"}, resolver)
	b := build(t, Options{CoreRef: "v2.0.0", Interpreter: "py3.11"}, resolver)
	c := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.12"}, resolver)
	d := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.11", PipArgs: []string{"--index-url", "https://mirror"}}, resolver)
	for i := range a.Suites {
		if a.Suites[i].DownstreamKey != b.Suites[i].DownstreamKey {
			t.Errorf("%s: key changed with the Core ref", a.Suites[i].Name)
		}
		if a.Suites[i].DownstreamKey == c.Suites[i].DownstreamKey || a.Suites[i].DownstreamKey == d.Suites[i].DownstreamKey {
			t.Errorf("%s: key ignores the interpreter or pip args", a.Suites[i].Name)
		}
	}
	if a.Suites[0].DownstreamKey == a.Suites[1].DownstreamKey {
		t.Error("two downstreams share a key")
	}
}

func TestDownstreamKeyCoversOnlyTheDownstreamLayersFiles(t *testing.T) {
	s := build(t, Options{CoreRef: "v1.2.0", Interpreter: "py3.11"}, resolver).Suites[0]
	layers := map[string]Layer{}
	for _, f := range s.Files {
		layers[f.Path] = f.Layer
	}
	if layers[InstallHelperPath] != LayerDownstream || layers[CoreInstallerPath] != LayerCore || layers[PytestWrapperPath] != LayerTest {
		t.Fatalf("file layers %v", layers)
	}
	key := func(change string) string {
		c := s
		c.Files = slices.Clone(s.Files)
		for i := range c.Files {
			if c.Files[i].Path == change {
				c.Files[i].Content += "\n# changed\n"
			}
		}
		return downstreamKey(c, "py3.11")
	}
	if key("") != s.DownstreamKey {
		t.Fatal("downstreamKey is not what the plan recorded")
	}
	if key(PytestWrapperPath) != s.DownstreamKey || key(CoreInstallerPath) != s.DownstreamKey {
		t.Error("a later layer's helper changed the downstream key")
	}
	if key(InstallHelperPath) == s.DownstreamKey {
		t.Error("the downstream install helper is not in the downstream key")
	}
}

func TestUnresolvedSourcesBecomeSuiteErrors(t *testing.T) {
	p := build(t, Options{CoreRef: "nope"}, resolver)
	for _, s := range p.Suites {
		if !strings.Contains(s.Error, `"nope"`) || !strings.Contains(s.Error, "market-data-core") {
			t.Errorf("%s: error %q should name Core and the ref", s.Name, s.Error)
		}
	}
	partial := fakeResolver{"/src/core@v1.2.0": shaCore1, "/src/store@master": shaStore}
	p = build(t, Options{CoreRef: "v1.2.0"}, partial)
	if !strings.Contains(p.Suites[0].Error, "pipeline") || p.Suites[1].Error != "" {
		t.Errorf("only pipeline should fail: %q / %q", p.Suites[0].Error, p.Suites[1].Error)
	}
	p = build(t, Options{CoreRef: "--upload-pack=touch /tmp/x"}, resolver)
	if !strings.Contains(p.Suites[0].Error, "invalid ref") {
		t.Errorf("hostile ref reached the resolver: %q", p.Suites[0].Error)
	}
}

func TestLocalCoreSource(t *testing.T) {
	p := build(t, Options{CoreSource: "/home/me/core"}, resolver)
	if p.Core.Local != "/home/me/core" || p.Core.SHA != "" || p.Suites[0].Error != "" {
		t.Fatalf("local core: %+v, %q", p.Core, p.Suites[0].Error)
	}
}

func TestStepExpand(t *testing.T) {
	st := Step{Argv: []string{Python, CoreInstallerPath, CoreWheel, "--site", CoreSite, Python}}
	got := st.Expand("/venv/bin/python", "/w/core.whl", "/w/site")
	if want := []string{"/venv/bin/python", CoreInstallerPath, "/w/core.whl", "--site", "/w/site", Python}; !slices.Equal(got, want) {
		t.Errorf("Expand = %q, want %q", got, want)
	}
	if got := st.Expand("", "", ""); !slices.Equal(got, st.Argv) {
		t.Errorf("empty values changed placeholders: %q", got)
	}
	if st.Argv[0] != Python {
		t.Error("Expand changed the step")
	}
}
