package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestTokenFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte("tok_from_file\n"), 0o600)
	t.Setenv("GITHUB_TOKEN", "tok_from_env")
	o := options{tokenEnv: "GITHUB_TOKEN", tokenFile: file, jobs: 1, format: "text"}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	if o.token() != "tok_from_file" {
		t.Errorf("token = %q, want the file's", o.token())
	}
	o = options{tokenEnv: "GITHUB_TOKEN", jobs: 1, format: "text"}
	if err := o.validate(); err != nil || o.token() != "tok_from_env" {
		t.Errorf("token = %q, %v; want the variable's", o.token(), err)
	}
	for _, bad := range []string{filepath.Join(dir, "missing"), emptyFile(t, dir)} {
		o = options{tokenFile: bad, jobs: 1, format: "text"}
		if err := o.validate(); err == nil {
			t.Errorf("--token-file %s: want a usage error", bad)
		}
	}
}

func emptyFile(t *testing.T, dir string) string {
	p := filepath.Join(dir, "empty")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
