// Package synth makes JUnit reports of a given size for benchmarks and
// memory checks: pytest-like cases, one in ten failing with a short
// traceback, one in twenty skipped.
package synth

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// Report returns a one-suite report named suite with n cases.
func Report(suite string, n int) *junit.Report {
	s := junit.Suite{Name: suite, Timestamp: "2024-01-01T00:00:00", Properties: []junit.Property{{Name: "downstream", Value: suite}}}
	for i := range n {
		mod := fmt.Sprintf("test_mod%d", i%7)
		c := junit.Case{
			Classname: "tests.contracts." + mod + ".TestContract",
			Name:      fmt.Sprintf("test_field_%d[param-%d]", i, i%3),
			File:      "tests/contracts/" + mod + ".py",
			Time:      time.Duration(i%97) * time.Millisecond,
			Status:    junit.StatusPassed,
		}
		switch {
		case i%10 == 3:
			c.Status, c.Line = junit.StatusFailed, 10+i%50
			c.Message = "AssertionError: field 'bid' changed type\nassert 'float' == 'Decimal'"
			c.Text = fmt.Sprintf("%s:%d: in %s\n    assert schema['bid'] == 'Decimal'\nE   AssertionError: field 'bid' changed type\nE   assert 'float' == 'Decimal'", c.File, c.Line, c.Name)
		case i%20 == 7:
			c.Status, c.Message = junit.StatusSkipped, "needs a live feed"
		}
		s.Cases = append(s.Cases, c)
	}
	return &junit.Report{Suites: []junit.Suite{s}}
}

// WriteFiles writes files reports holding cases cases in total into dir
// and returns their paths.
func WriteFiles(dir string, files, cases int) ([]string, error) {
	var paths []string
	for i := range files {
		n := cases / files
		if i < cases%files {
			n++
		}
		path := filepath.Join(dir, fmt.Sprintf("suite-%03d.xml", i))
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		err = junit.Write(f, Report(fmt.Sprintf("suite-%03d", i), n))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Merge parses every file and writes one merged report to w, returning
// the number of cases merged.
func Merge(paths []string, w interface{ Write([]byte) (int, error) }) (int, error) {
	reps := make([]*junit.Report, 0, len(paths))
	for _, p := range paths {
		r, err := junit.ParseFile(p)
		if err != nil {
			return 0, err
		}
		reps = append(reps, r)
	}
	merged := junit.Merge(reps...)
	return len(merged.Cases()), junit.Write(w, merged)
}
