package main

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"dagger/market-data-contracts/enginetest"
	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// arrived returns the files of a directory the module handed to the
// engine, as the engine holds them (enginetest.Files).
func arrived(t *testing.T, e *enginetest.Engine, dir *dagger.Directory) map[string][]byte {
	t.Helper()
	id, err := dir.ID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	chain, ok := e.Object(string(id))
	if !ok {
		t.Fatalf("directory %s was not made by the module", id)
	}
	files, err := enginetest.Files(chain)
	if err != nil {
		t.Fatalf("directory made as %s: %v", chain, err)
	}
	return files
}

// sameBytes checks that got holds exactly want's regular files, byte for
// byte.
func sameBytes(t *testing.T, what string, want fs.FS, got map[string][]byte) {
	t.Helper()
	n := 0
	err := walkFiles(want, func(path string, data []byte) error {
		n++
		if g, ok := got[path]; !ok {
			t.Errorf("%s: %s missing", what, path)
		} else if !bytes.Equal(g, data) {
			t.Errorf("%s: %s arrived changed: % x... want % x...", what, path, head(g), head(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n {
		t.Errorf("%s: %d files arrived, want %d", what, len(got), n)
	}
}

func head(b []byte) []byte { return b[:min(len(b), 16)] }

// TestExampleTreesArriveByteForByte: every example repo at every ref
// reaches the engine as its exact bytes, the store's UTF-16 requirements
// file included (sent as a GraphQL string, it arrived changed in a real
// engine, and the store's install failed).
func TestExampleTreesArriveByteForByte(t *testing.T) {
	e := enginetest.Use(t, func(enginetest.Chain) (any, error) { return nil, nil })
	ctx := context.Background()
	var src exampleSources
	sawNonUTF8 := false
	for _, name := range append([]string{examples.Core}, examples.Downstreams()...) {
		refs := []string{examples.DefaultBranch}
		if name == examples.Core {
			refs = examples.CoreRefs()
		}
		for _, ref := range refs {
			repo := examplePrefix + name
			sha, err := src.Resolve(ctx, repo, ref)
			if err != nil {
				t.Fatal(err)
			}
			dir, err := src.Tree(ctx, plan.Source{Name: name, Repo: repo, Ref: ref, SHA: sha})
			if err != nil {
				t.Fatal(err)
			}
			want, err := examples.Tree(name, ref)
			if err != nil {
				t.Fatal(err)
			}
			got := arrived(t, e, dir)
			sameBytes(t, name+"@"+ref, want, got)
			for _, data := range got {
				sawNonUTF8 = sawNonUTF8 || !utf8.Valid(data)
			}
		}
	}
	if !sawNonUTF8 {
		t.Error("no example file is outside UTF-8: this test no longer covers what broke")
	}
	if _, err := src.Tree(ctx, plan.Source{Name: "pipeline", Repo: examplePrefix + examples.Pipeline, Ref: "main", SHA: strings.Repeat("0", 40)}); err == nil {
		t.Error("a tree whose digest differs from the plan's was accepted")
	}
}

// TestPlanFilesArriveByteForByte: plan files, whatever their bytes, reach
// the suite's workspace unchanged, and no file content travels inside a
// query.
func TestPlanFilesArriveByteForByte(t *testing.T) {
	e := enginetest.Use(t, func(enginetest.Chain) (any, error) { return nil, nil })
	big := strings.Repeat("x", 3<<20)
	files := []plan.File{
		{Path: "plan/utf16.txt", Content: "\xff\xfem\x00a\x00r\x00\r\x00\n\x00"},
		{Path: "plan/binary.bin", Content: "\x00\x01\x80\xfe\xff\xc3\x28"},
		{Path: "plan/big.log", Content: big},
		{Path: "plan/helper.py", Content: "print('é')\n"},
	}
	ctr := withFiles(dag.Container(), files)
	if _, err := ctr.ID(context.Background()); err != nil {
		t.Fatal(err)
	}
	var dirID string
	for _, c := range e.Leaves("id") {
		if i := c.Index("withDirectory"); len(i) == 1 && c[i[0]].Str("path") == workRoot {
			dirID = c[i[0]].Str("source")
		}
	}
	chain, ok := e.Object(dirID)
	if !ok {
		t.Fatalf("plan files not mounted as one directory at %s: %v", workRoot, e.Leaves("id"))
	}
	got, err := enginetest.Files(chain)
	if err != nil {
		t.Fatal(err)
	}
	want := fstest.MapFS{}
	for _, f := range files {
		want[f.Path] = &fstest.MapFile{Data: []byte(f.Content)}
	}
	sameBytes(t, "plan files", want, got)
	for _, q := range e.Queries() {
		if len(q.Text) > 64<<10 {
			t.Errorf("a query carries %d bytes: file contents travel inside queries", len(q.Text))
		}
	}
}

// TestStageFSIsStable: the same files load from the same scratch path (so
// the engine keys what is built on them by content), other files from
// another; each tree is written once.
func TestStageFSIsStable(t *testing.T) {
	e := enginetest.Use(t, func(enginetest.Chain) (any, error) { return nil, nil })
	ctx := context.Background()
	a := fstest.MapFS{"x/a.py": {Data: []byte("A")}}
	b := fstest.MapFS{"x/a.py": {Data: []byte("B")}}
	path := func(fsys fs.FS) string {
		d, err := stageFS(fsys)
		if err != nil {
			t.Fatal(err)
		}
		id, err := d.ID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := e.Object(string(id))
		if !c.Has("currentModule", "workdir") {
			t.Fatalf("staged as %s", c)
		}
		return c[1].Str("path")
	}
	pa := path(a)
	// A file the first write did not make: a second write would replace
	// the tree and lose it.
	marker := filepath.Join(scratchRoot, pa, "marker")
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if pa2, pb := path(a), path(b); pa != pa2 || pa == pb {
		t.Errorf("paths %q %q %q: want equal for equal trees, different otherwise", pa, pa2, pb)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the same tree was written again: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(scratchRoot, ".partial-*")); len(left) > 0 {
		t.Errorf("half-written trees left: %v", left)
	}
}
