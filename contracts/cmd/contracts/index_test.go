package main

// The path users take: no --offline. Virtualenvs without the interpreter's
// packages, pip resolving every requirement (pytest, pydantic and theirs,
// setuptools and wheel for the builds) from a package index: the project's
// own (contracts/internal/pyindex), serving this machine's installed
// distributions as wheels on loopback, since this machine has no PyPI.

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/pyindex/indexproc"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// TestDemoThroughIndex runs, against one index and one cache directory:
//
//  1. the demo at v2.0.0 through the index: the same answers as the
//     offline demo (verdicts, reasons, counts, readiness, every case);
//  2. the same demo with every environment and Core build removed but
//     pip's cache kept (what a CI runner restoring the cache directory
//     starts from): nothing downloaded, by the index's own log;
//  3. a downstream requiring a project the index lacks next to one that
//     does not: the first is an error quoting pip's decisive line, the
//     other still passes.
func TestDemoThroughIndex(t *testing.T) {
	idx := testkit.Index(t)
	dir := t.TempDir()
	viaIndex := func(out string, args ...string) (int, string, string) {
		t.Helper()
		return cli(t, append(args, "--pip-index-url", idx.URL, "--cache-dir", dir, "--out", out, "--jobs", "3")...)
	}
	offline := t.TempDir()
	if code, stdout, stderr := demo(t, offline, "--core-ref", "v2.0.0"); code != exitBroken {
		t.Fatalf("offline demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := answers(t, offline, cache)

	out := t.TempDir()
	code, stdout, stderr := viaIndex(out, "demo", "--core-ref", "v2.0.0")
	if code != exitBroken {
		t.Fatalf("demo through the index: exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	if got := answers(t, out, dir); got != want {
		t.Errorf("through the index the demo answers\n%s\noffline it answers\n%s", got, want)
	}
	syncLog(t, idx)
	served := servedWheels(idx.Requests())
	for _, dist := range []string{"pytest", "pluggy", "iniconfig", "packaging", "attrs", "pydantic", "pydantic_core", "annotated_types", "typing_extensions", "typing_inspection", "setuptools", "wheel"} {
		if !served[dist] {
			t.Errorf("the index served no %s wheel (served: %v): pip did not resolve it from the index", dist, slices.Sorted(maps.Keys(served)))
		}
	}
	checkNoSystemSite(t, dir)

	t.Run("cold environments, same pip cache", func(t *testing.T) {
		for _, d := range []string{"envs", "wheels", "venv-templates"} {
			if err := os.RemoveAll(filepath.Join(dir, d)); err != nil {
				t.Fatal(err)
			}
		}
		syncLog(t, idx)
		mark := idx.Mark()
		out := t.TempDir()
		if code, stdout, stderr := viaIndex(out, "demo", "--core-ref", "v2.0.0"); code != exitBroken {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
		}
		if got := answers(t, out, dir); got != want {
			t.Errorf("the second run answers\n%s\nwant\n%s", got, want)
		}
		syncLog(t, idx)
		if tally := idx.Since(mark); tally.Requests == 0 || tally.Files != 0 || tally.Bytes != 0 || tally.NotModified != tally.Requests {
			t.Errorf("the second run made the index serve %s; want pages revalidated (304) and no wheel or page sent (pip's cache answers)", tally)
		} else {
			t.Logf("second run: %s", tally)
		}
	})

	t.Run("a requirement the index lacks", func(t *testing.T) {
		pyproject, err := fs.ReadFile(mustTree(t, "pipeline"), "pyproject.toml")
		if err != nil {
			t.Fatal(err)
		}
		feeds := testkit.VariantRepo(t, "pipeline", map[string]string{
			"pyproject.toml": strings.Replace(string(pyproject), `"pydantic>=2",`, `"pydantic>=2",`+"\n    \"market-data-feeds>=1.0\",", 1),
		})
		eco := filepath.Join(dir, "demo-ecosystem")
		q := func(s string) string { v, _ := json.Marshal(s); return string(v) }
		mf := filepath.Join(t.TempDir(), "matrix.yaml")
		m := fmt.Sprintf("version: 1\ncore:\n  name: %s\n  repo: %s\n  package: %s\n  ref: main\ndownstreams:\n"+
			"  - name: feeds\n    repo: %s\n    ref: main\n  - name: orchestrator\n    repo: %s\n    ref: main\n",
			examples.Core, q(filepath.Join(eco, examples.Core)), examples.CorePackage, q(feeds), q(filepath.Join(eco, "orchestrator")))
		if err := os.WriteFile(mf, []byte(m), 0o644); err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		code, stdout, stderr := viaIndex(out, "run", "--matrix", mf, "--core-ref", "v2.0.0") // Core built in the run above
		if code != exitBroken {
			t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
		}
		got := map[string]string{}
		for _, s := range readSummaryFull(t, out).Runs[0].Suites {
			got[s.Name] = string(s.Verdict)
			if s.Name == "feeds" && !strings.Contains(s.Reason, "No matching distribution found for market-data-feeds>=1.0") {
				t.Errorf("feeds: reason %q does not quote pip's decisive line", s.Reason)
			}
		}
		if got["feeds"] != "error" || got["orchestrator"] != "passed" {
			t.Errorf("verdicts %v, want feeds error and orchestrator passed", got)
		}
	})
}

func mustTree(t *testing.T, repo string) fs.FS {
	t.Helper()
	fsys, err := examples.Tree(repo, examples.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

func readSummaryFull(t *testing.T, out string) *report.Result {
	t.Helper()
	res, err := report.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// answers is what a run's reports say, in a form two runs can be compared
// in: per suite its verdict, reason, counts, release readiness, the SHAs,
// and every test case with its status and message; cacheDir (which holds
// the example repos) written as <cache>.
func answers(t *testing.T, out, cacheDir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(out, report.SummaryJSON))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Runs []struct {
			Release any `json:"release"`
			Suites  []struct {
				Name       string         `json:"name"`
				Verdict    string         `json:"verdict"`
				Reason     string         `json:"reason"`
				Counts     map[string]int `json:"counts"`
				Readiness  any            `json:"readiness"`
				Core       struct{ Ref, SHA string }
				Downstream struct{ SHA string }
			} `json:"suites"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	res := readSummaryFull(t, out)
	var b strings.Builder
	for i, run := range doc.Runs {
		fmt.Fprintf(&b, "release %v\n", run.Release)
		for j, s := range run.Suites {
			fmt.Fprintf(&b, "%s core %s@%s downstream %s: %s %q %v readiness %v\n", s.Name, s.Core.Ref, s.Core.SHA, s.Downstream.SHA, s.Verdict, s.Reason, s.Counts, s.Readiness)
			for _, c := range res.Runs[i].Suites[j].Cases {
				fmt.Fprintf(&b, "  %s::%s %s %q\n", c.Classname, c.Name, c.Status, c.Message)
			}
		}
	}
	return strings.ReplaceAll(b.String(), cacheDir, "<cache>")
}

var wheelName = regexp.MustCompile(`^/files/[0-9a-f]{64}/([^/-]+)-[^/]+\.whl$`)

// servedWheels names the distributions whose wheels the index sent.
func servedWheels(requests []indexproc.Request) map[string]bool {
	out := map[string]bool{}
	for _, r := range requests {
		if m := wheelName.FindStringSubmatch(r.Path); m != nil && r.Status == 200 {
			out[m[1]] = true
		}
	}
	return out
}

// checkNoSystemSite checks that every cached downstream environment is a
// virtualenv without the interpreter's packages.
func checkNoSystemSite(t *testing.T, cacheDir string) {
	t.Helper()
	cfgs, _ := filepath.Glob(filepath.Join(cacheDir, "envs", "*", "venv", "pyvenv.cfg"))
	if len(cfgs) != 3 {
		t.Errorf("%d downstream environments, want 3", len(cfgs))
	}
	for _, cfg := range cfgs {
		data, err := os.ReadFile(cfg)
		if err != nil || !strings.Contains(string(data), "include-system-site-packages = false") {
			t.Errorf("%s: %v\n%s; want a virtualenv without system site packages", cfg, err, data)
		}
	}
}

// syncLog waits until every request the index answered is in its log.
func syncLog(t *testing.T, idx *indexproc.Process) {
	t.Helper()
	if err := idx.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}
