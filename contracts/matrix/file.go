package matrix

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"go.yaml.in/yaml/v3"
)

// file is the YAML shape of a matrix; build validates it into a Matrix.
type file struct {
	Version     int               `yaml:"version"`
	Core        coreEntry         `yaml:"core"`
	Defaults    defaultsEntry     `yaml:"defaults"`
	Downstreams []downstreamEntry `yaml:"downstreams"`
}

type coreEntry struct {
	Name    string `yaml:"name"`
	Repo    string `yaml:"repo"`
	Package string `yaml:"package"`
	Ref     string `yaml:"ref"`
}

type defaultsEntry struct {
	Tests   string `yaml:"tests"`
	Timeout string `yaml:"timeout"`
}

type downstreamEntry struct {
	Name    string            `yaml:"name"`
	Repo    string            `yaml:"repo"`
	Ref     string            `yaml:"ref"`
	Tests   string            `yaml:"tests"`
	Install installEntry      `yaml:"install"`
	Env     map[string]string `yaml:"env"`
	Timeout string            `yaml:"timeout"`
	// err is the entry's decoding error, reported by build (see UnmarshalYAML).
	err error
}

// installEntry is either the string "auto" or a list of pip argument lists.
type installEntry struct {
	set  bool
	auto bool
	args [][]string
}

func (i *installEntry) UnmarshalYAML(n *yaml.Node) error {
	i.set = true
	if n.Kind == yaml.ScalarNode {
		if n.Value == "auto" {
			i.auto = true
			return nil
		}
		return fmt.Errorf("line %d: want \"auto\" or a list of pip argument lists, got %q", n.Line, n.Value)
	}
	if err := n.Decode(&i.args); err != nil {
		return fmt.Errorf("line %d: want \"auto\" or a list of pip argument lists such as [[\"-e\", \".[dev]\"]]", n.Line)
	}
	return nil
}

func (f file) build() (*Matrix, error) {
	if f.Version != Version {
		return nil, fmt.Errorf("version: want %d, got %d", Version, f.Version)
	}
	core, err := f.Core.build()
	if err != nil {
		return nil, err
	}
	def, err := f.Defaults.build()
	if err != nil {
		return nil, err
	}
	if len(f.Downstreams) == 0 {
		return nil, fmt.Errorf("downstreams: empty")
	}
	m := &Matrix{Core: core}
	seen := map[string]int{}
	for i, e := range f.Downstreams {
		d, err := e.build(def)
		if err != nil {
			return nil, fmt.Errorf("downstreams[%d]%s: %w", i, label(e.Name), err)
		}
		if j, dup := seen[d.Name]; dup {
			return nil, fmt.Errorf("downstreams[%d] %q: name: duplicate of downstreams[%d]", i, d.Name, j)
		}
		seen[d.Name] = i
		m.Downstreams = append(m.Downstreams, d)
	}
	return m, nil
}

func label(name string) string {
	if name == "" {
		return ""
	}
	return fmt.Sprintf(" %q", name)
}

func (c coreEntry) build() (Core, error) {
	for _, kv := range [][2]string{{"name", c.Name}, {"repo", c.Repo}, {"package", c.Package}} {
		if strings.TrimSpace(kv[1]) == "" {
			return Core{}, fmt.Errorf("core: %s: empty", kv[0])
		}
	}
	if err := ValidateName(c.Name); err != nil {
		return Core{}, fmt.Errorf("core: name: %w", err)
	}
	if err := refs.ValidateRepo(c.Repo); err != nil {
		return Core{}, fmt.Errorf("core: repo: %w", err)
	}
	if !identRE.MatchString(c.Package) {
		return Core{}, fmt.Errorf("core: package: %q is not a Python import name", c.Package)
	}
	ref := c.Ref
	if ref == "" {
		ref = "main"
	}
	if err := refs.Validate(ref); err != nil {
		return Core{}, fmt.Errorf("core: ref: %w", err)
	}
	return Core{Name: c.Name, Repo: c.Repo, Package: c.Package, Ref: ref}, nil
}

type defaults struct {
	tests   string
	timeout time.Duration
}

func (d defaultsEntry) build() (defaults, error) {
	out := defaults{tests: DefaultTests, timeout: DefaultTimeout}
	if d.Tests != "" {
		if err := validateTestPath(d.Tests); err != nil {
			return out, fmt.Errorf("defaults: tests: %w", err)
		}
		out.tests = d.Tests
	}
	if d.Timeout != "" {
		t, err := parseTimeout(d.Timeout)
		if err != nil {
			return out, fmt.Errorf("defaults: timeout: %w", err)
		}
		out.timeout = t
	}
	return out, nil
}

func (e downstreamEntry) build(def defaults) (Downstream, error) {
	if e.err != nil {
		return Downstream{}, e.err
	}
	for _, kv := range [][2]string{{"name", e.Name}, {"repo", e.Repo}, {"ref", e.Ref}} {
		if strings.TrimSpace(kv[1]) == "" {
			return Downstream{}, fmt.Errorf("%s: empty", kv[0])
		}
	}
	if err := ValidateName(e.Name); err != nil {
		return Downstream{}, fmt.Errorf("name: %w", err)
	}
	if err := refs.ValidateRepo(e.Repo); err != nil {
		return Downstream{}, fmt.Errorf("repo: %w", err)
	}
	if err := refs.Validate(e.Ref); err != nil {
		return Downstream{}, fmt.Errorf("ref: %w", err)
	}
	d := Downstream{Name: e.Name, Repo: e.Repo, Ref: e.Ref, Tests: def.tests, Timeout: def.timeout, Env: e.Env}
	if e.Tests != "" {
		if err := validateTestPath(e.Tests); err != nil {
			return d, fmt.Errorf("tests: %w", err)
		}
		d.Tests = e.Tests
	}
	if e.Timeout != "" {
		t, err := parseTimeout(e.Timeout)
		if err != nil {
			return d, fmt.Errorf("timeout: %w", err)
		}
		d.Timeout = t
	}
	if err := validateInstall(e.Install); err != nil {
		return d, fmt.Errorf("install: %w", err)
	}
	d.Install = e.Install.args
	for _, k := range d.EnvKeys() {
		if !envKeyRE.MatchString(k) {
			return d, fmt.Errorf("env: key %q is not an environment variable name", k)
		}
		if strings.ContainsRune(d.Env[k], 0) {
			return d, fmt.Errorf("env: %s: value contains a NUL byte", k)
		}
	}
	return d, nil
}

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

func validateInstall(i installEntry) error {
	if i.set && !i.auto && len(i.args) == 0 {
		return fmt.Errorf("empty list (omit the key or write \"auto\" for the automatic install)")
	}
	for j, args := range i.args {
		if len(args) == 0 {
			return fmt.Errorf("[%d]: empty argument list", j)
		}
		for _, a := range args {
			if a == "" || strings.ContainsAny(a, "\x00\n\r") {
				return fmt.Errorf("[%d]: argument %q is empty or holds a control character", j, a)
			}
		}
	}
	return nil
}

// validateTestPath keeps the contract path a relative path inside the repo.
func validateTestPath(p string) error {
	clean := path.Clean(p)
	switch {
	case strings.HasPrefix(p, "-"):
		return fmt.Errorf("%q starts with '-'", p)
	case path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../"):
		return fmt.Errorf("%q leaves the repository", p)
	case strings.ContainsAny(p, "\x00\n\r\\"):
		return fmt.Errorf("%q holds a control character or backslash", p)
	}
	return nil
}

func parseTimeout(s string) (time.Duration, error) {
	t, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90s or 10m", s)
	}
	if t <= 0 || t > 24*time.Hour {
		return 0, fmt.Errorf("%q is outside (0, 24h]", s)
	}
	return t, nil
}
