package campaign

import (
	"context"
	"fmt"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// Endpoints are a bisection's ends as a campaign of --good (the baseline,
// entries[0]) and --bad (entries[1]) resolved them; an end that did not
// resolve is an error naming its flag, ref and why (the ends then carry
// their refs alone, for Unsearchable's reports).
func Endpoints(entries []Entry, good, bad string) (bisect.Endpoint, bisect.Endpoint, error) {
	var ends [2]bisect.Endpoint
	for i, e := range []struct{ flag, ref string }{{"--good", good}, {"--bad", bad}} {
		sha := entries[i].Plan.Core.SHA
		if sha == "" {
			return bisect.Endpoint{Ref: good}, bisect.Endpoint{Ref: bad}, fmt.Errorf("%s %s: %s", e.flag, e.ref, unresolved(entries[i]))
		}
		ends[i] = bisect.Endpoint{Ref: e.ref, Commit: bisect.Commit{SHA: sha, Short: sha[:7]}}
	}
	return ends[0], ends[1], nil
}

// unresolved is why an entry's Core did not resolve (its suites carry it).
func unresolved(e Entry) string {
	for _, s := range e.Plan.Suites {
		if s.Error != "" {
			return s.Error
		}
	}
	return "did not resolve"
}

// Probes plans bisect's probes for either runner: a probe is the
// requested downstreams at the probed Core commit, their downstream
// commits pinned to the ones the runs at both ends tested (entry's), so
// every probe tests the same downstream code.
type Probes struct {
	matrix *matrix.Matrix
	entry  Entry
	opts   plan.Options
	pinned *memo
}

// NewProbes plans probes of m like entry (its interpreter, pip args
// pipArgs), resolving Core's commits with r.
func NewProbes(m *matrix.Matrix, entry Entry, pipArgs []string, r plan.Resolver) *Probes {
	pinned := &memo{r: r, shas: map[string]memoized{}}
	for _, s := range entry.Plan.Suites {
		pinned.shas[s.Downstream.Repo+"\x00"+s.Downstream.Ref] = memoized{sha: s.Downstream.SHA}
	}
	return &Probes{matrix: m, entry: entry, opts: plan.Options{PipArgs: pipArgs, Interpreter: entry.Python.Interpreter}, pinned: pinned}
}

// Label names a probe's workspace and logs: "bisect-<short SHA>".
func (p *Probes) Label(req bisect.Request) string { return "bisect-" + req.Commit.Short }

// Plan plans one request. A request that cannot be planned gets a plan
// whose suites carry the reason (runners report them as errors, and the
// search skips the commit).
func (p *Probes) Plan(ctx context.Context, req bisect.Request) *plan.Plan {
	pl, err := p.plan(ctx, req)
	if err != nil {
		pl = &plan.Plan{}
		for _, name := range req.Downstreams {
			pl.Suites = append(pl.Suites, plan.Suite{Name: name, Error: err.Error()})
		}
	}
	return pl
}

func (p *Probes) plan(ctx context.Context, req bisect.Request) (*plan.Plan, error) {
	m, err := p.matrix.Select(req.Downstreams)
	if err != nil {
		return nil, err
	}
	opts := p.opts
	opts.CoreRef = req.Commit.SHA
	return plan.Build(ctx, m, opts, p.pinned)
}
