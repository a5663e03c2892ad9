package compare

import (
	"slices"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// compareCases classifies the candidate's cases against the baseline's,
// then appends the cases the candidate lacks. Either suite may be nil.
//
// A module the candidate could not collect (diagnose.CollectionError) hides
// its tests: each baseline case of that module is compared as if it had
// errored on the candidate with the collection exception (so a test that
// passed on the baseline is Regressed, not Removed), and the collection
// error itself is left out, since those cases stand for it. A module the
// baseline could not collect and the candidate did is Fixed.
func compareCases(baseline, candidate *outcome.Suite) []Case {
	var bcases, ccases []junit.Case
	var bflaky, cflaky []string
	if baseline != nil {
		bcases, bflaky = baseline.Cases, baseline.Flaky
	}
	if candidate != nil {
		ccases, cflaky = candidate.Cases, candidate.Flaky
	}
	base := make(map[string]*junit.Case, len(bcases))
	for i := range bcases {
		if _, dup := base[bcases[i].ID()]; !dup {
			base[bcases[i].ID()] = &bcases[i]
		}
	}
	hiding := diagnose.Collections(ccases)
	seen := make(map[string]bool, len(ccases))
	var out []Case
	for i := range ccases {
		id := ccases[i].ID()
		seen[id] = true
		if col, ok := diagnose.CollectionError(ccases[i]); ok && base[id] == nil && anyIn(bcases, col) {
			continue // its module's baseline cases stand for it, below
		}
		f := flakiness{baseline: slices.Contains(bflaky, id), candidate: slices.Contains(cflaky, id)}
		out = append(out, compareCase(base[id], &ccases[i], f))
	}
	for i := range bcases {
		id := bcases[i].ID()
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, absentCase(&bcases[i], slices.Contains(bflaky, id), hiding, ccases))
	}
	return out
}

// absentCase classifies a baseline case the candidate does not have: hidden
// by a collection error, Fixed (a baseline collection error whose module
// the candidate collected), or Removed. flaky says the baseline case
// passed on a rerun (so a hidden one is Regressed, not StillFailing).
func absentCase(b *junit.Case, flaky bool, hiding []diagnose.Collection, ccases []junit.Case) Case {
	for _, col := range hiding {
		if col.Contains(b.Classname) {
			c := Case{ID: b.ID(), Baseline: b.Status, Candidate: junit.StatusError, Message: col.Exception}
			c.Class = caseClass(b.Status, junit.StatusError, flakiness{baseline: flaky})
			if c.Message == "" {
				c.Message = col.Describe()
			}
			return c
		}
	}
	if col, ok := diagnose.CollectionError(*b); ok && anyIn(ccases, col) {
		return Case{ID: b.ID(), Class: Fixed, Baseline: b.Status, Message: b.Message}
	}
	return compareCase(b, nil, flakiness{})
}

// anyIn reports whether some case belongs to col's module.
func anyIn(cases []junit.Case, col diagnose.Collection) bool {
	return slices.ContainsFunc(cases, func(c junit.Case) bool { return col.Contains(c.Classname) })
}

// flakiness says on which side a case failed and then passed when rerun.
type flakiness struct{ baseline, candidate bool }

// compareCase classifies one case; b or c is nil when absent.
func compareCase(b, c *junit.Case, flaky flakiness) Case {
	out := Case{}
	if b != nil {
		out.ID, out.Baseline = b.ID(), b.Status
	}
	if c != nil {
		out.ID, out.Candidate = c.ID(), c.Status
	}
	out.Class = caseClass(out.Baseline, out.Candidate, flaky)
	switch {
	case c != nil && c.Status != junit.StatusPassed:
		out.Message = c.Message
		if col, ok := diagnose.CollectionError(*c); ok && col.Exception != "" {
			out.Message = col.Exception
		}
	case out.Class == Fixed || (out.Class == Removed && fails(b.Status)):
		out.Message = b.Message
	}
	return out
}

func fails(s junit.Status) bool { return s == junit.StatusFailed || s == junit.StatusError }

// caseClass is the classification table; "" means absent. A candidate
// case that failed and then passed on a rerun is flaky (its status is
// already passed: outcome.Settle). A baseline failure that passed on a
// rerun counts as a pass: if the candidate then fails every rerun, that is
// a regression, not flakiness.
func caseClass(b, c junit.Status, flaky flakiness) Class {
	switch {
	case c == "":
		return Removed
	case c == junit.StatusSkipped:
		return Skipped
	case flaky.candidate:
		return Flaky
	case flaky.baseline && fails(c):
		return Regressed
	case flaky.baseline:
		return Flaky
	case b == "" || b == junit.StatusSkipped:
		if fails(c) {
			return NewFailing
		}
		return NewPassing
	case fails(b) && fails(c):
		return StillFailing
	case fails(b):
		return Fixed
	case fails(c):
		return Regressed
	default:
		return Passing
	}
}
