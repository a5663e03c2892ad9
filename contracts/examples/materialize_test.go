package examples

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = gitEnv(epoch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %v in %s: %v: %s", args, dir, err, stderr.String())
	}
	return string(out)
}

func materialize(t *testing.T) *Ecosystem {
	t.Helper()
	eco, err := Materialize(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return eco
}

// shas resolves every ref of every repo to its commit.
func shas(t *testing.T, eco *Ecosystem) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, repo := range Repos() {
		for _, ref := range Refs(repo) {
			sha := strings.TrimSpace(gitOut(t, eco.Repos[repo], "rev-parse", "--verify", "--end-of-options", ref+"^{commit}"))
			if !refs.IsFullSHA(sha) {
				t.Fatalf("%s %s: rev-parse gave %q", repo, ref, sha)
			}
			out[repo+"@"+ref] = sha
		}
	}
	return out
}

// archive returns the files git holds at ref, by path.
func archive(t *testing.T, dir, ref string) map[string]string {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(gitOut(t, dir, "archive", "--format=tar", ref)))
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			data, _ := io.ReadAll(tr)
			files[h.Name] = string(data)
		}
	}
}

func treeFiles(t *testing.T, repo, ref string) map[string]string {
	t.Helper()
	tree, err := Tree(repo, ref)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	err = fs.WalkDir(tree, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files[p] = readFile(t, tree, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestMaterializeRefsMatchTree checks that every ref resolves and that git
// holds exactly the files Tree serves for it.
func TestMaterializeRefsMatchTree(t *testing.T) {
	t.Parallel()
	eco := materialize(t)
	shas(t, eco)
	for _, repo := range Repos() {
		for _, ref := range Refs(repo) {
			got, want := archive(t, eco.Repos[repo], ref), treeFiles(t, repo, ref)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s@%s: git holds %d files, Tree %d; they differ", repo, ref, len(got), len(want))
			}
		}
		head := strings.TrimSpace(gitOut(t, eco.Repos[repo], "symbolic-ref", "HEAD"))
		status := gitOut(t, eco.Repos[repo], "status", "--porcelain")
		if head != "refs/heads/main" || status != "" {
			t.Errorf("%s: HEAD %s, status %q; want a clean checkout of main", repo, head, status)
		}
	}
}

// TestMaterializeHistory checks Core's graph: main ends at v1.2.0 after
// v1.1.0; the feature branch and release/2.x fork from v1.2.0; from
// v1.2.0 to v2.0.0 there are 21 commits, 13 of them on the first-parent
// path, 3 merges of pull request branches that are gone; release/3.x
// (v3.0.0) forks from v2.0.0; CoreCommits names the same commits.
func TestMaterializeHistory(t *testing.T) {
	t.Parallel()
	eco := materialize(t)
	s := shas(t, eco)
	core := eco.Repos[Core]
	git := func(args ...string) string { return strings.TrimSpace(gitOut(t, core, args...)) }
	parent := func(ref string) string { return git("rev-parse", "--verify", ref+"^{commit}^") }
	checks := []struct{ what, got, want string }{
		{"main", s[Core+"@main"], s[Core+"@v1.2.0"]},
		{"release/2.x", s[Core+"@release/2.x"], s[Core+"@v2.0.0"]},
		{"release/3.x", s[Core+"@release/3.x"], s[Core+"@v3.0.0"]},
		{"parent of v1.2.0", parent("v1.2.0"), s[Core+"@v1.1.0"]},
		{"parent of v3.0.0", parent("v3.0.0"), s[Core+"@v2.0.0"]},
		{"parent of feature/health-details", parent("feature/health-details"), s[Core+"@v1.2.0"]},
		{"v2.0.0 tag type", git("cat-file", "-t", "v2.0.0"), "tag"},
		{"commits v1.2.0..v2.0.0", git("rev-list", "--count", "v1.2.0..v2.0.0"), "21"},
		{"first-parent commits", git("rev-list", "--first-parent", "--count", "v1.2.0..v2.0.0"), "13"},
		{"merges", git("rev-list", "--merges", "--count", "v1.2.0..v2.0.0"), "3"},
		{"pull request branches left", git("branch", "--list", "pr/*"), ""},
		{"author of the strict commit", git("log", "-1", "--format=%an <%ae>", eco.CoreCommits["strict"]), ben},
		{"author of the known-sources commit", git("log", "-1", "--format=%an <%ae>", eco.CoreCommits["known-sources"]), dana},
		{"subject of the known-sources commit", git("log", "-1", "--format=%s", eco.CoreCommits["known-sources"]), "FeedbackEvent.source: only known services (`Literal[...]`) | typo guard"},
		{"parent of the known-sources commit", git("rev-parse", eco.CoreCommits["known-sources"]+"^"), eco.CoreCommits["merge-43"]},
		{"CoreCommits v2.0.0", eco.CoreCommits["v2.0.0"], s[Core+"@v2.0.0"]},
		{"merge-42's second parent", git("rev-parse", eco.CoreCommits["merge-42"]+"^2"), eco.CoreCommits["changelog-strict"]},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %s, want %s", c.what, c.got, c.want)
		}
	}
	if len(eco.CoreCommits) != len(histories[Core]) {
		t.Errorf("CoreCommits has %d commits, the history %d", len(eco.CoreCommits), len(histories[Core]))
	}
	for id, sha := range eco.CoreCommits {
		got := archive(t, core, sha)
		want := map[string]string{}
		for p, data := range mustHistory(t).nodes[id].files {
			want[p] = string(data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("commit %s: git holds %d files, the history %d; they differ", id, len(got), len(want))
		}
	}
}

func mustHistory(t *testing.T) *history {
	t.Helper()
	h, err := historyOf(Core)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestMaterializeDeterministic checks that two materializations, in
// different directories and with a hostile git environment in the second,
// produce the same commit SHAs.
func TestMaterializeDeterministic(t *testing.T) {
	first := shas(t, materialize(t))
	t.Setenv("GIT_DIR", filepath.Join(t.TempDir(), "not-a-repo"))
	t.Setenv("GIT_AUTHOR_NAME", "Someone Else")
	t.Setenv("GIT_COMMITTER_DATE", "2001-01-01 00:00:00 +0000")
	second := shas(t, materialize(t))
	if !reflect.DeepEqual(first, second) {
		t.Fatalf("SHAs differ between runs:\n%v\n%v", first, second)
	}
}

func TestMaterializeMatrix(t *testing.T) {
	t.Parallel()
	eco := materialize(t)
	m, err := matrix.Load(eco.MatrixFile)
	if err != nil {
		t.Fatal(err)
	}
	if m.Core.Name != Core || m.Core.Package != CorePackage || m.Core.Repo != eco.Repos[Core] || m.Core.Ref != "main" {
		t.Errorf("core = %+v", m.Core)
	}
	if !reflect.DeepEqual(m.Names(), Downstreams()) {
		t.Errorf("downstreams = %v, want %v", m.Names(), Downstreams())
	}
	for _, d := range m.Downstreams {
		if d.Repo != eco.Repos[d.Name] || d.Ref != "main" || d.Tests != matrix.DefaultTests || d.Install != nil {
			t.Errorf("downstream %+v", d)
		}
	}
	again, err := eco.Matrix()
	if err != nil || !reflect.DeepEqual(again.Downstreams, m.Downstreams) {
		t.Errorf("Ecosystem.Matrix() = %+v, %v", again, err)
	}
}

// TestMaterializeSameDir checks that Materialize replaces its own repos
// but refuses to remove a directory it did not make.
func TestMaterializeSameDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Materialize(ctx, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Materialize(ctx, dir); err != nil {
		t.Fatalf("second Materialize into the same directory: %v", err)
	}
	foreign := t.TempDir()
	precious := filepath.Join(foreign, Store, "notes.txt")
	if err := os.MkdirAll(filepath.Dir(precious), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(precious, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Materialize(ctx, foreign)
	if err == nil || !strings.Contains(err.Error(), "not made by Materialize") {
		t.Fatalf("Materialize over a foreign directory: %v", err)
	}
	if _, statErr := os.Stat(precious); statErr != nil {
		t.Fatalf("the foreign directory was touched: %v", statErr)
	}
}
