// Package host runs a contract plan on the host, without containers: each
// suite in its own work directory and virtualenv, suites in parallel, a
// per-suite timeout that kills whole process groups, and a cache of
// downstream environments so a run that changes only the Core ref
// reinstalls only Core.
//
// It executes plan.Suite steps exactly as planned (argv lists, plan.Python
// mapped to the virtualenv's interpreter) and turns what it observed into
// verdicts only through outcome.Decide.
package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/gitrepo"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/lockfile"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

// MaxLog bounds one suite's log file; output beyond it is counted, not kept.
const MaxLog = 8 << 20

// Config is what a Runner is made from.
type Config struct {
	// Python is the interpreter virtualenvs are made from (default python3).
	Python string
	// SystemSitePackages gives virtualenvs the interpreter's packages
	// (for air-gapped machines with preinstalled packages).
	SystemSitePackages bool
	// Jobs is how many suites run at once (default: number of CPUs).
	Jobs int
	// Reruns is how often a failing test is rerun in isolation; a test that
	// passes on a rerun is flaky.
	Reruns int
	// CacheDir holds git mirrors and downstream environments.
	CacheDir string
	// WorkDir holds the suites' workspaces; it is removed by Close.
	WorkDir string
	// OutDir receives the suites' logs (OutDir/logs/...).
	OutDir string
	// Progress receives one line per suite as it starts and ends.
	Progress io.Writer
	// Token authenticates https git fetches; it never reaches a suite.
	Token string
}

// Runner executes plans on the host.
type Runner struct {
	Config
	git      *gitrepo.Cache
	envLocks lockfile.Locks
	progMu   sync.Mutex
	hasPip   sync.Map // interpreter -> whether it has pip (see borrowsPip)
	// executables maps an interpreter as given to its real executable.
	executables sync.Map
	// failedBuilds maps a Core build directory to the error it failed with.
	failedBuilds sync.Map
	// localIDs maps a local Core working copy to its wheel cache ID.
	localIDs sync.Map
}

// New returns a runner with defaults filled and its git cache ready.
func New(c Config) *Runner {
	if c.Python == "" {
		c.Python = "python3"
	}
	if c.Jobs <= 0 {
		c.Jobs = runtime.NumCPU()
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	return &Runner{Config: c, git: gitrepo.NewCache(filepath.Join(c.CacheDir, "git"), c.Token)}
}

// Resolver resolves refs with the runner's git cache, for plan.Build.
func (r *Runner) Resolver() plan.Resolver { return r.git }

// History is repo's history in the runner's git cache (its mirror, as the
// refs resolved for a plan left it), for package bisect.
func (r *Runner) History(repo string) bisect.History { return mirrorHistory{r.git, repo} }

type mirrorHistory struct {
	git  *gitrepo.Cache
	repo string
}

// Git runs git log or rev-list in the mirror.
func (h mirrorHistory) Git(ctx context.Context, args []string) (string, error) {
	return h.git.History(ctx, h.repo, args)
}

// Job is one suite of one plan, with the label that keeps its workspace and
// log apart from other plans' suites (e.g. the Core ref for a matrix run).
type Job struct {
	// Label keeps the job's workspace and log apart from other plans'.
	Label string
	// Python is the interpreter for this job ("" means Runner.Python).
	Python string
	// Suite is the planned suite to run.
	Suite plan.Suite
	// CoreBuild is its plan's Core build (plan.Plan.CoreBuild).
	CoreBuild plan.CoreBuild
	// CoreTitle names Core in the job's progress lines ("" for ref@short;
	// bisect's probes give the commit's short SHA and subject).
	CoreTitle string
}

// Run executes jobs, at most Jobs at a time, and returns their outcomes in
// the same order. Every job gets an outcome, whatever happens to others;
// a job whose names or paths would leave the runner's directories, or
// that repeats another's label and suite name, gets an error verdict.
// When ctx is cancelled, running suites are killed and the rest report an
// error verdict saying so.
func (r *Runner) Run(ctx context.Context, jobs []Job) []outcome.Suite {
	refusals := checkJobs(jobs)
	out := make([]outcome.Suite, len(jobs))
	sem := make(chan struct{}, r.Jobs)
	var wg sync.WaitGroup
	for i, j := range jobs {
		if err := refusals[i]; err != nil {
			out[i] = refused(j, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				out[i] = r.runSuite(ctx, j)
			case <-ctx.Done():
				out[i] = cancelled(j)
			}
		}()
	}
	wg.Wait()
	return out
}

func cancelled(j Job) outcome.Suite {
	s := base(j.Suite)
	s.Verdict, s.Reason = outcome.Error, "run cancelled before the suite started"
	return s
}

func base(s plan.Suite) outcome.Suite {
	return outcome.Suite{Name: s.Name, Core: s.Core, Downstream: s.Downstream}
}

// Close removes the work directory.
func (r *Runner) Close() error { return os.RemoveAll(r.WorkDir) }

func (r *Runner) progress(format string, args ...any) {
	r.progMu.Lock()
	defer r.progMu.Unlock()
	fmt.Fprintf(r.Progress, format+"\n", args...)
}

// runSuite runs one job and decides its verdict.
func (r *Runner) runSuite(parent context.Context, j Job) outcome.Suite {
	start := time.Now()
	res := base(j.Suite)
	logRel := filepath.Join("logs", j.Label, j.Suite.Name+".log")
	logPath := filepath.Join(r.OutDir, logRel)
	logFile, err := openLog(logPath)
	if err != nil {
		res.Verdict, res.Reason = outcome.Error, fmt.Sprintf("log file: %v", err)
		return res
	}
	defer logFile.Close()
	core := j.CoreTitle
	if core == "" {
		core = j.Suite.Core.Ref + "@" + j.Suite.Core.Short()
	}
	r.progress("%-14s start  core %s", j.Suite.Name, core)
	facts, flaky := r.execute(parent, j, logFile)
	if parent.Err() != nil && facts.SetupError == "" && !facts.TimedOut {
		facts.SetupError = "run cancelled (interrupt)"
	}
	facts.Cases, facts.Flaky = outcome.Settle(facts.Cases, flaky), flaky
	res.Verdict, res.Reason = outcome.Decide(facts)
	res.Cases, res.Counts, res.Flaky, res.Pin = facts.Cases, junit.Count(facts.Cases), flaky, facts.Pin
	res.Duration = time.Since(start)
	if logFile.finish() {
		res.Log = filepath.ToSlash(logRel)
	} else if logFile.Close() == nil {
		os.Remove(logPath)
	}
	r.progress("%-14s %-8s %d tests in %s", j.Suite.Name, res.Verdict, res.Counts.Tests, res.Duration.Round(100*time.Millisecond))
	return res
}

// execute runs the suite's layers and pytest, collecting facts. Waiting
// for another suite to build the shared downstream environment does not
// count against the suite's timeout; everything after it does.
func (r *Runner) execute(parent context.Context, j Job, log io.Writer) (outcome.Facts, []string) {
	s := j.Suite
	facts := outcome.Facts{TestPath: s.Tests, Timeout: s.Timeout}
	if s.Error != "" {
		facts.SetupError = s.Error
		return facts, nil
	}
	root := r.envRoot(s)
	unlock, err := r.envLocks.Lock(parent, root)
	if err != nil {
		return facts, nil // cancelled while waiting
	}
	ctx, cancel := context.WithTimeout(parent, s.Timeout)
	defer cancel()
	flaky, err := r.suite(ctx, j, root, unlock, &facts, log)
	if err != nil && ctx.Err() == nil {
		facts.SetupError = gitrepo.Scrub(err.Error(), r.Token)
	}
	facts.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded) && parent.Err() == nil
	return facts, flaky
}

// suite builds or reuses the downstream environment under the held lock
// (released as soon as it is ready), prepares the workspace, runs pytest
// and reruns failing tests.
func (r *Runner) suite(ctx context.Context, j Job, root string, unlock func(), facts *outcome.Facts, log io.Writer) ([]string, error) {
	s := j.Suite
	python, err := r.executable(ctx, j.Python)
	if err == nil {
		err = r.downstreamEnv(ctx, s, python, root, log)
	}
	unlock()
	ws := filepath.Join(r.WorkDir, j.Label, s.Name)
	if err == nil {
		err = r.prepareRun(ctx, j, python, ws, root, log)
	}
	if err != nil {
		return nil, err
	}
	facts.Pin = readPin(ws, s, log) // as the module: only once Core is in
	if _, err := os.Stat(filepath.Join(ws, plan.DownstreamDir, s.Tests)); err != nil {
		facts.TestsMissing = true
		return nil, nil
	}
	r.pytest(ctx, s, ws, facts, log)
	if ctx.Err() != nil || facts.ExitCode != 1 || r.Reruns == 0 {
		return nil, nil
	}
	return r.rerun(ctx, s, ws, facts.Cases, log), nil
}

// prepareRun lays out the suite's workspace: the downstream checkout, plan
// files, a bare venv stacked on the cached downstream environment, and the
// Core layer (Core's wheel, built once per Core source) installed into it.
func (r *Runner) prepareRun(ctx context.Context, j Job, python, ws, root string, log io.Writer) error {
	s := j.Suite
	// An earlier Run of this runner may have left the same job's workspace.
	if err := os.RemoveAll(ws); err != nil {
		return err
	}
	if err := os.MkdirAll(ws, 0o755); err != nil {
		return err
	}
	if err := r.git.Checkout(ctx, s.Downstream.Repo, s.Downstream.SHA, filepath.Join(ws, plan.DownstreamDir)); err != nil {
		return fmt.Errorf("clone downstream: %w", err)
	}
	if err := writeFiles(ws, s.Files); err != nil {
		return err
	}
	// The downstream layer recorded the pin on Core in the cached environment.
	if data, err := os.ReadFile(filepath.Join(root, plan.PinsPath)); err == nil {
		if err := writeFiles(ws, []plan.File{{Path: plan.PinsPath, Content: string(data)}}); err != nil {
			return err
		}
	}
	venv := filepath.Join(ws, "venv")
	if err := r.runVenv(ctx, python, venv, log); err != nil {
		return err
	}
	if err := stack(venv, filepath.Join(root, "venv")); err != nil {
		return err
	}
	wheel, err := r.coreWheel(ctx, j, python, log)
	if err != nil {
		return err
	}
	return r.runSteps(ctx, s, plan.LayerCore, ws, venv, wheel, log)
}

func (r *Runner) placeCore(ctx context.Context, core plan.Source, dest string) error {
	if core.Local != "" {
		return copyTree(core.Local, dest)
	}
	return r.git.Checkout(ctx, core.Repo, core.SHA, dest)
}

// readPin reads the readiness facts the core layer wrote (nil when it did
// not get that far, or wrote something unreadable: noted in the log).
func readPin(ws string, s plan.Suite, log io.Writer) *readiness.Pin {
	if s.PinFacts == "" || !filepath.IsLocal(s.PinFacts) {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(ws, s.PinFacts))
	if err != nil {
		return nil
	}
	pin, err := readiness.Parse(data)
	if err != nil {
		fmt.Fprintf(log, "# %v\n", err)
	}
	return pin
}

// runSteps runs the suite's steps of one layer in ws with venv's python,
// wheel for plan.CoreWheel and the site next to its directory for
// plan.CoreSite; the first failing step ends the layer with
// an error naming it and quoting its output (diagnose.Quote).
func (r *Runner) runSteps(ctx context.Context, s plan.Suite, layer plan.Layer, ws, venv, wheel string, log io.Writer) error {
	for _, st := range s.StepsOf(layer) {
		if err := runStep(ctx, st.Name, r.command(s, st, ws, venv, wheel), log); err != nil {
			return err
		}
	}
	return nil
}

// runStep runs one step that must succeed: an error names it, and for a
// non-zero exit quotes its output (diagnose.Quote).
func runStep(ctx context.Context, name string, c command, log io.Writer) error {
	res, err := run(ctx, c, log)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if res.exitCode != 0 {
		return fmt.Errorf("%s failed (exit %d): %s", name, res.exitCode, res.quote)
	}
	return nil
}

// command maps a plan step onto the host: plan.Python becomes the venv's
// interpreter, plan.CoreWheel wheel (when given) and plan.CoreSite the
// unpacked wheel next to its directory, Dir is taken inside ws, the suite
// env is added to an environment from which the token has been removed.
func (r *Runner) command(s plan.Suite, st plan.Step, ws, venv, wheel string) command {
	site := ""
	if wheel != "" {
		site = filepath.Join(filepath.Dir(filepath.Dir(wheel)), plan.SiteDir)
	}
	argv := st.Expand(filepath.Join(venv, "bin", "python"), wheel, site)
	env := append(r.childEnv(), "VIRTUAL_ENV="+venv)
	env = append(env, s.Environ()...)
	return command{argv: argv, dir: filepath.Join(ws, st.Dir), env: env}
}

// pytest runs the MayFail test step and reads its report.
func (r *Runner) pytest(ctx context.Context, s plan.Suite, ws string, facts *outcome.Facts, log io.Writer) {
	st := s.StepsOf(plan.LayerTest)[0]
	res, err := run(ctx, r.command(s, st, ws, filepath.Join(ws, "venv"), ""), log)
	if err != nil {
		if ctx.Err() == nil {
			facts.SetupError = fmt.Sprintf("pytest could not start: %v", err)
		}
		return
	}
	facts.PytestRan, facts.ExitCode = true, res.exitCode
	if facts.ExitCode == 5 {
		return
	}
	rep, err := junit.ParseFile(filepath.Join(ws, s.Report))
	if err != nil {
		facts.ReportError = err.Error()
		return
	}
	facts.Cases = outcome.CasesOf(rep)
}
