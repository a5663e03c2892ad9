package workflows

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/report/github"
)

const dir = "../../../.github/workflows"

type step struct {
	Name string            `yaml:"name"`
	ID   string            `yaml:"id"`
	If   string            `yaml:"if"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
}

type workflow struct {
	On struct {
		WorkflowCall struct {
			Outputs map[string]struct {
				Description string `yaml:"description"`
				Value       string `yaml:"value"`
			} `yaml:"outputs"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
	Jobs map[string]struct {
		Outputs map[string]string `yaml:"outputs"`
		Steps   []step            `yaml:"steps"`
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

// daggerFunction returns the module function a `dagger call` command calls
// (its first word after the constructor's --flags) and the rest of it.
func daggerFunction(cmd string) (string, string) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(cmd), "dagger call ")
	if !ok {
		return "", ""
	}
	fields := strings.Fields(rest)
	for i, f := range fields {
		if !strings.HasPrefix(f, "-") {
			return f, strings.Join(fields[i+1:], " ")
		}
	}
	return "", ""
}

// TestContractsWorkflowRunsOnce: one step runs the contracts (resolving
// the refs) and exports the reports; every other dagger step reads that
// run back with from-reports, so the artifact, summary, annotations,
// outputs and verdict describe the same SHAs.
func TestContractsWorkflowRunsOnce(t *testing.T) {
	w := load(t, "contracts.yml")
	for job, j := range w.Jobs {
		runs, reads, dir, artifact := 0, 0, "", ""
		for _, st := range j.Steps {
			if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
				artifact = st.With["path"]
				if st.If != "always()" {
					t.Errorf("%s: the reports are uploaded only %q; want always()", job, st.If)
				}
			}
			fn, rest := daggerFunction(st.Run)
			switch fn {
			case "":
			case "run":
				runs++
				m := regexp.MustCompile(`^.* reports export --path=(\S+)$`).FindStringSubmatch(rest)
				if m == nil {
					t.Errorf("%s: step %q runs the contracts without exporting the reports", job, st.Name)
					continue
				}
				dir = m[1]
			case "from-reports":
				reads++
				if want := "--dir=" + dir; dir == "" || !strings.HasPrefix(rest, want+" ") {
					t.Errorf("%s: step %q reads %q, want the reports the run step exported (%s) and a step before it that wrote them", job, st.Name, rest, want)
				}
			default:
				t.Errorf("%s: step %q calls %q; want one run step and from-reports after it", job, st.Name, fn)
			}
		}
		if runs != 1 || reads == 0 || artifact != dir {
			t.Errorf("%s: %d run steps, %d from-reports steps, reports %q, artifact %q; want one run whose reports are read and uploaded", job, runs, reads, dir, artifact)
		}
	}
}

// TestContractsWorkflowOutputs: the reusable workflow's outputs are the
// step outputs the module writes (github.Outputs without report-path,
// which the module leaves out: it names a directory inside the module's
// runtime), each passed from the step that exports them to GITHUB_OUTPUT.
func TestContractsWorkflowOutputs(t *testing.T) {
	w := load(t, "contracts.yml")
	written := github.Outputs(&report.Result{})
	delete(written, "report-path")
	declared := w.On.WorkflowCall.Outputs
	if got, want := slices.Sorted(maps.Keys(declared)), slices.Sorted(maps.Keys(written)); !slices.Equal(got, want) {
		t.Errorf("workflow_call outputs %v, want the module's step outputs %v", got, want)
	}
	job, stepRef := regexp.MustCompile(`^\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}$`), regexp.MustCompile(`^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$`)
	for name, out := range declared {
		if out.Description == "" {
			t.Errorf("output %s has no description", name)
		}
		m := job.FindStringSubmatch(out.Value)
		if m == nil || m[2] != name {
			t.Errorf("output %s = %q, want ${{ jobs.<job>.outputs.%s }}", name, out.Value, name)
			continue
		}
		j, ok := w.Jobs[m[1]]
		if !ok {
			t.Errorf("output %s: no job %s", name, m[1])
			continue
		}
		s := stepRef.FindStringSubmatch(j.Outputs[name])
		if s == nil || s[2] != name {
			t.Errorf("job %s output %s = %q, want ${{ steps.<id>.outputs.%s }}", m[1], name, j.Outputs[name], name)
			continue
		}
		i := slices.IndexFunc(j.Steps, func(st step) bool { return st.ID == s[1] })
		if i < 0 || !strings.HasSuffix(j.Steps[i].Run, ` github-output export --path="$GITHUB_OUTPUT"`) {
			t.Errorf("output %s comes from step %q, which does not export the module's github-output to $GITHUB_OUTPUT", name, s[1])
		}
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
