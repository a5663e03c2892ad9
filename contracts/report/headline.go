package report

import (
	"fmt"
	"strings"
)

// Headline sums the run up in one line: "OK: ..." or "FAILED: ...", with
// the policy that decided it; for a bisection, what it found.
func Headline(res *Result) string {
	if res.Bisect != nil && res.emptyShard() {
		return fmt.Sprintf("OK: %s, nothing to bisect", res.Shard.describe())
	}
	if res.Bisect != nil {
		return bisectHeadline(res.Bisect)
	}
	failing, suites := 0, 0
	for i := range res.Runs {
		for j := range res.Runs[i].Suites {
			suites++
			if res.Fails(&res.Runs[i], &res.Runs[i].Suites[j]) {
				failing++
			}
		}
	}
	if suites == 0 && res.emptyShard() {
		return fmt.Sprintf("OK: %s, nothing to run (fail-on %s)", res.Shard.describe(), res.Policy())
	}
	if suites == 0 {
		return fmt.Sprintf("FAILED: no suite ran (fail-on %s)", res.Policy())
	}
	var parts []string
	if compared(res) {
		parts = append(parts, plural(len(Regressions(res)), "regression"))
	}
	if failing == 0 {
		parts = append(parts, plural(suites, "suite")+", none failing")
	} else {
		parts = append(parts, fmt.Sprintf("%d of %s failing", failing, plural(suites, "suite")))
	}
	word := "OK"
	if !res.OK() {
		word = "FAILED"
	}
	return fmt.Sprintf("%s: %s (fail-on %s)", word, strings.Join(parts, ", "), res.Policy())
}

// Subject says what was tested: the candidate Core sources and the
// baseline ones, each formatted by quote.
func Subject(res *Result, quote func(string) string) string {
	var cands, bases []string
	for _, r := range res.Runs {
		cands = appendOnce(cands, quote(Source(r.Core)))
	}
	for _, r := range res.Baselines {
		bases = appendOnce(bases, quote(Source(r.Core)))
	}
	s := "core " + strings.Join(cands, ", ")
	if len(bases) > 0 {
		s += " against baseline " + strings.Join(bases, ", ")
	}
	if res.Shard != nil {
		s += ", " + quote(res.Shard.describe())
	}
	return s
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
