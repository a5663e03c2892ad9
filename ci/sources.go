package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

// sources resolves refs for plan.Build and yields the trees a suite mounts.
type sources interface {
	plan.Resolver
	// Tree returns the files of a planned source at its resolved commit.
	Tree(ctx context.Context, src plan.Source) (*dagger.Directory, error)
}

// gitSources fetches repos with the engine's git (dag.Git). The token, when
// set, goes only to https://github.com/ repos (refs.TokenHost, as the host
// runner), as the secret's ID: it never appears in a URL, an environment
// variable, a log line or a cache key.
type gitSources struct {
	token *dagger.Secret
	// local is the --core-source directory, for plan sources with Local set.
	local *dagger.Directory
}

// errLocalRepo: the module runs inside the engine and sees no host paths.
var errLocalRepo = errors.New("local repository paths are not reachable from the Dagger module; use an https or ssh URL (or --core-source for a local Core)")

// repo is url's repository, with the token when url is on github.com.
func (g gitSources) repo(url string) *dagger.GitRepository {
	if g.token != nil && refs.TokenHost(url) {
		return dag.Git(url, dagger.GitOpts{HTTPAuthToken: g.token})
	}
	return dag.Git(url)
}

// Resolve returns the full commit SHA of ref. Dagger's git recognises a
// commit only by its full 40-hex SHA; a short SHA is tried as a ref name
// and, when that fails, the error says to pass the full SHA.
func (g gitSources) Resolve(ctx context.Context, repo, ref string) (string, error) {
	if refs.IsLocal(repo) {
		return "", errLocalRepo
	}
	if refs.IsFullSHA(ref) {
		sha, err := g.repo(repo).Commit(ref).Commit(ctx)
		if err != nil {
			return "", gitError(repo, err)
		}
		return sha, nil
	}
	sha, err := g.repo(repo).Ref(ref).Commit(ctx)
	switch {
	case err != nil && refs.IsShortSHA(ref):
		return "", fmt.Errorf("%w (Dagger's git recognises commits only by their full 40-hex SHA: pass the full SHA)", gitError(repo, err))
	case err != nil:
		return "", gitError(repo, err)
	}
	return sha, nil
}

// Tree is the repo's tree at the resolved SHA, so the layers built on it
// are cached by commit, whatever ref named it.
func (g gitSources) Tree(_ context.Context, src plan.Source) (*dagger.Directory, error) {
	if src.Local != "" {
		if g.local == nil {
			return nil, fmt.Errorf("%s: no --core-source directory", src.Name)
		}
		return g.local, nil
	}
	if !refs.IsFullSHA(src.SHA) {
		return nil, fmt.Errorf("%s: ref %q is not resolved", src.Name, src.Ref)
	}
	return g.repo(src.Repo).Commit(src.SHA).Tree(), nil
}

// examplePrefix marks the demo matrix's repos: "examples/<name>" is the
// bundled example repo <name> (package contracts/examples).
const examplePrefix = "examples/"

// exampleSources serves the bundled example ecosystem from the module's
// own files: no network, no git. A ref "resolves" to a digest of the tree
// it names (see treeDigest), not to a git commit: equal trees get equal
// digests (the example Core's main and v1.2.0 do), and layers are cached
// by content.
type exampleSources struct{}

func (exampleSources) files(repo, ref string) (fs.FS, error) {
	name, ok := strings.CutPrefix(repo, examplePrefix)
	if !ok {
		return nil, fmt.Errorf("%q is not a bundled example repo (%s<name>)", repo, examplePrefix)
	}
	return examples.Tree(name, ref)
}

// Resolve returns the digest of the example tree repo@ref.
func (e exampleSources) Resolve(_ context.Context, repo, ref string) (string, error) {
	fsys, err := e.files(repo, ref)
	if err != nil {
		return "", err
	}
	return treeDigest(fsys)
}

// Tree hands the example tree to the engine, byte for byte (stageFS: the
// store's requirements file is UTF-16).
func (e exampleSources) Tree(_ context.Context, src plan.Source) (*dagger.Directory, error) {
	fsys, err := e.files(src.Repo, src.Ref)
	if err != nil {
		return nil, err
	}
	d, err := treeDigest(fsys)
	if err != nil {
		return nil, err
	}
	if d != src.SHA {
		return nil, fmt.Errorf("%s@%s: tree digest %s does not match the plan's %s", src.Repo, src.Ref, d, src.SHA)
	}
	return stageFS(fsys)
}
