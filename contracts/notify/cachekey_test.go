package notify

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// The workflows cache a run's reports for the next run's notify under a
// key that names summary.json's schema version (contract-reports-summary-
// v2-...): after a bump, restore-keys match no reports of the older schema,
// which report.Load refuses.
func TestWorkflowCacheKeysNameTheSchema(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	prefix := "contract-reports-summary-" + path.Base(report.Schema) + "-"
	keys := regexp.MustCompile(`(?m)^\s*(key|restore-keys):\s*(contract-reports\S*)`)
	found := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keys.FindAllStringSubmatch(string(data), -1) {
			found++
			if len(m[2]) < len(prefix) || m[2][:len(prefix)] != prefix {
				t.Errorf("%s: %s %s, want it to start with %s (summary.json's schema is %s)", filepath.Base(f), m[1], m[2], prefix, report.Schema)
			}
		}
	}
	if found == 0 {
		t.Error("no workflow caches reports under a contract-reports key")
	}
}
