package github

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/sethvargo/go-githubactions"
)

// Render runs Publish against a captured GitHub environment (temporary
// GITHUB_STEP_SUMMARY and GITHUB_OUTPUT files, a buffer for stdout) and
// returns the job summary Markdown and the workflow commands printed. The
// Dagger module uses it: a workflow exports the summary to
// $GITHUB_STEP_SUMMARY and prints the commands in its own step.
func Render(res *report.Result) (summary, commands string, err error) {
	tmp, err := os.MkdirTemp("", "contracts-github-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	env := map[string]string{
		"GITHUB_STEP_SUMMARY": filepath.Join(tmp, "summary.md"),
		"GITHUB_OUTPUT":       filepath.Join(tmp, "output"),
	}
	var out bytes.Buffer
	a := githubactions.New(githubactions.WithWriter(&out), githubactions.WithGetenv(func(k string) string { return env[k] }))
	if err := Publish(a, res); err != nil {
		return "", "", err
	}
	b, err := os.ReadFile(env["GITHUB_STEP_SUMMARY"])
	if err != nil {
		return "", "", err
	}
	return string(b), out.String(), nil
}
