// Package bisect names, for each downstream, every Core commit that broke
// some of its contract tests, and which tests each one broke: given the
// downstreams' outcomes at a good and a bad Core ref, every test that
// passes at good and is broken at bad (a regression, as package compare
// classifies it, the collection-error rule included) is attributed to the
// first commit at which it breaks. The search runs along the first-parent
// path between good and bad (a merge commit stands for its pull request),
// then, when a culprit is a merge, among the commits that merge brought in.
//
// Tests are searched in groups: all of a downstream's regressed tests
// start as one group, and a probe that finds some of a group's tests
// broken and the others not splits it, so each culprit is found by its own
// binary search while one probe (a whole suite at one commit) answers for
// every test of that suite and every group it falls in. A test already
// failing at good never moves a search. A commit where Core cannot be
// built or installed, or the suite cannot run, is skipped, like git bisect
// skip; the answer is then a range. A test that probes see broken and then
// not broken again later in history flips: it is reported with the commits
// seen, never attributed. Probes for different downstreams at the same
// commit are one Request, so runners build that Core once and run the
// suites side by side; the runners (host CLI, Dagger module) only execute
// probes.
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

// Status is what the bisection found for one downstream, or for one of
// its culprits (Found or Range).
type Status string

// The statuses.
const (
	// Found: the first bad commit is known exactly (for a downstream:
	// every culprit's).
	Found Status = "found"
	// Range: commits that could not be tested hide it: the first bad commit
	// is one of Range (for a downstream: some culprit is a range).
	Range Status = "range"
	// Flipping: every regressed test flips inside the range (broken at one
	// probe, not broken at a later one): no commit is named; Flips says
	// what the probes saw.
	Flipping Status = "flipping"
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

// Culprit is one commit (or range of commits) that broke some of a
// downstream's tests, and the tests it broke.
type Culprit struct {
	// Status is Found or Range.
	Status Status `json:"status"`
	// Commit is the first bad commit (Found).
	Commit *Commit `json:"commit,omitempty"`
	// Merge is the merge commit (the pull request) on the first-parent path
	// that brought Commit or Range in, when the search descended into it.
	Merge *Commit `json:"merge,omitempty"`
	// Range are the candidates, oldest first (Range).
	Range []Commit `json:"range,omitempty"`
	// LastGood is the last commit known good for these tests before the
	// culprit (nil: the good end itself).
	LastGood *Commit `json:"last_good,omitempty"`
	// Reason says why a Range is one, or why a merge stayed the answer.
	Reason string `json:"reason,omitempty"`
	// Broken are the tests it broke: their breaking cases against good at
	// the culprit (the range's last commit), with their messages, in the
	// bad run's report order.
	Broken []compare.Case `json:"broken"`
	// Probe is the suite's outcome at the culprit (the range's last commit),
	// for its JUnit report; Report is that report's path in the reports
	// directory (set when reports are written).
	Probe  *outcome.Suite `json:"-"`
	Report string         `json:"report,omitempty"`
}

// End is the commit whose probe shows the culprit's tests broken: the
// culprit, or a range's last commit.
func (c Culprit) End() Commit {
	if c.Commit != nil {
		return *c.Commit
	}
	return c.Range[len(c.Range)-1]
}

// Flip is a test the probes saw broken at one commit and not broken at a
// later one: it is not attributed to any commit.
type Flip struct {
	// ID is the test (classname::name).
	ID string `json:"id"`
	// Regressed says whether it is broken at bad (a regression no commit
	// is named for) or passes there (broken and fixed again inside the
	// range).
	Regressed bool `json:"regressed"`
	// Seen are the commits it was seen at, good and bad included, in
	// history order.
	Seen []Sighting `json:"seen"`
}

// Sighting is a test's state at one commit.
type Sighting struct {
	Commit Commit `json:"commit"`
	// Broken: it failed there and passed at good.
	Broken bool `json:"broken"`
}

// Downstream is the bisection of one downstream.
type Downstream struct {
	// Name is the downstream's name.
	Name string `json:"name"`
	// Status is what was found; Reason explains the statuses without a
	// culprit.
	Status Status `json:"status"`
	Reason string `json:"reason,omitempty"`
	// Culprits are the commits (or ranges) that broke its tests, oldest
	// first; every regressed test that does not flip is in exactly one.
	Culprits []Culprit `json:"culprits,omitempty"`
	// Flips are the tests the probes saw flip, in the bad run's order.
	Flips []Flip `json:"flips,omitempty"`
	// Probes counts the commits probed for this downstream (the runs at
	// good and bad not included).
	Probes int `json:"probes"`
	// Skipped are the commits that could not be tested.
	Skipped []Commit `json:"skipped,omitempty"`
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

// Culprits counts the culprits (commits and ranges) found over every
// downstream.
func (r *Result) Culprits() int {
	n := 0
	for _, d := range r.Downstreams {
		n += len(d.Culprits)
	}
	return n
}

// MaxProbes is the most probes a bisection of commits commits, firstParent
// of them on the first-parent path, takes for a downstream with k culprits
// when no commit must be skipped and no test flips: per culprit, a search
// of the first-parent path, then of the pull request of a culprit merge
// (at most the commits off that path), and 2 more:
// k x (ceil(log2 firstParent) + ceil(log2 (commits-firstParent+1)) + 2).
// On a linear history that is k x (ceil(log2 n) + 2).
func MaxProbes(k, firstParent, commits int) int {
	return k * (ceilLog2(firstParent) + ceilLog2(commits-firstParent+1) + 2)
}

// ceilLog2 is the smallest l with 2^l >= n (0 for n <= 1).
func ceilLog2(n int) int {
	l := 0
	for 1<<l < n {
		l++
	}
	return l
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
	res := &Result{Good: good, Bad: bad, Commits: count(all), FirstParent: len(commits), Downstreams: []Downstream{}}
	var searches []*downstreamSearch
	for i, b := range atBad {
		d, s := confirm(atGood[i], b, good.Commit, commits)
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
func confirm(good, bad outcome.Suite, goodCommit Commit, commits []Commit) (Downstream, *downstreamSearch) {
	d := Downstream{Name: bad.Name}
	at := classify(good, bad)
	switch {
	case !good.Verdict.Ran():
		d.Status, d.Reason = CannotRun, fmt.Sprintf("could not run at good (%s): %s", good.Verdict, good.Reason)
	case len(at.broken) == 0 && !at.ran:
		d.Status, d.Reason = CannotRun, fmt.Sprintf("could not run at bad (%s): %s", bad.Verdict, bad.Reason)
	case len(at.broken) == 0 && good.Verdict != outcome.Passed:
		d.Status, d.Reason = AlreadyBroken, "already failing at good; no test that passed there fails at bad"
	case len(at.broken) == 0:
		d.Status, d.Reason = NotBroken, "no test that passed at good fails at bad"
	default:
		return d, newDownstreamSearch(bad.Name, good, goodCommit, commits, at)
	}
	return d, nil
}

// probe is what a suite's outcome at one commit says, against good.
type probe struct {
	commit Commit
	suite  outcome.Suite
	// ran: the suite ran its tests (a test not broken there passed).
	ran bool
	// broken are the breaking cases against good, by test id.
	broken map[string]compare.Case
}

// classify compares a suite's outcome at a commit with its outcome at
// good: the tests broken there (regressed, the collection-error rule
// included, or new and failing), and whether the suite ran.
func classify(good, got outcome.Suite) probe {
	cmp := compare.Compare([]outcome.Suite{good}, []outcome.Suite{got})[0]
	p := probe{suite: got, ran: got.Verdict.Ran(), broken: map[string]compare.Case{}}
	for _, c := range cmp.Breaking() {
		p.broken[c.ID] = c
	}
	return p
}
