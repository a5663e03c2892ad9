package workflows

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const dir = "../../../.github/workflows"

type workflow struct {
	Jobs map[string]struct {
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			With map[string]string `yaml:"with"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func load(t *testing.T, name string) workflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

// TestContractsWorkflowOnlyCallsDagger: no setup-python, no pip, no inline
// scripts; untrusted inputs only through environment variables.
func TestContractsWorkflowOnlyCallsDagger(t *testing.T) {
	w := load(t, "contracts.yml")
	runs, dagger := 0, false // run steps seen; Dagger action present
	for job, j := range w.Jobs {
		for _, st := range j.Steps {
			if strings.Contains(st.Uses, "setup-python") {
				t.Errorf("%s: step %q uses setup-python", job, st.Name)
			}
			if strings.HasPrefix(st.Uses, "dagger/dagger-for-github@") {
				dagger = true
				if st.With["version"] != "0.21.8" {
					t.Errorf("%s: dagger action version %q, want 0.21.8", job, st.With["version"])
				}
			}
			if st.Run == "" {
				continue
			}
			runs++
			cmd := strings.TrimSpace(st.Run)
			if strings.Contains(cmd, "\n") || !strings.HasPrefix(cmd, "dagger call ") {
				t.Errorf("%s: step %q runs %q; every run step must be one `dagger call`", job, st.Name, cmd)
			}
			if strings.Contains(cmd, "${{") {
				t.Errorf("%s: step %q pastes an expression into its script; pass it through env", job, st.Name)
			}
			for _, bad := range []string{"pip ", "python", ";", "&&", "|"} {
				if strings.Contains(cmd, bad) {
					t.Errorf("%s: step %q contains %q", job, st.Name, bad)
				}
			}
		}
	}
	if runs == 0 || !dagger {
		t.Fatalf("contracts.yml: %d run steps, dagger action present: %v", runs, dagger)
	}
}

// TestActionlint runs actionlint (installed by .ci/setup) on every workflow.
func TestActionlint(t *testing.T) {
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		gopath, _ := exec.Command("go", "env", "GOPATH").Output()
		bin = filepath.Join(strings.TrimSpace(string(gopath)), "bin", "actionlint")
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("actionlint not found: run .ci/setup (go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.7)")
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.yml"))
	if len(files) < 2 {
		t.Fatalf("found %d workflows, want ci.yml and contracts.yml", len(files))
	}
	out, err := exec.Command(bin, append([]string{"-no-color"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}
