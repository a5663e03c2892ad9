package report

import (
	"encoding/json"
	"fmt"
	"io"
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
	name := filepath.Join(dir, SummaryJSON)
	f, err := root.Open(SummaryJSON)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (was the directory written by contracts run?)", name, err)
	}
	res, err := ReadSummary(name, f)
	f.Close()
	if err != nil {
		return nil, err
	}
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

// ReadSummary reads a summary.json (name names it in errors) into a
// result without test cases (those are in the JUnit reports Load reads):
// enough for the verdicts, counts and durations. It is validated as Load
// validates it.
func ReadSummary(name string, r io.Reader) (*Result, error) {
	var doc summaryDoc
	if err := json.NewDecoder(&bounded{r: r, left: MaxSummarySize}).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, this tool reads %q", name, doc.Schema, Schema)
	}
	if err := validate(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return fromDoc(doc), nil
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

// errTooLarge is what bounded returns past its limit.
var errTooLarge = fmt.Errorf("larger than %d MiB", MaxSummarySize>>20)

// bounded reads at most left bytes from r, then fails with errTooLarge.
type bounded struct {
	r    io.Reader
	left int64
}

func (b *bounded) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}
