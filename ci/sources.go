package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
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

// Tree builds the example tree as a directory, file by file.
func (e exampleSources) Tree(ctx context.Context, src plan.Source) (*dagger.Directory, error) {
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
	return directoryOf(ctx, fsys)
}

// treeDigest is a deterministic 40-hex digest of a tree's paths and
// contents (SHA-1 over each regular file's path, size and bytes, in
// lexical order). It stands in for a commit SHA where there is no git; it
// is not a git tree or commit id.
func treeDigest(fsys fs.FS) (string, error) {
	h := sha1.New()
	err := walkFiles(fsys, func(path string, data []byte) error {
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// syncEvery bounds the file contents one query carries: directoryOf syncs
// the directory built so far once this much was added, and continues from
// its ID.
const syncEvery = 4 << 20

// directoryOf builds a directory holding fsys's regular files. File
// contents travel inside the queries (WithNewFile), so it syncs every
// syncEvery bytes to keep each query bounded.
func directoryOf(ctx context.Context, fsys fs.FS) (*dagger.Directory, error) {
	dir := dag.Directory()
	pending := 0
	err := walkFiles(fsys, func(path string, data []byte) error {
		if pending > 0 && pending+len(data) > syncEvery {
			synced, err := dir.Sync(ctx)
			if err != nil {
				return err
			}
			dir, pending = synced, 0
		}
		dir = dir.WithNewFile(path, string(data))
		pending += len(data)
		return nil
	})
	return dir, err
}

// walkFiles calls fn for every regular file of fsys, in lexical order.
func walkFiles(fsys fs.FS, fn func(path string, data []byte) error) error {
	return fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		return fn(path, data)
	})
}
