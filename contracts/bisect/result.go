package bisect

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// result is the downstream's answer once every group's search is over:
// one culprit per first bad commit (or range) the groups ended at, with
// the tests that do not flip, oldest first.
func (s *downstreamSearch) result() Downstream {
	d := Downstream{Name: s.name, Probes: s.probes, Skipped: s.skipped, Flips: s.flips()}
	flipped := map[string]bool{}
	for _, f := range d.Flips {
		flipped[f.ID] = true
	}
	type found struct {
		culprit Culprit
		pos     [2]int
		tests   map[string]bool
	}
	var all []*found
	byEnd := map[string]*found{}
	for _, g := range s.groups {
		c := s.culprit(g)
		key := string(c.Status) + " " + c.End().SHA
		for _, t := range g.tests {
			if flipped[t] {
				continue
			}
			f := byEnd[key]
			if f == nil {
				f = &found{culprit: c, pos: g.position(), tests: map[string]bool{}}
				byEnd[key] = f
				all = append(all, f)
			}
			f.tests[t] = true
		}
	}
	slices.SortStableFunc(all, func(a, b *found) int {
		return cmp.Or(cmp.Compare(a.pos[0], b.pos[0]), cmp.Compare(a.pos[1], b.pos[1]))
	})
	for _, f := range all {
		at := s.at[f.culprit.End().SHA]
		for _, t := range s.regressed {
			if f.tests[t] {
				f.culprit.Broken = append(f.culprit.Broken, at.broken[t])
			}
		}
		d.Culprits = append(d.Culprits, f.culprit)
	}
	switch {
	case len(d.Culprits) == 0:
		d.Status, d.Reason = Flipping, "every test that regressed flips between good and bad: no commit is named (see the flips)"
	case slices.ContainsFunc(d.Culprits, func(c Culprit) bool { return c.Status == Range }):
		d.Status = Range
	default:
		d.Status = Found
	}
	return d
}

// culprit is the answer of g's finished search, without its tests.
func (s *downstreamSearch) culprit(g *group) Culprit {
	end := g.commits[g.hi]
	at := s.at[end.SHA]
	c := Culprit{Merge: g.merge, LastGood: g.lastGood(), Probe: &at.suite}
	if c.LastGood == nil && g.merge != nil && len(g.commits[0].Parents) > 0 {
		// Inside a pull request: the commit it forked from.
		fork := g.commits[0].Parents[0]
		c.LastGood = &Commit{SHA: fork, Short: fork[:min(7, len(fork))]}
	}
	if g.exact() {
		c.Status, c.Commit, c.Reason = Found, &end, g.note
		if g.merge != nil && end.SHA == g.merge.SHA {
			c.Merge = nil // the merge itself: its pull request's commits pass
		}
		return c
	}
	c.Status, c.Range = Range, g.candidates()
	c.Reason = fmt.Sprintf("commits that could not be tested hide it: the first bad commit is one of these %d", len(c.Range))
	return c
}

// position orders g's answer in history: its first-parent commit, then
// its place inside that merge's pull request (before the merge).
func (g *group) position() [2]int {
	if g.fp != nil {
		return [2]int{g.fp.hi, g.hi - len(g.commits)}
	}
	return [2]int{g.hi, 0}
}

// flips are the tests the probes saw broken at one commit and not broken
// at a later one on the same line of history (the first-parent path, or a
// pull request up to its merge), and the tests broken somewhere that pass
// at bad; regressed ones first, in the bad run's order.
func (s *downstreamSearch) flips() []Flip {
	chains := s.chains()
	regressed := map[string]bool{}
	for _, id := range s.regressed {
		regressed[id] = true
	}
	var out []Flip
	for _, id := range s.tested() {
		flips := false
		for _, chain := range chains {
			flips = flips || s.flipsIn(chain, id)
		}
		if !flips && regressed[id] {
			continue
		}
		f := Flip{ID: id, Regressed: regressed[id]}
		for _, c := range s.historyOrder(chains) {
			if broken, known := s.state(c, id); known {
				f.Seen = append(f.Seen, Sighting{Commit: c, Broken: broken})
			}
		}
		out = append(out, f)
	}
	return out
}

// tested are the regressed tests, then every other test some probe saw
// broken (one that passes at bad: it broke and was fixed again).
func (s *downstreamSearch) tested() []string {
	out := slices.Clone(s.regressed)
	var others []string
	for _, p := range s.at {
		for id := range p.broken {
			if !slices.Contains(out, id) && !slices.Contains(others, id) {
				others = append(others, id)
			}
		}
	}
	slices.Sort(others)
	return append(out, others...)
}

// chains are the lines of history the probes are ordered on: the good end
// and the first-parent path, then each pull request a group descended
// into, up to its merge.
func (s *downstreamSearch) chains() [][]Commit {
	out := [][]Commit{append([]Commit{s.goodCommit}, s.commits...)}
	seen := map[string]bool{}
	for _, g := range s.groups {
		if g.merge != nil && !seen[g.merge.SHA] {
			seen[g.merge.SHA] = true
			out = append(out, g.commits)
		}
	}
	return out
}

// historyOrder lists the chains' commits in history order: each pull
// request's commits just before its merge.
func (s *downstreamSearch) historyOrder(chains [][]Commit) []Commit {
	inner := map[string][]Commit{}
	for _, ch := range chains[1:] {
		inner[ch[len(ch)-1].SHA] = ch[:len(ch)-1]
	}
	var out []Commit
	for _, c := range chains[0] {
		out = append(append(out, inner[c.SHA]...), c)
	}
	return out
}

// flipsIn reports whether test id is seen broken and later not broken
// along chain.
func (s *downstreamSearch) flipsIn(chain []Commit, id string) bool {
	broke := false
	for _, c := range chain {
		broken, known := s.state(c, id)
		switch {
		case !known:
		case broken:
			broke = true
		case broke:
			return true
		}
	}
	return false
}

// state is test id's state at commit c: broken or not (known), or unknown
// when c was not probed or the suite did not run there.
func (s *downstreamSearch) state(c Commit, id string) (broken, known bool) {
	if c.SHA == s.goodCommit.SHA {
		return false, true
	}
	p, ok := s.at[c.SHA]
	if !ok {
		return false, false
	}
	_, broken = p.broken[id]
	return broken, broken || p.ran
}

// sortedKeys are m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
