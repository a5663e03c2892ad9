package host

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// maxRerunCases bounds how many failing tests are rerun: a suite that
// broke wholesale is not flaky, and reruns cost time.
const maxRerunCases = 20

// rerun runs each failing case alone, up to Reruns times, and returns the
// IDs of the cases that passed on a rerun: they are flaky. Collection
// errors are not rerun: they have no test to run alone.
func (r *Runner) rerun(ctx context.Context, s plan.Suite, ws string, cases []junit.Case, log io.Writer) []string {
	var flaky []string
	tried := 0
	for _, c := range cases {
		if c.Status != junit.StatusFailed && c.Status != junit.StatusError {
			continue
		}
		if _, ok := diagnose.CollectionError(c); ok {
			continue // a module that does not import is not flaky
		}
		if tried++; tried > maxRerunCases {
			fmt.Fprintf(log, "# more than %d failing tests: not rerunning the rest\n", maxRerunCases)
			break
		}
		id, ok := nodeID(filepath.Join(ws, plan.DownstreamDir), c)
		if !ok {
			fmt.Fprintf(log, "# cannot rerun %s: no test file found for it\n", c.ID())
			continue
		}
		if r.passesOnRerun(ctx, s, ws, id, log) {
			flaky = append(flaky, c.ID())
		}
	}
	return flaky
}

func (r *Runner) passesOnRerun(ctx context.Context, s plan.Suite, ws, id string, log io.Writer) bool {
	report := filepath.Join(ws, "rerun.xml")
	step := plan.Step{Name: "rerun", Layer: plan.LayerTest, Dir: plan.DownstreamDir,
		Argv: plan.PytestArgv(s.Name, s.Tests, s.CorePackage, "../rerun.xml", id), MayFail: true}
	for i := 1; i <= r.Reruns && ctx.Err() == nil; i++ {
		fmt.Fprintf(log, "# rerun %d/%d of %s\n", i, r.Reruns, id)
		os.Remove(report)
		res, err := run(ctx, r.command(s, step, ws, filepath.Join(ws, "venv"), ""), log)
		if err != nil || res.exitCode != 0 {
			continue
		}
		rep, err := junit.ParseFile(report)
		if err == nil {
			if c := junit.Count(rep.Cases()); c.Tests > 0 && c.Failed+c.Errors == 0 {
				return true
			}
		}
	}
	return false
}

// nodeID rebuilds pytest's node id (path.py::Class::name) from a JUnit case:
// xunit2 classnames are dotted module paths followed by class names, so the
// longest prefix that names a file in the checkout is the module.
func nodeID(checkout string, c junit.Case) (string, bool) {
	if c.File != "" && strings.HasSuffix(c.File, ".py") {
		mod := strings.TrimSuffix(filepath.ToSlash(c.File), ".py")
		rest := strings.TrimPrefix(strings.TrimPrefix(c.Classname, strings.ReplaceAll(mod, "/", ".")), ".")
		return join(c.File, rest, c.Name), true
	}
	parts := strings.Split(c.Classname, ".")
	for n := len(parts); n > 0; n-- {
		file := strings.Join(parts[:n], "/") + ".py"
		if _, err := os.Stat(filepath.Join(checkout, file)); err == nil {
			return join(file, strings.Join(parts[n:], "."), c.Name), true
		}
	}
	return "", false
}

func join(file, classes, name string) string {
	id := file
	for _, cls := range strings.Split(classes, ".") {
		if cls != "" {
			id += "::" + cls
		}
	}
	return id + "::" + name
}
