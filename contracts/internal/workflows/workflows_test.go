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
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

const dir = "../../../.github/workflows"

type step struct {
	Name            string            `yaml:"name"`
	ID              string            `yaml:"id"`
	If              string            `yaml:"if"`
	Uses            string            `yaml:"uses"`
	Run             string            `yaml:"run"`
	With            map[string]string `yaml:"with"`
	Env             map[string]string `yaml:"env"`
	ContinueOnError bool              `yaml:"continue-on-error"`
}

type workflow struct {
	On struct {
		Push struct {
			Tags []string `yaml:"tags"`
		} `yaml:"push"`
		WorkflowCall struct {
			Inputs map[string]struct {
				Default string `yaml:"default"`
			} `yaml:"inputs"`
			Outputs map[string]struct {
				Description string `yaml:"description"`
				Value       string `yaml:"value"`
			} `yaml:"outputs"`
			Secrets map[string]struct {
				Required bool `yaml:"required"`
			} `yaml:"secrets"`
		} `yaml:"workflow_call"`
	} `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Jobs        map[string]struct {
		Permissions map[string]string `yaml:"permissions"`
		Env         map[string]string `yaml:"env"`
		Outputs     map[string]string `yaml:"outputs"`
		Steps       []step            `yaml:"steps"`
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

// TestWorkflowsOnlyCallDagger: in contracts.yml and release.yml, no
// setup-python, no pip, no inline scripts; untrusted inputs only through
// environment variables.
func TestWorkflowsOnlyCallDagger(t *testing.T) {
	for _, name := range []string{"contracts.yml", "release.yml"} {
		t.Run(name, func(t *testing.T) { onlyCallsDagger(t, name) })
	}
}

func onlyCallsDagger(t *testing.T, name string) {
	w := load(t, name)
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
		t.Fatalf("%s: %d run steps, dagger action present: %v", name, runs, dagger)
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
	if len(files) < 3 {
		t.Fatalf("found %d workflows, want ci.yml, contracts.yml and release.yml", len(files))
	}
	out, err := exec.Command(bin, append([]string{"-no-color"}, files...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint: %v\n%s", err, out)
	}
}

// TestContractsWorkflowPinsItsRelease: called as a reusable workflow, the
// module that runs is the release this file belongs to (contracts_ref's
// default, moved with every release), not whatever the default branch
// holds; dispatched in this repository, the dispatched commit.
func TestContractsWorkflowPinsItsRelease(t *testing.T) {
	w := load(t, "contracts.yml")
	if got := w.On.WorkflowCall.Inputs["contracts_ref"].Default; got != version.Release {
		t.Errorf("contracts_ref defaults to %q, want the release %s", got, version.Release)
	}
	for job, j := range w.Jobs {
		for _, st := range j.Steps {
			if strings.HasPrefix(st.Uses, "actions/checkout@") && st.With["ref"] != "${{ inputs.contracts_ref }}" {
				t.Errorf("%s: checkout of ref %q, want ${{ inputs.contracts_ref }}", job, st.With["ref"])
			}
		}
	}
}

// TestContractsWorkflowNotifies: notifying is optional (the secret
// CONTRACTS_WEBHOOK_URL), comes after the publishing steps and before the
// verdict, reads the run's reports, sees the secret only in its own step
// (as an environment variable the module reads as a Secret), compares
// with the previous run's reports when the cache has them, and never
// fails the job.
func TestContractsWorkflowNotifies(t *testing.T) {
	w := load(t, "contracts.yml")
	if s, ok := w.On.WorkflowCall.Secrets["CONTRACTS_WEBHOOK_URL"]; !ok || s.Required {
		t.Errorf("workflow_call secrets: CONTRACTS_WEBHOOK_URL declared %v, required %v; want an optional secret", ok, s.Required)
	}
	j := w.Jobs["contracts"]
	if j.Env["NOTIFY"] != "${{ secrets.CONTRACTS_WEBHOOK_URL != '' }}" {
		t.Errorf("job env NOTIFY = %q", j.Env["NOTIFY"])
	}
	notify, verdict, outputs, previous := []int{}, -1, -1, 0
	for i, st := range j.Steps {
		fn, rest := daggerFunction(st.Run)
		for k, v := range st.Env {
			if strings.Contains(v, "CONTRACTS_WEBHOOK_URL") && (k != "CONTRACTS_WEBHOOK_URL" || !strings.Contains(rest, " notify --webhook=env:CONTRACTS_WEBHOOK_URL")) {
				t.Errorf("step %q gets the webhook secret as %s without notifying with it", st.Name, k)
			}
		}
		switch {
		case fn == "from-reports" && strings.Contains(rest, " notify "):
			notify = append(notify, i)
			if !st.ContinueOnError || !strings.HasPrefix(st.If, "env.NOTIFY == 'true'") {
				t.Errorf("step %q: continue-on-error %v, if %q; want an optional step that cannot fail the job", st.Name, st.ContinueOnError, st.If)
			}
			if strings.Contains(rest, "--previous=previous-reports") {
				previous++
			}
		case strings.HasSuffix(st.Run, " check"):
			verdict = i
		case st.ID == "results":
			outputs = i
		}
	}
	if len(notify) != 2 || previous != 1 || notify[0] < outputs || notify[1] > verdict {
		t.Errorf("notify steps at %v (%d with --previous), outputs at %d, verdict at %d; want two (with and without a previous run) between them", notify, previous, outputs, verdict)
	}
}

// TestReleaseWorkflow: on a v* tag, one dagger call builds the release
// from the tag (through the environment) and exports it; one action
// attaches exactly those files, with the CHANGELOG's notes; only that job
// may write to the repository.
func TestReleaseWorkflow(t *testing.T) {
	w := load(t, "release.yml")
	if !slices.Equal(w.On.Push.Tags, []string{"v*"}) {
		t.Errorf("triggered on tags %v, want v*", w.On.Push.Tags)
	}
	if w.Permissions["contents"] != "read" {
		t.Errorf("workflow permissions %v, want contents: read", w.Permissions)
	}
	j, ok := w.Jobs["release"]
	if !ok || j.Permissions["contents"] != "write" || len(j.Permissions) != 1 || j.Env["TAG"] != "${{ github.ref_name }}" {
		t.Fatalf("job release: %+v", j)
	}
	dist, uploads := "", 0
	for _, st := range j.Steps {
		fn, rest := daggerFunction(st.Run)
		switch {
		case fn == "release":
			m := regexp.MustCompile(`^--tag="\$TAG" --commit="\$GITHUB_SHA" export --path=(\S+)$`).FindStringSubmatch(rest)
			if m == nil || dist != "" {
				t.Errorf("step %q: %q, want one release --tag=\"$TAG\" --commit=\"$GITHUB_SHA\" export --path=DIR", st.Name, rest)
				continue
			}
			dist = m[1]
		case fn != "":
			t.Errorf("step %q calls %s", st.Name, fn)
		case strings.HasPrefix(st.Uses, "softprops/action-gh-release@"):
			uploads++
			files := strings.Fields(st.With["files"])
			if dist == "" || !slices.Equal(files, []string{dist + "/contracts-*", dist + "/SHA256SUMS"}) || st.With["body_path"] != dist+"/NOTES.md" || st.With["fail_on_unmatched_files"] != "true" {
				t.Errorf("upload step %q uploads %v with notes %q after the build into %q", st.Name, files, st.With["body_path"], dist)
			}
		}
	}
	if dist == "" || uploads != 1 {
		t.Errorf("release into %q, %d uploads; want one build and one upload", dist, uploads)
	}
}
