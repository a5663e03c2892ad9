package matrix_test

import (
	"path"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"go.yaml.in/yaml/v3"
)

// FuzzMatrixParse checks that matrix.Parse never panics, that whatever it
// accepts keeps the matrix's promises (valid, unique names; valid refs and
// repos; test paths inside the repo; timeouts in (0, 24h]; environment
// names), and that an accepted matrix written back as YAML parses to the
// same matrix. Seeds: testdata/fuzz/FuzzMatrixParse and the ones below.
//
//	go test ./contracts/matrix/ -run '^$' -fuzz FuzzMatrixParse -fuzztime 20s
func FuzzMatrixParse(f *testing.F) {
	f.Add(matrix.DefaultYAML())
	f.Add([]byte(base))
	f.Add([]byte("version: 1\ncore: {name: c, repo: /c, package: c}\ndownstreams: [{name: a, repo: ../a, ref: v1, install: auto, env: {A: '1'}}]\n"))
	f.Add([]byte("version: 1\ncore: &c {name: c, repo: /c, package: c.d}\ndownstreams: [{name: a, repo: 'git@h:a', ref: main, timeout: 1h, tests: t}]\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := matrix.Parse("fuzz.yaml", data)
		if err != nil {
			if m != nil || !strings.HasPrefix(err.Error(), "fuzz.yaml: ") {
				t.Fatalf("error %q does not name the file, or came with a matrix", err)
			}
			return
		}
		checkPromises(t, m)
		again, err := matrix.Parse("fuzz.yaml", marshal(t, m))
		if err != nil {
			t.Fatalf("written back: %v\n%s", err, marshal(t, m))
		}
		if !reflect.DeepEqual(again, m) {
			t.Fatalf("written back differs:\n%+v\n%+v", m, again)
		}
	})
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func checkPromises(t *testing.T, m *matrix.Matrix) {
	t.Helper()
	if m.Source != "fuzz.yaml" || len(m.Downstreams) == 0 {
		t.Fatalf("source %q, %d downstreams", m.Source, len(m.Downstreams))
	}
	if matrix.ValidateName(m.Core.Name) != nil || refs.ValidateRepo(m.Core.Repo) != nil || refs.Validate(m.Core.Ref) != nil || m.Core.Package == "" {
		t.Fatalf("core broke a promise: %+v", m.Core)
	}
	seen := map[string]bool{}
	for _, d := range m.Downstreams {
		if seen[d.Name] || matrix.ValidateName(d.Name) != nil || refs.ValidateRepo(d.Repo) != nil || refs.Validate(d.Ref) != nil {
			t.Fatalf("downstream broke a promise: %+v", d)
		}
		seen[d.Name] = true
		clean := path.Clean(d.Tests)
		if d.Tests == "" || path.IsAbs(d.Tests) || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(d.Tests, "-") {
			t.Fatalf("%s: tests path %q leaves the repo", d.Name, d.Tests)
		}
		if d.Timeout <= 0 || d.Timeout > 24*time.Hour {
			t.Fatalf("%s: timeout %v", d.Name, d.Timeout)
		}
		for _, k := range d.EnvKeys() {
			if !envName.MatchString(k) || strings.ContainsRune(d.Env[k], 0) {
				t.Fatalf("%s: env %q=%q", d.Name, k, d.Env[k])
			}
		}
		for _, args := range d.Install {
			if len(args) == 0 {
				t.Fatalf("%s: empty install argument list", d.Name)
			}
		}
	}
}

// marshal writes m in the matrix file format, every field explicit.
func marshal(t *testing.T, m *matrix.Matrix) []byte {
	t.Helper()
	var ds []map[string]any
	for _, d := range m.Downstreams {
		e := map[string]any{"name": d.Name, "repo": d.Repo, "ref": d.Ref, "tests": d.Tests, "timeout": d.Timeout.String()}
		if d.Install != nil {
			e["install"] = d.Install
		}
		if d.Env != nil {
			e["env"] = d.Env
		}
		ds = append(ds, e)
	}
	out, err := yaml.Marshal(map[string]any{
		"version":     matrix.Version,
		"core":        map[string]string{"name": m.Core.Name, "repo": m.Core.Repo, "package": m.Core.Package, "ref": m.Core.Ref},
		"downstreams": ds,
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
