package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// TestCheckOutNeverDeletesForeignFiles: an earlier run's reports are
// cleared; a directory holding a user's own logs/ is refused, untouched.
func TestCheckOutNeverDeletesForeignFiles(t *testing.T) {
	mine := t.TempDir()
	os.MkdirAll(filepath.Join(mine, "logs", "app"), 0o755)
	os.WriteFile(filepath.Join(mine, "logs", "app", "keep.log"), []byte("precious"), 0o644)
	if err := checkOut(mine); err == nil || !strings.Contains(err.Error(), "logs") {
		t.Fatalf("checkOut of a directory with the user's logs/: %v, want a refusal naming logs", err)
	}
	if _, err := os.Stat(filepath.Join(mine, "logs", "app", "keep.log")); err != nil {
		t.Fatal("the user's log was deleted")
	}

	earlier := t.TempDir()
	os.WriteFile(filepath.Join(earlier, report.SummaryJSON), []byte(`{"schema":"`+report.Schema+`"}`), 0o644)
	os.MkdirAll(filepath.Join(earlier, "junit", "old-label"), 0o755)
	os.WriteFile(filepath.Join(earlier, "notes.txt"), []byte("mine"), 0o644)
	if err := checkOut(earlier); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(earlier, "junit")); err == nil {
		t.Error("an earlier run's junit/ was kept")
	}
	if _, err := os.Stat(filepath.Join(earlier, "notes.txt")); err != nil {
		t.Error("a file that is not a report was deleted")
	}
	// Reports of an earlier version of this tool (another schema version).
	older := t.TempDir()
	os.WriteFile(filepath.Join(older, report.SummaryJSON), []byte(`{"schema":"market-data-contracts/summary/v1"}`), 0o644)
	os.MkdirAll(filepath.Join(older, "junit", "bisect"), 0o755)
	if err := checkOut(older); err != nil {
		t.Errorf("an earlier version's reports: %v", err)
	}
	if err := checkOut(filepath.Join(t.TempDir(), "new", "dir")); err != nil {
		t.Errorf("a new directory: %v", err)
	}
}
