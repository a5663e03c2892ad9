package report

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

// ReadinessOf is the release readiness of suite s of run (package
// readiness): its pin against whether its contracts hold against that
// Core. With a baseline, regressions decide (a test failing on both sides
// does not make a release break the downstream); without one, the verdict
// does.
func ReadinessOf(run *Run, s *outcome.Suite) (readiness.Value, string) {
	hold := s.Verdict == outcome.Passed
	if c := run.Compared(s.Name); c != nil {
		hold = !c.Class.Breaking()
	}
	return readiness.Of(s.Pin, s.Verdict.Ran(), hold)
}

// coreVersion is the version of Core a run installed (from its suites'
// readiness facts), or "" when no suite got that far.
func coreVersion(run *Run) string {
	for _, s := range run.Suites {
		if s.Pin != nil && s.Pin.CoreVersion != "" {
			return s.Pin.CoreVersion
		}
	}
	return ""
}

// Release is the run's release line, naming the Core version and the run
// (two refs may build the same version): "Core 2.0.0 (v2.0.0): 1 ready,
// 1 needs-bump, 1 breaks-now".
func Release(run *Run) string {
	counts := map[readiness.Value]int{}
	for i := range run.Suites {
		v, _ := ReadinessOf(run, &run.Suites[i])
		counts[v]++
	}
	version := coreVersion(run)
	if version == "" {
		version = "at " + Source(run.Core)
	} else {
		version += " (" + run.Title() + ")" // v1.2.0 and main may both be 1.2.0
	}
	return readiness.Summary(version, counts)
}

// termReadiness prints each run's release line and every suite's readiness
// with its reason.
func termReadiness(w io.Writer, res *Result) {
	fmt.Fprint(w, "\nRELEASE READINESS\n")
	for i := range res.Runs {
		run := &res.Runs[i]
		fmt.Fprintf(w, "%s\n", OneLine(Release(run), 2*MaxMessage))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for j := range run.Suites {
			v, why := ReadinessOf(run, &run.Suites[j])
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", run.Suites[j].Name, v, OneLine(why, 2*MaxMessage))
		}
		tw.Flush()
	}
}

// mdReadiness writes the same as Markdown.
func mdReadiness(w io.Writer, res *Result) {
	fmt.Fprint(w, "\n## Release readiness\n")
	for i := range res.Runs {
		run := &res.Runs[i]
		fmt.Fprintf(w, "\n**%s**\n\n| repo | readiness | why |\n|---|---|---|\n", MDText(Release(run), 2*MaxMessage))
		for j := range run.Suites {
			v, why := ReadinessOf(run, &run.Suites[j])
			fmt.Fprintf(w, "| %s | %s | %s |\n", MDText(run.Suites[j].Name, 100), v, MDText(why, 2*MaxMessage))
		}
	}
}
