package report

import (
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// Property names this package adds to JUnit reports. Properties under
// PropPrefix are this package's own: Load drops the cases', and a case
// carrying PropSynthesized is dropped entirely.
const (
	PropPrefix      = "contracts."
	PropClass       = PropPrefix + "class"       // the case's compare.Class
	PropBaseline    = PropPrefix + "baseline"    // the case's baseline status, or "absent"
	PropFlaky       = PropPrefix + "flaky"       // suite property: the flaky cases' IDs, comma-separated
	PropSynthesized = PropPrefix + "synthesized" // "true" on the synthesized case
)

// suiteReport rebuilds a suite's JUnit report from its outcome, with the
// run's sources and verdict as suite properties and, when cmp is set, the
// classification of every case as case properties.
func suiteReport(run *Run, s *outcome.Suite, cmp *compare.Suite) junit.Suite {
	js := junit.Suite{Name: s.Name, Time: s.Duration, Properties: suiteProps(run, s, cmp)}
	index := caseIndex(cmp)
	for _, c := range s.Cases {
		c.Properties = append(slices.Clip(c.Properties), caseProps(s, c, index)...)
		js.Cases = append(js.Cases, c)
	}
	if !s.Verdict.Ran() && len(s.Failing()) == 0 {
		js.Cases = append(js.Cases, synthesized(s))
	}
	return js
}

func suiteProps(run *Run, s *outcome.Suite, cmp *compare.Suite) []junit.Property {
	props := []junit.Property{
		{Name: "core.ref", Value: s.Core.Ref}, {Name: "core.sha", Value: s.Core.SHA},
		{Name: "downstream.ref", Value: s.Downstream.Ref}, {Name: "downstream.sha", Value: s.Downstream.SHA},
		{Name: "verdict", Value: string(s.Verdict)}, {Name: "reason", Value: s.Reason},
		{Name: "run", Value: run.Label},
	}
	if run.Python != "" {
		props = append(props, junit.Property{Name: "python", Value: run.Python})
	}
	if cmp != nil {
		props = append(props, junit.Property{Name: "class", Value: string(cmp.Class)})
	}
	if len(s.Flaky) > 0 {
		props = append(props, junit.Property{Name: PropFlaky, Value: strings.Join(s.Flaky, ",")})
	}
	return props
}

// readinessProps are a run's suite's release readiness and the Core
// version it installed (bisect probes have none).
func readinessProps(run *Run, s *outcome.Suite) []junit.Property {
	v, why := ReadinessOf(run, s)
	props := []junit.Property{{Name: "readiness", Value: string(v)}, {Name: "readiness.reason", Value: why}}
	if s.Pin != nil && s.Pin.CoreVersion != "" {
		props = append(props, junit.Property{Name: "core.version", Value: s.Pin.CoreVersion})
	}
	return props
}

// toolProp names the version of market-data-contracts that wrote a report.
func toolProp(res *Result) junit.Property {
	return junit.Property{Name: "tool.version", Value: res.Tool}
}

func caseProps(s *outcome.Suite, c junit.Case, index map[string]compare.Case) []junit.Property {
	var props []junit.Property
	if index != nil {
		cc := index[c.ID()]
		base := string(cc.Baseline)
		if base == "" {
			base = "absent"
		}
		props = append(props, junit.Property{Name: PropClass, Value: string(cc.Class)}, junit.Property{Name: PropBaseline, Value: base})
	}
	return props
}

// caseIndex maps case IDs to their comparison (nil without one).
func caseIndex(cmp *compare.Suite) map[string]compare.Case {
	if cmp == nil {
		return nil
	}
	index := make(map[string]compare.Case, len(cmp.Cases))
	for _, c := range cmp.Cases {
		index[c.ID] = c
	}
	return index
}

// synthesized is the error case standing for a suite that did not run its
// tests, so that JUnit consumers see it fail.
func synthesized(s *outcome.Suite) junit.Case {
	return junit.Case{
		Classname: "contracts." + s.Name,
		Name:      "suite " + string(s.Verdict),
		Status:    junit.StatusError,
		Message:   s.Reason,
		Properties: []junit.Property{
			{Name: PropSynthesized, Value: "true"},
		},
	}
}

// loadedCases undoes suiteReport on the cases of a report read back.
func loadedCases(rep *junit.Report) []junit.Case {
	var out []junit.Case
	for _, c := range rep.Cases() {
		if hasProp(c.Properties, PropSynthesized) {
			continue
		}
		c.Properties = slices.DeleteFunc(c.Properties, func(p junit.Property) bool {
			return strings.HasPrefix(p.Name, PropPrefix)
		})
		if len(c.Properties) == 0 {
			c.Properties = nil
		}
		out = append(out, c)
	}
	return out
}

func hasProp(props []junit.Property, name string) bool {
	return slices.ContainsFunc(props, func(p junit.Property) bool { return p.Name == name })
}
