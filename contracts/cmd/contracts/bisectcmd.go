package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/campaign"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/runner/host"
)

// bisectOptions are bisect's own flags.
type bisectOptions struct {
	good, bad string
	descend   bool
}

func (b *bisectOptions) flags(fs *flag.FlagSet, good, bad string) {
	fs.StringVar(&b.good, "good", good, "Core `ref` where every downstream's contracts held (tag, branch, SHA)")
	fs.StringVar(&b.bad, "bad", bad, "Core `ref` where a contract broke, descending from --good")
	fs.BoolVar(&b.descend, "descend", true, "when the first bad commit is a merge, search the pull request it merged")
}

// check refuses what a bisection cannot take, naming the flag.
func (b *bisectOptions) check(o *options) error {
	switch {
	case b.good == "" || b.bad == "":
		return usagef("--good and --bad are both needed")
	case len(o.pythons) > 1:
		return usagef("bisect takes one --python")
	}
	for flagName, ref := range map[string]string{"--good": b.good, "--bad": b.bad} {
		if err := refs.Validate(ref); err != nil {
			return usagef("%s: %v", flagName, err)
		}
	}
	return nil
}

// cmdBisect names every Core commit between --good and --bad that broke a
// downstream's contracts, each with the tests it broke.
func cmdBisect(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	var b bisectOptions
	fs := newFlagSet("bisect", &o, stderr, bisectGroups)
	b.flags(fs, "", "")
	if err := o.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := b.check(&o); err != nil {
		return exitUsage, err
	}
	m, err := o.loadMatrix()
	if err != nil {
		return exitUsage, err
	}
	return executeBisect(ctx, &o, &b, m, stdout, stderr)
}

// cmdDemoBisect bisects the bundled example ecosystem's Core history.
func cmdDemoBisect(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	var b bisectOptions
	fs := newFlagSet("demo-bisect", &o, stderr, bisectGroups&^matrixFlag)
	b.flags(fs, "v1.2.0", "v2.0.0")
	dir := fs.String("dir", "", "materialize the example repos in `DIR` (default: demo-ecosystem in the cache dir)")
	demoOut(fs, &o)
	if err := o.parse(fs, args); err != nil {
		return exitUsage, err
	}
	if err := b.check(&o); err != nil {
		return exitUsage, err
	}
	m, unlock, err := demoMatrix(ctx, &o, *dir, stderr)
	if err != nil {
		return exitBroken, err // a usageError exits 2 (see run)
	}
	defer unlock()
	return executeBisect(ctx, &o, &b, m, stdout, stderr)
}

// executeBisect runs the suites at --good (the baseline) and --bad, then
// bisects the tests that regress with probes on the host runner, and
// writes the reports.
func executeBisect(ctx context.Context, o *options, b *bisectOptions, m *matrix.Matrix, stdout, stderr io.Writer) (int, error) {
	started := time.Now()
	o.coreRefs, o.baselineRef = listFlag{b.bad}, b.good
	r, entries, err := prepare(ctx, o, m, stderr)
	if err != nil {
		return exitUsage, err
	}
	defer r.Close()
	history := r.History(m.Core.Repo)
	goodEnd, badEnd, err := campaign.Endpoints(entries, b.good, b.bad)
	if err == nil {
		err = bisect.Check(ctx, history, goodEnd, badEnd)
	}
	if err != nil { // a range that cannot be searched: reported, exit 1
		code, ferr := finish(ctx, o, campaign.Unsearchable(entries, goodEnd, badEnd, err, started), stdout)
		return max(code, exitBroken), errors.Join(fmt.Errorf("bisect: %w", err), ferr)
	}
	fmt.Fprintf(stderr, "bisect: running every suite at %s and %s\n", b.good, b.bad)
	res := campaign.Assemble(entries, r.Run(ctx, jobs(entries)), "", started)
	p := &hostProber{runner: r, probes: campaign.NewProbes(m, entries[1], o.pipArgs, r.Resolver()), python: entries[1].Python.Path, progress: stderr}
	result, berr := bisect.Run(ctx, history, p, goodEnd, badEnd, res.Baselines[0].Suites, res.Runs[0].Suites, bisect.Options{Descend: b.descend})
	if berr != nil {
		result = bisect.Failed(goodEnd, badEnd, berr) // the runs at both ends are still reported
	}
	res.Bisect, res.Finished = result, time.Now()
	code, err := finish(ctx, o, res, stdout)
	if berr != nil {
		return exitBroken, errors.Join(fmt.Errorf("bisect: %w", berr), err)
	}
	return code, err
}

// hostProber runs bisect's probes with the host runner (campaign.Probes
// plans them).
type hostProber struct {
	runner   *host.Runner
	probes   *campaign.Probes
	python   string
	progress io.Writer
}

// Probe implements bisect.Prober: all requests' suites run in one Run,
// within --jobs; each Core commit is built once (the runner's wheel cache).
func (p *hostProber) Probe(ctx context.Context, reqs []bisect.Request) [][]outcome.Suite {
	var all []host.Job
	var spans []int
	for _, req := range reqs {
		title := req.Commit.Short + " " + report.OneLine(req.Commit.Subject, 100)
		fmt.Fprintf(p.progress, "bisect: probing %s for %s\n", title, strings.Join(req.Downstreams, ", "))
		pl := p.probes.Plan(ctx, req)
		for _, s := range pl.Suites {
			all = append(all, host.Job{Label: p.probes.Label(req), Python: p.python, Suite: s, CoreBuild: pl.CoreBuild, CoreTitle: title})
		}
		spans = append(spans, len(pl.Suites))
	}
	outs := p.runner.Run(ctx, all)
	var result [][]outcome.Suite
	for _, n := range spans {
		result = append(result, outs[:n])
		outs = outs[n:]
	}
	return result
}
