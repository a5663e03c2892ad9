package enginetest

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Scratch is the module's scratch working directory as the fake engine
// sees it: currentModule.workdir(path:) reads path under it, as a real
// engine reads the module runtime's /scratch. A test binary sets it to
// the directory its module code writes to.
var Scratch string

// errNotData: the chain makes something other than plain files.
var errNotData = errors.New("not a plain file or directory")

// Files evaluates a chain that makes plain data, the subset of Dagger's
// semantics the fake engine carries out: file(name:, contents:) and
// directory() with withNewFile(path:, contents:) calls, each as the bytes
// a GraphQL string argument holds; and currentModule.workdir(path:), the
// files under Scratch/path, byte for byte. It returns the files by path
// (a file chain: its name).
func Files(c Chain) (map[string][]byte, error) {
	if len(c) == 0 {
		return nil, errNotData
	}
	switch {
	case c.Has("file"):
		return map[string][]byte{c[0].Str("name"): []byte(c[0].Str("contents"))}, nil
	case c.Has("currentModule", "workdir"):
		return readTree(filepath.Join(Scratch, filepath.FromSlash(c[1].Str("path"))))
	case c[0].Name == "directory":
		files := map[string][]byte{}
		for _, f := range c[1:] {
			if f.Name != "withNewFile" {
				return nil, fmt.Errorf("%w: directory built with %s", errNotData, f.Name)
			}
			files[path.Clean(f.Str("path"))] = []byte(f.Str("contents"))
		}
		return files, nil
	}
	return nil, fmt.Errorf("%w: %s", errNotData, c)
}

// readTree reads every regular file under root, by slash path.
func readTree(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	return files, err
}

// export answers file(...).export(path:) and directory...export(path:) of
// plain data (see Files) as the engine does inside a module: it writes the
// files at path, in the module's runtime (here, this test process), and
// returns the path. ok is false for chains Files cannot evaluate.
func export(c Chain) (value any, ok bool, err error) {
	target := c.Leaf().Str("path")
	src := c[:len(c)-1]
	files, err := Files(src)
	if errors.Is(err, errNotData) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	if src.Has("file") {
		return target, true, writeFile(target, files[src[0].Str("name")])
	}
	for rel, data := range files {
		if strings.HasPrefix(rel, "../") || path.IsAbs(rel) {
			return nil, true, fmt.Errorf("export: %s escapes the directory", rel)
		}
		if err := writeFile(filepath.Join(target, filepath.FromSlash(rel)), data); err != nil {
			return nil, true, err
		}
	}
	return target, true, nil
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
