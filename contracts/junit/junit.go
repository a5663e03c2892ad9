// Package junit reads, writes and merges JUnit XML reports.
//
// The reader is hardened for reports written by code under test: it bounds
// input size, attribute size and nesting depth, refuses DTDs and entities,
// and reports invalid UTF-8 and truncation as errors instead of crashing.
// The writer produces the common subset of JUnit that pytest documents
// against Jenkins' junit-10.xsd, which CI consumers read.
package junit

import "time"

// Status is the outcome of one test case.
type Status string

// The statuses a test case can have.
const (
	StatusPassed  Status = "passed"
	StatusFailed  Status = "failed"
	StatusError   Status = "error"
	StatusSkipped Status = "skipped"
)

// Report is a parsed JUnit document: one or more test suites.
type Report struct {
	// Suites are the document's <testsuite> elements, nested ones flattened.
	Suites []Suite
}

// Suite is one <testsuite>.
type Suite struct {
	// Name is the suite's name attribute (pytest: junit_suite_name).
	Name string
	// Time is the suite's duration.
	Time time.Duration
	// Timestamp is the timestamp attribute as written.
	Timestamp string
	// Properties are the suite's <property> elements, in order.
	Properties []Property
	// Cases are its <testcase> elements, in order.
	Cases []Case
}

// Property is a <property name= value=> of a suite.
type Property struct {
	// Name is the property's name attribute.
	Name string
	// Value is its value attribute.
	Value string
}

// Case is one <testcase>.
type Case struct {
	// Classname is the dotted class path pytest writes (tests.contracts.test_x.TestY).
	Classname string
	// Name is the test function name, with parameters.
	Name string
	// File and Line locate the test when the report carries them (xunit1) or
	// when they can be derived from the failure traceback.
	File string
	Line int
	// Time is the test's duration.
	Time time.Duration
	// Status is passed unless a failure, error or skipped element is present.
	Status Status
	// Message is the failure/error/skip message attribute; Text its body.
	Message string
	Text    string
	// Properties are per-case properties (used for regression classification).
	Properties []Property
}

// Counts sums the cases of a suite by status.
type Counts struct {
	Tests, Passed, Failed, Errors, Skipped int
}

// Count tallies cases by status.
func Count(cases []Case) Counts {
	var c Counts
	for _, tc := range cases {
		c.Tests++
		switch tc.Status {
		case StatusFailed:
			c.Failed++
		case StatusError:
			c.Errors++
		case StatusSkipped:
			c.Skipped++
		default:
			c.Passed++
		}
	}
	return c
}

// ID returns the case's identity across runs: classname::name.
func (c Case) ID() string {
	if c.Classname == "" {
		return c.Name
	}
	return c.Classname + "::" + c.Name
}

// Cases returns the cases of every suite, in document order.
func (r *Report) Cases() []Case {
	if r == nil {
		return nil
	}
	n := 0
	for _, s := range r.Suites {
		n += len(s.Cases)
	}
	out := make([]Case, 0, n)
	for _, s := range r.Suites {
		out = append(out, s.Cases...)
	}
	return out
}

// Merge returns one report holding the suites of all reports in order;
// nil reports are skipped. Suites are shared, not copied.
func Merge(reports ...*Report) *Report {
	out := &Report{}
	for _, r := range reports {
		if r != nil {
			out.Suites = append(out.Suites, r.Suites...)
		}
	}
	return out
}
