package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// culprits reads a bisection's answer from a report directory: each
// downstream's culprits, for the table cell ("store 5a58d8b(1) dc5d426(2)")
// and for expectCulprits.
func culprits(dir string) (*bisect.Result, string, error) {
	res, err := report.Load(dir)
	if err != nil {
		return nil, "", err
	}
	if res.Bisect == nil {
		return nil, "", fmt.Errorf("%s: no bisection", dir)
	}
	var parts []string
	for _, d := range res.Bisect.Downstreams {
		if len(d.Culprits) == 0 {
			continue
		}
		var cs []string
		for _, c := range d.Culprits {
			cs = append(cs, fmt.Sprintf("%s(%d)", report.CulpritName(c), len(c.Broken)))
		}
		parts = append(parts, d.Name+" "+strings.Join(cs, " "))
	}
	return res.Bisect, strings.Join(parts, ", "), nil
}

// expectCulprits compares one side's bisection of v1.2.0..v2.0.0 with the
// culprits the examples name (examples.Culprits): every example
// downstream must be in the bisection (one missing is a difference, as is
// one the examples do not have), with its commits in order, the merge
// each came in and exactly the tests it broke; shas maps the examples'
// commit ids to the served ecosystem's SHAs.
func expectCulprits(side string, b *bisect.Result, shas map[string]string) []string {
	var out []string
	for _, d := range b.Downstreams {
		if !slices.Contains(examples.Downstreams(), d.Name) {
			out = append(out, fmt.Sprintf("%s: the bisection has %s, which is no example downstream", side, d.Name))
		}
	}
	for _, name := range examples.Downstreams() {
		want := examples.Culprits(name)
		i := slices.IndexFunc(b.Downstreams, func(d bisect.Downstream) bool { return d.Name == name })
		if i < 0 {
			out = append(out, fmt.Sprintf("%s: %s is missing from the bisection (the examples name %d culprits)", side, name, len(want)))
			continue
		}
		d := b.Downstreams[i]
		if len(d.Culprits) != len(want) {
			out = append(out, fmt.Sprintf("%s: %s has %d culprits, the examples %d", side, d.Name, len(d.Culprits), len(want)))
			continue
		}
		for i, w := range want {
			c := d.Culprits[i]
			var tests []string
			for _, bc := range c.Broken {
				tests = append(tests, bc.ID)
			}
			slices.Sort(tests)
			merge := ""
			if c.Merge != nil {
				merge = c.Merge.SHA
			}
			if c.Commit == nil || c.Commit.SHA != shas[w.Commit] || merge != shas[w.Merge] || !slices.Equal(tests, w.Tests) {
				out = append(out, fmt.Sprintf("%s: %s culprit %d is %s with %v, the examples say %s (in %q) with %v", side, d.Name, i+1, report.CulpritName(c), tests, w.Commit, w.Merge, w.Tests))
			}
		}
	}
	return out
}
