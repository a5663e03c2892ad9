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
	"unicode/utf16"
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
	want := []string{"v1.1.0", "v1.2.0", "v2.0.0b1", "v2.0.0", "v3.0.0", "main", "feature/health-details", "release/2.x", "release/3.x"}
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
		"feature/health-details": "1.3.0.dev0", "v2.0.0b1": "2.0.0b1", "v2.0.0": "2.0.0", "release/2.x": "2.0.0",
		"v3.0.0": "3.0.0", "release/3.x": "3.0.0",
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
		protocols := "protocols.py"
		if want[ref] == "3.0.0" {
			protocols = "ports.py"
		}
		for _, mod := range []string{"telemetry.py", protocols} {
			readFile(t, tree, "src/market_data_core/"+mod)
		}
	}
}

// TestCoreBreakingChange pins where each breaking change is, at every
// commit of Core's history: FeedbackEvent forbids extra fields from the
// "strict" commit on, scale_factor is renamed from "rename-scale" on,
// FeedbackEvent.source takes only known services from "known-sources" on,
// the protocols module is gone from v3.0.0 on; the "hatchling" commit's
// pyproject.toml does not parse, and no other's.
func TestCoreBreakingChange(t *testing.T) {
	h, err := historyOf(Core)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range h.order {
		tree := h.nodes[id].fsys()
		telemetry := readFile(t, tree, "src/market_data_core/telemetry.py")
		_, protoErr := fs.Stat(tree, "src/market_data_core/protocols.py")
		got := [4]bool{strings.Contains(telemetry, `extra="forbid"`), !strings.Contains(telemetry, "scale_factor:"), strings.Contains(telemetry, "source: FeedbackSource"), protoErr != nil}
		want := [4]bool{h.reaches(id, "strict"), h.reaches(id, "rename-scale"), h.reaches(id, "known-sources"), h.reaches(id, "v3.0.0")}
		if got != want {
			t.Errorf("%s: strict, renamed, known sources, protocols gone = %v, want %v", id, got, want)
		}
		pyproject := readFile(t, tree, "pyproject.toml")
		if parses := !strings.Contains(pyproject, `requires = ["hatchling>=1.18"`+"\n"); parses == slices.Contains(Unbuildable(), id) {
			t.Errorf("%s: pyproject.toml parses %v, unbuildable %v", id, parses, slices.Contains(Unbuildable(), id))
		}
	}
}

// TestCoreHistoryShape: thirteen first-parent commits from v1.2.0 to
// v2.0.0 on release/2.x, three of them merges of pull request branches;
// inside that history store is broken by two commits, one inside pull
// request #42 and one on the first-parent path, pipeline by one inside
// #43, orchestrator by none; the unbuildable commit is there too.
func TestCoreHistoryShape(t *testing.T) {
	h, err := historyOf(Core)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	merges := 0
	for id := h.refs["v2.0.0"]; id != h.refs["v1.2.0"]; id = h.nodes[id].parents[0] {
		path = append(path, id)
		if len(h.nodes[id].parents) == 2 {
			merges++
		}
	}
	if len(path) != 13 || merges != 3 {
		t.Errorf("first-parent v1.2.0..v2.0.0: %d commits, %d merges; want 13 and 3: %v", len(path), merges, path)
	}
	want := map[string]string{Store: "strict in merge-42, known-sources", Pipeline: "rename-scale in merge-43", Orchestrator: ""}
	for d, w := range want {
		var got []string
		for _, c := range Culprits(d) {
			s := c.Commit
			if c.Merge != "" {
				s += " in " + c.Merge
			}
			got = append(got, s)
			if len(c.Tests) == 0 || !slices.IsSorted(c.Tests) {
				t.Errorf("%s: culprit %s lists tests %v", d, c.Commit, c.Tests)
			}
		}
		if strings.Join(got, ", ") != w {
			t.Errorf("Culprits(%s) = %v, want %s", d, got, w)
		}
	}
	for _, id := range append([]string{"strict", "known-sources", "rename-scale"}, Unbuildable()...) {
		if !h.reaches(h.refs["v2.0.0"], id) || h.reaches(h.refs["v1.2.0"], id) {
			t.Errorf("%q is not a commit of v1.2.0..v2.0.0", id)
		}
	}
	for id, byDownstream := range brokenTests {
		for d := range byDownstream {
			if _, ok := breaks[id][d]; !ok {
				t.Errorf("brokenTests says %s breaks %s, breaks does not", id, d)
			}
		}
	}
}

// TestDownstreamTrees checks each downstream's contract suite, the install
// layout the automatic install must handle (a dev extra, requirements-dev.txt,
// neither) and its pin on Core, each of another shape: in pyproject.toml
// (pipeline), in a UTF-16 requirements.txt with a BOM, a continuation line
// and a marker, included from requirements-dev.txt (store), none at all
// (orchestrator).
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
		if pinned := strings.Contains(pyproject, `"market-data-core>=1.1"`); pinned != (d == Pipeline) {
			t.Errorf("%s: pyproject.toml pins market-data-core: %v", d, pinned)
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
	store, _ := Tree(Store, "main")
	raw := readFile(t, store, "requirements.txt")
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	text := string(utf16.Decode(units))
	if len(raw)%2 != 0 || !strings.HasPrefix(text, "\ufeff") || !strings.Contains(text, "market-data-core>=1.1,\\\r\n    <1.2 ; python_version") {
		t.Errorf("store's requirements.txt is not UTF-16 with a BOM and a continued, marked Core pin: %q", text)
	}
	if !strings.Contains(readFile(t, store, "requirements-dev.txt"), "-r requirements.txt") {
		t.Error("store's requirements-dev.txt does not include requirements.txt")
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
	allowed := []string{".py", ".toml", ".md", ".txt", ".typed"}
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
			if v != "passed" && v != "failed" && v != "error" {
				t.Errorf("Expected(%q)[%q] = %q", ref, d, v)
			}
		}
	}
	for refs, want := range map[[2]string]map[string]string{
		{"v2.0.0", "release/2.x"}: {Pipeline: "failed", Store: "failed", Orchestrator: "passed"},
		{"v2.0.0b1", "v2.0.0b1"}:  {Pipeline: "passed", Store: "failed", Orchestrator: "passed"},
		{"v3.0.0", "release/3.x"}: {Pipeline: "failed", Store: "failed", Orchestrator: "error"},
	} {
		for _, ref := range refs {
			if got := Expected(ref); !reflect.DeepEqual(got, want) {
				t.Errorf("Expected(%q) = %v, want %v", ref, got, want)
			}
		}
	}
	for _, id := range Unbuildable() {
		if got := ExpectedAt(id); got[Pipeline] != "error" || got[Store] != "error" {
			t.Errorf("ExpectedAt(%q) = %v, want errors", id, got)
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
