package host

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// checkJobs returns, per job, why the runner refuses it (nil when it does
// not). A plan is plain data and not every plan comes from a validated
// matrix: names, cache keys and paths that would place files outside the
// runner's directories are refused, and so is a second job with the same
// label and suite name, which would share the first one's workspace.
func checkJobs(jobs []Job) []error {
	errs := make([]error, len(jobs))
	seen := map[[2]string]bool{}
	for i, j := range jobs {
		key := [2]string{j.Label, j.Suite.Name}
		errs[i] = checkJob(j)
		if errs[i] == nil && seen[key] {
			errs[i] = fmt.Errorf("refused: another job of this run has label %q and suite %q", j.Label, j.Suite.Name)
		}
		seen[key] = true
	}
	return errs
}

func checkJob(j Job) error {
	s := j.Suite
	names := [][2]string{{"label", j.Label}, {"suite name", s.Name}}
	if s.Error == "" {
		names = append(names, [2]string{"downstream key", s.DownstreamKey}, [2]string{"core build key", j.CoreBuild.Key})
	}
	for _, n := range names {
		if !isName(n[1]) {
			return fmt.Errorf("refused: %s %q is not a plain directory name", n[0], n[1])
		}
	}
	if s.Error != "" {
		return nil
	}
	paths := [][2]string{{"contract path", s.Tests}, {"report path", s.Report}}
	for _, f := range s.Files {
		paths = append(paths, [2]string{"file", f.Path})
		switch f.Layer {
		case "", plan.LayerDownstream, plan.LayerCore, plan.LayerTest:
		default: // the module writes a file with its layer: it would never be written
			return fmt.Errorf("refused: file %q in unknown layer %q", f.Path, f.Layer)
		}
	}
	for _, f := range j.CoreBuild.Files {
		paths = append(paths, [2]string{"core build file", f.Path})
	}
	for _, st := range append(slices.Clone(s.Steps), j.CoreBuild.Steps...) {
		paths = append(paths, [2]string{"working directory of step " + st.Name, st.Dir})
		if len(st.Argv) == 0 {
			return fmt.Errorf("refused: step %q has no command", st.Name)
		}
	}
	for _, p := range paths {
		if !filepath.IsLocal(p[1]) {
			return fmt.Errorf("refused: %s %q leaves the workspace", p[0], p[1])
		}
	}
	if n := len(s.StepsOf(plan.LayerTest)); n != 1 {
		return fmt.Errorf("refused: %d test steps, want 1", n)
	}
	return nil
}

// isName reports whether s is one plain path component.
func isName(s string) bool {
	return filepath.IsLocal(s) && s != "." && !strings.ContainsAny(s, `/\`)
}

func refused(j Job, err error) outcome.Suite {
	s := base(j.Suite)
	s.Verdict, s.Reason = outcome.Error, err.Error()
	return s
}
