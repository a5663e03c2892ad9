package plan

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestInstallHelperFollowsRequirementIncludes runs the embedded helper's
// read_requirements with the real interpreter: -r includes are followed
// (relative to their file, cycles ignored), -c constraints become pip
// options, comments and other options are skipped.
func TestInstallHelperFollowsRequirementIncludes(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("install_downstream.py", installHelper)
	os.Mkdir(filepath.Join(dir, "req"), 0o755)
	write("requirements-dev.txt", "# dev\n-r req/base.txt\n--constraint constraints.txt\npytest>=7  # tests\n--index-url https://mirror/simple\n")
	write("req/base.txt", "pydantic>=2\n-r ../requirements-dev.txt\nmarket-data-core>=1.1\n")
	write("constraints.txt", "pydantic<3\n")
	probe := "import json, sys; sys.path.insert(0, sys.argv[1]); import install_downstream as m; print(json.dumps(m.read_requirements(sys.argv[2])))"
	out, err := exec.Command("python3", "-c", probe, dir, filepath.Join(dir, "requirements-dev.txt")).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got [2][]string
	if err := json.Unmarshal(out[bytesIndexJSON(out):], &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if want := []string{"pydantic>=2", "market-data-core>=1.1", "pytest>=7"}; !slices.Equal(got[0], want) {
		t.Errorf("requirements %q, want %q", got[0], want)
	}
	if want := []string{"-c", filepath.Join(dir, "constraints.txt")}; !slices.Equal(got[1], want) {
		t.Errorf("options %q, want %q", got[1], want)
	}
}

// bytesIndexJSON skips the helper's progress lines before the JSON.
func bytesIndexJSON(out []byte) int {
	for i := len(out) - 1; i >= 0; i-- {
		if out[i] == '[' && (i == 0 || out[i-1] == '\n') {
			return i
		}
	}
	return 0
}
