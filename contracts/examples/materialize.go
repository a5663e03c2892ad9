package examples

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
		if err := materializeRepo(ctx, path, name); err != nil {
			return nil, fmt.Errorf("examples: %s: %w", name, err)
		}
		eco.Repos[name] = path
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

func materializeRepo(ctx context.Context, path, name string) error {
	if err := clearOwn(path); err != nil {
		return err
	}
	if err := os.MkdirAll(path, 0o755); err != nil {
		return err
	}
	g := gitRunner{dir: path}
	if err := g.run(ctx, 0, "init", "--quiet", "--initial-branch="+DefaultBranch); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(path, ".git", marker), []byte("made by examples.Materialize\n"), 0o644); err != nil {
		return err
	}
	branches := map[string]bool{}
	for i, c := range histories[name] {
		if err := makeCommit(ctx, g, i, name, c, branches); err != nil {
			return err
		}
	}
	return g.run(ctx, 0, "checkout", "--quiet", DefaultBranch)
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

// makeCommit commits tree c on its branch (creating the branch from c.from
// the first time), then tags it. The index i fixes the commit's date.
func makeCommit(ctx context.Context, g gitRunner, i int, repo string, c commit, branches map[string]bool) error {
	switch {
	case i == 0:
	case branches[c.branch]:
		if err := g.run(ctx, i, "checkout", "--quiet", c.branch); err != nil {
			return err
		}
	default:
		if err := g.run(ctx, i, "checkout", "--quiet", "-b", c.branch, c.from); err != nil {
			return err
		}
	}
	branches[c.branch] = true
	if err := replaceWorktree(g.dir, repo, c.tree); err != nil {
		return err
	}
	if err := g.run(ctx, i, "add", "--all"); err != nil {
		return err
	}
	if err := g.run(ctx, i, "commit", "--quiet", "--no-verify", "-m", c.message); err != nil {
		return err
	}
	if c.tag == "" {
		return nil
	}
	return g.run(ctx, i, "tag", "-a", "-m", "Release "+c.tag, c.tag)
}

// replaceWorktree makes dir hold exactly the files of repos/<repo>/<tree>.
func replaceWorktree(dir, repo, tree string) error {
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
	files, err := fs.Sub(reposFS, "repos/"+repo+"/"+tree)
	if err != nil {
		return err
	}
	return os.CopyFS(dir, files)
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
# git repos. Core refs: v1.1.0, v1.2.0, v2.0.0 (breaks pipeline and store),
# main (= v1.2.0), feature/health-details, release/2.x (= v2.0.0).
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
