package compare

import "github.com/mjdevaccount/market-data-contracts/contracts/outcome"

// compareSuite classifies one suite; b or c is nil when absent.
func compareSuite(b, c *outcome.Suite) Suite {
	out := Suite{Cases: compareCases(b, c)}
	if b != nil {
		out.Name, out.Baseline = b.Name, b.Verdict
	}
	if c != nil {
		out.Name, out.Candidate = c.Name, c.Verdict
	}
	out.Class = suiteClass(out.Baseline, out.Candidate, out.Count())
	switch {
	case c == nil:
		out.Reason = "absent from the candidate run"
	case b == nil:
		out.Reason = "absent from the baseline run"
	case !c.Verdict.Ran():
		out.Reason = c.Reason
	case !b.Verdict.Ran():
		out.Reason = "baseline " + string(b.Verdict) + ": " + b.Reason
	}
	return out
}

// suiteClass is the suite-level table: verdicts first, then the cases.
func suiteClass(b, c outcome.Verdict, cases map[Class]int) Class {
	switch {
	case c == "":
		return Removed
	case b == "" && c == outcome.Passed:
		return NewPassing
	case b == "":
		return NewFailing
	case !c.Ran() && !b.Ran():
		return StillFailing
	case !c.Ran():
		return Regressed
	case !b.Ran() && c == outcome.Passed:
		return Fixed
	case !b.Ran():
		return NewFailing
	}
	return fromCases(b, c, cases)
}

// fromCases classifies a suite that ran on both sides by its worst case.
func fromCases(b, c outcome.Verdict, cases map[Class]int) Class {
	switch {
	case cases[Regressed]+cases[NewFailing] > 0:
		return Regressed
	case cases[StillFailing] > 0:
		return StillFailing
	case c == outcome.Failed:
		// Its failures are all flaky: not a regression.
		return Flaky
	case cases[Fixed] > 0:
		return Fixed
	case cases[Flaky] > 0:
		return Flaky
	case b == outcome.Failed:
		// The baseline's failing cases are gone.
		return Fixed
	default:
		return Passing
	}
}
