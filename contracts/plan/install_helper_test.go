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
