// Package matrix reads the contract matrix: which Core to test and which
// downstream repos, at which refs, with which contract suites.
//
// A default matrix is embedded in the binary (default.yaml); a file given
// with --matrix replaces it. Parsing is strict: unknown keys, duplicate
// names, empty fields and names unusable as directory names are errors that
// name the file, the entry and the key.
package matrix

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Version is the matrix schema version this package reads.
const Version = 1

// DefaultTests is the contract test path used when a downstream names none.
const DefaultTests = "tests/contracts"

// DefaultTimeout bounds one suite (install and tests) when none is given.
const DefaultTimeout = 15 * time.Minute

// DefaultName is how errors name the embedded matrix.
const DefaultName = "<embedded default matrix>"

//go:embed default.yaml
var defaultYAML []byte

// DefaultYAML returns the embedded default matrix file.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Matrix is a parsed, validated contract matrix.
type Matrix struct {
	// Source names where the matrix came from (a file path or DefaultName).
	Source string
	// Core is the package under test.
	Core Core
	// Downstreams are the repos whose contract suites are run, in file order.
	Downstreams []Downstream
}

// Core describes market-data-core: where it lives and how it is imported.
type Core struct {
	// Name is Core's distribution name as pip knows it.
	Name string
	// Repo is a URL or local path.
	Repo string
	// Package is the import name, e.g. market_data_core.
	Package string
	// Ref is the default ref used when no --core-ref is given.
	Ref string
}

// Downstream is one repo with a contract suite.
type Downstream struct {
	// Name identifies the suite; it is also a directory and file name.
	Name string
	// Repo is a URL or local path.
	Repo string
	// Ref is the branch, tag or SHA to test.
	Ref string
	// Tests is the contract test path inside the repo.
	Tests string
	// Install is nil for the automatic install, else explicit pip argument
	// lists, each run as `python -m pip install ARGS...` in the repo.
	Install [][]string
	// Env is extra environment for install and tests.
	Env map[string]string
	// Timeout bounds the whole suite.
	Timeout time.Duration
}

// EnvKeys returns the keys of d.Env in sorted order.
func (d Downstream) EnvKeys() []string {
	keys := make([]string, 0, len(d.Env))
	for k := range d.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Default returns the embedded default matrix.
func Default() (*Matrix, error) { return Parse(DefaultName, defaultYAML) }

// Load reads and parses a matrix file.
func Load(path string) (*Matrix, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	return Parse(path, data)
}

// MaxSize bounds a matrix file; a matrix is a short list of repos.
const MaxSize = 1 << 20

// Parse parses and validates matrix YAML; source names it in errors.
func Parse(source string, data []byte) (*Matrix, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", source, MaxSize)
	}
	var f file
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty matrix", source)
		}
		return nil, fmt.Errorf("%s: %s", source, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if extraDocument(dec) {
		return nil, fmt.Errorf("%s: holds more than one YAML document", source)
	}
	m, err := f.build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	m.Source = source
	return m, nil
}

// extraDocument reports whether a non-empty YAML document follows the
// first ("---" then nothing is allowed).
func extraDocument(dec *yaml.Decoder) bool {
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil || len(n.Content) > 0 && n.Content[0].Tag != "!!null" {
			return true
		}
	}
}

// Select keeps the downstreams named in only (comma-separated names were
// already split by the caller), in matrix order. An unknown name is an error.
func (m *Matrix) Select(only []string) (*Matrix, error) {
	if len(only) == 0 {
		return m, nil
	}
	var names []string
	for _, n := range only {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	out, err := m.Keep(names)
	if err != nil {
		return nil, fmt.Errorf("--only: %w", err)
	}
	if len(out.Downstreams) == 0 {
		return nil, fmt.Errorf("--only: selects no downstream")
	}
	return out, nil
}

// Names lists the downstream names in matrix order.
func (m *Matrix) Names() []string {
	names := make([]string, len(m.Downstreams))
	for i, d := range m.Downstreams {
		names[i] = d.Name
	}
	return names
}

func (m *Matrix) find(name string) (Downstream, bool) {
	for _, d := range m.Downstreams {
		if d.Name == name {
			return d, true
		}
	}
	return Downstream{}, false
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidateName checks that name is usable as a directory and file name on
// every platform: letters, digits, '.', '_', '-', starting with a letter
// or digit, at most 64 characters.
func ValidateName(name string) error {
	if !nameRE.MatchString(name) || strings.HasSuffix(name, ".") {
		return fmt.Errorf("name %q is not usable as a directory name (letters, digits, '.', '_', '-'; starting with a letter or digit; at most 64)", name)
	}
	return nil
}

// Digest identifies the matrix's content: a SHA-256 over Core and every
// downstream (names, repos, refs, tests, installs, environments,
// timeouts), in order, but not over Source, which names where the file
// was read and differs from machine to machine. Two runs planned from
// matrices with the same digest tested the same downstreams the same way.
func (m *Matrix) Digest() string {
	data, err := json.Marshal(struct {
		Core        Core
		Downstreams []Downstream
	}{m.Core, m.Downstreams})
	if err != nil {
		panic(err) // plain strings, maps of strings and durations always marshal
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Keep returns a copy of m holding only the downstreams named in names,
// in matrix order; unlike Select, names may be empty (the copy then has no
// downstream) and every name must be one of m's.
func (m *Matrix) Keep(names []string) (*Matrix, error) {
	want := map[string]bool{}
	for _, n := range names {
		if _, ok := m.find(n); !ok {
			return nil, fmt.Errorf("no downstream %q in %s (have: %s)", n, m.Source, strings.Join(m.Names(), ", "))
		}
		want[n] = true
	}
	out := *m
	out.Downstreams = nil
	for _, d := range m.Downstreams {
		if want[d.Name] {
			out.Downstreams = append(out.Downstreams, d)
		}
	}
	return &out, nil
}
