package schema

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaRejects: the schema is not vacuous: each thing junit-10.xsd
// and its three additions do not allow is refused, and the additions are
// accepted.
func TestSchemaRejects(t *testing.T) {
	ok := `<testsuites tests="1" failures="0" errors="0" skipped="0" time="0.1"><testsuite name="s" tests="1" failures="0" errors="0" skipped="0" time="0.100"><properties><property name="a" value="b"/></properties><testcase classname="c" name="n" time="0.1" file="t.py" line="3"><properties><property name="x" value="y"/></properties><failure message="m">text</failure></testcase></testsuite></testsuites>`
	dir := t.TempDir()
	write := func(name, xml string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(xml), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := Validate(write("ok.xml", ok)); err != nil {
		t.Fatalf("a report with the three additions: %v", err)
	}
	for name, bad := range map[string]string{
		"unknown testcase attribute": strings.Replace(ok, `line="3"`, `line="3" owner="x"`, 1),
		"unknown element":            strings.Replace(ok, `<failure message="m">text</failure>`, `<flake/>`, 1),
		"missing required count":     strings.Replace(ok, `failures="0" errors="0" skipped="0" time="0.100"`, `errors="0" time="0.100"`, 1),
		"two results":                strings.Replace(ok, `text</failure>`, `text</failure><error/>`, 1),
		"non-numeric time":           strings.Replace(ok, `time="0.1" file`, `time="fast" file`, 1),
		"properties after a case":    strings.Replace(ok, `<properties><property name="a" value="b"/></properties><testcase`, `<testcase`, 1) + "",
	} {
		if name == "properties after a case" {
			bad = strings.Replace(bad, `</testcase></testsuite>`, `</testcase><properties/></testsuite>`, 1)
		}
		if err := Validate(write(strings.ReplaceAll(name, " ", "-")+".xml", bad)); err == nil {
			t.Errorf("%s: validates", name)
		}
	}
}
