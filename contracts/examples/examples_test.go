package examples

import (
	"io/fs"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func readFile(t *testing.T, fsys fs.FS, name string) string {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestCoreRefs(t *testing.T) {
	want := []string{"v1.1.0", "v1.2.0", "v2.0.0", "main", "feature/health-details", "release/2.x"}
	if got := CoreRefs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("CoreRefs() = %v, want %v", got, want)
	}
	for _, d := range Downstreams() {
		if got := Refs(d); !reflect.DeepEqual(got, []string{"main"}) {
			t.Errorf("Refs(%q) = %v, want [main]", d, got)
		}
	}
}

var (
	pyprojectVersion = regexp.MustCompile(`(?m)^version = "([^"]+)"$`)
	dunderVersion    = regexp.MustCompile(`(?m)^__version__ = "([^"]+)"$`)
)

// TestCoreTrees checks every Core ref's tree: the version it declares in
// pyproject.toml and __version__, and the modules downstreams import.
func TestCoreTrees(t *testing.T) {
	want := map[string]string{
		"v1.1.0": "1.1.0", "v1.2.0": "1.2.0", "main": "1.2.0",
		"feature/health-details": "1.3.0.dev0", "v2.0.0": "2.0.0", "release/2.x": "2.0.0",
	}
	for _, ref := range CoreRefs() {
		tree, err := Tree(Core, ref)
		if err != nil {
			t.Fatalf("Tree(%q, %q): %v", Core, ref, err)
		}
		pyproject := readFile(t, tree, "pyproject.toml")
		init := readFile(t, tree, "src/market_data_core/__init__.py")
		for file, re := range map[string]*regexp.Regexp{pyproject: pyprojectVersion, init: dunderVersion} {
			m := re.FindStringSubmatch(file)
			if m == nil || m[1] != want[ref] {
				t.Errorf("%s: version %v, want %q", ref, m, want[ref])
			}
		}
		if !strings.Contains(pyproject, `name = "market-data-core"`) || strings.Contains(pyproject, "setuptools_scm") {
			t.Errorf("%s: pyproject.toml does not declare market-data-core without setuptools-scm", ref)
		}
		for _, mod := range []string{"telemetry.py", "protocols.py"} {
			readFile(t, tree, "src/market_data_core/"+mod)
		}
	}
}

// TestCoreBreakingChange pins where the breaking change is: only v2.0.0's
// tree forbids extra fields and renames scale_factor.
func TestCoreBreakingChange(t *testing.T) {
	for _, ref := range CoreRefs() {
		tree, err := Tree(Core, ref)
		if err != nil {
			t.Fatal(err)
		}
		telemetry := readFile(t, tree, "src/market_data_core/telemetry.py")
		strict := strings.Contains(telemetry, `extra="forbid"`)
		renamed := !strings.Contains(telemetry, "scale_factor:")
		isV2 := ref == "v2.0.0" || ref == "release/2.x"
		if strict != isV2 || renamed != isV2 {
			t.Errorf("%s: extra=forbid %v, scale_factor renamed %v; want both %v", ref, strict, renamed, isV2)
		}
	}
}

// TestDownstreamTrees checks each downstream's contract suite and the
// install layout the automatic install must handle: a dev extra
// (pipeline), requirements-dev.txt (store), neither (orchestrator).
func TestDownstreamTrees(t *testing.T) {
	layouts := map[string]struct{ devExtra, devTxt bool }{
		Pipeline: {devExtra: true}, Store: {devTxt: true}, Orchestrator: {},
	}
	for _, d := range Downstreams() {
		tree, err := Tree(d, "main")
		if err != nil {
			t.Fatal(err)
		}
		pyproject := readFile(t, tree, "pyproject.toml")
		if !strings.Contains(pyproject, `"market-data-core>=1.1`) {
			t.Errorf("%s: pyproject.toml does not require market-data-core>=1.1", d)
		}
		hasDev := strings.Contains(pyproject, "[project.optional-dependencies]\ndev = ")
		_, txtErr := fs.Stat(tree, "requirements-dev.txt")
		if hasDev != layouts[d].devExtra || (txtErr == nil) != layouts[d].devTxt {
			t.Errorf("%s: dev extra %v, requirements-dev.txt %v; want %+v", d, hasDev, txtErr == nil, layouts[d])
		}
		tests, err := fs.Glob(tree, "tests/contracts/test_*.py")
		if err != nil || len(tests) < 2 {
			t.Errorf("%s: contract tests %v (%v), want at least two files", d, tests, err)
		}
		readFile(t, tree, "tests/contracts/__init__.py")
	}
}

func TestTreeErrors(t *testing.T) {
	for _, c := range [][2]string{{"nope", "main"}, {Core, "v9.9.9"}, {Pipeline, "v1.1.0"}, {Core, ""}} {
		if _, err := Tree(c[0], c[1]); err == nil {
			t.Errorf("Tree(%q, %q): no error", c[0], c[1])
		}
	}
}

// TestTreesHoldOnlySources fails when build or test leftovers (bytecode,
// egg-info, caches) sit in the embedded trees and would ship in the binary.
func TestTreesHoldOnlySources(t *testing.T) {
	allowed := []string{".py", ".toml", ".md", ".txt"}
	n := 0
	err := fs.WalkDir(reposFS, "repos", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(d.Name(), ".egg-info") || d.Name() == "build" {
			t.Errorf("%s: build leftover", p)
		}
		if !d.IsDir() {
			n++
			if !slices.Contains(allowed, path.Ext(p)) {
				t.Errorf("%s: not a source file (%v)", p, allowed)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatalf("walking the embedded repos: %d files, %v", n, err)
	}
}

func TestExpected(t *testing.T) {
	for _, ref := range CoreRefs() {
		got := Expected(ref)
		if len(got) != len(Downstreams()) {
			t.Errorf("Expected(%q) = %v: want a verdict for each of %v", ref, got, Downstreams())
		}
		for d, v := range got {
			if v != "passed" && v != "failed" {
				t.Errorf("Expected(%q)[%q] = %q", ref, d, v)
			}
		}
	}
	want := map[string]string{Pipeline: "failed", Store: "failed", Orchestrator: "passed"}
	for _, ref := range []string{"v2.0.0", "release/2.x"} {
		if got := Expected(ref); !reflect.DeepEqual(got, want) {
			t.Errorf("Expected(%q) = %v, want %v", ref, got, want)
		}
	}
	for _, ref := range []string{"v9.9.9", ""} {
		if got := Expected(ref); got != nil {
			t.Errorf("Expected(%q) = %v, want nil", ref, got)
		}
	}
}

// TestReadmeTable keeps README.md's table of verdicts equal to Expected.
func TestReadmeTable(t *testing.T) {
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) == 1+len(Downstreams()) && Expected(cells[0]) != nil {
			rows[cells[0]] = cells[1:]
		}
	}
	for _, ref := range CoreRefs() {
		want := Expected(ref)
		row, ok := rows[ref]
		if !ok {
			t.Errorf("README.md: no row for Core ref %s", ref)
			continue
		}
		for i, d := range Downstreams() {
			if row[i] != want[d] {
				t.Errorf("README.md: Core %s, %s: %q, Expected says %q", ref, d, row[i], want[d])
			}
		}
	}
}
