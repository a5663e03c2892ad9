package report

import (
	"path/filepath"
	"testing"

	gojunit "github.com/joshdk/go-junit"
)

// An independent JUnit reader (what CI consumers do) sees the reports the
// way they are meant: the synthesized case fails, suite properties and case
// file attributes are readable,
// and the merged report holds every candidate suite.
func TestReportsReadByAnIndependentReader(t *testing.T) {
	dir := t.TempDir()
	res := regressionFixture()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	store, err := gojunit.IngestFile(filepath.Join(dir, "junit/v2.0.0/store.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(store) != 1 || store[0].Totals.Error != 1 || store[0].Properties["verdict"] != "error" || store[0].Properties["class"] != "regressed" {
		t.Errorf("store: %+v", store)
	}
	if tc := store[0].Tests[0]; tc.Status != gojunit.StatusError || tc.Message == "" {
		t.Errorf("synthesized case: %+v", tc)
	}
	pipe, err := gojunit.IngestFile(filepath.Join(dir, "junit/v2.0.0/pipeline.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := pipe[0].Tests[0]; got.Status != gojunit.StatusFailed || got.Properties["file"] != "tests/contracts/test_quotes.py" || got.Message != hostile {
		t.Errorf("pipeline case 0: %+v", got)
	}
	merged, err := gojunit.IngestFile(filepath.Join(dir, MergedJUnit))
	if err != nil {
		t.Fatal(err)
	}
	tests, failing := 0, 0
	for _, s := range merged {
		tests += s.Totals.Tests
		failing += s.Totals.Failed + s.Totals.Error
	}
	// 4 + 1 synthesized + 3 + 1 synthesized; failures: 2 + 1 + 1 (the
	// flaky case passed) + 1.
	if len(merged) != 4 || tests != 9 || failing != 5 {
		t.Errorf("merged: %d suites, %d tests, %d failing", len(merged), tests, failing)
	}
}
