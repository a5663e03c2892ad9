package report

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// MaxSummarySize bounds summary.json.
const MaxSummarySize = 64 << 20

// Load reads the result that Write wrote into dir: summary.json, then every
// suite's JUnit report for its cases. It classifies the result again and
// sets res.Dir. Errors name the file at fault. Report paths are opened
// through an os.Root, so a crafted summary.json cannot read outside dir.
func Load(dir string) (*Result, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("report directory: %w", err)
	}
	defer root.Close()
	doc, err := readSummary(root, filepath.Join(dir, SummaryJSON))
	if err != nil {
		return nil, err
	}
	if err := validate(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, SummaryJSON), err)
	}
	res := fromDoc(doc)
	for _, runs := range [][]Run{res.Baselines, res.Runs} {
		for i := range runs {
			if err := loadCases(root, dir, &runs[i]); err != nil {
				return nil, err
			}
		}
	}
	res.Classify()
	res.Dir = dir
	return res, nil
}

func readSummary(root *os.Root, name string) (summaryDoc, error) {
	var doc summaryDoc
	f, err := root.Open(SummaryJSON)
	if err != nil {
		return doc, fmt.Errorf("%s: %w (was the directory written by contracts run?)", name, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxSummarySize {
		return doc, fmt.Errorf("%s: larger than %d MiB", name, MaxSummarySize>>20)
	}
	dec := json.NewDecoder(f)
	if err := dec.Decode(&doc); err != nil {
		return doc, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Schema != Schema {
		return doc, fmt.Errorf("%s: schema %q, this tool reads %q", name, doc.Schema, Schema)
	}
	return doc, nil
}

// loadCases reads each suite's cases from its JUnit report.
func loadCases(root *os.Root, dir string, run *Run) error {
	for i := range run.Suites {
		s := &run.Suites[i]
		name := filepath.Join(dir, filepath.FromSlash(s.Report))
		if s.Report == "" {
			return fmt.Errorf("%s: suite %s of run %s names no report", filepath.Join(dir, SummaryJSON), s.Name, run.Label)
		}
		rep, err := parseIn(root, s.Report)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		s.Cases = loadedCases(rep)
	}
	return nil
}

// parseIn parses a JUnit file inside root (junit.Parse bounds its size).
func parseIn(root *os.Root, rel string) (*junit.Report, error) {
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return junit.Parse(f)
}
