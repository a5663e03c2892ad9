// Package plan describes a contract run as plain data: for each downstream
// suite, which sources to fetch (repo, ref, resolved SHA), which files to
// write, which commands to run (argv lists, never shell strings), with which
// environment and timeout, and where pytest writes its JUnit report.
//
// Both runners execute the same plan: the host runner (contracts/runner/host)
// with processes and virtualenvs, the Dagger module (ci/) with containers.
// What the host runner's tests prove about the commands holds in containers.
package plan

import (
	"encoding/json"
	"slices"
	"time"
)

// SchemaVersion is the version of the plan's JSON form (contracts plan);
// summary.json has its own (report.Version, report.Schema). Version 3:
// every key snake_case (the entries' label, python, baseline and plan
// were Label, Python, Baseline, Plan) and a suite's timeout_seconds (was
// timeout, in nanoseconds). Version 2 added the Core build.
const SchemaVersion = 3

// A suite's workspace layout, relative to its root. Every step runs with a
// working directory inside it.
const (
	// DownstreamDir holds the downstream checkout.
	DownstreamDir = "downstream"
	// CoreDir holds Core at the requested ref (or the local working copy).
	CoreDir = "core"
	// ToolDir holds files the plan writes (the install helper, the pytest
	// wrapper, the Core build helper).
	ToolDir = ".contracts"
	// WheelDir is where Core's build leaves Core's wheel, relative to the
	// build's workspace (see CoreBuild); SiteDir where it unpacks it.
	WheelDir = "wheel"
	SiteDir  = "site"
	// ReportFile is pytest's JUnit report.
	ReportFile = "junit.xml"
)

// Python is the placeholder argv[0] for the suite environment's interpreter:
// the host runner replaces it with the virtualenv's python, containers run
// the image's python.
const Python = "python"

// CoreWheel is the placeholder for the path of Core's built wheel in a
// suite's core-layer step: runners replace it with the wheel Core's build
// made (the host runner with its cached file, the Dagger module with the
// file it mounts), as they replace Python.
const CoreWheel = "{core-wheel}"

// CoreSite is the placeholder for the directory where Core's build
// unpacked the wheel (SiteDir), which a suite links when it can.
const CoreSite = "{core-site}"

// Layer says which cacheable layer a step belongs to.
type Layer string

// The layers, in the order they run.
const (
	// LayerDownstream installs the downstream and its dependencies (without
	// Core). It depends only on Suite.DownstreamKey, so runners cache it.
	LayerDownstream Layer = "downstream"
	// LayerBuild builds Core's wheel, once per Core source (Plan.CoreBuild).
	LayerBuild Layer = "build"
	// LayerCore installs Core's wheel on top.
	LayerCore Layer = "core"
	// LayerTest runs pytest.
	LayerTest Layer = "test"
)

// Plan is a whole contract run.
type Plan struct {
	// Version is SchemaVersion.
	Version int `json:"version"`
	// Core is the Core source every suite installs.
	Core Source `json:"core"`
	// CoreBuild turns Core into the wheel every suite installs, once.
	CoreBuild CoreBuild `json:"core_build"`
	// Suites are the downstream suites, in matrix order.
	Suites []Suite `json:"suites"`
}

// CoreBuild is Core's build: in a workspace holding Core at CoreDir and
// Files, Steps (argv lists, in order, each must exit 0) leave exactly one
// wheel in WheelDir and the same wheel unpacked in SiteDir. It depends only
// on Core's commit (or a local copy's content) and Key, so runners build
// it once and share the wheel and the unpacked wheel with every suite.
type CoreBuild struct {
	// Files are written into the build's workspace first.
	Files []File `json:"files"`
	// Steps build the wheel; their layer is LayerBuild.
	Steps []Step `json:"steps"`
	// Env is the environment of every build step (the suites' base
	// environment, without any downstream's matrix env).
	Env []EnvVar `json:"env"`
	// Key identifies the build steps, files and interpreter; runners cache
	// a wheel by Core's SHA (or content digest) and Key.
	Key string `json:"key"`
}

// Source is a repository at a ref, resolved to a commit.
type Source struct {
	// Name is the downstream's (or Core's) name.
	Name string `json:"name"`
	// Repo is the URL or path as configured.
	Repo string `json:"repo"`
	// Ref is the ref as requested (tag, branch, SHA, refs/pull/N/head).
	Ref string `json:"ref"`
	// SHA is the full commit SHA the ref resolved to ("" if unresolved).
	SHA string `json:"sha"`
	// Local is a local working copy used instead of a commit
	// (--core-source); uncommitted changes included.
	Local string `json:"local,omitempty"`
}

// Short returns the first 7 characters of the SHA, or "-".
func (s Source) Short() string {
	if len(s.SHA) >= 7 {
		return s.SHA[:7]
	}
	if s.Local != "" {
		return "local"
	}
	return "-"
}

// Suite is the run of one downstream's contract suite.
type Suite struct {
	// Name is the downstream's name (a safe directory name).
	Name string `json:"name"`
	// CorePackage is Core's import package (market_data_core): the pytest
	// wrapper says whether a collection error comes from it.
	CorePackage string `json:"core_package"`
	// Downstream and Core are the sources to place at DownstreamDir and CoreDir.
	Downstream Source `json:"downstream"`
	Core       Source `json:"core"`
	// Tests is the contract path inside the downstream checkout.
	Tests string `json:"tests"`
	// Files are written into the workspace before any step runs.
	Files []File `json:"files"`
	// Steps run in order; each must exit 0 except the pytest step.
	Steps []Step `json:"steps"`
	// Env is the environment added to every step, sorted by name.
	Env []EnvVar `json:"env"`
	// Report is the JUnit file pytest writes, relative to the workspace.
	Report string `json:"report"`
	// Timeout bounds the whole suite (JSON: timeout_seconds, see
	// MarshalJSON).
	Timeout time.Duration `json:"-"`
	// PinFacts is the file, relative to the workspace, where the core
	// layer writes the facts of release readiness (package readiness): Core's
	// version and whether the downstream's pins admit it.
	PinFacts string `json:"pin_facts"`
	// DownstreamKey identifies the downstream layer for caching: downstream
	// SHA, install steps and the files they use, interpreter and
	// environment.
	DownstreamKey string `json:"downstream_key"`
	// Error is set when the suite cannot run at all (its ref did not
	// resolve); runners then report it with an error verdict.
	Error string `json:"error,omitempty"`
}

// File is a file a plan writes into the workspace.
type File struct {
	// Path is relative to the workspace.
	Path string `json:"path"`
	// Content is the whole file.
	Content string `json:"content"`
	// Layer is the first layer whose steps use the file ("" is the
	// downstream layer). A suite's DownstreamKey covers only the downstream
	// layer's files, so a change to a later layer's helper keeps cached
	// downstream environments.
	Layer Layer `json:"layer,omitempty"`
}

// Step is one command.
type Step struct {
	// Name says what the step does, for logs and error reasons.
	Name string `json:"name"`
	// Layer is the cache layer the step belongs to.
	Layer Layer `json:"layer"`
	// Dir is the working directory, relative to the workspace.
	Dir string `json:"dir"`
	// Argv is the command; Argv[0] may be Python.
	Argv []string `json:"argv"`
	// MayFail marks the pytest step: its exit code is a fact, not an error.
	MayFail bool `json:"may_fail,omitempty"`
}

// Expand returns the step's argv as a runner runs it: Python as argv[0]
// becomes python, CoreWheel becomes wheel and CoreSite site. An empty
// value leaves its placeholder as it is.
func (st Step) Expand(python, wheel, site string) []string {
	argv := slices.Clone(st.Argv)
	for i, a := range argv {
		switch {
		case i == 0 && a == Python && python != "":
			argv[i] = python
		case a == CoreWheel && wheel != "":
			argv[i] = wheel
		case a == CoreSite && site != "":
			argv[i] = site
		}
	}
	return argv
}

// EnvVar is one environment variable.
type EnvVar struct {
	// Name is the variable's name.
	Name string `json:"name"`
	// Value is its value.
	Value string `json:"value"`
}

// StepsOf returns the suite's steps in the given layer.
func (s Suite) StepsOf(l Layer) []Step {
	var out []Step
	for _, st := range s.Steps {
		if st.Layer == l {
			out = append(out, st)
		}
	}
	return out
}

// MarshalJSON writes the suite with its timeout in seconds
// (timeout_seconds), as every duration in this tool's JSON.
func (s Suite) MarshalJSON() ([]byte, error) {
	type suite Suite // without this method
	return json.Marshal(struct {
		suite
		TimeoutSeconds float64 `json:"timeout_seconds"`
	}{suite(s), s.Timeout.Seconds()})
}

// FilesOf returns the suite's files that layer l needs before its steps.
func (s Suite) FilesOf(l Layer) []File {
	var out []File
	for _, f := range s.Files {
		if f.Layer == l || (f.Layer == "" && l == LayerDownstream) {
			out = append(out, f)
		}
	}
	return out
}

// Environ returns the suite's environment as NAME=value strings.
func (s Suite) Environ() []string {
	out := make([]string, len(s.Env))
	for i, e := range s.Env {
		out[i] = e.Name + "=" + e.Value
	}
	return out
}
