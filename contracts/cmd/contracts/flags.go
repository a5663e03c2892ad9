package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/shard"
)

// listFlag is a flag that may be repeated and takes comma-separated values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// repeatFlag is a flag that may be repeated; values are kept whole.
type repeatFlag []string

func (r *repeatFlag) String() string     { return strings.Join(*r, " ") }
func (r *repeatFlag) Set(v string) error { *r = append(*r, v); return nil }

// options are the flags shared by run, demo and plan.
type options struct {
	coreRefs    listFlag
	coreSource  string
	matrixFile  string
	only        listFlag
	baselineRef string
	failOn      string
	jobs        int
	reruns      int
	out         string
	pythons     listFlag
	pipArgs     repeatFlag
	pipIndexURL string
	systemSite  bool
	offline     bool
	cacheDir    string
	tokenEnv    string
	tokenFile   string
	fileToken   string // read from tokenFile by validate
	format      string
	shard       string
	shardTimes  string
	// shardSpec and durations are what validate read from shard and
	// shardTimes; shardRecord is what the shard's reports carry (set by
	// loadMatrix).
	shardSpec   shard.Spec
	durations   shard.Durations
	shardRecord *report.Shard
	// defaultOut gives --out its value when it is left empty (the demos).
	defaultOut func() string
}

// offlinePipArgs are what --offline adds: no index, no build isolation
// (build backends come from the interpreter's preinstalled packages).
var offlinePipArgs = []string{"--no-index", "--no-build-isolation"}

// flagGroup is a group of flags that some commands take: each command's
// flag set (and so its -h) holds exactly the flags it accepts.
type flagGroup uint

// The flag groups besides the ones every command takes (--only, the pip,
// cache and token flags).
const (
	// refFlags: --core-ref, --core-source, --baseline-ref (bisect names
	// its range with --good and --bad instead).
	refFlags flagGroup = 1 << iota
	// matrixFlag: --matrix (the demos bring their own).
	matrixFlag
	// runFlags: --jobs, --reruns (plan runs nothing).
	runFlags
	// reportFlags: --out, --format (plan prints JSON to stdout).
	reportFlags
	// failOnFlag: --fail-on (bisect's exit code says what it found).
	failOnFlag
	// pythonMatrix: --python may repeat (bisect takes one).
	pythonMatrix
)

// The flag groups of each command.
const (
	runGroups    = refFlags | matrixFlag | runFlags | reportFlags | failOnFlag | pythonMatrix
	demoGroups   = refFlags | runFlags | reportFlags | failOnFlag | pythonMatrix
	planGroups   = refFlags | matrixFlag | pythonMatrix
	bisectGroups = matrixFlag | runFlags | reportFlags
)

// newFlagSet makes the flag set of a command that takes groups.
func newFlagSet(name string, o *options, stderr io.Writer, groups flagGroup) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if groups&refFlags != 0 {
		fs.Var(&o.coreRefs, "core-ref", "Core `ref`(s) to test: tag, branch, full or short SHA, refs/pull/N/head; comma-separated or repeated for a compatibility matrix (default: the matrix's core.ref)")
		fs.StringVar(&o.coreSource, "core-source", "", "test a local Core working copy `DIR` (uncommitted changes included) instead of a ref")
		fs.StringVar(&o.baselineRef, "baseline-ref", "", "also run against Core at this `ref` and report regressions (pass to fail) instead of plain failures")
	}
	if groups&matrixFlag != 0 {
		fs.StringVar(&o.matrixFile, "matrix", "", "matrix `FILE` replacing the embedded default")
	}
	fs.Var(&o.only, "only", "run only these downstreams (comma-separated `names`)")
	if groups&failOnFlag != 0 {
		fs.StringVar(&o.failOn, "fail-on", "", "`policy` that makes the exit code 1: regressions or failures (default: regressions with --baseline-ref, else failures)")
	}
	o.jobs, o.format = runtime.NumCPU(), "text"
	if groups&runFlags != 0 {
		fs.IntVar(&o.jobs, "jobs", o.jobs, "suites run in parallel (default: the number of CPUs)")
		fs.Lookup("jobs").DefValue = "0" // machine-dependent: said in the usage instead
		fs.IntVar(&o.reruns, "reruns", 0, "rerun each failing test up to `N` times alone (0..10); one that passes is flaky")
	}
	if groups&reportFlags != 0 {
		fs.StringVar(&o.out, "out", "contract-reports", "report `DIR` (per-suite JUnit, junit.xml, summary.json, summary.md, logs/)")
		fs.StringVar(&o.format, "format", o.format, "`format`: text, or github to also publish a job summary, annotations and outputs to GitHub Actions")
	}
	if groups&pythonMatrix != 0 {
		fs.Var(&o.pythons, "python", "`interpreter`(s) to build virtualenvs from (default python3); repeat for a Python matrix")
	} else {
		fs.Var(&o.pythons, "python", "`interpreter` to build virtualenvs from (default python3)")
	}
	fs.StringVar(&o.pipIndexURL, "pip-index-url", "", "package index `URL` for every pip install (pip --index-url; a plain-HTTP one is also made a --trusted-host, which pip needs to use it off loopback and to cache what it downloads)")
	fs.Var(&o.pipArgs, "pip-arg", "extra `argument` for every pip install (repeatable), e.g. --pip-arg=--index-url=https://mirror/simple")
	fs.BoolVar(&o.systemSite, "system-site-packages", false, "give virtualenvs the interpreter's preinstalled packages")
	fs.BoolVar(&o.offline, "offline", false, "no package index: same as --system-site-packages --pip-arg=--no-index --pip-arg=--no-build-isolation")
	fs.StringVar(&o.cacheDir, "cache-dir", defaultCacheDir(), "cache `DIR` for git mirrors, downstream environments, Core's wheels and pip's cache (DIR/pip)")
	fs.StringVar(&o.tokenEnv, "token-env", "GITHUB_TOKEN", "environment `variable` holding a token for private repos on https://github.com/ (never passed to suites)")
	fs.StringVar(&o.tokenFile, "token-file", "", "read the token from `FILE` instead (keeps it out of every process environment)")
	fs.StringVar(&o.shard, "shard", "", "run only shard `K/N` of the downstreams (the same split on every machine; merge the shards' reports with contracts merge)")
	fs.StringVar(&o.shardTimes, "shard-durations", "", "balance the shards by the suite durations in `FILE`, a previous run's summary.json (default: by count)")
	return fs
}

func defaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "market-data-contracts")
}

// parse parses args and checks what can be checked before any work.
func (o *options) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return o.validate()
}

func (o *options) validate() error {
	if o.out == "" && o.defaultOut != nil {
		o.out = o.defaultOut()
	}
	if o.coreSource != "" && len(o.coreRefs) > 0 {
		return usagef("--core-ref and --core-source exclude each other")
	}
	for _, r := range append(append([]string(nil), o.coreRefs...), nonEmpty(o.baselineRef)...) {
		if err := refs.Validate(r); err != nil {
			return usagef("--core-ref/--baseline-ref: %v", err)
		}
	}
	switch o.failOn {
	case "", "failures":
	case "regressions":
		if o.baselineRef == "" {
			return usagef("--fail-on=regressions needs --baseline-ref")
		}
	default:
		return usagef("--fail-on: want regressions or failures, got %q", o.failOn)
	}
	if o.jobs < 1 || o.reruns < 0 || o.reruns > 10 {
		return usagef("--jobs must be >= 1 and --reruns within 0..10")
	}
	if o.format != "text" && o.format != "github" {
		return usagef("--format: want text or github, got %q", o.format)
	}
	if err := plan.ValidatePipArgs(o.pipArgs); err != nil {
		return usagef("--pip-arg: %v", err)
	}
	if o.pipIndexURL != "" {
		if o.offline {
			return usagef("--pip-index-url and --offline exclude each other (--offline installs from no index)")
		}
		index, err := plan.IndexArgs("--pip-index-url", o.pipIndexURL)
		if err != nil {
			return usageError{err}
		}
		o.pipArgs = append(index, o.pipArgs...)
	}
	if err := o.readTokenFile(); err != nil {
		return err
	}
	if err := o.readShard(); err != nil {
		return err
	}
	if o.offline {
		o.systemSite = true
		o.pipArgs = append(o.pipArgs, offlinePipArgs...)
	}
	if len(o.pythons) == 0 {
		o.pythons = listFlag{"python3"}
	}
	return nil
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// loadMatrix reads --matrix (or the default) and applies --only and
// --shard.
func (o *options) loadMatrix() (*matrix.Matrix, error) {
	m, err := matrix.Default()
	if o.matrixFile != "" {
		m, err = matrix.Load(o.matrixFile)
	}
	if err != nil {
		return nil, usageError{err}
	}
	return o.selectDownstreams(m)
}

// selectDownstreams applies --only, then keeps --shard's share of what is
// left, recording the shard for the reports.
func (o *options) selectDownstreams(m *matrix.Matrix) (*matrix.Matrix, error) {
	m, err := m.Select(o.only)
	if err != nil {
		return nil, usageError{err}
	}
	m, o.shardRecord, err = shard.Select(m, o.shardSpec, o.durations)
	if err != nil {
		return nil, usageError{err}
	}
	return m, nil
}

// readShard parses --shard and reads --shard-durations.
func (o *options) readShard() error {
	spec, err := shard.Parse(o.shard)
	if err != nil {
		return usagef("--shard %v", err)
	}
	o.shardSpec = spec
	if o.shardTimes == "" {
		return nil
	}
	if !spec.Set() {
		return usagef("--shard-durations needs --shard")
	}
	f, err := os.Open(o.shardTimes)
	if err != nil {
		return usagef("--shard-durations: %v", err)
	}
	defer f.Close()
	if o.durations, err = shard.ReadDurations(o.shardTimes, f); err != nil {
		return usagef("--shard-durations: %v", err)
	}
	return nil
}

// token is the token from --token-file, else from the --token-env
// variable; it is never a flag value.
func (o *options) token() string {
	if o.fileToken != "" {
		return o.fileToken
	}
	if o.tokenEnv == "" {
		return ""
	}
	return os.Getenv(o.tokenEnv)
}

// readTokenFile loads --token-file: one line, at most 64 KiB.
func (o *options) readTokenFile() error {
	if o.tokenFile == "" {
		return nil
	}
	data, err := os.ReadFile(o.tokenFile)
	if err != nil {
		return usagef("--token-file: %v", err)
	}
	if len(data) > 64<<10 {
		return usagef("--token-file %s: larger than 64 KiB", o.tokenFile)
	}
	o.fileToken = strings.TrimSpace(string(data))
	if o.fileToken == "" {
		return usagef("--token-file %s: empty", o.tokenFile)
	}
	return nil
}
