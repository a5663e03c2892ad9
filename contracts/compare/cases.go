package compare

import (
	"slices"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// compareCases classifies the candidate's cases against the baseline's,
// then appends the cases the candidate lacks. Either suite may be nil.
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
	seen := make(map[string]bool, len(ccases))
	var out []Case
	for i := range ccases {
		id := ccases[i].ID()
		seen[id] = true
		flaky := slices.Contains(cflaky, id) || slices.Contains(bflaky, id)
		out = append(out, compareCase(base[id], &ccases[i], flaky))
	}
	for i := range bcases {
		if id := bcases[i].ID(); !seen[id] {
			seen[id] = true
			out = append(out, compareCase(&bcases[i], nil, false))
		}
	}
	return out
}

// compareCase classifies one case; b or c is nil when absent.
func compareCase(b, c *junit.Case, flaky bool) Case {
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
	case out.Class == Fixed || (out.Class == Removed && fails(b.Status)):
		out.Message = b.Message
	}
	return out
}

func fails(s junit.Status) bool { return s == junit.StatusFailed || s == junit.StatusError }

// caseClass is the classification table; "" means absent.
func caseClass(b, c junit.Status, flaky bool) Class {
	switch {
	case c == "":
		return Removed
	case c == junit.StatusSkipped:
		return Skipped
	case flaky && (fails(b) || fails(c)):
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
