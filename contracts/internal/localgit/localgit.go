// Package localgit serves the example ecosystem from a local HTTPS git
// server, so that the Dagger module fetches it with dag.Git as it fetches
// GitHub repos: the engine checks (.ci/engine-parity) and the engine bench
// use it. The server itself is not started here: on this project's
// machines ../shared/engine/gitsrv.sh runs one, serving every bare repo in
// a directory. Its place is read from the environment:
//
//	PARITY_GIT_URL   base URL (default https://git.local.test:8443)
//	PARITY_GIT_ROOT  directory of the bare repos it serves (default /tmp/gitsrv/repos)
//	PARITY_GIT_CA    its CA, for the host's git (default /tmp/gitsrv/ca.pem)
package localgit

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// Server is the local git server serving an example ecosystem.
type Server struct {
	// URL is the server's base URL; CA its certificate authority's file.
	URL, CA string
	// Repos are the example repos' URLs on it, by name.
	Repos map[string]string
	root  string
}

// Serve registers eco's repos with the git server as bare clones named
// parity-<digest>-<repo> (the digest covers every repo's refs: a changed
// ecosystem gets new names, an unchanged one the same, and other users'
// repos are never touched) and checks that the server answers for them.
func Serve(ctx context.Context, eco *examples.Ecosystem) (*Server, error) {
	s := &Server{
		URL:   strings.TrimRight(env("PARITY_GIT_URL", "https://git.local.test:8443"), "/"),
		CA:    env("PARITY_GIT_CA", "/tmp/gitsrv/ca.pem"),
		Repos: map[string]string{},
		root:  env("PARITY_GIT_ROOT", "/tmp/gitsrv/repos"),
	}
	for _, p := range []string{s.root, s.CA} {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("no local git server (%v)", err)
		}
	}
	digest, err := ecosystemDigest(ctx, eco)
	if err != nil {
		return nil, err
	}
	for _, name := range examples.Repos() {
		bare := fmt.Sprintf("parity-%s-%s.git", digest, name)
		if err := bareClone(ctx, eco.Repos[name], filepath.Join(s.root, bare)); err != nil {
			return nil, fmt.Errorf("registering %s with the git server: %w", name, err)
		}
		s.Repos[name] = s.URL + "/" + bare
	}
	if out, err := s.Git(ctx, "", "ls-remote", s.Repos[examples.Core]); err != nil {
		return nil, fmt.Errorf("the git server does not answer: %v\n%s", err, out)
	}
	return s, nil
}

// Git runs git in dir with the server's CA trusted.
func (s *Server) Git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_SSL_CAINFO="+s.CA)
	return cmd.CombinedOutput()
}

// Matrix returns a matrix file's YAML naming the example repos on the
// server, plus extra downstreams (name -> URL, ref main).
func (s *Server) Matrix(extra map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\ncore:\n  name: %s\n  repo: %s\n  package: %s\n  ref: %s\ndownstreams:\n",
		examples.Core, s.Repos[examples.Core], examples.CorePackage, examples.DefaultBranch)
	for _, d := range examples.Downstreams() {
		fmt.Fprintf(&b, "  - name: %s\n    repo: %s\n    ref: %s\n", d, s.Repos[d], examples.DefaultBranch)
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "  - name: %s\n    repo: %s\n    ref: main\n", n, extra[n])
	}
	return b.String()
}

// ecosystemDigest is a short digest of every example repo's refs.
func ecosystemDigest(ctx context.Context, eco *examples.Ecosystem) (string, error) {
	h := sha1.New()
	for _, name := range examples.Repos() {
		out, err := run(ctx, eco.Repos[name], "git", "show-ref")
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\n%s", name, out)
	}
	return hex.EncodeToString(h.Sum(nil))[:10], nil
}

// bareClone makes dst a bare clone of src that smart HTTP serves, fetches
// by SHA included (as gitsrv.sh's repos), unless it exists.
func bareClone(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(filepath.Join(dst, "HEAD")); err == nil {
		return nil
	}
	tmp := dst + ".partial"
	os.RemoveAll(tmp)
	steps := [][]string{
		{"git", "clone", "--quiet", "--bare", src, tmp},
		{"git", "-C", tmp, "config", "http.uploadpack", "true"},
		{"git", "-C", tmp, "config", "http.receivepack", "false"},
		{"git", "-C", tmp, "config", "uploadpack.allowReachableSHA1InWant", "true"},
		{"git", "-C", tmp, "config", "uploadpack.allowTipSHA1InWant", "true"},
		{"git", "-C", tmp, "config", "uploadpack.allowFilter", "true"},
		{"git", "-C", tmp, "update-server-info"},
	}
	for _, argv := range steps {
		if _, err := run(ctx, "", argv...); err != nil {
			os.RemoveAll(tmp)
			return err
		}
	}
	return os.Rename(tmp, dst)
}

// run runs argv in dir and returns its output; an error quotes it.
func run(ctx context.Context, dir string, argv ...string) (string, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out), nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
