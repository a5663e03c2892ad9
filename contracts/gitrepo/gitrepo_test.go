package gitrepo

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gitIn runs git in dir with a fixed identity and returns its output.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// origin makes a repo with main (two commits), tag v1, branch feature and a
// pull ref, and returns its path and the SHAs.
func origin(t *testing.T) (dir string, shas map[string]string) {
	t.Helper()
	dir = t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("1"), 0o644)
	gitIn(t, dir, "add", "a.txt")
	gitIn(t, dir, "commit", "-q", "-m", "one")
	gitIn(t, dir, "tag", "-a", "v1", "-m", "v1")
	first := gitIn(t, dir, "rev-parse", "HEAD")
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("2"), 0o644)
	gitIn(t, dir, "commit", "-q", "-am", "two")
	second := gitIn(t, dir, "rev-parse", "HEAD")
	gitIn(t, dir, "branch", "feature", first)
	gitIn(t, dir, "update-ref", "refs/pull/7/head", first)
	return dir, map[string]string{"first": first, "second": second}
}

func TestResolve(t *testing.T) {
	repo, shas := origin(t)
	c := NewCache(t.TempDir(), "")
	ctx := context.Background()
	for ref, want := range map[string]string{
		"main":             shas["second"],
		"v1":               shas["first"], // annotated tag peeled to its commit
		"feature":          shas["first"],
		"refs/pull/7/head": shas["first"],
		shas["second"][:7]: shas["second"],
		shas["first"]:      shas["first"],
	} {
		got, err := c.Resolve(ctx, repo, ref)
		if err != nil || got != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
}

func TestResolveErrorsNameTheRef(t *testing.T) {
	repo, _ := origin(t)
	c := NewCache(t.TempDir(), "")
	for _, ref := range []string{"nope", "--upload-pack=touch /tmp/x", "a..b"} {
		_, err := c.Resolve(context.Background(), repo, ref)
		if err == nil || !strings.Contains(err.Error(), ref) && !strings.Contains(err.Error(), "not found") {
			t.Errorf("Resolve(%q): want an error naming it, got %v", ref, err)
		}
	}
	if _, err := c.Resolve(context.Background(), filepath.Join(t.TempDir(), "missing"), "main"); err == nil {
		t.Error("missing repo: want an error")
	}
}

func TestResolveSeesMovedBranch(t *testing.T) {
	repo, _ := origin(t)
	c := NewCache(t.TempDir(), "")
	before, err := c.Resolve(context.Background(), repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	gitIn(t, repo, "commit", "-q", "--allow-empty", "-m", "three")
	after, err := c.Resolve(context.Background(), repo, "main")
	if err != nil || after == before || after != gitIn(t, repo, "rev-parse", "HEAD") {
		t.Fatalf("moved main: before %s after %s (%v)", before, after, err)
	}
}

func TestCheckout(t *testing.T) {
	repo, shas := origin(t)
	c := NewCache(t.TempDir(), "")
	if _, err := c.Resolve(context.Background(), repo, "main"); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "co")
	if err := c.Checkout(context.Background(), repo, shas["first"], dest); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dest, "a.txt")); string(b) != "1" {
		t.Fatalf("a.txt = %q, want 1", b)
	}
	if tags := gitIn(t, dest, "tag"); !strings.Contains(tags, "v1") {
		t.Errorf("checkout has no tags: %q", tags)
	}
	if err := c.Checkout(context.Background(), repo, "main", filepath.Join(t.TempDir(), "x")); err == nil {
		t.Error("checkout of a non-SHA: want an error")
	}
}

func TestTokenOnlyInEnvironment(t *testing.T) {
	const token = "tok_SECRET_123"
	c := NewCache(t.TempDir(), token)
	env := strings.Join(c.env(), "\n")
	if strings.Contains(env, token) {
		t.Error("token appears in plain text in the git environment; want it only inside the basic-auth header")
	}
	if !strings.Contains(env, "http.https://github.com/.extraheader") {
		t.Error("no auth header config in the git environment")
	}
	if got := Scrub("x "+token+" y", token); strings.Contains(got, token) {
		t.Errorf("Scrub left the token: %q", got)
	}
}

// TestIgnoresRedirectingGitVariables: GIT_DIR and friends (set inside git
// hooks) must not send the cache's git commands to another repository.
func TestIgnoresRedirectingGitVariables(t *testing.T) {
	repo, shas := origin(t)
	other, _ := origin(t)
	gitIn(t, other, "commit", "-q", "--allow-empty", "-m", "other history")
	t.Setenv("GIT_DIR", filepath.Join(other, ".git"))
	t.Setenv("GIT_WORK_TREE", other)
	c := NewCache(t.TempDir(), "")
	got, err := c.Resolve(context.Background(), repo, "main")
	if err != nil || got != shas["second"] {
		t.Fatalf("Resolve with GIT_DIR set = %q, %v; want %s", got, err, shas["second"])
	}
}
