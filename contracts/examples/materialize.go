package examples

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"go.yaml.in/yaml/v3"
)

// MatrixFileName is the matrix file Materialize writes into its directory.
const MatrixFileName = "matrix.yaml"

// marker is written into each materialized repo's .git directory, so a
// later Materialize into the same directory may replace the repo and never
// touches a directory it did not make.
const marker = "contracts-example"

// Ecosystem is the example ecosystem as real git repos on disk.
type Ecosystem struct {
	// Dir is the absolute directory holding the repos and the matrix file.
	Dir string
	// MatrixFile is the matrix naming Core and the downstreams by path.
	MatrixFile string
	// Repos maps each repo's name to its absolute path.
	Repos map[string]string
	// CoreCommits maps the id of each of Core's commits (see ExpectedAt,
	// Culprit) to its SHA.
	CoreCommits map[string]string
}

// Materialize creates the example repos as git repos under dir (one
// directory per repo name) and writes a matrix file naming them. Commits,
// tags and branches are deterministic: the same SHAs on every run and
// machine. Repos left in dir by an earlier Materialize are replaced; any
// other existing directory of the same name is an error.
func Materialize(ctx context.Context, dir string) (*Ecosystem, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	eco := &Ecosystem{Dir: abs, MatrixFile: filepath.Join(abs, MatrixFileName), Repos: map[string]string{}}
	for _, name := range Repos() {
		path := filepath.Join(abs, name)
		commits, err := materializeRepo(ctx, path, name)
		if err != nil {
			return nil, fmt.Errorf("examples: %s: %w", name, err)
		}
		eco.Repos[name] = path
		if name == Core {
			eco.CoreCommits = commits
		}
	}
	if err := eco.writeMatrix(); err != nil {
		return nil, fmt.Errorf("examples: %w", err)
	}
	if _, err := eco.Matrix(); err != nil {
		return nil, fmt.Errorf("examples: the written matrix does not load: %w", err)
	}
	return eco, nil
}

// Matrix loads the ecosystem's matrix file.
func (e *Ecosystem) Matrix() (*matrix.Matrix, error) { return matrix.Load(e.MatrixFile) }

// materializeRepo replays repo's history (see history) as a git repo at
// path and returns its commits' SHAs by id.
func materializeRepo(ctx context.Context, path, name string) (map[string]string, error) {
	h, err := historyOf(name)
	if err != nil {
		return nil, err
	}
	if err := clearOwn(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	g := gitRunner{dir: path}
	if _, err := g.run(ctx, 0, "", "init", "--quiet", "--initial-branch="+DefaultBranch); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(path, ".git", marker), []byte("made by examples.Materialize\n"), 0o644); err != nil {
		return nil, err
	}
	shas := map[string]string{}
	branches := map[string]bool{}
	for i, id := range h.order {
		sha, err := makeCommit(ctx, g, i, h.nodes[id], shas, branches)
		if err != nil {
			return nil, fmt.Errorf("commit %s: %w", id, err)
		}
		shas[id] = sha
	}
	_, err = g.run(ctx, 0, "", "checkout", "--quiet", DefaultBranch)
	return shas, err
}

// clearOwn removes path if an earlier Materialize made it; an existing
// directory without the marker is left alone and reported.
func clearOwn(path string) error {
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(path, ".git", marker)); err != nil {
		return fmt.Errorf("%s exists and was not made by Materialize; remove it or choose another directory", path)
	}
	return os.RemoveAll(path)
}

// makeCommit commits n on its branch (creating the branch from n.from the
// first time; merging n.merge with --no-ff, then deleting it), with n's
// files as its tree, tags it, and returns its SHA. The index i fixes the
// commit's date.
func makeCommit(ctx context.Context, g gitRunner, i int, n *node, shas map[string]string, branches map[string]bool) (string, error) {
	switch {
	case i == 0:
	case branches[n.branch]:
		if _, err := g.run(ctx, i, "", "checkout", "--quiet", n.branch); err != nil {
			return "", err
		}
	default:
		if _, err := g.run(ctx, i, "", "checkout", "--quiet", "-b", n.branch, shas[n.from]); err != nil {
			return "", err
		}
	}
	branches[n.branch] = true
	if n.merge != "" {
		// Record both parents; the tree is n's files, written below.
		if _, err := g.run(ctx, i, n.author, "merge", "--quiet", "--no-ff", "--no-commit", "-s", "ours", n.merge); err != nil {
			return "", err
		}
	}
	if err := writeWorktree(g.dir, n.files); err != nil {
		return "", err
	}
	if _, err := g.run(ctx, i, n.author, "add", "--all"); err != nil {
		return "", err
	}
	if _, err := g.run(ctx, i, n.author, "commit", "--quiet", "--no-verify", "-m", n.message); err != nil {
		return "", err
	}
	if n.merge != "" {
		if _, err := g.run(ctx, i, "", "branch", "--quiet", "-D", n.merge); err != nil {
			return "", err
		}
	}
	if n.tag != "" {
		if _, err := g.run(ctx, i, n.author, "tag", "-a", "-m", "Release "+n.tag, n.tag); err != nil {
			return "", err
		}
	}
	sha, err := g.run(ctx, i, "", "rev-parse", "HEAD")
	return strings.TrimSpace(sha), err
}

// writeWorktree makes dir (a git work tree) hold exactly files.
func writeWorktree(dir string, files map[string][]byte) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() != ".git" {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	for path, data := range files {
		full := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// matrixYAML is the version 1 matrix format (contracts/matrix) as written.
type matrixYAML struct {
	Version     int              `yaml:"version"`
	Core        coreYAML         `yaml:"core"`
	Downstreams []downstreamYAML `yaml:"downstreams"`
}

type coreYAML struct {
	Name    string `yaml:"name"`
	Repo    string `yaml:"repo"`
	Package string `yaml:"package"`
	Ref     string `yaml:"ref"`
}

type downstreamYAML struct {
	Name string `yaml:"name"`
	Repo string `yaml:"repo"`
	Ref  string `yaml:"ref"`
}

const matrixHeader = `# The bundled example ecosystem (contracts/examples), materialized as local
# git repos. Core refs: v1.1.0, v1.2.0, v2.0.0b1 (breaks store), v2.0.0
# (breaks pipeline and store), v3.0.0, main (= v1.2.0), feature/health-details,
# release/2.x (= v2.0.0), release/3.x (= v3.0.0).
`

func (e *Ecosystem) writeMatrix() error {
	m := matrixYAML{
		Version: matrix.Version,
		Core:    coreYAML{Name: Core, Repo: e.Repos[Core], Package: CorePackage, Ref: DefaultBranch},
	}
	for _, d := range Downstreams() {
		m.Downstreams = append(m.Downstreams, downstreamYAML{Name: d, Repo: e.Repos[d], Ref: DefaultBranch})
	}
	var buf bytes.Buffer
	buf.WriteString(matrixHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(m); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.WriteFile(e.MatrixFile, buf.Bytes(), 0o644)
}
