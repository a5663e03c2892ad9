// Package examples bundles a small example ecosystem: a stand-in
// market-data-core (Python, pydantic v2 DTOs and protocols) at several
// versions, and three downstream projects (pipeline, store, orchestrator)
// whose tests/contracts suites pin what they rely on from Core.
//
// The projects live under repos/<repo>/<tree>/ as plain files. Tree serves
// them by ref without git (the Dagger module builds directories from it);
// Materialize turns them into real git repos with deterministic commits,
// tags and branches, plus a matrix file naming them, for the host runner
// and the demo.
//
// Core's history (tags on the commits they name):
//
//	main:                   v1.1.0 ── v1.2.0
//	feature/health-details:                 └── health details (1.3.0.dev0)
//	release/2.x:                            └── v2.0.0
//
// v1.2.0 and feature/health-details only add optional fields and helpers;
// v2.0.0 makes FeedbackEvent reject unknown fields (breaking store, whose
// extended event Core-only consumers must parse) and renames
// RateAdjustment.scale_factor to scale (breaking pipeline). The health DTOs
// do not change, so orchestrator passes at every ref. Expected records this.
package examples

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// The files of every example repo. go:embed leaves out names starting with
// '_' or '.', so the packages' __init__.py files are named explicitly (and
// __pycache__ directories stay out).
//
//go:embed repos
//go:embed repos/*/*/src/*/__init__.py repos/*/*/tests/contracts/__init__.py
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
	// tree is the directory under repos/<repo>/ holding the commit's files.
	tree string
	// branch receives the commit; from is where the branch starts when it
	// does not exist yet ("" for the repo's first branch).
	branch, from string
	// tag, when set, is an annotated tag on the commit.
	tag     string
	message string
}

// histories are the commits of each repo, in the order they are made.
var histories = map[string][]commit{
	Core: {
		{tree: "v1.1.0", branch: "main", tag: "v1.1.0", message: "Release 1.1.0: telemetry DTOs and protocols"},
		{tree: "v1.2.0", branch: "main", tag: "v1.2.0", message: "Release 1.2.0: FeedbackEvent.trace_id, BackpressureLevel.from_utilization"},
		{tree: "feature-health-details", branch: "feature/health-details", from: "v1.2.0", message: "Health details: HealthComponent.latency_ms, HealthStatus.component()"},
		{tree: "v2.0.0", branch: "release/2.x", from: "v1.2.0", tag: "v2.0.0", message: "Release 2.0.0: strict FeedbackEvent, RateAdjustment.scale"},
	},
	Pipeline:     {{tree: "main", branch: "main", message: "Pipeline with Core contract tests"}},
	Store:        {{tree: "main", branch: "main", message: "Store with Core contract tests"}},
	Orchestrator: {{tree: "main", branch: "main", message: "Orchestrator with Core contract tests"}},
}

// broken lists, per Core tree, the downstreams whose contract suites fail
// against it. Every other pairing passes.
var broken = map[string][]string{
	"v2.0.0": {Pipeline, Store},
}

// Repos returns the example repos' names: Core first, then the downstreams.
func Repos() []string { return append([]string{Core}, Downstreams()...) }

// Downstreams returns the downstream repos' names in matrix order.
func Downstreams() []string { return []string{Pipeline, Store, Orchestrator} }

// Refs returns the refs of an example repo: its tags in history order, then
// its branches in the order they are created. Nil for an unknown repo.
func Refs(repo string) []string {
	var tags, branches []string
	seen := map[string]bool{}
	for _, c := range histories[repo] {
		if c.tag != "" {
			tags = append(tags, c.tag)
		}
		if !seen[c.branch] {
			seen[c.branch] = true
			branches = append(branches, c.branch)
		}
	}
	return append(tags, branches...)
}

// CoreRefs returns every ref of the example Core: v1.1.0, v1.2.0, v2.0.0,
// main, feature/health-details and release/2.x.
func CoreRefs() []string { return Refs(Core) }

// treeOf returns the tree a ref of repo names: a tag's commit, or a
// branch's last commit.
func treeOf(repo, ref string) (string, bool) {
	tree := ""
	for _, c := range histories[repo] {
		if ref != "" && (c.tag == ref || c.branch == ref) {
			tree = c.tree
		}
	}
	return tree, tree != ""
}

// Tree returns the files of an example repo at a ref (a tag or branch from
// Refs), as the repo's working tree would hold them after a checkout.
func Tree(repo, ref string) (fs.FS, error) {
	if _, ok := histories[repo]; !ok {
		return nil, fmt.Errorf("examples: no repo %q (have: %s)", repo, strings.Join(Repos(), ", "))
	}
	tree, ok := treeOf(repo, ref)
	if !ok {
		return nil, fmt.Errorf("examples: %s has no ref %q (have: %s)", repo, ref, strings.Join(Refs(repo), ", "))
	}
	return fs.Sub(reposFS, "repos/"+repo+"/"+tree)
}

// Expected returns the verdict ("passed" or "failed") each downstream's
// contract suite gets when run against Core at coreRef, as checked by this
// package's tests with real pytest. Nil for a ref Core does not have.
func Expected(coreRef string) map[string]string {
	tree, ok := treeOf(Core, coreRef)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, d := range Downstreams() {
		out[d] = string(outcome.Passed)
	}
	for _, d := range broken[tree] {
		out[d] = string(outcome.Failed)
	}
	return out
}
