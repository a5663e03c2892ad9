package main

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing/fstest"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// Files reach the engine byte for byte through the module's scratch
// working directory: the module writes them there and loads the
// directory with CurrentModule.Workdir. A file sent as a GraphQL string
// (WithNewFile) carries UTF-8 only: a UTF-16 requirements file, or any
// binary, would arrive changed (the example store's did, in a real
// v0.21.8 engine).

// scratchRoot is the module runtime's working directory (/scratch in the
// engine), the directory CurrentModule.Workdir paths are relative to.
// Tests point it at a temporary directory.
var scratchRoot = "."

// staged remembers the trees written in this process, by digest, so a
// tree every suite uses is written once.
var staged struct {
	sync.Mutex
	dirs map[string]*stagedTree
}

// stagedTree is one tree's write, done once; err is its outcome.
type stagedTree struct {
	once sync.Once
	err  error
}

// stageFS returns fsys's regular files as a Directory, byte for byte. The
// scratch directory is named by the tree's digest, so the same files load
// from the same path with the same content on every call, and the engine
// keys what is built on them by content.
func stageFS(fsys fs.FS) (*dagger.Directory, error) {
	digest, err := treeDigest(fsys)
	if err != nil {
		return nil, err
	}
	rel := "stage-" + digest
	abs := filepath.Join(scratchRoot, rel)
	staged.Lock()
	if staged.dirs == nil {
		staged.dirs = map[string]*stagedTree{}
	}
	t, ok := staged.dirs[abs]
	if !ok {
		t = &stagedTree{}
		staged.dirs[abs] = t
	}
	staged.Unlock()
	t.once.Do(func() { t.err = writeTree(abs, fsys) })
	if t.err != nil {
		return nil, fmt.Errorf("staging files for the engine: %w", t.err)
	}
	return dag.CurrentModule().Workdir(rel), nil
}

// writeTree writes fsys's regular files under dir, into a fresh directory
// renamed into place, so a half-written tree is never loaded.
func writeTree(dir string, fsys fs.FS) error {
	if _, err := os.Stat(dir); err == nil {
		return nil // written before: the name is the content's digest
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".partial-")
	if err != nil {
		return err
	}
	err = walkFiles(fsys, func(path string, data []byte) error {
		dst := filepath.Join(tmp, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err == nil {
		err = os.Rename(tmp, dir)
	}
	if err != nil {
		os.RemoveAll(tmp)
	}
	return err
}

// scratchDir makes a fresh directory in the scratch workdir for files the
// module writes itself (reports); stageDir hands it to the engine.
func scratchDir(prefix string) (abs, rel string, err error) {
	abs, err = os.MkdirTemp(scratchRoot, prefix)
	if err != nil {
		return "", "", err
	}
	rel, err = filepath.Rel(scratchRoot, abs)
	return abs, rel, err
}

// stageDir loads a directory of the scratch workdir (rel, from scratchDir)
// into the engine, synced: once this returns, the engine holds its files.
func stageDir(ctx context.Context, rel string) (*dagger.Directory, error) {
	return dag.CurrentModule().Workdir(rel).Sync(ctx)
}

// filesFS is plan files as a file system, for stageFS.
func filesFS(files []plan.File) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, f := range files {
		fsys[f.Path] = &fstest.MapFile{Data: []byte(f.Content), Mode: 0o644}
	}
	return fsys
}

// treeDigest is a deterministic 40-hex digest of a tree's paths and
// contents (SHA-1 over each regular file's path, size and bytes, in
// lexical order). It names staged trees, and stands in for a commit SHA
// where there is no git (the bundled examples); it is not a git tree or
// commit id.
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
