package report

import (
	"fmt"
	"path"
	"regexp"
)

// Fixed names inside the output directory.
const (
	SummaryJSON = "summary.json"
	SummaryMD   = "summary.md"
	MergedJUnit = "junit.xml"
	JUnitDir    = "junit"
)

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SafeName turns a ref, label or name into one safe path component:
// anything but letters, digits, '.', '_' and '-' becomes '_', and a leading
// '.' or '-' gets a '_' prefix ("refs/pull/7/head" -> "refs_pull_7_head").
func SafeName(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if s == "" || s[0] == '.' || s[0] == '-' {
		s = "_" + s
	}
	return s
}

// SuiteReport is the path of a suite's JUnit report relative to the output
// directory: junit/<run label>/<suite name>.xml.
func SuiteReport(label, suite string) string {
	return path.Join(JUnitDir, SafeName(label), SafeName(suite)+".xml")
}

// defaultLabel derives a run's label from its Core ref and Python.
func defaultLabel(run *Run, baseline bool) string {
	l := run.Core.Ref
	if l == "" {
		l = "local"
	}
	if baseline {
		l = "baseline-" + l
	}
	if run.Python != "" {
		l += "-py" + run.Python
	}
	return SafeName(l)
}

// assignLabels gives every run a safe label, unique across the result and
// never BisectLabel in a bisection (a bad ref named "bisect" would
// otherwise share the culprit probes' directory).
func assignLabels(r *Result) {
	used := map[string]bool{}
	if r.Bisect != nil {
		used[BisectLabel] = true
	}
	set := func(run *Run, baseline bool) {
		l := SafeName(run.Label)
		if run.Label == "" {
			l = defaultLabel(run, baseline)
		}
		unique := l
		for n := 2; used[unique]; n++ {
			unique = fmt.Sprintf("%s-%d", l, n)
		}
		used[unique] = true
		run.Label = unique
	}
	for i := range r.Baselines {
		set(&r.Baselines[i], true)
	}
	for i := range r.Runs {
		set(&r.Runs[i], false)
	}
}
