package junit

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse checks that Parse never panics and that whatever it accepts
// survives Write and a second Parse unchanged: the same suites (name,
// time, timestamp, properties) and the same cases. Seeds: the pytest
// fixtures, the corpus in testdata/fuzz/FuzzParse and the documents below.
//
//	go test ./contracts/junit/ -run '^$' -fuzz FuzzParse -fuzztime 20s
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/pytest-*.xml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, doc := range []string{
		`<testsuite name="s"><testcase classname="tests.test_a" name="t" time="1e-3"><failure message="m"><![CDATA[tests/test_a.py:3: in t <raw> & "q"]]></failure></testcase></testsuite>`,
		`<?xml version="1.0"?><!-- c --><testsuites><testsuite><properties><property name="a">v<!-- x --></property></properties><?pi x?><testcase name="n" file="f.py" line="9"><skipped/><error message="e">  </error></testcase></testsuite></testsuites>`,
		`<testsuites><testsuite name="o"><testsuite name="i"><testcase name="x"><properties><property name="k" value="&#x9;&#xD;&#xA;"/></properties></testcase></testsuite></testsuite></testsuites>`,
		`<testsuites><testsuite><testcase name="a" time="NaN"/><x y='"'>z</x></testsuite></testsuites>`,
		"<testsuites>\r\n<testsuite name=\"\xc3\xa9\">text\r\n</testsuite></testsuites>",
	} {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := Parse(bytes.NewReader(data))
		if err != nil {
			if rep != nil {
				t.Fatal("a report with an error")
			}
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, rep); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("Parse(Write(r)): %v\n%s", err, buf.Bytes())
		}
		if len(back.Suites) != len(rep.Suites) {
			t.Fatalf("%d suites became %d", len(rep.Suites), len(back.Suites))
		}
		for i, s := range rep.Suites {
			b := back.Suites[i]
			if b.Name != s.Name || b.Time != s.Time || b.Timestamp != s.Timestamp || !reflect.DeepEqual(b.Properties, s.Properties) {
				t.Fatalf("suite %d changed:\n%+v\n%+v", i, s, b)
			}
		}
		if !reflect.DeepEqual(rep.Cases(), back.Cases()) {
			t.Fatalf("cases changed:\n%+v\n%+v\n%s", rep.Cases(), back.Cases(), buf.Bytes())
		}
	})
}
