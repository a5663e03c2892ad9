package plan

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

// helperDir writes the embedded install helper into a new directory, with
// files, and returns it.
func helperDir(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	files["install_downstream.py"] = []byte(installHelper)
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// utf16File is text as a Windows tool writes it: UTF-16 LE with a BOM.
func utf16File(text string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(text)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// readRequirements runs the helper's read_requirements with the real
// interpreter and returns the requirement lines and constraint lines, or
// the helper's error.
func readRequirements(t *testing.T, dir, file string) (reqs, constraints []string, errText string) {
	t.Helper()
	probe := `import json, sys
sys.path.insert(0, sys.argv[1])
import install_downstream as m
try:
    r, c = m.read_requirements(sys.argv[2])
    print(json.dumps([[x for x, _ in r], [x for x, _ in c], ""]))
except m.Unreadable as e:
    print(json.dumps([[], [], str(e)]))`
	out, err := exec.Command("python3", "-c", probe, dir, filepath.Join(dir, file)).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got [3]json.RawMessage
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	json.Unmarshal(got[0], &reqs)
	json.Unmarshal(got[1], &constraints)
	json.Unmarshal(got[2], &errText)
	return reqs, constraints, errText
}

// TestInstallHelperReadsRequirementsAsPipDoes runs the embedded helper's
// read_requirements with the real interpreter: pip's own parser follows -r
// includes (relative to their file), reads -c constraints, joins
// continuation lines, drops comments, keeps markers, and decodes a UTF-16
// file by its BOM.
func TestInstallHelperReadsRequirementsAsPipDoes(t *testing.T) {
	dir := helperDir(t, map[string][]byte{
		"requirements-dev.txt": []byte("# dev\n-r req/base.txt\n--constraint constraints.txt\npytest>=7  # tests\n"),
		"req/base.txt":         utf16File("pydantic>=2\r\nmarket-data-core>=1.1,\\\r\n    <1.2 ; python_version >= \"3.8\"\r\n"),
		"constraints.txt":      []byte("pydantic<3\n"),
	})
	reqs, constraints, errText := readRequirements(t, dir, "requirements-dev.txt")
	if errText != "" {
		t.Fatal(errText)
	}
	want := []string{"pydantic>=2", `market-data-core>=1.1,    <1.2 ; python_version >= "3.8"`, "pytest>=7"}
	if !slices.Equal(reqs, want) {
		t.Errorf("requirements %q, want %q", reqs, want)
	}
	if !slices.Equal(constraints, []string{"pydantic<3"}) {
		t.Errorf("constraints %q", constraints)
	}
}

// TestInstallHelperNamesAnUnreadableFile: a UTF-16 file with one stray
// trailing byte (as a real downstream shipped it) is refused with the
// file's name and the decoder's complaint, not a traceback.
func TestInstallHelperNamesAnUnreadableFile(t *testing.T) {
	truncated := append(utf16File("market-data-core>=1.1\r\n"), '\n')
	dir := helperDir(t, map[string][]byte{
		"requirements-dev.txt": []byte("-r requirements.txt\n"),
		"requirements.txt":     truncated,
	})
	_, _, errText := readRequirements(t, dir, "requirements-dev.txt")
	if !strings.Contains(errText, "requirements.txt") || !strings.Contains(errText, "truncated data") {
		t.Errorf("error %q, want the file and 'truncated data'", errText)
	}
}

// pipCall is one pip install the helper asked for.
type pipCall struct {
	Args []string `json:"args"`
	Cwd  string   `json:"cwd"`
}

// runHelper runs the helper's main in dir with argv, pip replaced by a
// recorder (nothing is installed), and returns pip's calls, the pins the
// helper wrote to pins.json and what it printed.
func runHelper(t *testing.T, dir string, argv ...string) (calls []pipCall, pins map[string]any, printed string) {
	t.Helper()
	probe := `import json, sys
sys.path.insert(0, ".")
import install_downstream as m
calls = []
m.pip = lambda args, pip_args, cwd=None: calls.append({"args": list(args), "cwd": cwd or ""}) or 0
sys.argv = ["install_downstream.py"] + sys.argv[1:]
code = m.main()
sys.stderr.write(json.dumps(calls))`
	cmd := exec.Command("python3", append([]string{"-c", probe}, argv...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s\n%s", err, out, stderr.String())
	}
	if err := json.Unmarshal([]byte(stderr.String()), &calls); err != nil {
		t.Fatalf("calls %q: %v", stderr.String(), err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "pins.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &pins); err != nil {
		t.Fatal(err)
	}
	return calls, pins, string(out)
}

// pinLines are the requirement, declared_in and applies of each pin.
func pinLines(pins map[string]any) []string {
	var out []string
	reqs, _ := pins["requirements"].([]any)
	for _, r := range reqs {
		m := r.(map[string]any)
		out = append(out, m["requirement"].(string)+" | "+m["declared_in"].(string)+" | "+strings.ToLower(strings.TrimSpace(jsonText(m["applies"]))))
	}
	return out
}

func jsonText(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

var selfProject = map[string][]byte{
	"ds/pyproject.toml": []byte("[project]\nname = \"ds\"\nversion = \"1\"\ndependencies = [\"market-data-core>=1.1,<2\", \"pydantic>=2\"]\n\n[project.optional-dependencies]\ntest = [\"pytest>=7\"]\n"),
	// The project itself glued to -e, an option line, an include glued to -r.
	"ds/requirements-dev.txt": []byte("-e.[test]\n--index-url https://mirror.example/simple\n-rbase.txt\n"),
	"ds/base.txt":             []byte("market-data-core>=1.1,<2\nmarket-data-core>=1.0 ; extra == \"fast\"\nrich\n"),
}

// TestInstallHelperPinOfAnExplicitInstall: an explicit install of only
// "-r requirements-dev.txt" whose file names the project itself ("-e.")
// finds the pin in pyproject.toml, once, next to the include's own lines;
// a pin under an extra's marker does not apply; the option line is said,
// the glued -r and -e lines are not.
func TestInstallHelperPinOfAnExplicitInstall(t *testing.T) {
	dir := helperDir(t, clone(selfProject))
	_, pins, printed := runHelper(t, dir, "--exclude", "market-data-core", "--dir", "ds", "--pin-out", "pins.json",
		"--pins-only", "--spec", `["-r","requirements-dev.txt"]`)
	want := []string{
		"market-data-core>=1.1,<2 | pyproject.toml | true",
		`market-data-core>=1.0 ; extra == "fast" | base.txt | false`,
	}
	if got := pinLines(pins); !slices.Equal(got, want) || pins["error"] != "" {
		t.Errorf("pins %q (error %v), want %q", got, pins["error"], want)
	}
	if !strings.Contains(printed, "--index-url https://mirror.example/simple") || strings.Contains(printed, "option line '-rbase.txt'") || strings.Contains(printed, "option line '-e.") {
		t.Errorf("printed:\n%s", printed)
	}
}

// TestInstallHelperAutomaticInstall: the automatic spec installs the
// project without dependencies, then everything it and requirements-dev.txt
// declare but Core, once each, with pip running in the project (where the
// file's relative paths point).
func TestInstallHelperAutomaticInstall(t *testing.T) {
	dir := helperDir(t, clone(selfProject))
	calls, pins, _ := runHelper(t, dir, "--exclude", "market-data-core", "--dir", "ds", "--pin-out", "pins.json", "--", "--no-index")
	want := []pipCall{
		{Args: []string{"--no-deps", "-e", "ds"}},
		{Args: []string{"pydantic>=2", "pytest>=7", "rich"}, Cwd: "ds"},
	}
	if !slices.EqualFunc(calls, want, func(a, b pipCall) bool { return slices.Equal(a.Args, b.Args) && a.Cwd == b.Cwd }) {
		t.Errorf("pip calls %+v, want %+v", calls, want)
	}
	if got := pinLines(pins); len(got) != 2 || got[0] != "market-data-core>=1.1,<2 | pyproject.toml | true" {
		t.Errorf("pins %q", got)
	}
}

// TestInstallHelperDynamicDependencies: dependencies the build sets are
// left to pip's resolver, requirements-dev.txt installed from the project,
// and the pin is unknown with the reason.
func TestInstallHelperDynamicDependencies(t *testing.T) {
	dir := helperDir(t, map[string][]byte{
		"ds/pyproject.toml":       []byte("[project]\nname = \"ds\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n"),
		"ds/requirements-dev.txt": []byte("-e .\npytest\n"),
	})
	calls, pins, _ := runHelper(t, dir, "--exclude", "market-data-core", "--dir", "ds", "--pin-out", "pins.json")
	want := []pipCall{{Args: []string{"-e", "ds"}}, {Args: []string{"-r", "requirements-dev.txt"}, Cwd: "ds"}}
	if !slices.EqualFunc(calls, want, func(a, b pipCall) bool { return slices.Equal(a.Args, b.Args) && a.Cwd == b.Cwd }) {
		t.Errorf("pip calls %+v, want %+v", calls, want)
	}
	if e, _ := pins["error"].(string); !strings.Contains(e, "dynamic") {
		t.Errorf("pin error %q, want it to say the dependencies are dynamic", e)
	}
}

func clone(files map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(files))
	for k, v := range files {
		out[k] = v
	}
	return out
}
