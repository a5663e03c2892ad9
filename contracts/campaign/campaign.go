// Package campaign plans one invocation of the tool: every candidate Core
// ref (times every Python), plus an optional baseline Core, each a
// plan.Plan over the same matrix; and after the runner has run them, it
// assembles the outcomes, with baseline comparisons, into a report.Result.
//
// Both the host CLI and the Dagger module go through it, so a compatibility
// matrix or a regression run means the same thing everywhere.
package campaign

import (
	"context"
	"fmt"
	"sync"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Python is one interpreter of a run: Label shows in reports ("3.11"),
// Interpreter identifies it for cache keys (path and version, or image).
type Python struct {
	// Label names the interpreter in reports (its version, "3.11.7").
	Label string `json:"label"`
	// Interpreter identifies it for cache keys (path, version, options).
	Interpreter string `json:"interpreter"`
	// Path is what the runner starts (host: a command or path; Dagger: unused).
	Path string `json:"path"`
}

// Spec is what the user asked for.
type Spec struct {
	// CoreRefs are the candidate refs; empty means the matrix's core.ref.
	CoreRefs []string
	// CoreSource is a local Core working copy used instead of refs.
	CoreSource string
	// BaselineRef, if set, is run too and every candidate is compared with it.
	BaselineRef string
	// Pythons are the interpreters; at least one.
	Pythons []Python
	// PipArgs go to every pip install.
	PipArgs []string
}

// Entry is one plan of the campaign.
type Entry struct {
	// Label names the entry's workspace, logs and report directory: a safe
	// directory name made from the Core ref and, with several Pythons, the
	// Python label.
	Label string `json:"label"`
	// Python is the interpreter the plan was made for.
	Python Python `json:"python"`
	// Baseline marks the baseline entry of its Python.
	Baseline bool `json:"baseline"`
	// Plan is the plan itself.
	Plan *plan.Plan `json:"plan"`
}

// Plan builds every entry: for each Python, the baseline first (if any),
// then each candidate.
func Plan(ctx context.Context, m *matrix.Matrix, spec Spec, r plan.Resolver) ([]Entry, error) {
	if len(spec.Pythons) == 0 {
		return nil, fmt.Errorf("campaign: no Python given")
	}
	candidates := spec.CoreRefs
	if len(candidates) == 0 && spec.CoreSource == "" {
		candidates = []string{m.Core.Ref}
	}
	if spec.CoreSource != "" {
		candidates = []string{""}
	}
	r = &memo{r: r, shas: map[string]memoized{}}
	var out []Entry
	used := map[string]bool{}
	add := func(e Entry) {
		e.Label = unique(e.Label, used)
		out = append(out, e)
	}
	for _, py := range spec.Pythons {
		if spec.BaselineRef != "" {
			e, err := entry(ctx, m, spec, py, spec.BaselineRef, "", true, r)
			if err != nil {
				return nil, err
			}
			add(e)
		}
		for _, ref := range candidates {
			e, err := entry(ctx, m, spec, py, ref, spec.CoreSource, false, r)
			if err != nil {
				return nil, err
			}
			add(e)
		}
	}
	return out, nil
}

func entry(ctx context.Context, m *matrix.Matrix, spec Spec, py Python, ref, source string, baseline bool, r plan.Resolver) (Entry, error) {
	p, err := plan.Build(ctx, m, plan.Options{CoreRef: ref, CoreSource: source, PipArgs: spec.PipArgs, Interpreter: py.Interpreter}, r)
	if err != nil {
		return Entry{}, err
	}
	label := report.SafeName(p.Core.Ref)
	if baseline {
		label = "baseline-" + label
	}
	if len(spec.Pythons) > 1 {
		label += "-py" + report.SafeName(py.Label)
	}
	return Entry{Label: label, Python: py, Baseline: baseline, Plan: p}, nil
}

// unique returns label, or label-2, label-3, ... if it is already used.
func unique(label string, used map[string]bool) string {
	out := label
	for n := 2; used[out]; n++ {
		out = fmt.Sprintf("%s-%d", label, n)
	}
	used[out] = true
	return out
}

// memo resolves each (repo, ref) once per campaign, so every entry (the
// baseline and each candidate) tests the same downstream commits even if a
// branch moves while planning, and each repo is fetched once per ref.
type memo struct {
	r    plan.Resolver
	mu   sync.Mutex
	shas map[string]memoized
}

type memoized struct {
	sha string
	err error
}

// Resolve implements plan.Resolver.
func (m *memo) Resolve(ctx context.Context, repo, ref string) (string, error) {
	key := repo + "\x00" + ref
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.shas[key]; ok {
		return v.sha, v.err
	}
	sha, err := m.r.Resolve(ctx, repo, ref)
	m.shas[key] = memoized{sha, err}
	return sha, err
}
