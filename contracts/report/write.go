package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// Write writes every report of res into outDir (created if needed): one
// JUnit file per suite of every run, baselines included (its path is set
// in outcome.Suite.Report), junit.xml, summary.json and summary.md.
//
// Write first labels the runs (see Run.Label), classifies them (Classify),
// fixes FailOn to the effective policy, sets res.Dir, and res.Tool to this
// binary's version when the caller left it empty. Files are written
// through an os.Root, so nothing lands outside outDir, whatever the names.
func Write(outDir string, res *Result) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(outDir)
	if err != nil {
		return err
	}
	defer root.Close()
	assignLabels(res)
	res.Classify()
	res.Version, res.FailOn, res.Dir = Version, res.Policy(), outDir
	if res.Tool == "" {
		res.Tool = version.String()
	}
	merged, err := writeSuites(root, res)
	if err != nil {
		return err
	}
	if err := writeJUnit(root, MergedJUnit, merged); err != nil {
		return err
	}
	if res.Bisect != nil {
		if err := writeBisect(root, res); err != nil {
			return err
		}
	}
	if err := writeJSON(root, SummaryJSON, toDoc(res)); err != nil {
		return err
	}
	var md strings.Builder
	Markdown(&md, res, MarkdownOptions{Links: true})
	full := CutMarkdown(md.String(), "every suite and failing test is in summary.json, junit.xml and junit/ next to this file")
	return root.WriteFile(SummaryMD, []byte(full), 0o644)
}

// writeSuites writes each suite's report and returns the merged report of
// the candidate runs.
func writeSuites(root *os.Root, res *Result) (*junit.Report, error) {
	merged := &junit.Report{}
	for i := range res.Baselines {
		if _, err := writeRun(root, res, &res.Baselines[i], false); err != nil {
			return nil, err
		}
	}
	for i := range res.Runs {
		suites, err := writeRun(root, res, &res.Runs[i], len(res.Runs) > 1)
		if err != nil {
			return nil, err
		}
		merged.Suites = append(merged.Suites, suites...)
	}
	return merged, nil
}

// writeRun writes the run's suite reports; the returned suites are named
// for the merged report (with the run's title when there are several).
func writeRun(root *os.Root, res *Result, run *Run, titled bool) ([]junit.Suite, error) {
	var out []junit.Suite
	written := map[string]string{}
	for i := range run.Suites {
		s := &run.Suites[i]
		rel := SuiteReport(run.Label, s.Name)
		if other, dup := written[rel]; dup {
			return nil, fmt.Errorf("suites %q and %q of run %s would share the report %s", other, s.Name, run.Label, rel)
		}
		written[rel] = s.Name
		js := suiteReport(run, s, run.Compared(s.Name))
		js.Properties = append(js.Properties, readinessProps(run, s)...)
		js.Properties = append(js.Properties, toolProp(res))
		if err := writeJUnit(root, rel, &junit.Report{Suites: []junit.Suite{js}}); err != nil {
			return nil, err
		}
		s.Report = rel
		if titled {
			js.Name = fmt.Sprintf("%s [%s]", s.Name, run.Title())
		}
		out = append(out, js)
	}
	return out, nil
}

func writeJUnit(root *os.Root, rel string, rep *junit.Report) error {
	var b bytes.Buffer
	if err := junit.Write(&b, rep); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if err := root.MkdirAll(path.Dir(rel), 0o755); err != nil {
		return err
	}
	return root.WriteFile(rel, b.Bytes(), 0o644)
}

func writeJSON(root *os.Root, rel string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return root.WriteFile(rel, append(b, '\n'), 0o644)
}
