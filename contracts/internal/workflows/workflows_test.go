package workflows

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
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
	Jobs        map[string]job    `yaml:"jobs"`
}

type job struct {
	Permissions map[string]string `yaml:"permissions"`
	If          string            `yaml:"if"`
	Needs       string            `yaml:"needs"`
	Env         map[string]string `yaml:"env"`
	Outputs     map[string]string `yaml:"outputs"`
	Steps       []step            `yaml:"steps"`
	Strategy    struct {
		Matrix struct {
			Include string `yaml:"include"`
		} `yaml:"matrix"`
	} `yaml:"strategy"`
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

// TestContractsWorkflowRunsOnce: in every job one step produces the
// reports (runs the contracts, resolving the refs, or merges the shards'
// reports) and exports them; every other dagger step reads them back with
// from-reports, so the artifact, summary, annotations, outputs and verdict
// describe the same SHAs. The single job and the merge job publish; a
// shard job only runs its shard and uploads its reports.
func TestContractsWorkflowRunsOnce(t *testing.T) {
	w := load(t, "contracts.yml")
	roles := map[string]string{"contracts": "run", "shard": "run --shard", "merge": "merge"}
	if got := slices.Sorted(maps.Keys(w.Jobs)); !slices.Equal(got, slices.Sorted(maps.Keys(roles))) {
		t.Fatalf("jobs %v, want %v", got, slices.Sorted(maps.Keys(roles)))
	}
	export := regexp.MustCompile(`^(.*) reports export --path=(\S+)$`)
	for name, j := range w.Jobs {
		producers, reads, dir, artifact := 0, 0, "", ""
		for _, st := range j.Steps {
			if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
				artifact = st.With["path"]
				if st.If != "always()" {
					t.Errorf("%s: the reports are uploaded only %q; want always()", name, st.If)
				}
			}
			fn, rest := daggerFunction(st.Run)
			switch fn {
			case "":
			case "run", "merge":
				producers++
				m := export.FindStringSubmatch(rest)
				if m == nil {
					t.Errorf("%s: step %q does not export the reports it makes", name, st.Name)
					continue
				}
				dir = m[2]
				role := fn
				if strings.Contains(m[1], "--shard=") {
					role += " --shard"
				}
				if role != roles[name] {
					t.Errorf("%s: step %q calls %s; want %s", name, st.Name, role, roles[name])
				}
			case "from-reports":
				reads++
				if want := "--dir=" + dir; dir == "" || !strings.HasPrefix(rest, want+" ") {
					t.Errorf("%s: step %q reads %q, want the reports a step before it exported (%s)", name, st.Name, rest, want)
				}
			default:
				t.Errorf("%s: step %q calls %q; want one run or merge step and from-reports after it", name, st.Name, fn)
			}
		}
		publishes := name != "shard"
		if producers != 1 || (reads > 0) != publishes || artifact != dir {
			t.Errorf("%s: %d steps making reports, %d from-reports steps, reports %q, artifact %q; want one whose reports are uploaded and (publishing: %v) read back",
				name, producers, reads, dir, artifact, publishes)
		}
	}
}

// shardsExpr is how every job reads the number of shards asked for.
const shardsExpr = "(github.event.client_payload.shards || inputs.shards || 1)"

// lookup decodes a `${{ fromJSON('{...}')[format('{0}', <shards>)] }}`
// expression (a workflow expression cannot count, so the shard lists are
// lookup tables keyed by the number of shards).
func lookup[T any](t *testing.T, expr string) map[string]T {
	t.Helper()
	re := regexp.MustCompile(`^\$\{\{ fromJSON\('(.*)'\)\[format\('\{0\}', github\.event\.client_payload\.shards \|\| inputs\.shards\)\] \}\}$`)
	m := re.FindStringSubmatch(expr)
	if m == nil {
		t.Fatalf("%.80s... is not a lookup by the number of shards", expr)
	}
	var out map[string]T
	if err := json.Unmarshal([]byte(m[1]), &out); err != nil {
		t.Fatalf("lookup table: %v", err)
	}
	return out
}

// TestContractsWorkflowShards: with shards unset or 1 only the single job
// runs, with 2 to 10 only the shard and merge jobs; the shard job runs
// K/N for K = 1..N, each uploading an artifact the merge job downloads
// and passes to merge (download-artifact puts each in path/name), in
// shard order.
func TestContractsWorkflowShards(t *testing.T) {
	w := load(t, "contracts.yml")
	for name, want := range map[string]string{
		"contracts": shardsExpr + " < 2",
		"shard":     shardsExpr + " >= 2",
		"merge":     "${{ !cancelled() && " + shardsExpr + " >= 2 }}",
	} {
		if got := w.Jobs[name].If; got != want {
			t.Errorf("%s runs if %q, want %q", name, got, want)
		}
	}
	shard, merge := w.Jobs["shard"], w.Jobs["merge"]
	if merge.Needs != "shard" || shard.Env["SHARD"] != "${{ matrix.shard }}" {
		t.Errorf("merge needs %q, shard's SHARD %q", merge.Needs, shard.Env["SHARD"])
	}
	var upload, pattern, path string
	for _, st := range shard.Steps {
		if strings.HasPrefix(st.Uses, "actions/upload-artifact@") {
			upload = st.With["name"]
		}
		if strings.Contains(st.Run, "--shard=") && !strings.Contains(st.Run, `--shard="$SHARD"`) {
			t.Errorf("the shard step passes %q; want --shard=\"$SHARD\"", st.Run)
		}
	}
	for _, st := range merge.Steps {
		if strings.HasPrefix(st.Uses, "actions/download-artifact@") {
			pattern, path = st.With["pattern"], st.With["path"]
		}
		if fn, rest := daggerFunction(st.Run); fn == "merge" && !strings.HasPrefix(rest, `--dirs="$SHARD_DIRS" `) {
			t.Errorf("merge step %q; want --dirs=\"$SHARD_DIRS\"", st.Run)
		}
	}
	if upload != "${{ matrix.name }}" || path == "" || !strings.HasSuffix(pattern, "*") {
		t.Fatalf("shards upload %q, merge downloads %q into %q", upload, pattern, path)
	}
	shards := lookup[[]struct{ Shard, Name string }](t, shard.Strategy.Matrix.Include)
	dirs := lookup[string](t, merge.Env["SHARD_DIRS"])
	for n := 2; n <= 10; n++ {
		key := strconv.Itoa(n)
		var specs, want []string
		for k, s := range shards[key] {
			specs = append(specs, s.Shard)
			if s.Shard != fmt.Sprintf("%d/%d", k+1, n) || !strings.HasPrefix(s.Name, strings.TrimSuffix(pattern, "*")) {
				t.Errorf("%d shards: entry %d is %+v", n, k, s)
			}
			want = append(want, path+"/"+s.Name)
		}
		if len(specs) != n || dirs[key] != strings.Join(want, ",") {
			t.Errorf("%d shards: runs %v, merges %q; want %d shards and %q", n, specs, dirs[key], n, strings.Join(want, ","))
		}
	}
	if len(shards) != 9 || len(dirs) != 9 {
		t.Errorf("lookup tables for %d and %d shard counts, want 2..10", len(shards), len(dirs))
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
	stepRef := regexp.MustCompile(`^\$\{\{ steps\.([\w-]+)\.outputs\.([\w-]+) \}\}$`)
	for name, out := range declared {
		if out.Description == "" {
			t.Errorf("output %s has no description", name)
		}
		// Whichever publishing job ran: the single job or the merge job.
		if want := fmt.Sprintf("${{ jobs.contracts.outputs.%[1]s || jobs.merge.outputs.%[1]s }}", name); out.Value != want {
			t.Errorf("output %s = %q, want %q", name, out.Value, want)
			continue
		}
		for _, jn := range []string{"contracts", "merge"} {
			j := w.Jobs[jn]
			s := stepRef.FindStringSubmatch(j.Outputs[name])
			if s == nil || s[2] != name {
				t.Errorf("job %s output %s = %q, want ${{ steps.<id>.outputs.%s }}", jn, name, j.Outputs[name], name)
				continue
			}
			i := slices.IndexFunc(j.Steps, func(st step) bool { return st.ID == s[1] })
			if i < 0 || !strings.HasSuffix(j.Steps[i].Run, ` github-output export --path="$GITHUB_OUTPUT"`) {
				t.Errorf("job %s output %s comes from step %q, which does not export the module's github-output to $GITHUB_OUTPUT", jn, name, s[1])
			}
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
	// Both publishing jobs notify alike: the single job and the merge job.
	for _, name := range []string{"contracts", "merge"} {
		notifies(t, name, w.Jobs[name])
	}
}

// notifies checks a publishing job's notify steps: only with the secret,
// never able to fail the job, between the step outputs and the verdict.
func notifies(t *testing.T, name string, j job) {
	t.Helper()
	if j.Env["NOTIFY"] != "${{ secrets.CONTRACTS_WEBHOOK_URL != '' }}" {
		t.Errorf("%s: job env NOTIFY = %q", name, j.Env["NOTIFY"])
	}
	notify, verdict, outputs, previous := []int{}, -1, -1, 0
	for i, st := range j.Steps {
		fn, rest := daggerFunction(st.Run)
		for k, v := range st.Env {
			if strings.Contains(v, "CONTRACTS_WEBHOOK_URL") && (k != "CONTRACTS_WEBHOOK_URL" || !strings.Contains(rest, " notify --webhook=env:CONTRACTS_WEBHOOK_URL")) {
				t.Errorf("%s: step %q gets the webhook secret as %s without notifying with it", name, st.Name, k)
			}
		}
		switch {
		case fn == "from-reports" && strings.Contains(rest, " notify "):
			notify = append(notify, i)
			if !st.ContinueOnError || !strings.HasPrefix(st.If, "env.NOTIFY == 'true'") {
				t.Errorf("%s: step %q: continue-on-error %v, if %q; want an optional step that cannot fail the job", name, st.Name, st.ContinueOnError, st.If)
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
		t.Errorf("%s: notify steps at %v (%d with --previous), outputs at %d, verdict at %d; want two (with and without a previous run) between them", name, notify, previous, outputs, verdict)
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
