package github

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

// MaxAnnotations bounds the annotations of one Publish (GitHub shows 50
// per job); one more notice says how many were left out.
const MaxAnnotations = 50

// annotation is one error or warning (or, with notice, a notice).
type annotation struct {
	err    bool
	notice bool
	fields map[string]string
	msg    string
}

// annotate emits, for a bisection, a notice per culprit first (which
// commit broke which downstream's tests) and a warning per test that
// flips; then an annotation per failing candidate test, failing ones
// first, and a warning per suite that did not run its tests.
func annotate(a *githubactions.Action, res *report.Result) {
	notices, warns := bisectAnnotations(res)
	var errs []annotation
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			if w, ok := suiteWarning(run, s); ok {
				warns = append(warns, w)
			}
			for _, an := range caseAnnotations(res, run, s) {
				if an.err {
					errs = append(errs, an)
				} else {
					warns = append(warns, an)
				}
			}
		}
	}
	all := append(append(notices, errs...), warns...)
	for _, an := range all[:min(len(all), MaxAnnotations)] {
		switch {
		case an.err:
			a.WithFieldsMap(an.fields).Errorf("%s", an.msg)
		case an.notice:
			a.WithFieldsMap(an.fields).Noticef("%s", an.msg)
		default:
			a.WithFieldsMap(an.fields).Warningf("%s", an.msg)
		}
	}
	if len(all) > MaxAnnotations {
		a.Noticef("%d more annotations left out; see the job summary and the reports", len(all)-MaxAnnotations)
	}
}

// suiteWarning warns about a suite with an error, timeout or no-tests verdict.
func suiteWarning(run *report.Run, s *outcome.Suite) (annotation, bool) {
	if s.Verdict == outcome.Passed || s.Verdict == outcome.Failed {
		return annotation{}, false
	}
	return annotation{
		fields: map[string]string{"title": fmt.Sprintf("%s: %s (core %s)", s.Name, s.Verdict, report.Source(s.Core))},
		msg:    report.ReasonLine(s.Reason, 4*report.MaxMessage),
	}, true
}

// caseAnnotations annotates the suite's failing tests: an error when the
// suite fails the run and the test is not excused (still failing under the
// regressions policy), a warning otherwise; and each flaky test with a
// warning.
func caseAnnotations(res *report.Result, run *report.Run, s *outcome.Suite) []annotation {
	fails, _ := report.Failures(run, s)
	failsRun := res.Fails(run, s)
	var out []annotation
	for _, f := range fails {
		excused := run.Comparison != nil && res.Policy() == report.FailOnRegressions && !f.Class.Breaking()
		msg := caseMessage(s, f)
		if c, ok := brokenBy(res, s.Name, f.Case.ID()); ok {
			msg += "\nbroken by " + report.CulpritName(c) + " " + report.OneLine(c.End().Subject, 100)
		}
		out = append(out, annotation{err: failsRun && !excused, fields: caseFields(f.Case), msg: msg})
	}
	for _, c := range report.FlakyCases(s) {
		msg := fmt.Sprintf("%s (flaky, core %s): failed, then passed when rerun alone", s.Name, report.Source(s.Core))
		out = append(out, annotation{fields: caseFields(c), msg: msg})
	}
	return out
}

// caseFields locate a test case's annotation: its ID as the title, its
// file and line when known.
func caseFields(c junit.Case) map[string]string {
	fields := map[string]string{"title": report.OneLine(c.ID(), 4*report.MaxMessage)}
	if c.File != "" {
		fields["file"] = c.File
	}
	if c.Line > 0 {
		fields["line"] = strconv.Itoa(c.Line)
	}
	return fields
}

// caseMessage says which suite, class and Core a failure is about, its
// message, and on a second line its permalink in the downstream repository
// when there is one (report.CaseLink).
func caseMessage(s *outcome.Suite, f report.Failure) string {
	what := string(f.Case.Status)
	switch {
	case f.Class != "":
		what = string(f.Class)
	}
	msg := fmt.Sprintf("%s (%s, core %s): %s", s.Name, what, report.Source(s.Core), report.OneLine(f.Case.Message, 4*report.MaxMessage))
	if link := report.CaseLink(s.Downstream, f.Case); link != "" {
		// The file field is relative to the downstream checkout, which
		// GitHub cannot open from this repository's run: link it.
		msg += "\n" + link
	}
	return msg
}

// bisectAnnotations are a bisection's notices, one per culprit (its
// commit, merge, and the tests it broke; its GitHub link when Core is
// there), and its warnings, one per test that flips.
func bisectAnnotations(res *report.Result) (notices, warns []annotation) {
	if res.Bisect == nil {
		return nil, nil
	}
	for _, d := range res.Bisect.Downstreams {
		for _, c := range d.Culprits {
			var tests []string
			for _, b := range c.Broken {
				tests = append(tests, b.ID)
			}
			msg := fmt.Sprintf("%s broke %d test(s): %s", report.CulpritLine(d, c), len(tests), report.OneLine(strings.Join(tests, ", "), 4*report.MaxMessage))
			if link := report.CulpritLink(res, c); link != "" {
				msg += "\n" + link
			}
			title := fmt.Sprintf("bisect: %s broken by %s", d.Name, report.CulpritName(c))
			notices = append(notices, annotation{notice: true, fields: map[string]string{"title": title}, msg: msg})
		}
		for _, f := range d.Flips {
			title := fmt.Sprintf("bisect: %s: %s flips", d.Name, report.OneLine(f.ID, 2*report.MaxMessage))
			warns = append(warns, annotation{fields: map[string]string{"title": title}, msg: "attributed to no commit; seen " + report.FlipSeen(f)})
		}
	}
	return notices, warns
}

// brokenBy is the culprit a bisection attributes a downstream's test to.
func brokenBy(res *report.Result, downstream, id string) (bisect.Culprit, bool) {
	if res.Bisect == nil {
		return bisect.Culprit{}, false
	}
	for _, d := range res.Bisect.Downstreams {
		for _, c := range d.Culprits {
			if d.Name == downstream && slices.ContainsFunc(c.Broken, func(b compare.Case) bool { return b.ID == id }) {
				return c, true
			}
		}
	}
	return bisect.Culprit{}, false
}
