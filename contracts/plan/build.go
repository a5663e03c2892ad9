package plan

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

//go:embed install_downstream.py
var installHelper string

//go:embed run_pytest.py
var pytestWrapper string

//go:embed build_core.py
var buildHelper string

//go:embed install_core.py
var coreInstaller string

// Where the plan's helpers are written, relative to the workspace.
const (
	// InstallHelperPath is the automatic install helper.
	InstallHelperPath = ToolDir + "/install_downstream.py"
	// PytestWrapperPath runs pytest with the collection-error plugin.
	PytestWrapperPath = ToolDir + "/run_pytest.py"
	// BuildHelperPath builds Core's wheel.
	BuildHelperPath = ToolDir + "/build_core.py"
	// CoreInstallerPath installs Core's wheel on top (linking the unpacked
	// wheel when the environment meets Core's requirements, else pip).
	CoreInstallerPath = ToolDir + "/install_core.py"
	// PinsPath is where the downstream layer records the downstream's
	// requirements on Core; PinFactsPath where the core layer writes
	// whether they admit the Core under test (Suite.PinFacts).
	PinsPath     = ToolDir + "/core-pins.json"
	PinFactsPath = ToolDir + "/readiness.json"
)

// pipFlags cut pip's fixed costs in every install: no progress bar, no
// byte-compiling of installed files (the suites run once, and
// PYTHONDONTWRITEBYTECODE keeps checkouts clean anyway), no warning about
// scripts outside PATH.
var pipFlags = []string{"--progress-bar", "off", "--no-compile", "--no-warn-script-location"}

// Resolver turns a ref of a repo into a full commit SHA. The host runner
// resolves with git; the Dagger module with dag.Git(url).Ref(ref).Commit().
type Resolver interface {
	Resolve(ctx context.Context, repo, ref string) (string, error)
}

// Options are the run-wide choices that shape every suite.
type Options struct {
	// CoreRef is the Core ref to test (ignored when CoreSource is set).
	CoreRef string
	// CoreSource is a local Core working copy used instead of a ref.
	CoreSource string
	// PipArgs are appended to every pip install (e.g. --index-url, --no-index).
	PipArgs []string
	// Interpreter identifies the Python environment (interpreter path and
	// version, or base image) for the downstream cache key.
	Interpreter string
}

// baseEnv is set for every step: quiet, non-interactive pip, unbuffered
// output, and no bytecode written into (possibly cached) checkouts.
var baseEnv = map[string]string{
	"PIP_DISABLE_PIP_VERSION_CHECK": "1",
	"PIP_NO_INPUT":                  "1",
	"PYTHONDONTWRITEBYTECODE":       "1",
	"PYTHONUNBUFFERED":              "1",
}

// Build resolves every source and plans every suite of m. A source that does
// not resolve does not stop the plan: the suites it affects carry an Error
// and the others are planned as usual.
func Build(ctx context.Context, m *matrix.Matrix, opts Options, r Resolver) (*Plan, error) {
	core, coreErr := resolveCore(ctx, m.Core, opts, r)
	p := &Plan{Version: SchemaVersion, Core: core, CoreBuild: planCoreBuild(opts)}
	for _, d := range m.Downstreams {
		s := planSuite(m.Core, d, core, opts)
		switch {
		case coreErr != nil:
			s.Error = coreErr.Error()
		default:
			sha, err := resolve(ctx, r, d.Repo, d.Ref)
			if err != nil {
				s.Error = fmt.Sprintf("downstream %s: %v", d.Name, err)
			}
			s.Downstream.SHA = sha
		}
		s.DownstreamKey = downstreamKey(s, opts.Interpreter)
		p.Suites = append(p.Suites, s)
	}
	return p, nil
}

func resolveCore(ctx context.Context, c matrix.Core, opts Options, r Resolver) (Source, error) {
	src := Source{Name: c.Name, Repo: c.Repo, Ref: opts.CoreRef}
	if opts.CoreSource != "" {
		src.Repo, src.Ref, src.Local = opts.CoreSource, "local", opts.CoreSource
		return src, nil
	}
	if src.Ref == "" {
		src.Ref = c.Ref
	}
	sha, err := resolve(ctx, r, c.Repo, src.Ref)
	if err != nil {
		return src, fmt.Errorf("core %s: %w", c.Name, err)
	}
	src.SHA = sha
	return src, nil
}

func resolve(ctx context.Context, r Resolver, repo, ref string) (string, error) {
	if err := refs.Validate(ref); err != nil {
		return "", err
	}
	sha, err := r.Resolve(ctx, repo, ref)
	if err != nil {
		return "", fmt.Errorf("ref %q: %w", ref, err)
	}
	if !refs.IsFullSHA(sha) {
		return "", fmt.Errorf("ref %q: resolver returned %q, not a full SHA", ref, sha)
	}
	return sha, nil
}

// planCoreBuild plans Core's wheel build: the build helper with the run's pip
// arguments (it calls Core's build backend directly when build isolation is
// off, else pip wheel).
func planCoreBuild(opts Options) CoreBuild {
	b := CoreBuild{
		Env:   environment(nil),
		Files: []File{{Path: BuildHelperPath, Content: buildHelper}},
		Steps: []Step{{
			Name: "build core", Layer: LayerBuild, Dir: ".",
			Argv: append([]string{Python, BuildHelperPath, "--source", CoreDir, "--out", WheelDir, "--site", SiteDir, "--"}, opts.PipArgs...),
		}},
	}
	b.Key = hashOf(struct {
		Interpreter string
		Steps       []Step
		Files       []File
		Env         []EnvVar
	}{opts.Interpreter, b.Steps, b.Files, b.Env})
	return b
}

func planSuite(c matrix.Core, d matrix.Downstream, core Source, opts Options) Suite {
	s := Suite{
		Name:        d.Name,
		CorePackage: c.Package,
		Downstream:  Source{Name: d.Name, Repo: d.Repo, Ref: d.Ref},
		Core:        core,
		Tests:       d.Tests,
		Env:         environment(d.Env),
		Report:      ReportFile,
		Timeout:     d.Timeout,
		PinFacts:    PinFactsPath,
	}
	s.Steps = append(s.Steps, downstreamSteps(c, d, opts.PipArgs)...)
	s.Files = []File{
		{Path: InstallHelperPath, Content: installHelper, Layer: LayerDownstream},
		{Path: CoreInstallerPath, Content: coreInstaller, Layer: LayerCore},
		{Path: PytestWrapperPath, Content: pytestWrapper, Layer: LayerTest},
	}
	install := []string{Python, CoreInstallerPath, CoreWheel, "--site", CoreSite, "--pin", PinsPath, "--facts", PinFactsPath, "--"}
	s.Steps = append(s.Steps,
		Step{Name: "install core", Layer: LayerCore, Dir: ".", Argv: append(install, opts.PipArgs...)},
		Step{Name: "pytest", Layer: LayerTest, Dir: DownstreamDir, Argv: PytestArgv(d.Name, d.Tests, c.Package, "../"+ReportFile), MayFail: true},
	)
	return s
}

// downstreamSteps install the downstream without Core and record its
// requirements on Core (PinsPath): the automatic install records them as
// it reads them; explicit install lists are followed by a step that only
// reads what they name.
func downstreamSteps(c matrix.Core, d matrix.Downstream, pipArgs []string) []Step {
	var steps []Step
	helper := []string{Python, InstallHelperPath, "--exclude", c.Name, "--dir", DownstreamDir, "--pin-out", PinsPath}
	if d.Install == nil {
		argv := append(slices.Clone(helper), "--")
		steps = append(steps, Step{Name: "install downstream (auto)", Layer: LayerDownstream, Dir: ".", Argv: append(argv, pipArgs...)})
	} else {
		pins := append(slices.Clone(helper), "--pins-only")
		for i, args := range d.Install {
			steps = append(steps, Step{
				Name: fmt.Sprintf("install downstream [%d]", i), Layer: LayerDownstream, Dir: DownstreamDir,
				Argv: pipInstall(pipArgs, args...),
			})
			spec, _ := json.Marshal(args)
			pins = append(pins, "--spec", string(spec))
		}
		steps = append(steps, Step{Name: "read the pin on core", Layer: LayerDownstream, Dir: ".", Argv: pins})
	}
	return append(steps, Step{Name: "install pytest", Layer: LayerDownstream, Dir: ".", Argv: pipInstall(pipArgs, "pytest")})
}

func pipInstall(pipArgs []string, args ...string) []string {
	argv := append(append([]string{Python, "-m", "pip", "install"}, pipFlags...), args...)
	return append(argv, pipArgs...)
}

// PytestArgv is the contract test command, run in the downstream checkout:
// pytest through the plan's wrapper (PytestWrapperPath, which says what
// each collection error raised and whether corePackage raised it), going
// on after collection errors so every module that collects runs, xunit2
// JUnit named after the suite, no cache written into the checkout. Extra
// arguments (test node ids for reruns) replace the test path.
func PytestArgv(suite, tests, corePackage, junitPath string, nodeIDs ...string) []string {
	argv := []string{Python, "../" + PytestWrapperPath, "--core-package", corePackage, "--"}
	if len(nodeIDs) > 0 {
		argv = append(argv, nodeIDs...)
	} else {
		argv = append(argv, path.Clean(tests))
	}
	return append(argv,
		"--junitxml="+junitPath,
		"-o", "junit_family=xunit2",
		"-o", "junit_suite_name="+suite,
		"-p", "no:cacheprovider",
		"--continue-on-collection-errors",
		"-rfE", "--tb=short",
	)
}

func environment(extra map[string]string) []EnvVar {
	merged := map[string]string{}
	for k, v := range baseEnv {
		merged[k] = v
	}
	for k, v := range extra {
		merged[k] = v
	}
	out := make([]EnvVar, 0, len(merged))
	for k, v := range merged {
		out = append(out, EnvVar{Name: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// downstreamKey hashes everything the downstream layer depends on (its
// steps and files, not the later layers').
func downstreamKey(s Suite, interpreter string) string {
	return hashOf(struct {
		Repo, SHA, Interpreter string
		Steps                  []Step
		Files                  []File
		Env                    []EnvVar
	}{s.Downstream.Repo, s.Downstream.SHA, interpreter, s.StepsOf(LayerDownstream), s.FilesOf(LayerDownstream), s.Env})
}

// hashOf is a short hex digest of v's JSON form.
func hashOf(v any) string {
	data, _ := json.Marshal(v)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:32]
}
