// Package gitrepo fetches downstream and Core sources with the git binary
// for the host runner: a bare mirror per repository in a cache directory,
// refs resolved there to full commit SHAs, and cheap checkouts that share
// the mirror's objects.
//
// Every git process gets an argv list with "--" or --end-of-options before
// user input, and refs and repos are validated first (contracts/refs). A
// token, when given, reaches git only through environment-only git config
// (GIT_CONFIG_COUNT/KEY/VALUE) as an HTTP header for https remotes: never
// in argv, URLs, logs or cache keys.
package gitrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/lockfile"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/procgroup"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

// FetchTimeout bounds one fetch: a server that accepts connections and
// never answers must not hold a whole run.
const FetchTimeout = 3 * time.Minute

// Cache holds bare mirrors of the repositories a run needs.
type Cache struct {
	// Dir is where the mirrors live.
	Dir string
	// Token, if set, authenticates https fetches (GitHub-style token).
	Token string

	locks lockfile.Locks
}

// NewCache returns a cache of mirrors under dir.
func NewCache(dir, token string) *Cache {
	return &Cache{Dir: dir, Token: token}
}

// Resolve fetches repo's refs into its mirror and returns ref's full SHA.
// Full SHAs already present are not fetched again. Implements plan.Resolver.
func (c *Cache) Resolve(ctx context.Context, repo, ref string) (string, error) {
	if err := refs.ValidateRepo(repo); err != nil {
		return "", err
	}
	if err := refs.Validate(ref); err != nil {
		return "", err
	}
	unlock, err := c.lock(ctx, repo)
	if err != nil {
		return "", err
	}
	defer unlock()
	mirror, err := c.mirror(ctx, repo)
	if err != nil {
		return "", err
	}
	if refs.IsFullSHA(ref) {
		if sha, err := c.revParse(ctx, mirror, ref); err == nil {
			return sha, nil
		}
	}
	fctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	if err := c.fetch(fctx, mirror, repo, ref); err != nil {
		if errors.Is(fctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
			return "", fmt.Errorf("fetch %s: no answer within %s", refs.Redact(repo), FetchTimeout)
		}
		return "", err
	}
	sha, err := c.revParse(ctx, mirror, ref)
	if err != nil {
		return "", fmt.Errorf("not found in %s", refs.Redact(repo))
	}
	return sha, nil
}

// Checkout places repo at sha into dest (which must not exist), sharing the
// mirror's objects. The checkout keeps .git (tags included) so packages
// that derive their version from git still can.
func (c *Cache) Checkout(ctx context.Context, repo, sha, dest string) error {
	if !refs.IsFullSHA(sha) {
		return fmt.Errorf("checkout %s: %q is not a full SHA", refs.Redact(repo), sha)
	}
	mirror := c.path(repo)
	if _, err := c.git(ctx, "", "clone", "--quiet", "--shared", "--no-checkout", "--", mirror, dest); err != nil {
		return fmt.Errorf("checkout %s: %w", refs.Redact(repo), err)
	}
	if _, err := c.git(ctx, dest, "checkout", "--quiet", "--detach", sha, "--"); err != nil {
		return fmt.Errorf("checkout %s at %s: %w", refs.Redact(repo), sha, err)
	}
	return nil
}

// History runs a read-only git history command (log or rev-list: what
// bisect needs) in repo's mirror, which Resolve has fetched, and returns
// its output.
func (c *Cache) History(ctx context.Context, repo string, args []string) (string, error) {
	if len(args) == 0 || (args[0] != "log" && args[0] != "rev-list") {
		return "", fmt.Errorf("history of %s: only git log and rev-list run here, not %q", refs.Redact(repo), args)
	}
	unlock, err := c.lock(ctx, repo)
	if err != nil {
		return "", err
	}
	defer unlock()
	return c.git(ctx, c.path(repo), args...)
}

// path is the mirror of repo: named by a hash of the address, never by
// anything secret.
func (c *Cache) path(repo string) string {
	sum := sha256.Sum256([]byte(repo))
	return filepath.Join(c.Dir, hex.EncodeToString(sum[:12])+".git")
}

func (c *Cache) mirror(ctx context.Context, repo string) (string, error) {
	m := c.path(repo)
	if _, err := os.Stat(filepath.Join(m, "HEAD")); err == nil {
		return m, nil
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return "", err
	}
	if _, err := c.git(ctx, "", "init", "--quiet", "--bare", "--", m); err != nil {
		return "", fmt.Errorf("mirror of %s: %w", refs.Redact(repo), err)
	}
	return m, nil
}

func (c *Cache) fetch(ctx context.Context, mirror, repo, ref string) error {
	specs := []string{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}
	if refs.IsPullRef(ref) {
		specs = append(specs, "+"+ref+":"+ref)
	}
	args := append([]string{"fetch", "--quiet", "--prune", "--no-write-fetch-head", "--", fetchURL(repo)}, specs...)
	if _, err := c.git(ctx, mirror, args...); err != nil {
		return fmt.Errorf("fetch %s: %w", refs.Redact(repo), err)
	}
	return nil
}

// fetchURL makes a relative local path absolute: the fetch runs in the mirror.
func fetchURL(repo string) string {
	if refs.IsLocal(repo) && !strings.HasPrefix(repo, "file://") {
		if abs, err := filepath.Abs(repo); err == nil {
			return abs
		}
	}
	return repo
}

func (c *Cache) revParse(ctx context.Context, mirror, ref string) (string, error) {
	out, err := c.git(ctx, mirror, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// git runs git with args in dir (as --git-dir for bare mirrors). Its
// environment carries the token as config, never its argv.
func (c *Cache) git(ctx context.Context, dir string, args ...string) (string, error) {
	name := args[0]
	if dir != "" {
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = c.env()
	procgroup.Isolate(cmd)
	// On cancel, kill git's whole group: helpers such as git-remote-https
	// would otherwise keep the output pipes open and Run blocked while a
	// stalled server holds them.
	cmd.Cancel = func() error { return procgroup.Kill(cmd) }
	cmd.WaitDelay = waitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("git %s: %w", name, ctx.Err())
		}
		msg := strings.TrimSpace(Scrub(stderr.String(), c.Token))
		if len(msg) > 500 {
			msg = msg[:500] + "..."
		}
		return "", fmt.Errorf("git %s: %v: %s", name, err, msg)
	}
	return stdout.String(), nil
}

// waitDelay bounds how long a cancelled git may hold its pipes open.
const waitDelay = 5 * time.Second

// env is the process environment for git: no prompts, no user or system
// config surprises, and the token as an https header when set.
func (c *Cache) env() []string {
	env := append(withoutRepoVars(os.Environ()),
		"GIT_TERMINAL_PROMPT=0",
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_ASKPASS=",
		"SSH_ASKPASS=",
		"GIT_SSH_COMMAND=ssh -o BatchMode=yes",
	)
	if c.Token == "" {
		return append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=protocol.ext.allow", "GIT_CONFIG_VALUE_0=never")
	}
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + c.Token))
	return append(env,
		"GIT_CONFIG_COUNT=2",
		"GIT_CONFIG_KEY_0=protocol.ext.allow", "GIT_CONFIG_VALUE_0=never",
		"GIT_CONFIG_KEY_1=http.https://github.com/.extraheader",
		"GIT_CONFIG_VALUE_1=AUTHORIZATION: basic "+basic,
	)
}

// repoVars redirect git to another repository or configuration (set, for
// example, when the CLI runs from a git hook); they are dropped.
var repoVars = []string{"GIT_DIR=", "GIT_WORK_TREE=", "GIT_INDEX_FILE=", "GIT_OBJECT_DIRECTORY=",
	"GIT_ALTERNATE_OBJECT_DIRECTORIES=", "GIT_COMMON_DIR=", "GIT_NAMESPACE=", "GIT_CONFIG_PARAMETERS=",
	"GIT_CONFIG_COUNT=", "GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE_"}

func withoutRepoVars(env []string) []string {
	var out []string
	for _, kv := range env {
		if !slices.ContainsFunc(repoVars, func(p string) bool { return strings.HasPrefix(kv, p) }) {
			out = append(out, kv)
		}
	}
	return out
}

// Scrub replaces every occurrence of secret (and its basic-auth form) in s.
func Scrub(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, "***")
	basic := base64.StdEncoding.EncodeToString([]byte("x-access-token:" + secret))
	return strings.ReplaceAll(s, basic, "***")
}

func (c *Cache) lock(ctx context.Context, repo string) (func(), error) {
	return c.locks.Lock(ctx, c.path(repo))
}
