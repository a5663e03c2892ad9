package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	gojunit "github.com/joshdk/go-junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit/schema"
	"os"
)

// roundTrip writes rep, checks the output is well-formed XML for a plain
// decoder, and parses it back.
func roundTrip(t *testing.T, rep *Report) (*Report, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	dec := xml.NewDecoder(bytes.NewReader(buf.Bytes()))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("Write produced malformed XML: %v\n%s", err, buf.Bytes())
		}
	}
	file := filepath.Join(t.TempDir(), "report.xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(file); err != nil {
		t.Errorf("%v\n%s", err, buf.Bytes())
	}
	back, err := Parse(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Parse(Write(r)): %v\n%s", err, buf.Bytes())
	}
	return back, buf.Bytes()
}

func TestRoundTripPytestFixtures(t *testing.T) {
	files, _ := filepath.Glob("testdata/pytest-*.xml")
	if len(files) < 4 {
		t.Fatalf("fixtures missing: %v", files)
	}
	for _, f := range files {
		rep, err := ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		back, _ := roundTrip(t, rep)
		if !reflect.DeepEqual(rep.Cases(), back.Cases()) {
			t.Errorf("%s: cases changed:\n%+v\n%+v", f, rep.Cases(), back.Cases())
		}
		if back.Suites[0].Name != rep.Suites[0].Name || back.Suites[0].Time != rep.Suites[0].Time || back.Suites[0].Timestamp != rep.Suites[0].Timestamp {
			t.Errorf("%s: suite header changed: %+v", f, back.Suites[0])
		}
	}
}

func TestWriteEscapesAndCleans(t *testing.T) {
	nasty := "a<b>&\"c' ]]> \t\r\nline\x00\x01\x1b[31mred\ufffe\xff end \U0001F600"
	cleaned := "a<b>&\"c' ]]> \t\r\nline[31mred end \U0001F600"
	rep := &Report{Suites: []Suite{{
		Name:       "s" + nasty,
		Properties: []Property{{Name: "k" + nasty, Value: nasty}},
		Cases: []Case{{
			Classname: "tests.test_x", Name: "test_" + nasty, File: "tests/test_x.py", Line: 3,
			Status: StatusFailed, Message: nasty, Text: nasty,
			Properties: []Property{{Name: "p", Value: nasty}},
		}},
	}}}
	back, out := roundTrip(t, rep)
	if bytes.ContainsAny(out, "\x00\x01\x1b") {
		t.Errorf("control characters written:\n%q", out)
	}
	c := back.Cases()[0]
	if c.Message != cleaned || c.Text != cleaned || c.Name != "test_"+cleaned || c.Properties[0].Value != cleaned {
		t.Errorf("got %+v\nwant strings %q", c, cleaned)
	}
	s := back.Suites[0]
	if s.Name != "s"+cleaned || s.Properties[0] != (Property{"k" + cleaned, cleaned}) {
		t.Errorf("suite %+v", s)
	}
	if c.File != "tests/test_x.py" || c.Line != 3 {
		t.Errorf("at %s:%d", c.File, c.Line)
	}
}

func TestWriteCountsFromCases(t *testing.T) {
	rep := &Report{Suites: []Suite{
		{Name: "a", Time: 1500 * time.Millisecond, Cases: []Case{
			{Name: "p", Status: StatusPassed}, {Name: "f", Status: StatusFailed}, {Name: "e", Status: StatusError},
		}},
		{Name: "b", Time: 250 * time.Millisecond, Cases: []Case{{Name: "s", Status: StatusSkipped}, {Name: "u"}}},
	}}
	var buf bytes.Buffer
	if err := Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<testsuites tests="5" failures="1" errors="1" skipped="1" time="1.750">`,
		`<testsuite name="a" tests="3" failures="1" errors="1" skipped="0" time="1.500">`,
		`<testsuite name="b" tests="2" failures="0" errors="0" skipped="1" time="0.250">`,
		`<testcase classname="" name="f" time="0.000">`,
		`<failure/>`, `<error/>`, `<skipped/>`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
}

func TestWriteNilAndEmpty(t *testing.T) {
	for _, rep := range []*Report{nil, {}, {Suites: []Suite{{Name: "empty"}}}} {
		var buf bytes.Buffer
		if err := Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `<testsuites tests="0" failures="0" errors="0" skipped="0" time="0.000">`) {
			t.Errorf("empty report written as %s", buf.String())
		}
		back, _ := roundTrip(t, rep)
		if len(back.Cases()) != 0 {
			t.Errorf("cases from nothing: %+v", back.Cases())
		}
	}
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after -= len(p); f.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteReportsWriterErrors(t *testing.T) {
	rep, err := ParseFile("testdata/pytest-xunit2.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int{0, 100, 2000} {
		if err := Write(&failingWriter{after: after}, rep); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("after %d bytes: %v", after, err)
		}
	}
}

func TestFormatSeconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0.000", time.Second: "1.000", 62 * time.Millisecond: "0.062", 1: "0.000000001",
		1234567891 * time.Nanosecond: "1.234567891", 90 * time.Minute: "5400.000", -time.Second: "0.000",
	} {
		if got := formatSeconds(d); got != want {
			t.Errorf("formatSeconds(%v) = %q, want %q", d, got, want)
		}
		if d >= 0 && parseSeconds(formatSeconds(d)) != d {
			t.Errorf("%v does not survive formatting", d)
		}
	}
}

// mergedReport is what the merged report of a contract run looks like:
// one suite per downstream with the run's refs and verdict as properties.
func mergedReport(t *testing.T) *Report {
	t.Helper()
	pipeline, err := ParseFile("testdata/pytest-xunit2.xml")
	if err != nil {
		t.Fatal(err)
	}
	store := &Report{Suites: []Suite{{Name: "store", Cases: []Case{{
		Classname: "contracts", Name: "store", Status: StatusError,
		Message: "install failed: pip exited 1", Text: "ERROR: No matching distribution found for market-data-core",
	}}}}}
	orch := &Report{Suites: []Suite{{Name: "orchestrator", Time: 3 * time.Second, Cases: []Case{
		{Classname: "tests.contracts.test_api", Name: "test_ok", File: "tests/contracts/test_api.py", Time: time.Second, Status: StatusPassed},
		{Classname: "tests.contracts.test_api", Name: "test_skip", File: "tests/contracts/test_api.py", Status: StatusSkipped, Message: "needs redis"},
	}}}}
	merged := Merge(pipeline, nil, store, orch)
	verdicts := []string{"failed", "error", "passed"}
	for i := range merged.Suites {
		s := &merged.Suites[i]
		s.Properties = []Property{
			{"core.ref", "v1.2.0"}, {"core.sha", strings.Repeat("a", 40)},
			{"downstream.ref", "main"}, {"downstream.sha", strings.Repeat("b", 40)},
			{"verdict", verdicts[i]}, {"reason", "reason " + verdicts[i]},
		}
	}
	merged.Suites[1].Name = "store"
	return merged
}

func TestMergedReportRoundTrips(t *testing.T) {
	merged := mergedReport(t)
	back, _ := roundTrip(t, merged)
	if !reflect.DeepEqual(merged.Cases(), back.Cases()) {
		t.Errorf("cases changed")
	}
	for i, s := range back.Suites {
		if !reflect.DeepEqual(s.Properties, merged.Suites[i].Properties) {
			t.Errorf("suite %s properties %+v", s.Name, s.Properties)
		}
	}
}

// An independent reader (github.com/joshdk/go-junit) reads the merged
// report with the same suites, counts, names, statuses and properties.
func TestMergedReportReadsWithGoJunit(t *testing.T) {
	merged := mergedReport(t)
	var buf bytes.Buffer
	if err := Write(&buf, merged); err != nil {
		t.Fatal(err)
	}
	suites, err := gojunit.Ingest(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) != len(merged.Suites) {
		t.Fatalf("go-junit sees %d suites, want %d", len(suites), len(merged.Suites))
	}
	status := map[Status]gojunit.Status{StatusPassed: gojunit.StatusPassed, StatusFailed: gojunit.StatusFailed, StatusError: gojunit.StatusError, StatusSkipped: gojunit.StatusSkipped}
	for i, gs := range suites {
		ours := merged.Suites[i]
		if gs.Name != ours.Name {
			t.Errorf("suite %d named %q, want %q", i, gs.Name, ours.Name)
		}
		gs.Aggregate()
		c := Count(ours.Cases)
		if gs.Totals.Tests != c.Tests || gs.Totals.Passed != c.Passed || gs.Totals.Failed != c.Failed || gs.Totals.Error != c.Errors || gs.Totals.Skipped != c.Skipped {
			t.Errorf("suite %s totals %+v, want %+v", ours.Name, gs.Totals, c)
		}
		for _, p := range ours.Properties {
			if gs.Properties[p.Name] != p.Value {
				t.Errorf("suite %s property %s = %q, want %q", ours.Name, p.Name, gs.Properties[p.Name], p.Value)
			}
		}
		for j, gt := range gs.Tests {
			oc := ours.Cases[j]
			if gt.Name != oc.Name || gt.Classname != oc.Classname || gt.Status != status[oc.Status] || gt.Duration != oc.Time {
				t.Errorf("test %d of %s: go-junit %s/%s %s %v, ours %s/%s %s %v", j, ours.Name, gt.Classname, gt.Name, gt.Status, gt.Duration, oc.Classname, oc.Name, oc.Status, oc.Time)
			}
			if oc.Status != StatusPassed && gt.Message != oc.Message {
				t.Errorf("test %s message %q, want %q", oc.ID(), gt.Message, oc.Message)
			}
			if (oc.Status == StatusFailed || oc.Status == StatusError) && (gt.Error == nil || gt.Error.Error() != oc.Text) {
				t.Errorf("test %s error body %v, want %q", oc.ID(), gt.Error, oc.Text)
			}
			if oc.File != "" && gt.Properties["file"] != oc.File {
				t.Errorf("test %s file attribute %q, want %q", oc.ID(), gt.Properties["file"], oc.File)
			}
		}
	}
}
