package bisect

import (
	"context"
	"fmt"
	"slices"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// downstreamSearch is one downstream's bisection in progress: its
// regressed tests in groups, each group searched first along the
// first-parent path, then, when its first bad commit there is a merge,
// inside the pull request it merged.
type downstreamSearch struct {
	name string
	// good is the suite's outcome at good: what every probe is compared
	// with; goodCommit is the good end.
	good       outcome.Suite
	goodCommit Commit
	// commits is the first-parent path; its last commit is bad.
	commits []Commit
	// regressed are the tests broken at bad, in its report order.
	regressed []string
	// at holds every probe of this downstream by commit SHA, bad's
	// outcome included: a commit is probed once, whichever group asks.
	at     map[string]probe
	groups []*group
	// probes counts the probes run; skipped collects untestable commits.
	probes  int
	skipped []Commit
}

func newDownstreamSearch(name string, good outcome.Suite, goodCommit Commit, commits []Commit, atBad probe) *downstreamSearch {
	s := &downstreamSearch{name: name, good: good, goodCommit: goodCommit, commits: commits, at: map[string]probe{}}
	atBad.commit = commits[len(commits)-1]
	s.at[atBad.commit.SHA] = atBad
	for _, c := range atBad.suite.Cases {
		if _, ok := atBad.broken[c.ID()]; ok && !slices.Contains(s.regressed, c.ID()) {
			s.regressed = append(s.regressed, c.ID())
		}
	}
	for _, id := range sortedKeys(atBad.broken) { // hidden by a collection error
		if !slices.Contains(s.regressed, id) {
			s.regressed = append(s.regressed, id)
		}
	}
	s.groups = []*group{{tests: s.regressed, search: newSearch(commits)}}
	return s
}

// group is a set of regressed tests searched together: every probe so far
// found them all broken or all not broken. They are broken at commits[hi]
// and not at commits[lo] (or before the list).
type group struct {
	tests []string
	*search
	// fp is the first-parent search the group finished before descending
	// into the pull request of merge (both nil until it descends).
	fp    *search
	merge *Commit
	done  bool
	// note says why the search stopped short of descending (a merge's
	// pull request could not be listed).
	note string
}

// clone copies g with its own search state.
func (g *group) clone() *group {
	c := *g
	s := *g.search
	s.skipped = make(map[int]bool, len(g.skipped))
	for i, v := range g.skipped {
		s.skipped[i] = v
	}
	c.search = &s
	return &c
}

// split moves g by p, a probe of a commit inside its open interval: the
// tests broken there keep it as their first bad commit so far, the others
// start after it (or, when the suite did not run, skip it). A group whose
// tests part ways becomes two, the earlier one first.
func (g *group) split(p probe) []*group {
	i := slices.IndexFunc(g.commits, func(c Commit) bool { return c.SHA == p.commit.SHA })
	if i <= g.lo || i >= g.hi || g.skipped[i] {
		return []*group{g}
	}
	var broken, rest []string
	for _, t := range g.tests {
		if _, ok := p.broken[t]; ok {
			broken = append(broken, t)
		} else {
			rest = append(rest, t)
		}
	}
	var out []*group
	if len(broken) > 0 {
		b := g
		if len(rest) > 0 {
			b = g.clone()
		}
		b.tests, b.hi = broken, i
		out = append(out, b)
	}
	if len(rest) > 0 {
		a := isGood
		if !p.ran {
			a = isSkip
		}
		g.tests = rest
		g.record(i, a)
		out = append(out, g)
	}
	return out
}

// runner drives every downstream's search in rounds: each round, every
// group still searching asks for one commit, a commit some probe already
// answered for its downstream is answered from that probe, and the
// requests for the same commit become one Request.
type runner struct {
	h      History
	p      Prober
	opts   Options
	merges map[string][]Commit
}

func (r *runner) run(ctx context.Context, searches []*downstreamSearch) error {
	for {
		reqs, asked := r.round(ctx, searches)
		if len(reqs) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("bisection interrupted: %w", err)
		}
		outs := r.p.Probe(ctx, reqs)
		for i, req := range reqs {
			for j, name := range req.Downstreams {
				var got outcome.Suite
				if i < len(outs) && j < len(outs[i]) {
					got = outs[i][j]
				} else {
					got = outcome.Suite{Name: name, Verdict: outcome.Error, Reason: "the prober returned no outcome"}
				}
				asked[name].record(req.Commit, got)
			}
		}
	}
}

// round collects this round's requests: one per commit, naming every
// downstream that asks for it.
func (r *runner) round(ctx context.Context, searches []*downstreamSearch) ([]Request, map[string]*downstreamSearch) {
	var reqs []Request
	bySHA := map[string]int{}
	asked := map[string]*downstreamSearch{}
	for _, s := range searches {
		for _, c := range r.wanted(ctx, s) {
			i, seen := bySHA[c.SHA]
			if !seen {
				i = len(reqs)
				bySHA[c.SHA] = i
				reqs = append(reqs, Request{Commit: c})
			}
			reqs[i].Downstreams = append(reqs[i].Downstreams, s.name)
			asked[s.name] = s
		}
	}
	return reqs, asked
}

// wanted are the commits s's groups ask for next, each once; a commit s
// already probed is answered from that probe first.
func (r *runner) wanted(ctx context.Context, s *downstreamSearch) []Commit {
	for {
		var want []Commit
		answered := false
		for _, g := range s.groups {
			c, ok := r.next(ctx, g)
			if !ok {
				continue
			}
			if p, ok := s.at[c.SHA]; ok {
				s.apply(p)
				answered = true
				break
			}
			if !slices.ContainsFunc(want, func(w Commit) bool { return w.SHA == c.SHA }) {
				want = append(want, c)
			}
		}
		if !answered {
			return want
		}
	}
}

// next is the commit g wants probed, descending into a culprit merge when
// asked to; false when g is done.
func (r *runner) next(ctx context.Context, g *group) (Commit, bool) {
	for !g.done {
		if i, ok := g.search.next(); ok {
			return g.commits[i], true
		}
		if !r.descend(ctx, g) {
			g.done = true
		}
	}
	return Commit{}, false
}

// descend restarts g inside the pull request of the merge it found, if it
// found one exactly and has not descended yet; the merge itself stays the
// known bad end, so a pull request whose own commits all pass leaves the
// merge as the culprit. The pull request is listed once per merge.
func (r *runner) descend(ctx context.Context, g *group) bool {
	if !r.opts.Descend || g.merge != nil || !g.exact() || !g.commits[g.hi].IsMerge() {
		return false
	}
	merge := g.commits[g.hi]
	inner, ok := r.merges[merge.SHA]
	if !ok {
		var err error
		if inner, err = merged(ctx, r.h, merge.SHA); err != nil {
			g.note = fmt.Sprintf("the pull request of %s could not be listed (%v): the merge is the answer", merge.Short, err)
			inner = nil
		}
		r.merges[merge.SHA] = inner
	}
	if len(inner) == 0 {
		return false
	}
	g.fp, g.merge = g.search, &merge
	g.search = newSearch(append(append([]Commit(nil), inner...), merge))
	return true
}

// record keeps a probe's outcome at c and moves every group by it.
func (s *downstreamSearch) record(c Commit, got outcome.Suite) {
	s.probes++
	p := classify(s.good, got)
	p.commit = c
	s.at[c.SHA] = p
	if len(p.broken) == 0 && !p.ran {
		s.skipped = append(s.skipped, c)
	}
	s.apply(p)
}

// apply moves every group whose open interval holds p's commit.
func (s *downstreamSearch) apply(p probe) {
	var out []*group
	for _, g := range s.groups {
		out = append(out, g.split(p)...)
	}
	s.groups = out
}
