package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
)

// synthetic is an ecosystem of n downstreams the bench makes itself: the
// example Core (its real history) and n copies of the example store
// downstream, each its own git repository with one file that tells it
// apart (so each has its own commit and its own environment, as n real
// repos would). Against Core v2.0.0 every copy fails, as store does.
type synthetic struct {
	n          int
	matrixFile string
}

// makeSynthetic materializes the example ecosystem under dir (for Core)
// and n store copies next to it, and writes their matrix.
func makeSynthetic(ctx context.Context, dir string, eco *examples.Ecosystem, n int) (*synthetic, error) {
	tree, err := examples.Tree(examples.Store, examples.DefaultBranch)
	if err != nil {
		return nil, err
	}
	var m strings.Builder
	fmt.Fprintf(&m, "version: 1\ncore:\n  name: %s\n  repo: %s\n  package: %s\n  ref: v1.2.0\ndownstreams:\n",
		examples.Core, eco.Repos[examples.Core], examples.CorePackage)
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("store-%03d", i)
		repo := filepath.Join(dir, name)
		if err := os.CopyFS(repo, tree); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(repo, "SYNTHETIC"), []byte(fmt.Sprintf("copy %d of the example store\n", i)), 0o644); err != nil {
			return nil, err
		}
		if err := commitAll(ctx, repo); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&m, "  - {name: %s, repo: %q, ref: main}\n", name, repo)
	}
	s := &synthetic{n: n, matrixFile: filepath.Join(dir, "matrix.yaml")}
	return s, os.WriteFile(s.matrixFile, []byte(m.String()), 0o644)
}

// commitAll makes dir a git repository whose branch main holds its files.
func commitAll(ctx context.Context, dir string) error {
	for _, args := range [][]string{
		{"init", "--quiet", "--initial-branch=main"},
		{"add", "--all"},
		{"commit", "--quiet", "--no-verify", "-m", "synthetic downstream"},
	} {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgSign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %v: %w\n%s", args, err, out)
		}
	}
	return nil
}
