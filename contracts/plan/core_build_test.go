package plan

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// realPython is python3's real executable.
func realPython(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// buildCore lays out a build workspace for the Core tree at src, runs the
// planned build step offline and returns the workspace.
func buildCore(t *testing.T, py string, files map[string]string) string {
	t.Helper()
	ws := t.TempDir()
	for name, content := range files {
		write(t, filepath.Join(ws, CoreDir, name), content)
	}
	b := planCoreBuild(Options{PipArgs: []string{"--no-index", "--no-build-isolation"}})
	for _, f := range b.Files {
		write(t, filepath.Join(ws, f.Path), f.Content)
	}
	argv := b.Steps[0].Argv
	cmd := exec.Command(py, argv[1:]...)
	cmd.Dir = ws
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return ws
}

// exampleCore reads the example Core's v1.2.0 tree (a whole tree in the
// examples package; plan cannot import that package, which needs plan).
func exampleCore(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	dir := filepath.Join("..", "examples", "repos", "market-data-core", "v1.2.0")
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(dir, p)
			files[rel] = string(data)
		}
		return err
	})
	return files
}

// installCore runs the planned core step in a fresh virtualenv (with the
// interpreter's packages, as --offline makes them) and returns the venv's
// python and the step's output.
func installCore(t *testing.T, py, ws string) (string, string, error) {
	t.Helper()
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command(py, "-m", "venv", "--system-site-packages", "--without-pip", venv).CombinedOutput(); err != nil {
		t.Fatalf("venv: %v\n%s", err, out)
	}
	write(t, filepath.Join(ws, CoreInstallerPath), coreInstaller)
	wheels, _ := filepath.Glob(filepath.Join(ws, WheelDir, "*.whl"))
	if len(wheels) != 1 {
		t.Fatalf("wheels %v", wheels)
	}
	vpy := filepath.Join(venv, "bin", "python")
	cmd := exec.Command(vpy, CoreInstallerPath, wheels[0], "--site", filepath.Join(ws, SiteDir), "--", "--no-index")
	cmd.Dir = ws
	out, err := cmd.CombinedOutput()
	return vpy, string(out), err
}

// TestCoreBuildLinksTheUnpackedWheel: the build makes one wheel and
// unpacks it; a suite environment that has pydantic links it (no pip), and
// imports Core from it with its metadata.
func TestCoreBuildLinksTheUnpackedWheel(t *testing.T) {
	py := realPython(t)
	ws := buildCore(t, py, exampleCore(t))
	if _, err := os.Stat(filepath.Join(ws, SiteDir, "market_data_core-1.2.0.dist-info", "METADATA")); err != nil {
		t.Fatalf("the wheel was not unpacked: %v", err)
	}
	vpy, out, err := installCore(t, py, ws)
	if err != nil || !strings.Contains(out, "linked its unpacked wheel") {
		t.Fatalf("install: %v\n%s", err, out)
	}
	probe := "import importlib.metadata as m, market_data_core as c; print(c.__version__, m.version('market-data-core'), c.__file__)"
	got, err := exec.Command(vpy, "-c", probe).Output()
	if err != nil || !strings.HasPrefix(string(got), "1.2.0 1.2.0 "+filepath.Join(ws, SiteDir)) {
		t.Errorf("Core in the suite's environment: %q, %v", got, err)
	}
}

// TestCoreInstallResolvesAnUnmetRequirement: a Core that adds a dependency
// the environment lacks goes through pip, which resolves it (and, offline,
// says it cannot).
func TestCoreInstallResolvesAnUnmetRequirement(t *testing.T) {
	py := realPython(t)
	files := exampleCore(t)
	files["pyproject.toml"] = strings.Replace(files["pyproject.toml"], `dependencies = ["pydantic>=2"]`, `dependencies = ["pydantic>=2", "contracts-test-missing-dependency>=1"]`, 1)
	ws := buildCore(t, py, files)
	_, out, err := installCore(t, py, ws)
	if err == nil || !strings.Contains(out, "installing Core's wheel with pip (resolving Core's dependencies: contracts-test-missing-dependency is not installed)") ||
		!strings.Contains(out, "No matching distribution found for contracts-test-missing-dependency") {
		t.Errorf("install: %v\n%s", err, out)
	}
}

// runBuild runs the planned build step with pipArgs for the Core tree
// files and returns its output and error.
func runBuild(t *testing.T, py string, files map[string]string, pipArgs ...string) (string, error) {
	t.Helper()
	ws := t.TempDir()
	for name, content := range files {
		write(t, filepath.Join(ws, CoreDir, name), content)
	}
	b := planCoreBuild(Options{PipArgs: pipArgs})
	for _, f := range b.Files {
		write(t, filepath.Join(ws, f.Path), f.Content)
	}
	cmd := exec.Command(py, b.Steps[0].Argv[1:]...)
	cmd.Dir = ws
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestCoreBuildInProcessWhenRequirementsAreMet: with build isolation on
// (the default, installing from an index), Core is built in process when
// the interpreter already has every build requirement Core declares (no
// isolated environment downloaded again for each commit; here no index is
// reachable, so pip could not have built it); a requirement it lacks goes
// through pip, whose error names it.
func TestCoreBuildInProcessWhenRequirementsAreMet(t *testing.T) {
	py := realPython(t)
	out, err := runBuild(t, py, exampleCore(t), "--no-index")
	if err != nil || !strings.Contains(out, "in process (this interpreter has every build requirement)") || !strings.Contains(out, "market_data_core-1.2.0-py3-none-any.whl") {
		t.Errorf("build with its requirements installed: %v\n%s", err, out)
	}
	files := exampleCore(t)
	files["pyproject.toml"] = strings.Replace(files["pyproject.toml"], `requires = ["setuptools>=61"]`, `requires = ["contracts-test-missing-backend>=1"]`, 1)
	if files["pyproject.toml"] == exampleCore(t)["pyproject.toml"] {
		t.Fatal("the example Core's build-system.requires changed: update this test")
	}
	out, err = runBuild(t, py, files, "--no-index")
	if err == nil || strings.Contains(out, "in process") || !strings.Contains(out, "pip wheel --no-deps") || !strings.Contains(out, "No matching distribution found for contracts-test-missing-backend") {
		t.Errorf("build with a requirement missing: %v, want pip's failure naming it\n%s", err, out)
	}
}

// TestCoreBuildLeavesBuildOptionsToPip: a pip argument that may change how
// Core is built (here a config setting) sends the build through pip, which
// honours it, even where an in-process build would be possible; index and
// output options do not.
func TestCoreBuildLeavesBuildOptionsToPip(t *testing.T) {
	py := realPython(t)
	out, err := runBuild(t, py, exampleCore(t), "--no-index", "--no-build-isolation", "-C", "contracts-test=1")
	if err != nil || strings.Contains(out, "in process") || !strings.Contains(out, "building with pip: the pip arguments -C contracts-test=1 may change how Core is built") || !strings.Contains(out, "pip wheel --no-deps") {
		t.Errorf("build with a config setting: %v, want pip to build\n%s", err, out)
	}
	out, err = runBuild(t, py, exampleCore(t), "--index-url", "http://127.0.0.1:9/simple/", "--no-build-isolation", "-q")
	if err != nil || !strings.Contains(out, "in process (no build isolation)") {
		t.Errorf("build with index options only: %v, want an in-process build\n%s", err, out)
	}
}
