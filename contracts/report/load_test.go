package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// written writes the regression fixture and returns its directory.
func written(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := Write(dir, regressionFixture()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit rewrites a file of dir with old replaced by new (once, required).
func edit(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s lacks %q", rel, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	for _, tc := range []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		file    string
		want    string
	}{
		{"no summary", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, SummaryJSON)) }, SummaryJSON, "no such file"},
		{"not JSON", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, SummaryJSON), []byte("{"), 0o644) }, SummaryJSON, "unexpected EOF"},
		{"other schema", func(t *testing.T, dir string) { edit(t, dir, SummaryJSON, Schema, "market-data-contracts/summary/v9") }, SummaryJSON, "summary/v9"},
		{"report path tampered", func(t *testing.T, dir string) {
			edit(t, dir, SummaryJSON, `"junit/v2.0.0/pipeline.xml"`, `"../../../etc/passwd"`)
		}, SummaryJSON, "etc/passwd"},
		{"log path tampered", func(t *testing.T, dir string) {
			edit(t, dir, SummaryJSON, `"logs/x/pipeline.log"`, `"../secret.log"`)
		}, SummaryJSON, "secret.log"},
		{"hostile ref", func(t *testing.T, dir string) {
			edit(t, dir, SummaryJSON, `"ref": "v2.0.0"`, `"ref": "--upload-pack=x"`)
		}, SummaryJSON, "invalid ref"},
		{"hostile tool version", func(t *testing.T, dir string) {
			edit(t, dir, SummaryJSON, `"version": "`+version.String()+`"`, `"version": "<!channel> v1"`)
		}, SummaryJSON, "not a version"},
		{"hostile name", func(t *testing.T, dir string) { edit(t, dir, SummaryJSON, `"name": "store"`, `"name": "<b>store</b>"`) }, SummaryJSON, "not usable"},
		{"missing JUnit", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "junit/v2.0.0/store.xml")) }, "junit/v2.0.0/store.xml", "no such file"},
		{"broken JUnit", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, "junit/v2.0.0/store.xml"), []byte("<testsuites><testsuite>"), 0o644)
		}, "junit/v2.0.0/store.xml", "junit"},
		{"JUnit symlinked out of the directory", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "x.xml")
			os.WriteFile(outside, []byte("<testsuites/>"), 0o644)
			os.Remove(filepath.Join(dir, "junit/v2.0.0/store.xml"))
			if err := os.Symlink(outside, filepath.Join(dir, "junit/v2.0.0/store.xml")); err != nil {
				t.Fatal(err)
			}
		}, "junit/v2.0.0/store.xml", "escapes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := written(t)
			tc.corrupt(t, dir)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, tc.file)) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v; want an error naming %s and containing %q", err, tc.file, tc.want)
			}
		})
	}
}

func TestLoadMissingDirectory(t *testing.T) {
	if _, err := Load(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Load of a missing directory: %v", err)
	}
}
