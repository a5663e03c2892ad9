package bisect

import (
	"context"
	"errors"
	"fmt"
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

// fakeProber decides each suite's outcome from the commit: broken[d]
// lists the commits (names) from which downstream d fails test "t::a",
// unbuildable those where nothing runs.
type fakeProber struct {
	broken      map[string]func(Commit) bool
	unbuildable map[string]bool
	calls       [][]Request
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

func (p *fakeProber) suite(d string, c Commit) outcome.Suite {
	if p.unbuildable[c.Subject] {
		return outcome.Suite{Name: d, Verdict: outcome.Error, Reason: "build core failed"}
	}
	return suiteWith(d, p.broken[d] != nil && p.broken[d](c))
}

// suiteWith is a suite whose test t::a passes or fails; t::b always fails.
func suiteWith(name string, failing bool) outcome.Suite {
	a := junit.Case{Classname: "t", Name: "a", Status: junit.StatusPassed}
	if failing {
		a.Status, a.Message = junit.StatusFailed, "a broke"
	}
	cases := []junit.Case{a, {Classname: "t", Name: "b", Status: junit.StatusFailed, Message: "b is always broken"}}
	return outcome.Suite{Name: name, Verdict: outcome.Failed, Cases: cases}
}

// linear is a mainline of n commits c1..cn, each the parent of the next.
func linear(n int) []Commit {
	var out []Commit
	for i := 1; i <= n; i++ {
		out = append(out, commit(fmt.Sprintf("c%d", i), fmt.Sprintf("c%d", i-1)))
	}
	return out
}

// from says a downstream breaks from commit ci on (mainline index).
func from(i int) func(Commit) bool {
	return func(c Commit) bool {
		var n int
		fmt.Sscanf(c.Subject, "c%d", &n)
		return n >= i
	}
}

func runBisect(t *testing.T, h fakeHistory, p *fakeProber, names []string, opts Options) *Result {
	t.Helper()
	bad := h.mainline[len(h.mainline)-1]
	var atGood, atBad []outcome.Suite
	for _, n := range names {
		atGood = append(atGood, suiteWith(n, false))
		atBad = append(atBad, p.suite(n, bad))
	}
	res, err := Run(context.Background(), h, p, Endpoint{Ref: "good", Commit: commit("c0")}, Endpoint{Ref: "bad", Commit: bad}, atGood, atBad, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestFindsTheFirstBadCommitInLogProbes(t *testing.T) {
	for culprit := 1; culprit <= 12; culprit++ {
		p := &fakeProber{broken: map[string]func(Commit) bool{"d": from(culprit)}}
		res := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{})
		d := res.Downstreams[0]
		if d.Status != Found || d.Culprit.Subject != fmt.Sprintf("c%d", culprit) {
			t.Errorf("culprit c%d: %s %+v", culprit, d.Status, d.Culprit)
			continue
		}
		if d.Probes > 4 { // ceil(log2(12))
			t.Errorf("culprit c%d: %d probes, want at most 4", culprit, d.Probes)
		}
		if len(d.Broken) != 1 || d.Broken[0].ID != "t::a" || d.Broken[0].Message != "a broke" {
			t.Errorf("culprit c%d: broken %+v, want t::a only (t::b fails at good too)", culprit, d.Broken)
		}
		wantLast := fmt.Sprintf("c%d", culprit-1)
		if culprit == 1 && d.LastGood != nil || culprit > 1 && (d.LastGood == nil || d.LastGood.Subject != wantLast) {
			t.Errorf("culprit c%d: last good %+v, want %s", culprit, d.LastGood, wantLast)
		}
	}
}

func TestSkippedCommits(t *testing.T) {
	// The culprit c6 sits right after unbuildable c4 and c5: a range.
	p := &fakeProber{broken: map[string]func(Commit) bool{"d": from(6)}, unbuildable: map[string]bool{"c4": true, "c5": true}}
	d := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	var names []string
	for _, c := range d.Range {
		names = append(names, c.Subject)
	}
	if d.Status != Range || !slices.Equal(names, []string{"c4", "c5", "c6"}) || d.LastGood.Subject != "c3" {
		t.Errorf("got %s %v (last good %+v), want the range c4..c6 after c3", d.Status, names, d.LastGood)
	}
	// The culprit c9 is not next to the unbuildable c6: exact, c6 skipped.
	p = &fakeProber{broken: map[string]func(Commit) bool{"d": from(9)}, unbuildable: map[string]bool{"c6": true}}
	d = runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"d"}, Options{}).Downstreams[0]
	if d.Status != Found || d.Culprit.Subject != "c9" || len(d.Skipped) != 1 || d.Skipped[0].Subject != "c6" || d.Probes > 6 {
		t.Errorf("got %s %+v, skipped %v, %d probes", d.Status, d.Culprit, d.Skipped, d.Probes)
	}
}

// mergeHistory: c1, m2 (merges p1, p2, p3 forked from c1), c3, c4.
func mergeHistory() fakeHistory {
	return fakeHistory{
		mainline: []Commit{commit("c1", "c0"), commit("m2", "c1", "p3"), commit("c3", "m2"), commit("c4", "c3")},
		branches: map[string][]Commit{"m2": {commit("p1", "c1"), commit("p2", "p1"), commit("p3", "p2")}},
	}
}

func TestDescendsIntoTheMergedPullRequest(t *testing.T) {
	breaksAt := func(names ...string) func(Commit) bool {
		return func(c Commit) bool { return slices.Contains(names, c.Subject) }
	}
	after := []string{"m2", "c3", "c4"}
	for _, tc := range []struct {
		name    string
		broken  []string
		descend bool
		culprit string
		merge   string
	}{
		{"inside the pull request", append([]string{"p2", "p3"}, after...), true, "p2", "m2"},
		{"without descending", append([]string{"p2", "p3"}, after...), false, "m2", ""},
		{"only the merge breaks", after, true, "m2", ""},
	} {
		p := &fakeProber{broken: map[string]func(Commit) bool{"d": breaksAt(tc.broken...)}}
		d := runBisect(t, mergeHistory(), p, []string{"d"}, Options{Descend: tc.descend}).Downstreams[0]
		merge := ""
		if d.Merge != nil {
			merge = d.Merge.Subject
		}
		if d.Status != Found || d.Culprit.Subject != tc.culprit || merge != tc.merge {
			t.Errorf("%s: %s culprit %+v merge %q, want %s in %q", tc.name, d.Status, d.Culprit, merge, tc.culprit, tc.merge)
		}
		if tc.culprit == "p2" && (d.LastGood == nil || d.LastGood.Subject != "p1") {
			t.Errorf("%s: last good %+v, want p1", tc.name, d.LastGood)
		}
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

// TestProbesAreShared: two downstreams with the same culprit ask for the
// same commits; each round makes one request per commit for both.
func TestProbesAreShared(t *testing.T) {
	p := &fakeProber{broken: map[string]func(Commit) bool{"x": from(7), "y": from(7), "z": from(3)}}
	res := runBisect(t, fakeHistory{mainline: linear(12)}, p, []string{"x", "y", "z"}, Options{})
	for _, d := range res.Downstreams {
		want := map[string]string{"x": "c7", "y": "c7", "z": "c3"}[d.Name]
		if d.Culprit == nil || d.Culprit.Subject != want {
			t.Errorf("%s: %+v, want %s", d.Name, d.Culprit, want)
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
	if first := p.calls[0]; len(first) != 1 || len(first[0].Downstreams) != 3 {
		t.Errorf("first round %+v, want one commit for all three", first)
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
