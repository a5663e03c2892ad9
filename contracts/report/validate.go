package report

import (
	"fmt"
	"path"
	"path/filepath"
	"regexp"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

var (
	sha         = regexp.MustCompile(`^([0-9a-f]{40})?$`)
	toolVersion = regexp.MustCompile(`^[0-9A-Za-z.+_-]{0,64}$`)
	logPath     = regexp.MustCompile(`^[A-Za-z0-9._/-]*$`)
)

// validate checks what Load read before anything renders or opens it: a
// report directory may come from an untrusted workflow's artifacts, so
// names, refs and paths must be what Write would have written.
func validate(d summaryDoc) error {
	if d.Tool != nil && !toolVersion.MatchString(d.Tool.Version) {
		return fmt.Errorf("tool version %q is not a version", d.Tool.Version)
	}
	for _, runs := range [][]runDoc{d.Baselines, d.Runs} {
		for _, r := range runs {
			if err := validateRun(r); err != nil {
				return fmt.Errorf("run %q: %w", r.Label, err)
			}
		}
	}
	if d.Bisect != nil {
		if err := validateBisect(d.Bisect); err != nil {
			return fmt.Errorf("bisect: %w", err)
		}
	}
	if d.Shard != nil {
		return validateShard(d.Shard)
	}
	return nil
}

// validateBisect checks a bisection's answers hold what rendering needs
// and name only full SHAs and reports Write would have written.
func validateBisect(b *bisect.Result) error {
	commits := []*bisect.Commit{&b.Good.Commit, &b.Bad.Commit}
	for _, d := range b.Downstreams {
		if err := matrix.ValidateName(d.Name); err != nil {
			return err
		}
		for i := range d.Culprits {
			c := &d.Culprits[i]
			switch {
			case c.Status == bisect.Found && c.Commit == nil, c.Status == bisect.Range && len(c.Range) == 0:
				return fmt.Errorf("%s: culprit %d: status %s without its commits", d.Name, i+1, c.Status)
			case c.Status != bisect.Found && c.Status != bisect.Range:
				return fmt.Errorf("%s: culprit %d: status %q, want found or range", d.Name, i+1, c.Status)
			case c.Report != "" && c.Report != BisectReport(d.Name, c.End()):
				return fmt.Errorf("%s: culprit %d: report %q, want %q", d.Name, i+1, c.Report, BisectReport(d.Name, c.End()))
			}
			commits = append(commits, c.Commit, c.Merge, c.LastGood)
			for j := range c.Range {
				commits = append(commits, &c.Range[j])
			}
		}
		for i := range d.Flips {
			for j := range d.Flips[i].Seen {
				commits = append(commits, &d.Flips[i].Seen[j].Commit)
			}
		}
	}
	for _, c := range commits {
		if c != nil && (!refs.IsFullSHA(c.SHA) || c.Short != c.SHA[:7]) {
			return fmt.Errorf("commit %q (%q) is not a full SHA with its short form", c.SHA, c.Short)
		}
	}
	return nil
}

func validateRun(r runDoc) error {
	if r.Label == "" || SafeName(r.Label) != r.Label || SafeName(r.Python) != r.Python && r.Python != "" {
		return fmt.Errorf("label %q or python %q is not a safe name", r.Label, r.Python)
	}
	if err := validateSource(r.Core); err != nil {
		return err
	}
	for _, s := range r.Suites {
		if err := validateSuite(r.Label, s); err != nil {
			return fmt.Errorf("suite %q: %w", s.Name, err)
		}
	}
	return nil
}

func validateSuite(label string, s suiteDoc) error {
	if err := matrix.ValidateName(s.Name); err != nil {
		return err
	}
	if want := SuiteReport(label, s.Name); s.Report != want {
		return fmt.Errorf("report %q, want %q", s.Report, want)
	}
	if s.Log != "" && (!logPath.MatchString(s.Log) || path.Clean(s.Log) != s.Log || !filepath.IsLocal(s.Log)) {
		return fmt.Errorf("log path %q is not a clean relative path", s.Log)
	}
	if err := validateSource(s.Core); err != nil {
		return err
	}
	return validateSource(s.Downstream)
}

func validateSource(s plan.Source) error {
	if !sha.MatchString(s.SHA) {
		return fmt.Errorf("sha %q is not a full commit id", s.SHA)
	}
	if s.Ref == "" || s.Ref == "local" {
		return nil
	}
	return refs.Validate(s.Ref)
}
