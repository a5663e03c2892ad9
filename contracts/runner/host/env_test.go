package host

import (
	"slices"
	"strings"
	"testing"
)

func TestChildEnvWithholdsRunnerAndPythonVariables(t *testing.T) {
	for k, v := range map[string]string{
		"GITHUB_OUTPUT": "/tmp/out", "ACTIONS_RUNTIME_TOKEN": "x", "PYTHONPATH": "/evil",
		"PYTEST_ADDOPTS": "-x", "VIRTUAL_ENV": "/v", "MY_TOKEN": "s3cret", "AUTH": "Bearer s3cret", "KEEP_ME": "1",
	} {
		t.Setenv(k, v)
	}
	env := (&Runner{Config: Config{Token: "s3cret"}}).childEnv()
	for _, kv := range env {
		for _, bad := range []string{"GITHUB_", "ACTIONS_", "PYTHONPATH=", "PYTEST_", "VIRTUAL_ENV=", "s3cret"} {
			if strings.Contains(kv, bad) {
				t.Errorf("child environment holds %q", kv)
			}
		}
	}
	if !slices.Contains(env, "KEEP_ME=1") {
		t.Error("an ordinary variable was dropped")
	}
}
