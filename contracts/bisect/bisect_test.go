package bisect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// sha makes a full SHA from a name.
func sha(name string) string {
	return fmt.Sprintf("%040x", []byte(name))[:40]
}

func commit(name string, parents ...string) Commit {
	c := Commit{SHA: sha(name), Short: sha(name)[:7], Subject: name, Author: "A", Date: "2025-10-01T12:00:00Z"}
	for _, p := range parents {
		c.Parents = append(c.Parents, sha(p))
	}
	return c
}

// fakeHistory answers git log for good..bad (mainline) and for each
// merge's ^1..^2 (branches), and rev-list with every commit.
type fakeHistory struct {
	mainline []Commit
	branches map[string][]Commit // merge name -> its pull request's commits
}

func (h fakeHistory) Git(_ context.Context, args []string) (string, error) {
	rng := args[len(args)-1]
	switch {
	case strings.Contains(rng, sha("absent")):
		// A commit the history does not hold, as git says it.
		return "", fmt.Errorf("git %s: exit status 128: fatal: bad revision %q", args[0], rng)
	case slices.Contains(args, "--no-walk"):
		return rng + "\n", nil
	case args[0] == "rev-list" && strings.HasPrefix(rng, sha("c0")+".."):
		n := len(h.mainline)
		for _, b := range h.branches {
			n += len(b)
		}
		return strings.Repeat(sha("x")+"\n", n), nil
	case args[0] == "rev-list":
		// bad..good: good (c0) is an ancestor of every bad; "stray" is not.
		if strings.HasSuffix(rng, sha("stray")) {
			return sha("stray") + "\n", nil
		}
		return "", nil
	case args[1] == "-1":
		for _, c := range append([]Commit{commit("c0")}, h.mainline...) {
			if c.SHA == rng {
				return format([]Commit{c}), nil
			}
		}
		return "", fmt.Errorf("unknown commit %s", rng)
	case strings.HasSuffix(rng, "^2"):
		for name, b := range h.branches {
			if strings.HasPrefix(rng, sha(name)+"^1..") {
				return format(b), nil
			}
		}
		return "", fmt.Errorf("no branch for %s", rng)
	}
	return format(h.mainline), nil
}

// brokenHistory is a history where every git command fails.
type brokenHistory struct{}

func (brokenHistory) Git(context.Context, []string) (string, error) {
	return "", errors.New("git: exit status 128: fatal: not a git repository")
}

func format(commits []Commit) string {
	var b strings.Builder
	for _, c := range commits {
		fmt.Fprintf(&b, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1e\n", c.SHA, c.Author, c.Date, strings.Join(c.Parents, " "), c.Subject)
	}
	return b.String()
}

// fakeProber decides each suite's outcome from the commit: tests[d] maps
// each test of downstream d (classname "t") to the commits where it
// fails; unbuildable are those where nothing runs; partial[commit] lists
// the tests that still report there, the suite timing out before the rest.
type fakeProber struct {
	tests       map[string]map[string]func(Commit) bool
	unbuildable map[string]bool
	partial     map[string][]string
	calls       [][]Request
}

// brokenFrom is a fakeProber whose downstreams each have one test "a"
// that fails from the given commit on.
func brokenFrom(culprits map[string]func(Commit) bool) *fakeProber {
	p := &fakeProber{tests: map[string]map[string]func(Commit) bool{}}
	for d, f := range culprits {
		p.tests[d] = map[string]func(Commit) bool{"a": f}
	}
	return p
}

func (p *fakeProber) Probe(_ context.Context, reqs []Request) [][]outcome.Suite {
	p.calls = append(p.calls, reqs)
	var out [][]outcome.Suite
	for _, r := range reqs {
		var suites []outcome.Suite
		for _, d := range r.Downstreams {
			suites = append(suites, p.suite(d, r.Commit))
		}
		out = append(out, suites)
	}
	return out
}

// probed lists the commits probed for downstream d, in order.
func (p *fakeProber) probed(d string) []string {
	var out []string
	for _, reqs := range p.calls {
		for _, r := range reqs {
			if slices.Contains(r.Downstreams, d) {
				out = append(out, r.Commit.Subject)
			}
		}
	}
	return out
}

// suite is d's suite at c: its tests in name order, then t::z, which
// always fails.
func (p *fakeProber) suite(d string, c Commit) outcome.Suite {
	if p.unbuildable[c.Subject] {
		return outcome.Suite{Name: d, Verdict: outcome.Error, Reason: "build core failed"}
	}
	var cases []junit.Case
	for _, name := range slices.Sorted(maps.Keys(p.tests[d])) {
		if keep, ok := p.partial[c.Subject]; ok && !slices.Contains(keep, name) {
			continue
		}
		tc := junit.Case{Classname: "t", Name: name, Status: junit.StatusPassed}
		if p.tests[d][name](c) {
			tc.Status, tc.Message = junit.StatusFailed, name+" broke at "+c.Subject
		}
		cases = append(cases, tc)
	}
	cases = append(cases, junit.Case{Classname: "t", Name: "z", Status: junit.StatusFailed, Message: "z is always broken"})
	s := outcome.Suite{Name: d, Verdict: outcome.Failed, Cases: cases}
	if _, ok := p.partial[c.Subject]; ok {
		s.Verdict, s.Reason = outcome.Timeout, "timed out"
	}
	return s
}

// atGood is d's suite at the good end (commit c0).
func (p *fakeProber) atGood(d string) outcome.Suite { return p.suite(d, commit("c0")) }

// suiteWith is a suite whose test t::a passes or fails; t::z always fails.
func suiteWith(name string, failing bool) outcome.Suite {
	return brokenFrom(map[string]func(Commit) bool{name: func(Commit) bool { return failing }}).suite(name, commit("any"))
}

// linear is a mainline of n commits c1..cn, each the parent of the next.
func linear(n int) []Commit {
	var out []Commit
	for i := 1; i <= n; i++ {
		out = append(out, commit(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i-1)))
	}
	return out
}

// index is the number in a commit's subject ("c7": 7).
func index(c Commit) int {
	var n int
	fmt.Sscanf(c.Subject, "c%d", &n)
	return n
}

// from says a test breaks from commit ci on (mainline index).
func from(i int) func(Commit) bool {
	return func(c Commit) bool { return index(c) >= i }
}

// between says a test is broken from ci on and fixed again from cj on.
func between(i, j int) func(Commit) bool {
	return func(c Commit) bool { return index(c) >= i && index(c) < j }
}

func runBisect(t *testing.T, h fakeHistory, p *fakeProber, names []string, opts Options) *Result {
	t.Helper()
	bad := h.mainline[len(h.mainline)-1]
	var atGood, atBad []outcome.Suite
	for _, n := range names {
		atGood = append(atGood, p.atGood(n))
		atBad = append(atBad, p.suite(n, bad))
	}
	res, err := Run(context.Background(), h, p, Endpoint{Ref: "good", Commit: commit("c0")}, Endpoint{Ref: "bad", Commit: bad}, atGood, atBad, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// culprits sums a downstream's culprits up: "c3 [a b], c9 [c]" (a range as
// "c4..c6"; in a merge: "p2 in m2").
func culprits(d Downstream) string {
	var parts []string
	for _, c := range d.Culprits {
		s := c.End().Subject
		if c.Status == Range {
			s = c.Range[0].Subject + ".." + s
		}
		if c.Merge != nil {
			s += " in " + c.Merge.Subject
		}
		var tests []string
		for _, b := range c.Broken {
			tests = append(tests, strings.TrimPrefix(b.ID, "t::"))
		}
		parts = append(parts, fmt.Sprintf("%s %v", s, tests))
	}
	return strings.Join(parts, ", ")
}

func TestFindsTheFirstBadCommitInLogProbes(t *testing.T) {
	for culprit := 1; culprit <= 12; culprit++ {
		p := brokenFrom(map[string]func(Commit) bool{"d": from(culprit)})
		res := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{})
		d := res.Downstreams[0]
		if got, want := culprits(d), fmt.Sprintf("c%d [a]", culprit); d.Status != Found || got != want {
			t.Errorf("culprit c%d: %s %s", culprit, d.Status, got)
			continue
		}
		if d.Probes > 4 { // ceil(log2(12))
			t.Errorf("culprit c%d: %d probes, want at most 4", culprit, d.Probes)
		}
		c := d.Culprits[0]
		if len(c.Broken) != 1 || c.Broken[0].Message != fmt.Sprintf("a broke at c%d", culprit) || c.Probe == nil || c.Probe.Cases[0].Message != c.Broken[0].Message {
			t.Errorf("culprit c%d: broken %+v, want t::a only (t::z fails at good too), as the probe at the culprit saw it", culprit, c.Broken)
		}
		wantLast := fmt.Sprintf("c%d", culprit-1)
		if culprit == 1 && c.LastGood != nil || culprit > 1 && (c.LastGood == nil || c.LastGood.Subject != wantLast) {
			t.Errorf("culprit c%d: last good %+v, want %s", culprit, c.LastGood, wantLast)
		}
	}
}

// TestEveryCulpritWithItsTests: three commits each break some tests; each
// is found with exactly its tests, oldest first, within the probe bound.
func TestEveryCulpritWithItsTests(t *testing.T) {
	p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {
		"a": from(3), "b": from(9), "c": from(9), "d": from(12), "e": func(Commit) bool { return false },
	}}}
	d := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if got, want := culprits(d), "c3 [a], c9 [b c], c12 [d]"; d.Status != Found || got != want {
		t.Errorf("got %s %q, want %q", d.Status, got, want)
	}
	if d.Probes > MaxProbes(3, 12, 12) || len(d.Flips) != 0 {
		t.Errorf("%d probes (bound %d), flips %+v", d.Probes, MaxProbes(3, 12, 12), d.Flips)
	}
	if last := d.Culprits[1].LastGood; last == nil || last.Subject != "c8" {
		t.Errorf("c9's last good %+v, want c8", last)
	}
}

// TestOneCulpritProbesAsBefore: however many tests one commit breaks,
// the search never splits: it probes exactly the commits a search for one
// test does, at most ceil(log2 n).
func TestOneCulpritProbesAsBefore(t *testing.T) {
	for culprit := 1; culprit <= 20; culprit++ {
		one := brokenFrom(map[string]func(Commit) bool{"d": from(culprit)})
		runBisect(t, fakeHistory{mainline: linear(20)}, one, []string{"d"}, Options{})
		many := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {"a": from(culprit), "b": from(culprit), "c": from(culprit)}}}
		d := runBisect(t, fakeHistory{mainline: linear(20)}, many, []string{"d"}, Options{}).Downstreams[0]
		if !slices.Equal(one.probed("d"), many.probed("d")) || d.Probes > 5 || len(d.Culprits) != 1 || len(d.Culprits[0].Broken) != 3 {
			t.Errorf("culprit c%d: one test probes %v, three %v (%s)", culprit, one.probed("d"), many.probed("d"), culprits(d))
		}
	}
}

// TestRandomHistories: on linear histories of every length up to 40 with
// random culprits, every test is attributed to the commit it breaks at,
// within k x (ceil(log2 n) + 2) probes.
func TestRandomHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	for n := 1; n <= 40; n++ {
		for round := 0; round < 8; round++ {
			tests := map[string]func(Commit) bool{}
			want := map[int][]string{}
			for i := range 1 + rng.IntN(12) {
				name := fmt.Sprintf("t%02d", i)
				at := 1 + rng.IntN(n)
				if rng.IntN(4) == 0 {
					tests[name] = func(Commit) bool { return false } // never breaks
					continue
				}
				tests[name] = from(at)
				want[at] = append(want[at], name)
			}
			if len(want) == 0 {
				continue
			}
			var parts []string
			for _, at := range slices.Sorted(maps.Keys(want)) {
				parts = append(parts, fmt.Sprintf("c%d %v", at, want[at]))
			}
			p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": tests}}
			res := runBisect(t, fakeHistory{mainline: linear(n)}, p, []string{"d"}, Options{})
			d := res.Downstreams[0]
			if got := culprits(d); got != strings.Join(parts, ", ") {
				t.Errorf("n=%d: got %q, want %q", n, got, strings.Join(parts, ", "))
			}
			if d.Probes > MaxProbes(len(want), res.FirstParent, res.Commits) {
				t.Errorf("n=%d, %d culprits: %d probes, bound %d", n, len(want), d.Probes, MaxProbes(len(want), res.FirstParent, res.Commits))
			}
		}
	}
}

// TestRandomMergeHistories: on first-parent paths of up to 24 commits,
// one of them merging a pull request of up to 20 commits, a test broken by
// a random commit (on the path, inside the pull request, or the merge
// itself) is attributed to it within MaxProbes.
func TestRandomMergeHistories(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 5))
	for round := 0; round < 300; round++ {
		f, m := 2+rng.IntN(23), 1+rng.IntN(20)
		k := 2 + rng.IntN(f-1) // the merge's position on the path, 2..f
		h, order := mergedAt(f, k, m)
		at := rng.IntN(len(order))
		culprit := order[at]
		want := culprit + " [a]"
		if strings.HasPrefix(culprit, "p") {
			want = fmt.Sprintf("%s in m%d [a]", culprit, k)
		}
		p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {"a": breaksAt(heldBy(order, at)...)}}}
		res := runBisect(t, h, p, []string{"d"}, Options{Descend: true})
		d := res.Downstreams[0]
		if got := culprits(d); got != want {
			t.Errorf("f=%d, merge m%d of %d commits, culprit %s: got %q, want %q", f, k, m, culprit, got, want)
		}
		if bound := MaxProbes(1, res.FirstParent, res.Commits); d.Probes > bound {
			t.Errorf("f=%d, merge m%d of %d commits, culprit %s: %d probes, bound %d", f, k, m, culprit, d.Probes, bound)
		}
	}
}

// mergedAt is a first-parent path c1..cf whose k-th commit is mk, the
// merge of a pull request p1..pm branched from c(k-1); order lists every
// commit, the pull request's before the merge.
func mergedAt(f, k, m int) (fakeHistory, []string) {
	h := fakeHistory{branches: map[string][]Commit{}}
	var order []string
	prev := "c0"
	for i := 1; i <= f; i++ {
		name := fmt.Sprintf("c%d", i)
		if i == k {
			var pr []Commit
			base := prev
			for j := 1; j <= m; j++ {
				pj := fmt.Sprintf("p%d", j)
				pr = append(pr, commit(pj, base))
				order = append(order, pj)
				base = pj
			}
			name = fmt.Sprintf("m%d", k)
			h.branches[name] = pr
			h.mainline = append(h.mainline, commit(name, prev, base))
		} else {
			h.mainline = append(h.mainline, commit(name, prev))
		}
		order = append(order, name)
		prev = name
	}
	return h, order
}

// heldBy lists the commits of order (mergedAt's) that hold order[at]: it
// and every later one (a commit on the path before the merge is held by
// the pull request, which comes after it in order, too).
func heldBy(order []string, at int) []string {
	return slices.Clone(order[at:])
}

func TestSkippedCommits(t *testing.T) {
	// The culprit c6 sits right after unbuildable c4 and c5: a range.
	p := brokenFrom(map[string]func(Commit) bool{"d": from(6)})
	p.unbuildable = map[string]bool{"c4": true, "c5": true}
	d := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if got := culprits(d); d.Status != Range || got != "c4..c6 [a]" || d.Culprits[0].LastGood.Subject != "c3" || len(d.Culprits[0].Range) != 3 {
		t.Errorf("got %s %s (last good %+v), want the range c4..c6 after c3", d.Status, got, d.Culprits[0].LastGood)
	}
	// The culprit c9 is not next to the unbuildable c6: exact, c6 skipped.
	p = brokenFrom(map[string]func(Commit) bool{"d": from(9)})
	p.unbuildable = map[string]bool{"c6": true}
	d = runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if d.Status != Found || culprits(d) != "c9 [a]" || len(d.Skipped) != 1 || d.Skipped[0].Subject != "c6" || d.Probes > 6 {
		t.Errorf("got %s %s, skipped %v, %d probes", d.Status, culprits(d), d.Skipped, d.Probes)
	}
}

// TestASuiteThatStopsEarly: at c6 the suite times out after reporting a
// (broken) but not b: a moves on as broken, b skips c6; both end at c5,
// one culprit.
func TestASuiteThatStopsEarly(t *testing.T) {
	p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {"a": from(5), "b": from(5)}}, partial: map[string][]string{"c6": {"a"}}}
	d := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if got := culprits(d); d.Status != Found || got != "c5 [a b]" {
		t.Errorf("got %s %q, want c5 [a b]", d.Status, got)
	}
}

// mergeHistory: c1, m2 (merges p1, p2, p3 forked from c1), c3, c4.
func mergeHistory() fakeHistory {
	return fakeHistory{
		mainline: []Commit{commit("c1", "c0"), commit("m2", "c1", "p3"), commit("c3", "m2"), commit("c4", "c3")},
		branches: map[string][]Commit{"m2": {commit("p1", "c1"), commit("p2", "p1"), commit("p3", "p2")}},
	}
}

// breaksAt says a test fails at the named commits.
func breaksAt(names ...string) func(Commit) bool {
	return func(c Commit) bool { return slices.Contains(names, c.Subject) }
}

func TestDescendsIntoTheMergedPullRequest(t *testing.T) {
	after := []string{"m2", "c3", "c4"}
	for _, tc := range []struct {
		name    string
		broken  []string
		descend bool
		want    string
	}{
		{"inside the pull request", append([]string{"p2", "p3"}, after...), true, "p2 in m2 [a]"},
		{"without descending", append([]string{"p2", "p3"}, after...), false, "m2 [a]"},
		{"only the merge breaks", after, true, "m2 [a]"},
	} {
		p := brokenFrom(map[string]func(Commit) bool{"d": breaksAt(tc.broken...)})
		d := runBisect(t, mergeHistory(), p, []string{"d"}, Options{Descend: tc.descend}).Downstreams[0]
		if got := culprits(d); d.Status != Found || got != tc.want {
			t.Errorf("%s: %s %q, want %q", tc.name, d.Status, got, tc.want)
		}
		if last := d.Culprits[0].LastGood; tc.want == "p2 in m2 [a]" && (last == nil || last.Subject != "p1") {
			t.Errorf("%s: last good %+v, want p1", tc.name, last)
		}
	}
}

// TestTwoCulpritsOneInsideAPullRequest: p2 (inside m2's pull request)
// breaks a and b, c4 (on the first-parent path) breaks c: both are found,
// each with its tests, p2 with the merge that brought it.
func TestTwoCulpritsOneInsideAPullRequest(t *testing.T) {
	h := mergeHistory()
	h.mainline = append(h.mainline, commit("c5", "c4"), commit("c6", "c5"))
	p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {
		"a": breaksAt("p2", "p3", "m2", "c3", "c4", "c5", "c6"),
		"b": breaksAt("p2", "p3", "m2", "c3", "c4", "c5", "c6"),
		"c": breaksAt("c4", "c5", "c6"),
	}}}
	res := runBisect(t, h, p, []string{"d"}, Options{Descend: true})
	d := res.Downstreams[0]
	if got, want := culprits(d), "p2 in m2 [a b], c4 [c]"; d.Status != Found || got != want {
		t.Errorf("got %s %q, want %q", d.Status, got, want)
	}
	if d.Probes > MaxProbes(2, res.FirstParent, res.Commits) {
		t.Errorf("%d probes, bound %d", d.Probes, MaxProbes(2, res.FirstParent, res.Commits))
	}
}

// TestFlips: f is broken from c5 to c7 (fixed before bad: not a
// regression), g too, and broken again from c11 on:
// both are reported as flips with what the probes saw, g is attributed to
// no commit; a, broken from c9, is.
func TestFlips(t *testing.T) {
	p := &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {
		"a": from(9), "f": between(5, 8), "g": func(c Commit) bool { return between(5, 8)(c) || index(c) >= 11 },
	}}}
	d := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if got := culprits(d); d.Status != Found || got != "c9 [a]" {
		t.Errorf("got %s %q, want c9 [a] only", d.Status, got)
	}
	flips := map[string]string{}
	for _, f := range d.Flips {
		var seen []string
		for _, s := range f.Seen {
			seen = append(seen, fmt.Sprintf("%s:%v", s.Commit.Subject, s.Broken))
		}
		flips[strings.TrimPrefix(f.ID, "t::")] = fmt.Sprintf("%v %s", f.Regressed, strings.Join(seen, " "))
	}
	want := map[string]string{
		"f": "false c0:false c3:false c4:false c5:true c6:true c7:true c8:false c9:false c12:false",
		"g": "true c0:false c3:false c4:false c5:true c6:true c7:true c8:false c9:false c12:true",
	}
	if !maps.Equal(flips, want) {
		t.Errorf("flips %v, want %v", flips, want)
	}
	// Only flipping tests: nothing is named.
	p = &fakeProber{tests: map[string]map[string]func(Commit) bool{"d": {"g1": breaksAt("c6", "c12"), "g2": breaksAt("c3", "c12")}}}
	d = runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if d.Status != Flipping || len(d.Culprits) != 0 || len(d.Flips) != 2 {
		t.Errorf("only flipping tests: %s, %s, %d flips", d.Status, culprits(d), len(d.Flips))
	}
}

func TestStatusesWithoutSearch(t *testing.T) {
	h := fakeHistory{mainline: linear(4)}
	bad := h.mainline[3]
	failingAtGood := suiteWith("already", true)
	cannot := outcome.Suite{Name: "cannot", Verdict: outcome.Error, Reason: "install failed"}
	fine := outcome.Suite{Name: "fine", Verdict: outcome.Passed, Cases: []junit.Case{{Classname: "t", Name: "a", Status: junit.StatusPassed}}}
	atGood := []outcome.Suite{fine, failingAtGood, suiteWith("gone", false), cannot}
	atBad := []outcome.Suite{fine, suiteWith("already", true), {Name: "gone", Verdict: outcome.Error, Reason: "timeout"}, suiteWith("cannot", false)}
	p := &fakeProber{}
	res, err := Run(context.Background(), h, p, Endpoint{Ref: "good", Commit: commit("c0")}, Endpoint{Ref: "bad", Commit: bad}, atGood, atBad, Options{Descend: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Status{NotBroken, AlreadyBroken, CannotRun, CannotRun}
	for i, d := range res.Downstreams {
		if d.Status != want[i] || d.Probes != 0 {
			t.Errorf("%s: %s (%s), %d probes; want %s without probes", d.Name, d.Status, d.Reason, d.Probes, want[i])
		}
	}
	if len(p.calls) != 0 || res.Culprits() != 0 {
		t.Errorf("probed %v with nothing to bisect", p.calls)
	}
	if res.Commits != 4 || res.FirstParent != 4 {
		t.Errorf("counts %d, %d", res.Commits, res.FirstParent)
	}
	if res.Good.Commit.Subject != "c0" || res.Good.Commit.Author == "" {
		t.Errorf("good end not described: %+v", res.Good.Commit)
	}
}

// TestProbesAreShared: downstreams that ask for the same commit in a round
// share one request; a downstream with two culprits asks for each commit
// once, and a probe one of its groups asked for answers the others.
func TestProbesAreShared(t *testing.T) {
	p := brokenFrom(map[string]func(Commit) bool{"x": from(7), "y": from(7), "z": from(3)})
	p.tests["w"] = map[string]func(Commit) bool{"a": from(3), "b": from(7)}
	res := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"x", "y", "z", "w"}, Options{})
	for _, d := range res.Downstreams {
		want := map[string]string{"x": "c7 [a]", "y": "c7 [a]", "z": "c3 [a]", "w": "c3 [a], c7 [b]"}[d.Name]
		if got := culprits(d); got != want {
			t.Errorf("%s: %q, want %q", d.Name, got, want)
		}
		if probed := p.probed(d.Name); len(probed) != d.Probes || len(probed) != len(slices.Compact(slices.Sorted(slices.Values(probed)))) {
			t.Errorf("%s probed %v (%d counted)", d.Name, probed, d.Probes)
		}
	}
	for round, reqs := range p.calls {
		seen := map[string]bool{}
		for _, r := range reqs {
			if seen[r.Commit.SHA] {
				t.Errorf("round %d asks for %s twice", round, r.Commit.Subject)
			}
			seen[r.Commit.SHA] = true
		}
	}
	if first := p.calls[0]; len(first) != 1 || len(first[0].Downstreams) != 4 {
		t.Errorf("first round %+v, want one commit for all four", first)
	}
	// w's two culprits are z's and x's: it probes no commit they did not.
	if w, xz := p.probed("w"), append(p.probed("x"), p.probed("z")...); slices.ContainsFunc(w, func(c string) bool { return !slices.Contains(xz, c) }) {
		t.Errorf("w probed %v, x and z %v", w, xz)
	}
}

func TestCheckRefusesWhatCannotBeBisected(t *testing.T) {
	h := fakeHistory{mainline: linear(3)}
	bad := Endpoint{Ref: "bad", Commit: h.mainline[2]}
	for _, tc := range []struct {
		good Endpoint
		want string
	}{
		{Endpoint{Ref: "stray", Commit: commit("stray")}, "stray is not an ancestor of bad"},
		{Endpoint{Ref: "same", Commit: h.mainline[2]}, "same commit"},
		{Endpoint{Ref: "absent", Commit: commit("absent")}, "absent (" + commit("absent").Short + ") is not in bad's history, so not an ancestor of it"},
	} {
		if err := Check(context.Background(), h, tc.good, bad); err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrRange) {
			t.Errorf("%s: err = %v, want %q (ErrRange)", tc.good.Ref, err, tc.want)
		}
		if _, err := Run(context.Background(), h, &fakeProber{}, tc.good, bad, nil, nil, Options{}); err == nil {
			t.Errorf("%s: Run went on", tc.good.Ref)
		}
	}
	if err := Check(context.Background(), h, Endpoint{Ref: "good", Commit: commit("c0")}, bad); err != nil {
		t.Errorf("an ancestor refused: %v", err)
	}
	if err := Check(context.Background(), brokenHistory{}, Endpoint{Ref: "good", Commit: commit("c0")}, bad); err == nil || errors.Is(err, ErrRange) {
		t.Errorf("git failing everywhere: err = %v, want an error that is not the range's fault", err)
	}
}

func TestParseLog(t *testing.T) {
	c := commit("m", "a", "b")
	c.Subject = "Merge pull request #43 from pr/43 | with \"quotes\""
	got, err := ParseLog(format([]Commit{c}))
	if err != nil || len(got) != 1 || got[0].SHA != c.SHA || got[0].Short != c.SHA[:7] || len(got[0].Parents) != 2 || got[0].Subject != c.Subject {
		t.Errorf("ParseLog = %+v, %v", got, err)
	}
	if _, err := ParseLog("garbage\x1e"); err == nil {
		t.Error("garbage parsed")
	}
	if got, err := ParseLog(""); err != nil || len(got) != 0 {
		t.Errorf("empty log: %v, %v", got, err)
	}
}
