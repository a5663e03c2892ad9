// Package examples bundles a small example ecosystem: a stand-in
// market-data-core (Python, pydantic v2 DTOs and protocols) with a real
// history, and three downstream projects (pipeline, store, orchestrator)
// whose tests/contracts suites pin what they rely on from Core.
//
// The projects live under repos/<repo>/ as plain files: a commit's files
// are either a whole tree (a directory) or a patch (a directory of the
// files it adds or replaces, plus paths it removes) on its parent; a merge
// commit takes its branch's changes. Tree serves any ref's files without
// git (the Dagger module builds directories from it); Materialize replays
// the history as real git repos with deterministic commits, merges, tags
// and branches, plus a matrix file naming them, for the host runner, the
// demo and bisect.
//
// Core's history (first parent on release/2.x: 13 commits from v1.2.0 to
// v2.0.0; three pull requests merged with merge commits):
//
//	main:                   v1.1.0 ── v1.2.0
//	feature/health-details:                 └── health details (1.3.0.dev0)
//	release/2.x:                            └── docs ─ M#41 ─ README ─ M#42 ─ v2.0.0b1 ─ hatchling ─ setuptools ─ tests ─ README ─ M#43 ─ sources ─ CHANGELOG ─ v2.0.0
//	  pr/42 (merged by M#42):    docs, "FeedbackEvent: reject unknown fields" (breaks one of store's tests), CHANGELOG
//	  pr/43 (merged by M#43):    docs, "RateAdjustment: rename scale_factor to scale" (breaks pipeline), CHANGELOG
//	  hatchling: a pyproject.toml that does not parse (Core cannot be built), fixed by the next commit
//	  sources: pushed straight to release/2.x, FeedbackEvent.source only takes known services
//	           (breaks two more of store's tests; the CHANGELOG does not say)
//	release/3.x:                                                                                                        └── v3.0.0
//
// v3.0.0 moves the protocols to market_data_core.ports: pipeline's
// conformance module no longer imports (a collection error Core caused)
// while its other contract files run; orchestrator's structured-log
// contracts, which run only against Core 3, import market_data_logbus, an
// internal package that no public index or distribution provides (an
// environment error, the same on every machine). Expected records the
// verdicts.
package examples

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing/fstest"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// The files of every example repo. go:embed leaves out names starting with
// '_' or '.', so the packages' __init__.py files are named explicitly (and
// __pycache__ directories stay out).
//
//go:embed repos
//go:embed repos/*/*/src/*/__init__.py repos/*/*/*/src/*/__init__.py repos/*/*/tests/contracts/__init__.py
var reposFS embed.FS

// The example repos' names; they are also their directory names.
const (
	// Core is the stand-in market-data-core.
	Core = "market-data-core"
	// Pipeline implements Core's protocols and maps backpressure to rates.
	Pipeline = "pipeline"
	// Store extends Core's FeedbackEvent and serves Core's HealthStatus.
	Store = "store"
	// Orchestrator aggregates Core's health DTOs.
	Orchestrator = "orchestrator"
)

// CorePackage is Core's Python import name.
const CorePackage = "market_data_core"

// DefaultBranch is the branch every example repo is checked out on.
const DefaultBranch = "main"

// commit is one commit of an example repo's history.
type commit struct {
	// id names the commit for from and for Expected.
	id string
	// tree is a directory under repos/<repo>/ holding the commit's whole
	// tree; patch is one holding the files the commit adds or replaces on
	// its parent's tree, and remove the paths it deletes. A merge commit
	// has neither: it takes merge's changes since the branch forked.
	tree, patch string
	remove      []string
	// branch receives the commit; from is the commit (id) a branch starts
	// from when it does not exist yet ("" for the repo's first branch).
	branch, from string
	// merge is the branch a merge commit merges into branch (--no-ff); the
	// merged branch is deleted afterwards, as pull request branches are.
	merge string
	// tag, when set, is an annotated tag on the commit.
	tag string
	// author writes the commit ("Name <email>"; default: the examples' own).
	author  string
	message string
}

// Authors of the example Core's commits.
const (
	ana  = "Ana Ortiz <ana@market-data.invalid>"
	ben  = "Ben Okafor <ben@market-data.invalid>"
	chen = "Chen Wei <chen@market-data.invalid>"
	dana = "Dana Müller-Łukasik <dana@market-data.invalid>"
)

// dev2 is the directory of the 2.0 development history's patches.
const dev2 = "dev-2.0/"

// histories are the commits of each repo, in the order they are made.
var histories = map[string][]commit{
	Core: {
		{id: "v1.1.0", tree: "v1.1.0", branch: "main", tag: "v1.1.0", author: ana, message: "Release 1.1.0: telemetry DTOs and protocols"},
		{id: "v1.2.0", tree: "v1.2.0", branch: "main", tag: "v1.2.0", author: ana, message: "Release 1.2.0: FeedbackEvent.trace_id, BackpressureLevel.from_utilization"},
		{id: "health-details", tree: "feature-health-details", branch: "feature/health-details", from: "v1.2.0", author: chen, message: "Health details: HealthComponent.latency_ms, HealthStatus.component()"},
		{id: "docs", patch: dev2 + "01-docs", branch: "release/2.x", from: "v1.2.0", author: ben, message: "docs: telemetry DTO reference"},
		{id: "py-typed", patch: dev2 + "02-py-typed", branch: "pr/41-py-typed", from: "docs", author: chen, message: "Ship a py.typed marker"},
		{id: "package-data", patch: dev2 + "03-package-data", branch: "pr/41-py-typed", author: chen, message: "pyproject: include py.typed in the wheel"},
		{id: "merge-41", merge: "pr/41-py-typed", branch: "release/2.x", author: ana, message: "Merge pull request #41 from pr/41-py-typed\n\nShip type information"},
		{id: "docs-feedback", patch: dev2 + "04-docs-feedback", branch: "pr/42-strict-feedback", from: "merge-41", author: ben, message: "docs: FeedbackEvent field reference"},
		{id: "readme-python", patch: dev2 + "05-readme-python", branch: "release/2.x", author: ana, message: "README: supported Python and pydantic versions"},
		{id: "strict", patch: dev2 + "06-strict", branch: "pr/42-strict-feedback", author: ben, message: "FeedbackEvent: reject unknown fields (extra=forbid)"},
		{id: "changelog-strict", patch: dev2 + "07-changelog-strict", branch: "pr/42-strict-feedback", author: ben, message: "CHANGELOG: strict FeedbackEvent"},
		{id: "merge-42", merge: "pr/42-strict-feedback", branch: "release/2.x", author: ana, message: "Merge pull request #42 from pr/42-strict-feedback\n\nStrict FeedbackEvent"},
		{id: "v2.0.0b1", patch: dev2 + "08-beta", branch: "release/2.x", tag: "v2.0.0b1", author: ana, message: "Version 2.0.0b1"},
		{id: "docs-rate", patch: dev2 + "09-docs-rate", branch: "pr/43-rate-scale", from: "v2.0.0b1", author: chen, message: "docs: RateAdjustment field reference"},
		{id: "hatchling", patch: dev2 + "10-hatchling", branch: "release/2.x", author: ben, message: "build: switch to hatchling"},
		{id: "setuptools", patch: dev2 + "11-setuptools", branch: "release/2.x", author: ana, message: "build: back to setuptools (pyproject.toml did not parse)"},
		{id: "rename-scale", patch: dev2 + "13-rename-scale", branch: "pr/43-rate-scale", author: chen, message: "RateAdjustment: rename scale_factor to scale"},
		{id: "core-tests", patch: dev2 + "12-core-tests", branch: "release/2.x", author: ben, message: "tests: health DTO round trip"},
		{id: "changelog-scale", patch: dev2 + "14-changelog-scale", branch: "pr/43-rate-scale", author: chen, message: "CHANGELOG: RateAdjustment.scale"},
		{id: "readme-migration", patch: dev2 + "15-readme-migration", branch: "release/2.x", author: ana, message: "README: migrating to 2.0"},
		{id: "merge-43", merge: "pr/43-rate-scale", branch: "release/2.x", author: ana, message: "Merge pull request #43 from pr/43-rate-scale\n\nRateAdjustment.scale"},
		{id: "known-sources", patch: dev2 + "16-known-sources", branch: "release/2.x", author: dana, message: "FeedbackEvent.source: only known services (`Literal[...]`) | typo guard\n\n\"pipline\" split the backpressure dashboards in two."},
		{id: "changelog-2.0", patch: dev2 + "17-changelog", branch: "release/2.x", author: ben, message: "CHANGELOG: 2.0.0"},
		{id: "v2.0.0", patch: dev2 + "18-release", branch: "release/2.x", tag: "v2.0.0", author: ana, message: "Release 2.0.0: strict FeedbackEvent, RateAdjustment.scale"},
		{id: "v3.0.0", patch: "v3.0.0", remove: []string{"src/market_data_core/protocols.py"}, branch: "release/3.x", from: "v2.0.0", tag: "v3.0.0", author: ana, message: "Release 3.0.0: the protocols move to market_data_core.ports"},
	},
	Pipeline:     {{id: "main", tree: "main", branch: "main", message: "Pipeline with Core contract tests"}},
	Store:        {{id: "main", tree: "main", branch: "main", message: "Store with Core contract tests"}},
	Orchestrator: {{id: "main", tree: "main", branch: "main", message: "Orchestrator with Core contract tests"}},
}

// breaks says, per Core commit, which downstreams' contracts it breaks and
// how: every later commit that has it in its history breaks them too.
// Every other pairing passes.
var breaks = map[string]map[string]outcome.Verdict{
	"known-sources": {Store: outcome.Failed},
	"strict":        {Store: outcome.Failed},
	"rename-scale":  {Pipeline: outcome.Failed},
	"v3.0.0":        {Pipeline: outcome.Failed, Orchestrator: outcome.Error},
}

// brokenTests are the contract tests (junit ids, classname::name) each
// breaking commit of the 2.0 history breaks first, per downstream: what
// bisecting v1.2.0..v2.0.0 must attribute to it. A test an earlier commit
// broke is that commit's, even if it fails differently later.
var brokenTests = map[string]map[string][]string{
	"strict": {Store: {
		"tests.contracts.test_feedback_event_contracts::test_feedback_event_core_subset_parseable",
	}},
	"rename-scale": {Pipeline: {
		"tests.contracts.test_feedback_flow::test_backpressure_maps_to_scale_factor[hard-0.0]",
		"tests.contracts.test_feedback_flow::test_backpressure_maps_to_scale_factor[ok-1.0]",
		"tests.contracts.test_feedback_flow::test_backpressure_maps_to_scale_factor[soft-0.5]",
		"tests.contracts.test_feedback_flow::test_published_feedback_reaches_the_rate_coordinator",
	}},
	"known-sources": {Store: {
		"tests.contracts.test_feedback_event_contracts::test_feedback_event_extends_core",
		"tests.contracts.test_feedback_event_contracts::test_feedback_event_schema_roundtrip",
	}},
}

// unbuildable lists the Core commits whose tree cannot be built: every
// suite gets an error verdict there (bisect skips them).
var unbuildable = []string{"hatchling"}

// Repos returns the example repos' names: Core first, then the downstreams.
func Repos() []string { return append([]string{Core}, Downstreams()...) }

// Downstreams returns the downstream repos' names in matrix order.
func Downstreams() []string { return []string{Pipeline, Store, Orchestrator} }

// Refs returns the refs of an example repo: its tags in history order, then
// its branches in the order they are created (merged pull request
// branches are gone). Nil for an unknown repo.
func Refs(repo string) []string {
	h, err := historyOf(repo)
	if err != nil {
		return nil
	}
	return append(slices.Clone(h.tags), h.branches...)
}

// CoreRefs returns every ref of the example Core: its tags v1.1.0,
// v1.2.0, v2.0.0b1, v2.0.0, v3.0.0 and its branches main,
// feature/health-details, release/2.x, release/3.x.
func CoreRefs() []string { return Refs(Core) }

// Tree returns the files of an example repo at a ref (a tag or branch from
// Refs), as the repo's working tree would hold them after a checkout.
func Tree(repo, ref string) (fs.FS, error) {
	if _, ok := histories[repo]; !ok {
		return nil, fmt.Errorf("examples: no repo %q (have: %s)", repo, strings.Join(Repos(), ", "))
	}
	h, err := historyOf(repo)
	if err != nil {
		return nil, err
	}
	id, ok := h.refs[ref]
	if !ok {
		return nil, fmt.Errorf("examples: %s has no ref %q (have: %s)", repo, ref, strings.Join(Refs(repo), ", "))
	}
	return h.nodes[id].fsys(), nil
}

// Expected returns the verdict ("passed", "failed" or "error") each
// downstream's contract suite gets when run against Core at coreRef, as
// checked by this package's tests with real pytest. Nil for a ref Core
// does not have.
func Expected(coreRef string) map[string]string {
	h, err := historyOf(Core)
	if err != nil {
		return nil
	}
	id, ok := h.refs[coreRef]
	if !ok {
		return nil
	}
	return ExpectedAt(id)
}

// ExpectedAt is Expected for one of Core's commits, by its id (see
// Ecosystem.CoreCommits). At a commit that cannot be built every suite
// gets an error.
func ExpectedAt(id string) map[string]string {
	h, err := historyOf(Core)
	if err != nil || h.nodes[id] == nil {
		return nil
	}
	out := map[string]string{}
	for _, d := range Downstreams() {
		out[d] = string(outcome.Passed)
	}
	if slices.Contains(unbuildable, id) {
		for _, d := range Downstreams() {
			out[d] = string(outcome.Error)
		}
		return out
	}
	for cause, verdicts := range breaks {
		if h.reaches(id, cause) {
			for d, v := range verdicts {
				if v == outcome.Error || out[d] == string(outcome.Passed) {
					out[d] = string(v)
				}
			}
		}
	}
	return out
}

// Culprit is a commit of Core's 2.0 history that breaks some of a
// downstream's contract tests.
type Culprit struct {
	// Commit is its id (see Ecosystem.CoreCommits); Merge is the merge
	// commit on release/2.x's first-parent path that brought it in, ""
	// when it is on that path itself.
	Commit, Merge string
	// Tests are the contract tests it breaks first (junit ids,
	// classname::name), sorted.
	Tests []string
}

// Culprits are the commits of v1.2.0..v2.0.0 that break a downstream's
// contract tests, in history order: what bisecting that range must find,
// each with exactly its tests. None for a downstream the range does not
// break.
func Culprits(downstream string) []Culprit {
	h, err := historyOf(Core)
	if err != nil {
		return nil
	}
	good, bad := h.refs["v1.2.0"], h.refs["v2.0.0"]
	var path []string // first-parent, oldest first
	for id := bad; id != good; id = h.nodes[id].parents[0] {
		path = append([]string{id}, path...)
	}
	var out []Culprit
	prev := good
	for _, fp := range path {
		// What fp brings in: itself, and for a merge its pull request,
		// in the order the commits were made.
		for _, id := range h.order {
			tests, breaks := brokenTests[id][downstream]
			if !breaks || !h.reaches(fp, id) || h.reaches(prev, id) {
				continue
			}
			c := Culprit{Commit: id, Tests: slices.Sorted(slices.Values(tests))}
			if id != fp {
				c.Merge = fp
			}
			out = append(out, c)
		}
		prev = fp
	}
	return out
}

// Unbuildable returns the ids of Core's commits that cannot be built.
func Unbuildable() []string { return slices.Clone(unbuildable) }

// history is a repo's commits replayed in memory: every commit's files,
// its parents, and the refs at the end.
type history struct {
	nodes    map[string]*node
	order    []string
	refs     map[string]string // tag or branch -> commit id
	tags     []string
	branches []string
}

// node is one replayed commit.
type node struct {
	commit
	parents []string
	files   map[string][]byte
}

func (n *node) fsys() fs.FS {
	out := fstest.MapFS{}
	for path, data := range n.files {
		out[path] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return out
}

var (
	historiesOnce sync.Once
	replayed      map[string]*history
	replayErr     error
)

// historyOf replays repo's history once per process.
func historyOf(repo string) (*history, error) {
	historiesOnce.Do(func() {
		replayed = map[string]*history{}
		for name, commits := range histories {
			h, err := replay(name, commits)
			if err != nil {
				replayErr = fmt.Errorf("examples: %s: %w", name, err)
				return
			}
			replayed[name] = h
		}
	})
	if replayErr != nil {
		return nil, replayErr
	}
	h, ok := replayed[repo]
	if !ok {
		return nil, fmt.Errorf("examples: no repo %q", repo)
	}
	return h, nil
}

// replay computes every commit's files from the embedded trees and patches.
func replay(repo string, commits []commit) (*history, error) {
	h := &history{nodes: map[string]*node{}, refs: map[string]string{}}
	heads, forks := map[string]string{}, map[string]string{}
	for _, c := range commits {
		n := &node{commit: c, files: map[string][]byte{}}
		parent := heads[c.branch]
		if parent == "" && c.from != "" {
			parent, forks[c.branch] = c.from, c.from
			h.branches = append(h.branches, c.branch)
		} else if parent == "" {
			h.branches = append(h.branches, c.branch)
		}
		if parent != "" {
			n.parents = []string{parent}
			maps.Copy(n.files, h.nodes[parent].files)
		}
		if err := apply(repo, n, h, heads, forks); err != nil {
			return nil, fmt.Errorf("commit %s: %w", c.id, err)
		}
		h.nodes[c.id], heads[c.branch] = n, c.id
		h.order = append(h.order, c.id)
		if c.tag != "" {
			h.tags = append(h.tags, c.tag)
			h.refs[c.tag] = c.id
		}
	}
	for _, b := range h.branches {
		if heads[b] != "" {
			h.refs[b] = heads[b]
		}
	}
	h.branches = slices.DeleteFunc(h.branches, func(b string) bool { return heads[b] == "" })
	return h, nil
}

// apply makes n's files: a whole tree, a patch on the parent's, or a
// merge of a branch's changes since it forked (the merged branch is
// deleted).
func apply(repo string, n *node, h *history, heads, forks map[string]string) error {
	switch {
	case n.tree != "":
		n.files = map[string][]byte{}
		return readInto(n.files, "repos/"+repo+"/"+n.tree)
	case n.patch != "":
		for _, p := range n.remove {
			if _, ok := n.files[p]; !ok {
				return fmt.Errorf("removes %s, which its parent does not have", p)
			}
			delete(n.files, p)
		}
		return readInto(n.files, "repos/"+repo+"/"+n.patch)
	case n.merge != "":
		head, fork := heads[n.merge], forks[n.merge]
		if head == "" || fork == "" {
			return fmt.Errorf("merges %s, which is not a branch forked from another", n.merge)
		}
		for path, data := range h.nodes[head].files {
			if !bytes.Equal(data, h.nodes[fork].files[path]) {
				n.files[path] = data
			}
		}
		n.parents = append(n.parents, head)
		delete(heads, n.merge)
		return nil
	}
	return fmt.Errorf("has no tree, patch or merge")
}

// readInto adds the embedded files under dir to files.
func readInto(files map[string][]byte, dir string) error {
	return fs.WalkDir(reposFS, dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := reposFS.ReadFile(path)
		files[strings.TrimPrefix(path, dir+"/")] = data
		return err
	})
}

// reaches reports whether ancestor is id or in id's history.
func (h *history) reaches(id, ancestor string) bool {
	seen := map[string]bool{}
	stack := []string{id}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == ancestor {
			return true
		}
		if !seen[n] {
			seen[n] = true
			stack = append(stack, h.nodes[n].parents...)
		}
	}
	return false
}
