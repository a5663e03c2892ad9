package main

// End-to-end tests of release readiness, through the CLI on the example
// ecosystem: pipeline pins Core in pyproject.toml (>=1.1), store in a
// UTF-16 requirements.txt included by requirements-dev.txt (>=1.1,<1.2,
// with a continuation line and a marker), orchestrator declares none.

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
)

// readinessDoc is the part of summary.json these tests read.
type readinessDoc struct {
	Runs []struct {
		Release string `json:"release"`
		Suites  []struct {
			Name      string `json:"name"`
			Verdict   string `json:"verdict"`
			Reason    string `json:"reason"`
			Readiness struct {
				Value  string `json:"value"`
				Reason string `json:"reason"`
			} `json:"readiness"`
		} `json:"suites"`
	} `json:"runs"`
}

func readReadiness(t *testing.T, out string) readinessDoc {
	t.Helper()
	var d readinessDoc
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "summary.json"))), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestReadinessInDemo: at v1.2.0 and v2.0.0 the demo shows every readiness
// value, with the release line, in the terminal, summary.md, summary.json
// and the JUnit properties.
func TestReadinessInDemo(t *testing.T) {
	for ref, want := range map[string]struct {
		release string
		values  map[string]string
		reasons map[string]string
	}{
		"v1.2.0": {"Core 1.2.0 (v1.2.0): 1 ready, 1 needs-bump, 1 unknown",
			map[string]string{"pipeline": "ready", "store": "needs-bump", "orchestrator": "unknown"},
			map[string]string{"pipeline": ">=1.1 admits 1.2.0 (pyproject.toml)", "store": "<1.2,>=1.1 excludes 1.2.0 (requirements.txt)", "orchestrator": "it declares no requirement on Core"}},
		"v2.0.0": {"Core 2.0.0 (v2.0.0): 1 breaks-now, 1 blocked, 1 unknown",
			map[string]string{"pipeline": "breaks-now", "store": "blocked", "orchestrator": "unknown"},
			map[string]string{"pipeline": ">=1.1 admits 2.0.0 (pyproject.toml), and the contracts break", "store": "<1.2,>=1.1 excludes 2.0.0 (requirements.txt), and the contracts break"}},
	} {
		t.Run(ref, func(t *testing.T) {
			out := t.TempDir()
			_, stdout, stderr := demo(t, out, "--core-ref", ref)
			d := readReadiness(t, out)
			if d.Runs[0].Release != want.release || !strings.Contains(stdout, want.release) || !strings.Contains(readFile(t, filepath.Join(out, "summary.md")), want.release) {
				t.Errorf("release line %q, want %q in summary.json, the terminal and summary.md\n%s\n%s", d.Runs[0].Release, want.release, stdout, stderr)
			}
			for _, s := range d.Runs[0].Suites {
				if s.Readiness.Value != want.values[s.Name] || !strings.Contains(s.Readiness.Reason, want.reasons[s.Name]) {
					t.Errorf("%s: %s (%s), want %s (%s)", s.Name, s.Readiness.Value, s.Readiness.Reason, want.values[s.Name], want.reasons[s.Name])
				}
				props := suiteProperties(t, filepath.Join(out, "junit", ref, s.Name+".xml"))
				if props["readiness"] != want.values[s.Name] {
					t.Errorf("%s's JUnit readiness property %q", s.Name, props["readiness"])
				}
			}
		})
	}
}

// TestReadinessNamesTheRun: two Core refs that build the same version
// (the example's v1.2.0 and main) get release lines that say which is which.
func TestReadinessNamesTheRun(t *testing.T) {
	out := t.TempDir()
	_, stdout, _ := demo(t, out, "--core-ref", "v1.2.0,main", "--only", "pipeline")
	d := readReadiness(t, out)
	var lines []string
	for _, r := range d.Runs {
		lines = append(lines, r.Release)
	}
	want := []string{"Core 1.2.0 (v1.2.0): 1 ready", "Core 1.2.0 (main): 1 ready"}
	if !slices.Equal(lines, want) {
		t.Errorf("release lines %q, want %q", lines, want)
	}
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("terminal lacks %q:\n%s", w, stdout)
		}
	}
}

// suiteProperties reads a per-suite JUnit report's suite properties.
func suiteProperties(t *testing.T, path string) map[string]string {
	t.Helper()
	var x struct {
		Suites []struct {
			Props []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:"value,attr"`
			} `xml:"properties>property"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal([]byte(readFile(t, path)), &x); err != nil || len(x.Suites) != 1 {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, p := range x.Suites[0].Props {
		out[p.Name] = p.Value
	}
	return out
}

// utf16File is text as a Windows tool writes it: UTF-16 LE with a BOM.
func utf16File(text string) string {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return string(out)
}

// TestUnreadableRequirementsFile: store ships its UTF-16 requirements.txt
// with one stray trailing byte. Its suite is an error naming the file and
// the problem (never a traceback), its readiness unknown; the others run.
func TestUnreadableRequirementsFile(t *testing.T) {
	truncated := utf16File("market-data-core>=1.1,<1.2\r\npydantic>=2\r\n") + "\n"
	store := testkit.VariantRepo(t, examples.Store, map[string]string{"requirements.txt": truncated})
	eco := plainEcosystem(t)
	mf := filepath.Join(t.TempDir(), "matrix.yaml")
	matrix := fmt.Sprintf("version: 1\ncore: {name: %s, repo: %s, package: %s, ref: main}\ndownstreams:\n  - {name: store, repo: %s, ref: main}\n  - {name: orchestrator, repo: %s, ref: main}\n",
		examples.Core, yamlString(eco.Repos[examples.Core]), examples.CorePackage, yamlString(store), yamlString(eco.Repos[examples.Orchestrator]))
	if err := os.WriteFile(mf, []byte(matrix), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runMatrix(t, mf, out, "--core-ref", "v1.2.0")
	if code != exitBroken {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	d := readReadiness(t, out)
	for _, s := range d.Runs[0].Suites {
		switch s.Name {
		case "store":
			if s.Verdict != "error" || !strings.Contains(s.Reason, "requirements.txt") || !strings.Contains(s.Reason, "truncated data") || strings.Contains(s.Reason, "Traceback") {
				t.Errorf("store: %s %q, want an error naming requirements.txt and the decoding problem", s.Verdict, s.Reason)
			}
			if s.Readiness.Value != "unknown" {
				t.Errorf("store readiness %s, want unknown", s.Readiness.Value)
			}
		case "orchestrator":
			if s.Verdict != "passed" {
				t.Errorf("orchestrator: %s, want passed (the run goes on)", s.Verdict)
			}
		}
	}
}

// TestReadinessWithExplicitInstall: a matrix entry with its own install
// list still gets its pin read (from what the list names), and a pin that
// only the pin reader reads cannot stop the run.
func TestReadinessWithExplicitInstall(t *testing.T) {
	eco := plainEcosystem(t)
	mf := filepath.Join(t.TempDir(), "matrix.yaml")
	matrix := fmt.Sprintf("version: 1\ncore: {name: %s, repo: %s, package: %s, ref: main}\ndownstreams:\n"+
		"  - {name: pipeline, repo: %s, ref: main, install: [[\"--no-deps\", \"-e\", \".[dev]\"]]}\n",
		examples.Core, yamlString(eco.Repos[examples.Core]), examples.CorePackage, yamlString(eco.Repos[examples.Pipeline]))
	if err := os.WriteFile(mf, []byte(matrix), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	code, stdout, stderr := runMatrix(t, mf, out, "--core-ref", "v1.2.0")
	if code != exitOK {
		t.Fatalf("exit %d, want 0\n%s\n%s", code, stdout, stderr)
	}
	if s := readReadiness(t, out).Runs[0].Suites[0]; s.Readiness.Value != "ready" || !strings.Contains(s.Readiness.Reason, "pyproject.toml") {
		t.Errorf("pipeline: %s (%s), want ready from pyproject.toml", s.Readiness.Value, s.Readiness.Reason)
	}
}
