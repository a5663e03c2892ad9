package matrix_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

func TestDefaultMatrix(t *testing.T) {
	m, err := matrix.Default()
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != matrix.DefaultName {
		t.Errorf("source %q", m.Source)
	}
	if m.Core.Name != "market-data-core" || m.Core.Package != "market_data_core" || m.Core.Ref != "main" || !strings.HasPrefix(m.Core.Repo, "https://") {
		t.Errorf("core = %+v", m.Core)
	}
	want := []struct{ name, ref string }{{"pipeline", "base"}, {"store", "master"}, {"orchestrator", "main"}}
	if len(m.Downstreams) != len(want) {
		t.Fatalf("downstreams %v", m.Names())
	}
	for i, d := range m.Downstreams {
		if d.Name != want[i].name || d.Ref != want[i].ref {
			t.Errorf("downstream %d = %s@%s, want %s@%s", i, d.Name, d.Ref, want[i].name, want[i].ref)
		}
		if d.Tests != matrix.DefaultTests || d.Timeout != matrix.DefaultTimeout || d.Install != nil || !strings.HasPrefix(d.Repo, "https://") {
			t.Errorf("%s: tests %q timeout %v install %v repo %s", d.Name, d.Tests, d.Timeout, d.Install, d.Repo)
		}
	}
	if matrix.DefaultTests != "tests/contracts" || matrix.DefaultTimeout != 15*time.Minute {
		t.Errorf("defaults changed: %q %v", matrix.DefaultTests, matrix.DefaultTimeout)
	}
	y := matrix.DefaultYAML()
	y[0] = 'X'
	if again, err := matrix.Default(); err != nil || !reflect.DeepEqual(again, m) {
		t.Errorf("DefaultYAML shares the embedded bytes: %v", err)
	}
}

// base is a valid matrix; the error cases change one line of it.
const base = `version: 1
core:
  name: market-data-core
  repo: https://github.com/o/core
  package: market_data_core
  ref: main
defaults:
  tests: tests/contracts
  timeout: 10m
downstreams:
  - name: pipeline
    repo: https://github.com/o/pipeline
    ref: base
  - name: store
    repo: https://github.com/o/store
    ref: master
    tests: tests/api
    timeout: 90s
    install: [["-e", ".[dev]"], ["pytest-asyncio==0.20.3"]]
    env:
      STORE_MODE: memory
      _X1: ""
`

// edit replaces the first occurrence of old in base, failing the test if
// base lacks it.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(base, old) {
		t.Fatalf("base lacks %q", old)
	}
	return strings.Replace(base, old, new, 1)
}

func TestParseValid(t *testing.T) {
	m, err := matrix.Parse("m.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	p, s := m.Downstreams[0], m.Downstreams[1]
	if p.Tests != "tests/contracts" || p.Timeout != 10*time.Minute || p.Install != nil || p.Env != nil {
		t.Errorf("pipeline = %+v", p)
	}
	if s.Tests != "tests/api" || s.Timeout != 90*time.Second {
		t.Errorf("store = %+v", s)
	}
	if want := [][]string{{"-e", ".[dev]"}, {"pytest-asyncio==0.20.3"}}; !reflect.DeepEqual(s.Install, want) {
		t.Errorf("install = %q", s.Install)
	}
	if got := s.EnvKeys(); !reflect.DeepEqual(got, []string{"STORE_MODE", "_X1"}) || s.Env["STORE_MODE"] != "memory" {
		t.Errorf("env = %v %v", got, s.Env)
	}
}

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct{ name, old, new string }{
		{"install auto", "    ref: base\n", "    ref: base\n    install: auto\n"},
		{"core ref defaults to main", "  ref: main\n", ""},
		{"no defaults", "defaults:\n  tests: tests/contracts\n  timeout: 10m\n", ""},
		{"ssh repo", "https://github.com/o/pipeline", "git@github.com:o/pipeline.git"},
		{"local repo", "https://github.com/o/pipeline", "../pipeline"},
		{"file repo", "https://github.com/o/pipeline", "file:///srv/git/pipeline"},
		{"tag ref", "ref: base", "ref: v1.2.0"},
		{"numeric-looking ref", "ref: base", "ref: 1.10"},
		{"sha ref", "ref: base", "ref: 0123456789abcdef0123456789abcdef01234567"},
		{"pull ref", "ref: base", "ref: refs/pull/12/head"},
		{"tests path that stays inside", "tests: tests/api", "tests: tests/../tests/api"},
		{"whole repo as tests", "tests: tests/api", "tests: ."},
		{"24h timeout", "timeout: 90s", "timeout: 24h"},
		{"trailing empty document", "      _X1: \"\"\n", "      _X1: \"\"\n---\n"},
		{"dotted name", "name: store", "name: store.v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := matrix.Parse("m.yaml", []byte(edit(t, tc.old, tc.new))); err != nil {
				t.Error(err)
			}
		})
	}
}

// Every error names the file, the entry (core, defaults, downstreams[i]
// with its name, or the top level) and the key.
func TestParseErrors(t *testing.T) {
	const pipe, store = `m.yaml: downstreams[0] "pipeline": `, `m.yaml: downstreams[1] "store": `
	for _, tc := range []struct {
		name, old, new string
		want           []string // substrings of the error, in order
	}{
		{"unknown top-level key", "version: 1\n", "version: 1\nextra: 1\n", []string{"m.yaml: line 2: unknown key \"extra\""}},
		{"unknown core key", "  ref: main\n", "  ref: main\n  branch: x\n", []string{"m.yaml: core: line 7: unknown key \"branch\""}},
		{"unknown defaults key", "  timeout: 10m\n", "  timeout: 10m\n  retries: 2\n", []string{"m.yaml: defaults: line 10: unknown key \"retries\""}},
		{"unknown downstream key", "    ref: master\n", "    ref: master\n    branch: x\n", []string{store, "line 17: unknown key \"branch\""}},
		{"repeated downstream key", "    ref: base\n", "    ref: base\n    ref: main\n", []string{pipe, "ref: line 14: repeated key (first at line 13)"}},
		{"wrong type", "    ref: base\n", "    ref: base\n    env: [A]\n", []string{pipe, "env: line 14: cannot unmarshal !!seq into a mapping of names to strings"}},
		{"downstreams not a list", "downstreams:", "downstreams: 5\nx:", []string{"m.yaml: downstreams: line 10: cannot unmarshal"}},
		{"core not a mapping", "core:\n", "core: 5\nxcore:\n", []string{"m.yaml: core: line 2: want a mapping"}},
		{"wrong version", "version: 1", "version: 2", []string{"m.yaml: version: want 1, got 2"}},
		{"duplicate names", "name: store", "name: pipeline", []string{`m.yaml: downstreams[1] "pipeline": name: duplicate of downstreams[0]`}},
		{"empty name", "name: store", "name: \"\"", []string{"m.yaml: downstreams[1]: name: empty"}},
		{"blank repo", "repo: https://github.com/o/store", "repo: \"  \"", []string{store, "repo: empty"}},
		{"empty ref", "ref: master", "ref: \"\"", []string{store, "ref: empty"}},
		{"null ref", "ref: master", "ref: ~", []string{store, "ref: empty"}},
		{"name ..", "name: store", "name: \"..\"", []string{`downstreams[1] "..": name: name ".." is not usable`}},
		{"name with slash", "name: store", "name: a/b", []string{`downstreams[1] "a/b": name:`}},
		{"name with leading dash", "name: store", "name: -x", []string{`downstreams[1] "-x": name:`}},
		{"hidden name", "name: store", "name: .hidden", []string{`downstreams[1] ".hidden": name:`}},
		{"name with space", "name: store", "name: my store", []string{`downstreams[1] "my store": name:`}},
		{"name ending in dot", "name: store", "name: store.", []string{`"store.": name:`}},
		{"long name", "name: store", "name: " + strings.Repeat("s", 65), []string{"name:", "at most 64"}},
		{"ref with ..", "ref: master", "ref: a..b", []string{store, "ref: invalid ref \"a..b\": contains '..'"}},
		{"ref as option", "ref: master", "ref: --upload-pack=touch", []string{store, "ref: invalid ref", "starts with '-'"}},
		{"ref with shell", "ref: master", "ref: \"$(touch /tmp/x)\"", []string{store, "ref: invalid ref"}},
		{"ref with lock", "ref: master", "ref: heads/x.lock", []string{store, "ref:", ".lock"}},
		{"http repo", "repo: https://github.com/o/store", "repo: http://github.com/o/store", []string{store, "repo: invalid repo", "scheme \"http\""}},
		{"ext repo", "repo: https://github.com/o/store", "repo: \"ext::sh -c touch% /tmp/x\"", []string{store, "repo: invalid repo"}},
		{"ext repo without space", "repo: https://github.com/o/store", "repo: ext::sh", []string{store, "repo:", "remote-helper"}},
		{"credentials in repo", "repo: https://github.com/o/store", "repo: https://user:hunter2@github.com/o/store", []string{store, "repo:", "REDACTED", "credentials"}},
		{"token in repo", "repo: https://github.com/o/store", "repo: https://ghp_x@github.com/o/store", []string{store, "repo:", "user info"}},
		{"repo as option", "repo: https://github.com/o/store", "repo: --upload-pack=x", []string{store, "repo:", "starts with '-'"}},
		{"host:path repo", "repo: https://github.com/o/store", "repo: evil.example:store", []string{store, "repo:", "scp-like"}},
		{"core repo", "repo: https://github.com/o/core", "repo: http://x/core", []string{"m.yaml: core: repo: invalid repo"}},
		{"core ref", "  ref: main", "  ref: a..b", []string{"m.yaml: core: ref: invalid ref"}},
		{"core package", "package: market_data_core", "package: market-data-core", []string{"m.yaml: core: package: \"market-data-core\" is not a Python import name"}},
		{"core empty name", "name: market-data-core", "name: \"\"", []string{"m.yaml: core: name: empty"}},
		{"core bad name", "name: market-data-core", "name: a/b", []string{"m.yaml: core: name:"}},
		{"install other word", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: manual", []string{store, "install: line 19: want \"auto\"", "got \"manual\""}},
		{"install number", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: 5", []string{store, "install:", "got \"5\""}},
		{"install flat list", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: [\"-e\", \".\"]", []string{store, "install:", "list of pip argument lists"}},
		{"install mapping", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: {a: b}", []string{store, "install:"}},
		{"install empty", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: []", []string{store, "install: empty list"}},
		{"install empty args", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: [[\"-e\", \".\"], []]", []string{store, "install: [1]: empty argument list"}},
		{"install empty arg", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: [[\"\"]]", []string{store, "install: [0]: argument \"\""}},
		{"install newline arg", "install: [[\"-e\", \".[dev]\"], [\"pytest-asyncio==0.20.3\"]]", "install: [[\"a\\nb\"]]", []string{store, "install: [0]:", "control character"}},
		{"env key with dash", "STORE_MODE: memory", "STORE-MODE: memory", []string{store, "env: key \"STORE-MODE\""}},
		{"env key with digit first", "STORE_MODE: memory", "1MODE: memory", []string{store, "env: key \"1MODE\""}},
		{"env value with NUL", "STORE_MODE: memory", "STORE_MODE: \"a\\0b\"", []string{store, "env: STORE_MODE: value contains a NUL"}},
		{"timeout zero", "timeout: 90s", "timeout: 0s", []string{store, "timeout: \"0s\" is outside"}},
		{"timeout negative", "timeout: 90s", "timeout: -1m", []string{store, "timeout:", "outside"}},
		{"timeout too long", "timeout: 90s", "timeout: 25h", []string{store, "timeout:", "outside"}},
		{"timeout no unit", "timeout: 90s", "timeout: 90", []string{store, "timeout: \"90\" is not a duration"}},
		{"timeout word", "timeout: 90s", "timeout: soon", []string{store, "timeout:", "not a duration"}},
		{"defaults timeout", "timeout: 10m", "timeout: 0s", []string{"m.yaml: defaults: timeout:"}},
		{"tests leave the repo", "tests: tests/api", "tests: ../other", []string{store, "tests: \"../other\" leaves the repository"}},
		{"tests leave after cleaning", "tests: tests/api", "tests: tests/../../x", []string{store, "tests:", "leaves"}},
		{"tests absolute", "tests: tests/api", "tests: /etc", []string{store, "tests: \"/etc\" leaves"}},
		{"tests as option", "tests: tests/api", "tests: -k", []string{store, "tests:", "starts with '-'"}},
		{"tests with backslash", "tests: tests/api", "tests: tests\\\\api", []string{store, "tests:", "backslash"}},
		{"defaults tests", "tests: tests/contracts", "tests: ..", []string{"m.yaml: defaults: tests:", "leaves"}},
		{"second document", "      _X1: \"\"\n", "      _X1: \"\"\n---\nversion: 1\n", []string{"m.yaml: holds more than one YAML document"}},
		{"not yaml", "version: 1\n", "version: [1\n", []string{"m.yaml: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := matrix.Parse("m.yaml", []byte(edit(t, tc.old, tc.new)))
			if err == nil {
				t.Fatal("parsed")
			}
			msg, at := err.Error(), 0
			for _, w := range tc.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Fatalf("error %q lacks %q (after byte %d)", msg, w, at)
				}
				at += i + len(w)
			}
			if strings.Contains(msg, "hunter2") {
				t.Errorf("error leaks a password: %q", msg)
			}
		})
	}
}

func TestParseWholeFileErrors(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "", "m.yaml: empty matrix"},
		{"comment only", "# nothing\n", "m.yaml: empty matrix"},
		{"too large", "# " + strings.Repeat("x", matrix.MaxSize), "m.yaml: larger than"},
		{"no version", "core: {name: a, repo: /x, package: a}\ndownstreams: [{name: a, repo: /x, ref: main}]\n", "m.yaml: version: want 1, got 0"},
		{"no core", "version: 1\ndownstreams: [{name: a, repo: /x, ref: main}]\n", "m.yaml: core: name: empty"},
		{"no downstreams", "version: 1\ncore: {name: a, repo: /x, package: a}\n", "m.yaml: downstreams: empty"},
		{"a list at the top", "- 1\n", "m.yaml: line 1: want a mapping"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := matrix.Parse("m.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "matrix.yaml")
	if err := os.WriteFile(good, []byte(base), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := matrix.Load(good)
	if err != nil || m.Source != good {
		t.Fatalf("Load: %v, source %v", err, m)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(base, "ref: base", "ref: a..b", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := matrix.Load(bad); err == nil || !strings.HasPrefix(err.Error(), bad+": downstreams[0]") {
		t.Errorf("error %v does not start with the path", err)
	}
	if _, err := matrix.Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestSelect(t *testing.T) {
	m, err := matrix.Parse("m.yaml", []byte(edit(t, "downstreams:\n", "downstreams:\n  - {name: zeta, repo: /z, ref: main}\n")))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		only []string
		want string // names, or the error
	}{
		{nil, "zeta,pipeline,store"},
		{[]string{"store"}, "store"},
		{[]string{"store", "zeta"}, "zeta,store"},
		{[]string{" store ", ""}, "store"},
		{[]string{"store", "store"}, "store"},
		{[]string{"nope"}, `--only: no downstream "nope" in m.yaml (have: zeta, pipeline, store)`},
		{[]string{"store", "Store"}, `--only: no downstream "Store"`},
		{[]string{"", " "}, "--only: selects no downstream"},
	} {
		got, err := m.Select(tc.only)
		var s string
		if err != nil {
			s = err.Error()
		} else {
			s = strings.Join(got.Names(), ",")
		}
		if !strings.HasPrefix(s, tc.want) {
			t.Errorf("Select(%q) = %s, want %s", tc.only, s, tc.want)
		}
	}
	if got, _ := m.Select([]string{"store"}); len(m.Downstreams) != 3 || got.Source != m.Source || got.Core != m.Core {
		t.Error("Select changed the matrix or lost its core")
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"pipeline": true, "store-2": true, "a.b_c": true, "A": true, "0": true, strings.Repeat("a", 64): true,
		"": false, "..": false, ".": false, "a/b": false, `a\b`: false, "-x": false, "_x": false, ".hidden": false,
		"a b": false, "a.": false, "é": false, strings.Repeat("a", 65): false, "a\x00": false,
	} {
		if err := matrix.ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}
