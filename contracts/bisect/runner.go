package bisect

import (
	"context"
	"fmt"

	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// downstreamSearch is one downstream's bisection in progress: first along
// the first-parent path, then, when the culprit there is a merge, inside
// the pull request it merged.
type downstreamSearch struct {
	name string
	// good is the suite's outcome at good: what every probe is compared with.
	good outcome.Suite
	*search
	// merge is set once the search descended into that merge.
	merge *Commit
	// probes counts the probes run; skipped collects untestable commits.
	probes  int
	skipped []Commit
	// broken and probe are the breaking cases and the outcome at the first
	// bad commit found so far, commits[hi] (bad itself to begin with): a
	// bad probe always moves hi down to it.
	broken []compare.Case
	probe  *outcome.Suite
	done   bool
	// note says why the search stopped short of descending (a merge's
	// pull request could not be listed).
	note string
}

// runner drives every downstream's search in rounds: each round, every
// search still going asks for one commit; the requests for the same
// commit become one Request.
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
				s := asked[name]
				var got outcome.Suite
				if i < len(outs) && j < len(outs[i]) {
					got = outs[i][j]
				} else {
					got = outcome.Suite{Name: name, Verdict: outcome.Error, Reason: "the prober returned no outcome"}
				}
				s.recordProbe(req.Commit, got)
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
		c, ok := r.next(ctx, s)
		if !ok {
			continue
		}
		i, seen := bySHA[c.SHA]
		if !seen {
			i = len(reqs)
			bySHA[c.SHA] = i
			reqs = append(reqs, Request{Commit: c})
		}
		reqs[i].Downstreams = append(reqs[i].Downstreams, s.name)
		asked[s.name] = s
	}
	return reqs, asked
}

// next is the commit s wants probed, descending into a culprit merge when
// asked to; false when s is done.
func (r *runner) next(ctx context.Context, s *downstreamSearch) (Commit, bool) {
	for !s.done {
		if i, ok := s.search.next(); ok {
			return s.commits[i], true
		}
		if !r.descend(ctx, s) {
			s.done = true
		}
	}
	return Commit{}, false
}

// descend restarts s inside the pull request of the merge it found, if it
// found one exactly and has not descended yet; the merge itself stays the
// known bad end, so a pull request whose own commits all pass leaves the
// merge as the culprit.
func (r *runner) descend(ctx context.Context, s *downstreamSearch) bool {
	if !r.opts.Descend || s.merge != nil || !s.exact() || !s.commits[s.hi].IsMerge() {
		return false
	}
	merge := s.commits[s.hi]
	inner, ok := r.merges[merge.SHA]
	if !ok {
		var err error
		if inner, err = merged(ctx, r.h, merge.SHA); err != nil {
			s.note = fmt.Sprintf("the pull request of %s could not be listed (%v): the merge is the answer", merge.Short, err)
			inner = nil
		}
		r.merges[merge.SHA] = inner
	}
	if len(inner) == 0 {
		return false
	}
	s.merge = &merge
	s.search = newSearch(append(append([]Commit(nil), inner...), merge))
	return true
}

// recordProbe classifies a probe's outcome and moves the search.
func (s *downstreamSearch) recordProbe(c Commit, got outcome.Suite) {
	s.probes++
	a, broken := classify(s.good, got)
	i := -1
	for k := range s.commits {
		if s.commits[k].SHA == c.SHA {
			i = k
		}
	}
	if i < 0 {
		return
	}
	s.record(i, a)
	switch a {
	case isBad:
		s.broken, s.probe = broken, &got
	case isSkip:
		s.skipped = append(s.skipped, c)
	}
}

// result is the downstream's answer once its search is over.
func (s *downstreamSearch) result() Downstream {
	d := Downstream{Name: s.name, Probes: s.probes, Skipped: s.skipped, Merge: s.merge, LastGood: s.lastGood()}
	if d.LastGood == nil && s.merge != nil && len(s.commits[0].Parents) > 0 {
		// Inside a pull request: the commit it forked from.
		fork := s.commits[0].Parents[0]
		d.LastGood = &Commit{SHA: fork, Short: fork[:min(7, len(fork))]}
	}
	end := s.commits[s.hi]
	d.Broken, d.Probe = s.broken, s.probe
	if s.exact() {
		d.Status, d.Culprit, d.Reason = Found, &end, s.note
		if s.merge != nil && end.SHA == s.merge.SHA {
			d.Merge = nil // the merge itself: its pull request's commits all pass
		}
		return d
	}
	d.Status, d.Range = Range, s.candidates()
	d.Reason = fmt.Sprintf("commits that could not be tested hide it: the first bad commit is one of these %d", len(d.Range))
	return d
}
