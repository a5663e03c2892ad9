package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"dagger/market-data-contracts/enginetest"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

func TestTreeDigest(t *testing.T) {
	a := fstest.MapFS{"x/a.py": {Data: []byte("A")}, "b.txt": {Data: []byte("B")}}
	da, err := treeDigest(a)
	if err != nil || !fullSHA.MatchString(da) {
		t.Fatalf("digest %q, %v; want 40 hex", da, err)
	}
	same := fstest.MapFS{"b.txt": {Data: []byte("B")}, "x/a.py": {Data: []byte("A")}}
	if d, _ := treeDigest(same); d != da {
		t.Errorf("same tree, different digest: %s vs %s", d, da)
	}
	for name, other := range map[string]fstest.MapFS{
		"content": {"x/a.py": {Data: []byte("a")}, "b.txt": {Data: []byte("B")}},
		"path":    {"y/a.py": {Data: []byte("A")}, "b.txt": {Data: []byte("B")}},
		"split":   {"x/a.py": {Data: []byte("AB")}, "b.txt": {Data: []byte("")}},
		"missing": {"x/a.py": {Data: []byte("A")}},
	} {
		if d, _ := treeDigest(other); d == da {
			t.Errorf("%s changed, digest did not", name)
		}
	}
}

func TestExampleSourcesResolve(t *testing.T) {
	ctx := context.Background()
	var src exampleSources
	digest := map[string]string{}
	for _, ref := range examples.CoreRefs() {
		d, err := src.Resolve(ctx, examplePrefix+examples.Core, ref)
		if err != nil || !fullSHA.MatchString(d) {
			t.Fatalf("%s: %q, %v", ref, d, err)
		}
		digest[ref] = d
	}
	// The example Core's main is v1.2.0 and release/2.x is v2.0.0: same tree, same digest.
	if digest["main"] != digest["v1.2.0"] || digest["release/2.x"] != digest["v2.0.0"] {
		t.Errorf("equal trees with different digests: %v", digest)
	}
	if digest["v1.2.0"] == digest["v2.0.0"] || digest["v1.1.0"] == digest["v1.2.0"] {
		t.Errorf("different trees with equal digests: %v", digest)
	}
	if _, err := src.Resolve(ctx, examplePrefix+examples.Core, "v9"); err == nil {
		t.Error("unknown example ref resolved")
	}
	if _, err := src.Resolve(ctx, "https://github.com/x/y", "main"); err == nil {
		t.Error("a real repo resolved as an example")
	}
}

// gitResolver answers ref and commit lookups from a table; other refs fail.
func gitResolver(shas map[string]string) enginetest.Resolver {
	return func(c enginetest.Chain) (any, error) {
		switch {
		case c.Has("git", "ref", "commit"):
			if sha, ok := shas[c[0].Str("url")+"@"+c[1].Str("name")]; ok {
				return sha, nil
			}
			return nil, errors.New("git error: reference not found")
		case c.Has("git", "commit", "commit"):
			return c[1].Str("id"), nil
		case c.Has("secret", "id"):
			return nil, nil
		case c.Leaf().Name == "plaintext":
			return "s3cr3t-token", nil
		}
		return nil, nil
	}
}

func TestGitSourcesResolve(t *testing.T) {
	sha := strings.Repeat("ab", 20)
	e := enginetest.Use(t, gitResolver(map[string]string{"https://github.com/o/core@v2.0.0": sha, "https://git.example/core.git@v2.0.0": sha}))
	ctx := context.Background()
	g := gitSources{token: dag.Secret("env://TOKEN")}

	if got, err := g.Resolve(ctx, "https://github.com/o/core", "v2.0.0"); err != nil || got != sha {
		t.Errorf("tag: %q, %v", got, err)
	}
	full := strings.Repeat("c", 40)
	if got, err := g.Resolve(ctx, "https://github.com/o/core", full); err != nil || got != full {
		t.Errorf("full SHA: %q, %v", got, err)
	}
	_, err := g.Resolve(ctx, "https://github.com/o/core", "abc1234")
	if err == nil || !strings.Contains(err.Error(), "full 40-hex SHA") {
		t.Errorf("short SHA: %v, want an error asking for the full SHA", err)
	}
	_, err = g.Resolve(ctx, "https://github.com/o/core", "no-such-branch")
	if err == nil || strings.Contains(err.Error(), "40-hex") {
		t.Errorf("unknown branch: %v, want the git error alone", err)
	}
	if got, err := g.Resolve(ctx, "https://git.example/core.git", "v2.0.0"); err != nil || got != sha {
		t.Errorf("https repo outside github.com: %q, %v", got, err)
	}
	if _, err := g.Resolve(ctx, "/srv/git/core", "main"); !errors.Is(err, errLocalRepo) {
		t.Errorf("local path: %v", err)
	}
	if _, err := g.Resolve(ctx, "git@git.example:core.git", "v2.0.0"); err == nil {
		t.Error("ssh repo missing from the table resolved")
	}

	for _, q := range e.Queries() {
		if strings.Contains(q.Text, "s3cr3t-token") || q.Chain.Leaf().Name == "plaintext" {
			t.Errorf("token plaintext requested or sent: %s", q.Text)
		}
		if q.Chain[0].Name != "git" {
			continue
		}
		url, auth := q.Chain[0].Str("url"), q.Chain[0].Str("httpAuthToken")
		github := strings.HasPrefix(url, "https://github.com/")
		switch {
		case github && auth == "":
			t.Errorf("github.com fetch without the token: %s", q.Chain)
		case !github && auth != "":
			t.Errorf("token sent outside https://github.com/: %s", q.Chain)
		case auth != "":
			if obj, ok := e.Object(auth); !ok || !obj.Has("secret") || obj[0].Str("uri") != "env://TOKEN" {
				t.Errorf("httpAuthToken %q is not the token secret: %v", auth, obj)
			}
		}
	}
}

// TestGitSourcesMissingRepo: the engine's bare "exit status 128" (what a
// real v0.21.8 engine said for a repository that does not exist) reads as
// what it means, without the engine's trace id; other errors keep their
// message, without it too.
func TestGitSourcesMissingRepo(t *testing.T) {
	enginetest.Use(t, func(c enginetest.Chain) (any, error) {
		if c[0].Str("url") == "https://github.com/o/gone" {
			return nil, errors.New("git error: exit status 128 [traceparent:41eb0c0dd1e1d5b2a7b59c3e8d1f0c11-2b0e5c1f7a9d3e44]")
		}
		return nil, errors.New(`repository does not contain ref "v9.9.9" [traceparent:00aa-11bb]`)
	})
	ctx := context.Background()
	_, err := gitSources{}.Resolve(ctx, "https://github.com/o/gone", "main")
	if err == nil || !strings.Contains(err.Error(), "repository https://github.com/o/gone not found or not readable") || strings.Contains(err.Error(), "traceparent") {
		t.Errorf("missing repo: %v", err)
	}
	_, err = gitSources{}.Resolve(ctx, "https://github.com/o/core", "v9.9.9")
	if err == nil || err.Error() != `repository does not contain ref "v9.9.9"` {
		t.Errorf("unknown ref: %v", err)
	}
}

func TestGitSourcesTree(t *testing.T) {
	e := enginetest.Use(t, gitResolver(nil))
	ctx := context.Background()
	local := dag.Directory().WithNewFile("pyproject.toml", "x")
	g := gitSources{local: local}
	if d, err := g.Tree(ctx, plan.Source{Name: "core", Local: "core-source@sha256:1"}); err != nil || d != local {
		t.Errorf("local core: %v, %v", d, err)
	}
	if _, err := (gitSources{}).Tree(ctx, plan.Source{Name: "core", Local: "x"}); err == nil {
		t.Error("local source without a directory accepted")
	}
	if _, err := g.Tree(ctx, plan.Source{Name: "a", Repo: "https://git.example/a.git", Ref: "main"}); err == nil {
		t.Error("unresolved source accepted")
	}
	sha := strings.Repeat("1", 40)
	d, err := g.Tree(ctx, plan.Source{Name: "a", Repo: "https://git.example/a.git", Ref: "main", SHA: sha})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.ID(ctx); err != nil {
		t.Fatal(err)
	}
	got := e.Leaves("id")
	if len(got) != 1 || !got[0].Has("git", "commit", "tree", "id") || got[0][1].Str("id") != sha {
		t.Errorf("tree fetched as %v, want git(url).commit(sha).tree", got)
	}
}
