package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

// The container layout: the plan's workspace is workRoot, its paths are
// relative to it.
const (
	workRoot     = "/work"
	pipCachePath = "/root/.cache/pip"
	// containerPython replaces plan.Python: the image's interpreter.
	containerPython = "python"
)

// timeout(1) (GNU coreutils) bounds every exec, since withExec has no
// timeout option: it sends TERM after the suite's timeout and exits
// timeoutExit when that stopped the command. A command that ignores TERM
// gets KILL killGrace later, and then timeout exits killedExit (128+9),
// the code of any command killed by SIGKILL (the OOM killer too). With
// --verbose timeout writes killNotice to stderr when it sends KILL, so
// killedExit with that line is a timeout, and so is the same result when
// the engine serves it from its cache (an elapsed-time test could not tell).
const (
	killGrace   = "30s"
	timeoutExit = 124
	killedExit  = 137
	killNotice  = "timeout: sending signal KILL to command "
)

// buildTimeout bounds Core's wheel build. It is fixed (not the first
// suite's timeout), so the build exec stays cached across runs.
const buildTimeout = 15 * time.Minute

// job is one suite of one plan; label names its run (logs/<label>/...).
type job struct {
	label string
	suite plan.Suite
	// build is the plan's Core build (plan.Plan.CoreBuild).
	build plan.CoreBuild
}

// suiteRunner turns plan suites into containers.
type suiteRunner struct {
	image   string
	sources sources
	// wheels builds Core's wheel once per Core source for all suites.
	wheels *wheelBuilds
}

// run executes one suite, collects facts and decides its verdict through
// outcome.Decide; log receives the pytest output (or the failing step's).
func (r suiteRunner) run(ctx context.Context, j job) (outcome.Suite, string) {
	s := j.suite
	res := outcome.Suite{Name: s.Name, Core: s.Core, Downstream: s.Downstream}
	if ctx.Err() != nil {
		res.Verdict, res.Reason = outcome.Error, "run cancelled before the suite started"
		return res, ""
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	var log strings.Builder
	facts := r.collect(sctx, j, &log)
	if errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		facts.TimedOut = true
	} else if ctx.Err() != nil && facts.SetupError == "" {
		facts.SetupError = "run cancelled"
	}
	res.Verdict, res.Reason = outcome.Decide(facts)
	res.Cases, res.Counts, res.Pin = facts.Cases, junit.Count(facts.Cases), facts.Pin
	res.Duration = time.Since(start)
	return res, log.String()
}

// collect runs the suite's layers in order and records what happened:
// downstream tree and install, then Core's wheel (built once per Core for
// the whole run) and its install, then pytest.
func (r suiteRunner) collect(ctx context.Context, j job, log *strings.Builder) outcome.Facts {
	s := j.suite
	facts := outcome.Facts{TestPath: s.Tests, Timeout: s.Timeout}
	fail := func(reason string) outcome.Facts {
		if ctx.Err() == nil {
			facts.SetupError = reason
		}
		return facts
	}
	// A failed layer: its output in the log, then a timeout or an error
	// reason naming the step.
	stepError := func(err error, wheel *builtWheel) outcome.Facts {
		log.WriteString(execOutput(err))
		if stepTimedOut(err) {
			facts.TimedOut = true
			return facts
		}
		return fail(stepFailure("preparing the suite", s.Steps, s.Timeout, wheel, err))
	}
	if s.Error != "" {
		facts.SetupError = s.Error
		return facts
	}
	downstream, err := r.tree(ctx, s.Downstream)
	if err != nil {
		return fail("clone downstream: " + engineError(err))
	}
	core, err := r.tree(ctx, s.Core)
	if err != nil {
		return fail("clone core: " + engineError(err))
	}
	ctr, err := r.downstreamLayer(s, downstream).Sync(ctx)
	if err != nil {
		return stepError(err, nil)
	}
	wheel, err := r.wheels.get(ctx, r.image, s.Core, j.build, core)
	if err != nil {
		if be := (*buildError)(nil); errors.As(err, &be) {
			log.WriteString(be.output)
		}
		return fail(err.Error())
	}
	ctr, err = coreLayer(ctr, s, wheel).Sync(ctx)
	if err != nil {
		return stepError(err, &wheel)
	}
	facts.Pin = readPin(ctx, ctr, s)
	exists, err := downstream.Exists(ctx, s.Tests)
	if err != nil {
		return fail(fmt.Sprintf("checking the contract path %s: %v", s.Tests, err))
	}
	if !exists {
		facts.TestsMissing = true
		return facts
	}
	pytest(ctx, pytestLayer(ctr, s), s, &facts, log)
	return facts
}

// readPin reads the readiness facts the core layer wrote (nil when there
// are none or they cannot be read).
func readPin(ctx context.Context, c *dagger.Container, s plan.Suite) *readiness.Pin {
	if s.PinFacts == "" {
		return nil
	}
	data, err := c.File(workPath(s.PinFacts)).Contents(ctx)
	if err != nil {
		return nil
	}
	pin, err := readiness.Parse([]byte(data))
	if err != nil {
		return nil
	}
	return pin
}

// tree returns a source's directory, synced so that a clone failure is
// reported as such and not as an install failure.
func (r suiteRunner) tree(ctx context.Context, src plan.Source) (*dagger.Directory, error) {
	dir, err := r.sources.Tree(ctx, src)
	if err != nil {
		return nil, err
	}
	return dir.Sync(ctx)
}

// base is the image with the pip cache, the suite's environment and files.
func (r suiteRunner) base(s plan.Suite) *dagger.Container {
	return workspace(r.image, s.Env, s.FilesOf(plan.LayerDownstream))
}

// workspace is the image with the pip cache volume, the workspace as its
// working directory, an environment and the plan's files: where suites and
// Core's build start. PIP_CACHE_DIR names the volume's mount point, so
// every pip process (the plan's, the build's pip wheel, the isolated build
// environments pip sets up) keeps its downloads and built wheels there,
// whatever HOME or XDG_CACHE_HOME the image sets.
func workspace(image string, env []plan.EnvVar, files []plan.File) *dagger.Container {
	c := dag.Container().
		From(image).
		WithMountedCache(pipCachePath, dag.CacheVolume(pipCacheKey)).
		WithEnvVariable("PIP_CACHE_DIR", pipCachePath).
		WithWorkdir(workRoot)
	for _, e := range env {
		c = c.WithEnvVariable(e.Name, e.Value)
	}
	return withFiles(c, files)
}

// withFiles writes plan files into the workspace, byte for byte
// (stageFS). A file that cannot be staged fails the exec that follows,
// naming it, so the suite reports it as its error.
func withFiles(c *dagger.Container, files []plan.File) *dagger.Container {
	if len(files) == 0 {
		return c
	}
	dir, err := stageFS(filesFS(files))
	if err != nil {
		return c.WithError(err.Error())
	}
	return c.WithDirectory(workRoot, dir)
}

// downstreamLayer mounts the downstream and installs it, without Core. It
// depends only on what the plan's DownstreamKey covers, so the engine
// reuses it for every Core ref.
func (r suiteRunner) downstreamLayer(s plan.Suite, tree *dagger.Directory) *dagger.Container {
	c := r.base(s).WithMountedDirectory(workPath(plan.DownstreamDir), tree)
	return withSteps(c, s, plan.LayerDownstream, nil)
}

// coreLayer mounts Core's wheel and installs it on top of the downstream
// layer.
func coreLayer(c *dagger.Container, s plan.Suite, wheel builtWheel) *dagger.Container {
	c = withFiles(c, s.FilesOf(plan.LayerCore)).
		WithMountedDirectory(wheelMount, wheel.dir).WithMountedDirectory(siteMount, wheel.site)
	return withSteps(c, s, plan.LayerCore, &wheel)
}

// pytestLayer runs the test step; any exit code is a result, not an error.
func pytestLayer(c *dagger.Container, s plan.Suite) *dagger.Container {
	c = withFiles(c, s.FilesOf(plan.LayerTest))
	for _, st := range s.StepsOf(plan.LayerTest) {
		c = c.WithWorkdir(workPath(st.Dir)).
			WithExec(execArgv(st, s.Timeout, nil), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	}
	return c
}

func withSteps(c *dagger.Container, s plan.Suite, layer plan.Layer, wheel *builtWheel) *dagger.Container {
	for _, st := range s.StepsOf(layer) {
		c = c.WithWorkdir(workPath(st.Dir)).WithExec(execArgv(st, s.Timeout, wheel))
	}
	return c
}

// pytest reads the test step's exit code and JUnit report into facts.
func pytest(ctx context.Context, c *dagger.Container, s plan.Suite, facts *outcome.Facts, log *strings.Builder) {
	code, err := c.ExitCode(ctx)
	if err != nil {
		if ctx.Err() == nil {
			facts.SetupError = fmt.Sprintf("pytest could not start: %v", err)
		}
		return
	}
	out, err := c.CombinedOutput(ctx)
	if err == nil {
		log.WriteString(out)
	}
	facts.PytestRan, facts.ExitCode = true, code
	if timedOut(code, out) {
		facts.TimedOut = true
		return
	}
	if code == 5 { // pytest: no tests collected; there may be no report
		return
	}
	data, err := readReport(ctx, c.File(workPath(s.Report)))
	if err != nil {
		facts.ReportError = err.Error()
		return
	}
	rep, err := junit.Parse(strings.NewReader(data))
	if err != nil {
		facts.ReportError = err.Error()
		return
	}
	facts.Cases = outcome.CasesOf(rep)
}

// readReport reads pytest's report, refusing one larger than junit.Parse
// accepts before it is transferred.
func readReport(ctx context.Context, f *dagger.File) (string, error) {
	size, err := f.Size(ctx)
	if err != nil {
		return "", err
	}
	if size > junit.MaxReportSize {
		return "", fmt.Errorf("report larger than %d bytes", junit.MaxReportSize)
	}
	return f.Contents(ctx)
}

// execArgv is a step's argv as the container runs it: plan.Python mapped
// to the image's python, plan.CoreWheel and plan.CoreSite to the mounted
// wheel and unpacked wheel, wrapped in
// timeout(1) with the suite's timeout. The wrapper depends only on the
// plan, so cache keys stay stable.
func execArgv(st plan.Step, timeout time.Duration, wheel *builtWheel) []string {
	wheelPath := ""
	if wheel != nil {
		wheelPath = path.Join(wheelMount, wheel.name)
	}
	argv := st.Expand(containerPython, wheelPath, siteMount)
	secs := max(int(math.Ceil(timeout.Seconds())), 1)
	return append([]string{"timeout", "--verbose", "--kill-after=" + killGrace, strconv.Itoa(secs) + "s"}, argv...)
}

// workPath maps a workspace-relative plan path into the container.
func workPath(rel string) string { return path.Join(workRoot, rel) }

// stepFailure names the step of steps (run with timeout and wheel) an exec
// error came from, with its exit code and what diagnose.Quote picks of its
// output (as the host runner does); other errors are reported after what,
// without engine trace ids.
func stepFailure(what string, steps []plan.Step, timeout time.Duration, wheel *builtWheel, err error) string {
	var ee *dagger.ExecError
	if !errors.As(err, &ee) {
		return what + ": " + engineError(err)
	}
	name := "a step"
	if len(steps) == 1 {
		name = steps[0].Name // Core's build: its one step
	}
	for _, st := range steps {
		if slices.Equal(execArgv(st, timeout, wheel), ee.Cmd) {
			name = st.Name
			break
		}
	}
	return fmt.Sprintf("%s failed (exit %d): %s", name, ee.ExitCode, quoteExec(ee))
}

// quoteExec is what a reason quotes of a failed exec's output: its
// decisive lines and last lines (diagnose.Quote), stdout then stderr.
func quoteExec(ee *dagger.ExecError) string {
	return diagnose.Quote(ee.Stdout + "\n" + ee.Stderr)
}

// stepTimedOut reports whether an exec error is timeout(1) stopping a step.
func stepTimedOut(err error) bool {
	var ee *dagger.ExecError
	return errors.As(err, &ee) && timedOut(ee.ExitCode, ee.Stderr)
}

// timedOut reports whether an exec's exit code and output (its stderr, or
// stdout and stderr combined) show timeout(1) stopping it: timeoutExit, or
// killedExit with timeout's KILL notice at the start of a line.
func timedOut(code int, output string) bool {
	if code == timeoutExit {
		return true
	}
	return code == killedExit && (strings.HasPrefix(output, killNotice) || strings.Contains(output, "\n"+killNotice))
}

// execOutput is a failed exec's output, for the suite log.
func execOutput(err error) string {
	var ee *dagger.ExecError
	if !errors.As(err, &ee) {
		return err.Error() + "\n"
	}
	return fmt.Sprintf("$ %s\n%s%s", strings.Join(ee.Cmd, " "), ee.Stdout, ee.Stderr)
}
