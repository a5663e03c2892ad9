package report

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
)

// hugeFailingResult is a run whose Markdown passes GitHub's 1 MiB job
// summary limit: 300 suites, each failing 60 tests with long messages.
func hugeFailingResult() *Result {
	run := Run{Label: "v2.0.0", Core: coreV2}
	for i := range 300 {
		cases := make([]junit.Case, 0, 60)
		for j := range 60 {
			cases = append(cases, tc(fmt.Sprintf("quotes_%03d", j), fail, strings.Repeat(fmt.Sprintf("assert quote %d of suite %d ", j, i), 12)))
		}
		run.Suites = append(run.Suites, out(coreV2, fmt.Sprintf("downstream-%03d", i), outcome.Failed, "", time.Second, cases...))
	}
	return &Result{Version: Version, Started: t0, Finished: t0.Add(time.Minute), Runs: []Run{run}}
}

// TestSummaryMarkdownIsCut: past GitHub's job summary limit, summary.md is
// cut at a line break below MaxMarkdown, ending with a note that points to
// the full report; what is kept is the start of the whole summary.
func TestSummaryMarkdownIsCut(t *testing.T) {
	res := hugeFailingResult()
	dir := t.TempDir()
	if err := Write(dir, res); err != nil {
		t.Fatal(err)
	}
	var full strings.Builder // as Write rendered it (labelled, with links)
	Markdown(&full, res, MarkdownOptions{Links: true})
	if full.Len() <= MaxMarkdown {
		t.Fatalf("the fixture's summary is %d bytes, not past the limit", full.Len())
	}
	data, err := os.ReadFile(filepath.Join(dir, SummaryMD))
	if err != nil {
		t.Fatal(err)
	}
	md := string(data)
	kept, note, ok := strings.Cut(md, "\n*(cut at 1000 KiB, GitHub's job summary limit: ")
	switch {
	case len(md) > MaxMarkdown || len(md) > 1<<20:
		t.Errorf("summary.md is %d bytes, over the limit", len(md))
	case !ok || !strings.Contains(note, "summary.json, junit.xml and junit/"):
		t.Errorf("summary.md does not end with a note pointing to the full report:\n...%s", md[max(0, len(md)-300):])
	case !strings.HasPrefix(full.String(), kept) || !strings.HasSuffix(kept, "\n"):
		t.Error("summary.md is not the whole summary's start, cut at a line break")
	}
	if small := CutMarkdown("# ok\n", "elsewhere"); small != "# ok\n" {
		t.Errorf("a short summary was changed: %q", small)
	}
}
