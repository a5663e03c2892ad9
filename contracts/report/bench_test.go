package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// BenchmarkWrite writes a baseline and a candidate run of 20 suites with
// 500 cases each (a tenth of them failing on the candidate).
func BenchmarkWrite(b *testing.B) {
	run := func(label string, failing bool) Run {
		r := Run{Label: label, Core: coreV2}
		for s := range 20 {
			var cases []junit.Case
			for c := range 500 {
				st := pass
				if failing && c%10 == 0 {
					st = fail
				}
				cases = append(cases, tc(fmt.Sprintf("case_%d", c), st, "assert left == right"))
			}
			r.Suites = append(r.Suites, out(coreV2, fmt.Sprintf("suite%d", s), outcome.Failed, "", time.Second, cases...))
		}
		return r
	}
	res := &Result{Baselines: []Run{run("base", false)}, Runs: []Run{run("cand", true)}}
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(dir, res); err != nil {
			b.Fatal(err)
		}
	}
}
