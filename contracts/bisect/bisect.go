// Package bisect names the Core commit that broke each downstream: given
// the downstreams' outcomes at a good and a bad Core ref, it searches the
// commits on the first-parent path between them (a merge commit stands
// for its pull request), then, when the culprit is a merge, the commits
// that merge brought in.
//
// A probe asks one question: does any test that passed at good fail at
// this commit (a regression, as package compare classifies it, the
// collection-error rule included)? A test already failing at good never
// moves the search. A commit where Core cannot be built or installed, or
// the suite cannot run, is skipped, like git bisect skip; the answer is
// then a range. Probes for different downstreams at the same commit are
// one Request, so runners build that Core once and run the suites side by
// side; the runners (host CLI, Dagger module) only execute probes.
package bisect

import (
	"context"
	"fmt"
	"slices"

	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// Request asks a Prober to run the named downstreams' contract suites
// against Core at one commit.
type Request struct {
	// Commit is the Core commit to test.
	Commit Commit
	// Downstreams are the suites to run, by name.
	Downstreams []string
}

// Prober runs probes: for each request, its downstreams' suites against
// Core at its commit, reusing the downstream environments already built.
// It returns the outcomes in request order, one per downstream name, in
// the request's order.
type Prober interface {
	Probe(ctx context.Context, reqs []Request) [][]outcome.Suite
}

// Endpoint is the good or the bad end of the bisection.
type Endpoint struct {
	// Ref is the ref as given; Commit what it resolved to.
	Ref    string `json:"ref"`
	Commit Commit `json:"commit"`
}

// Status is what the bisection found for one downstream.
type Status string

// The statuses.
const (
	// Found: the first bad commit is known exactly.
	Found Status = "found"
	// Range: commits that could not be tested hide it: the first bad commit
	// is one of Range.
	Range Status = "range"
	// NotBroken: no test that passed at good fails at bad.
	NotBroken Status = "not-broken"
	// AlreadyBroken: the suite fails at good already, and bad adds no
	// regression: there is nothing to bisect.
	AlreadyBroken Status = "already-broken"
	// CannotRun: the suite could not run at good or at bad (Reason says
	// which): there is no comparison to bisect.
	CannotRun Status = "cannot-run"
)

// Bisected reports whether s is an answer (Found or Range).
func (s Status) Bisected() bool { return s == Found || s == Range }

// Downstream is the bisection of one downstream.
type Downstream struct {
	// Name is the downstream's name.
	Name string `json:"name"`
	// Status is what was found; Reason explains the statuses without a
	// culprit.
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Culprit is the first bad commit (Found).
	Culprit *Commit `json:"culprit,omitempty"`
	// Merge is the merge commit (the pull request) on the first-parent path
	// that brought Culprit or Range in, when the search descended into it.
	Merge *Commit `json:"merge,omitempty"`
	// Range are the candidates, oldest first (Range).
	Range []Commit `json:"range,omitempty"`
	// LastGood is the last commit known good before the culprit (nil: the
	// good end itself).
	LastGood *Commit `json:"last_good,omitempty"`
	// Broken are the tests the culprit (or the range's bad end) broke: the
	// breaking cases against good, with their messages.
	Broken []compare.Case `json:"broken,omitempty"`
	// Probes counts the commits probed for this downstream (the runs at
	// good and bad not included).
	Probes int `json:"probes"`
	// Skipped are the commits that could not be tested.
	Skipped []Commit `json:"skipped,omitempty"`
	// Probe is the suite's outcome at the culprit (or the range's bad end),
	// for its JUnit report; Report is that report's path in the reports
	// directory (set when reports are written).
	Probe  *outcome.Suite `json:"-"`
	Report string         `json:"report,omitempty"`
}

// Result is a whole bisection.
type Result struct {
	// Good and Bad are the ends.
	Good Endpoint `json:"good"`
	Bad  Endpoint `json:"bad"`
	// Commits counts good..bad; FirstParent those on the first-parent path.
	Commits     int `json:"commits"`
	FirstParent int `json:"first_parent"`
	// Downstreams are the per-downstream answers, in matrix order.
	Downstreams []Downstream `json:"downstreams"`
	// Error says why the search failed (Failed); empty when it ran.
	Error string `json:"error,omitempty"`
}

// Failed is the result of a bisection whose search could not run (its
// history could not be read, or it was interrupted): no downstream is
// bisected and Error says why.
func Failed(good, bad Endpoint, err error) *Result {
	return &Result{Good: good, Bad: bad, Downstreams: []Downstream{}, Error: err.Error()}
}

// Culprits counts the downstreams bisected to a commit or a range.
func (r *Result) Culprits() int {
	n := 0
	for _, d := range r.Downstreams {
		if d.Status.Bisected() {
			n++
		}
	}
	return n
}

// Options shape a bisection.
type Options struct {
	// Descend searches inside a culprit merge's pull request.
	Descend bool
}

// Run bisects good..bad for every downstream: atGood and atBad are the
// suites' outcomes at good and bad (a baseline run and a candidate run of
// the same downstream commits); those that regress are searched with
// probes from p over the history h holds.
//
// Along bad's first-parent path, the commits not in good's history are
// searched; the one before the oldest of them is in good's history and
// counts as good. Call Check first: Run fails on a range Check refuses.
func Run(ctx context.Context, h History, p Prober, good, bad Endpoint, atGood, atBad []outcome.Suite, opts Options) (*Result, error) {
	if err := Check(ctx, h, good, bad); err != nil {
		return nil, err
	}
	commits, err := firstParent(ctx, h, good.Commit.SHA, bad.Commit.SHA)
	if err != nil {
		return nil, fmt.Errorf("history %s..%s: %w", good.Ref, bad.Ref, err)
	}
	if len(commits) == 0 || commits[len(commits)-1].SHA != bad.Commit.SHA {
		return nil, fmt.Errorf("history %s..%s: git listed no first-parent path ending at %s", good.Ref, bad.Ref, bad.Commit.Short)
	}
	if good.Commit, err = describe(ctx, h, good.Commit); err != nil {
		return nil, fmt.Errorf("history %s: %w", good.Ref, err)
	}
	all, err := h.Git(ctx, CountArgs(good.Commit.SHA, bad.Commit.SHA))
	if err != nil {
		return nil, fmt.Errorf("history %s..%s: %w", good.Ref, bad.Ref, err)
	}
	bad.Commit = commits[len(commits)-1]
	res := &Result{Good: good, Bad: bad, Commits: count(all), FirstParent: len(commits)}
	var searches []*downstreamSearch
	for i, b := range atBad {
		d, s := confirm(atGood[i], b, commits)
		res.Downstreams = append(res.Downstreams, d)
		if s != nil {
			searches = append(searches, s)
		}
	}
	r := runner{h: h, p: p, opts: opts, merges: map[string][]Commit{}}
	if err := r.run(ctx, searches); err != nil {
		return nil, err
	}
	for _, s := range searches {
		i := slices.IndexFunc(res.Downstreams, func(d Downstream) bool { return d.Name == s.name })
		res.Downstreams[i] = s.result()
	}
	return res, nil
}

// confirm classifies a downstream from its outcomes at good and bad, and
// starts a search when bad regresses.
func confirm(good, bad outcome.Suite, commits []Commit) (Downstream, *downstreamSearch) {
	d := Downstream{Name: bad.Name}
	a, broken := classify(good, bad)
	switch {
	case !good.Verdict.Ran():
		d.Status, d.Reason = CannotRun, fmt.Sprintf("could not run at good (%s): %s", good.Verdict, good.Reason)
	case a == isSkip:
		d.Status, d.Reason = CannotRun, fmt.Sprintf("could not run at bad (%s): %s", bad.Verdict, bad.Reason)
	case a == isGood && good.Verdict != outcome.Passed:
		d.Status, d.Reason = AlreadyBroken, "already failing at good; no test that passed there fails at bad"
	case a == isGood:
		d.Status, d.Reason = NotBroken, "no test that passed at good fails at bad"
	default:
		s := &downstreamSearch{name: bad.Name, good: good, search: newSearch(commits), broken: broken}
		badOutcome := bad
		s.probe = &badOutcome
		return d, s
	}
	return d, nil
}

// classify answers a probe: bad when a case (or the suite) regressed
// against good, skip when the suite could not run its tests and nothing
// regressed, good otherwise.
func classify(good, probe outcome.Suite) (answer, []compare.Case) {
	cmp := compare.Compare([]outcome.Suite{good}, []outcome.Suite{probe})[0]
	breaking := cmp.Breaking()
	switch {
	case len(breaking) > 0:
		return isBad, breaking
	case !probe.Verdict.Ran():
		return isSkip, nil
	}
	return isGood, nil
}
