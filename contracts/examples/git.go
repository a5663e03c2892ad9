package examples

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// The identity and clock of every example commit and tag. Fixed, so that
// commit SHAs are the same on every run and machine (runners cache by SHA).
const (
	authorName  = "Market Data Examples"
	authorEmail = "examples@market-data.invalid"
)

// epoch is the date of each repo's first commit; commit i is i days later.
var epoch = time.Date(2025, time.October, 1, 12, 0, 0, 0, time.UTC)

// gitConfig is passed with -c to every git command: no user or system
// configuration is needed, and none (signing, hooks, line endings) applies.
var gitConfig = []string{
	"user.name=" + authorName,
	"user.email=" + authorEmail,
	"commit.gpgSign=false",
	"tag.gpgSign=false",
	"core.autocrlf=false",
	"core.hooksPath=" + os.DevNull,
	"init.defaultBranch=" + DefaultBranch,
}

// gitRunner runs git in one repo.
type gitRunner struct {
	dir string
}

// run runs git with args and returns its standard output; i is the index
// of the commit being made, which fixes the author and committer (and
// tagger) dates, and author ("Name <email>", "" for the examples' own)
// writes it.
func (g gitRunner) run(ctx context.Context, i int, author string, args ...string) (string, error) {
	argv := make([]string, 0, 2*len(gitConfig)+len(args))
	for _, kv := range gitConfig {
		argv = append(argv, "-c", kv)
	}
	cmd := exec.CommandContext(ctx, "git", append(argv, args...)...)
	cmd.Dir = g.dir
	cmd.Env = gitEnv(epoch.AddDate(0, 0, i))
	if name, email, ok := strings.Cut(strings.TrimSuffix(author, ">"), " <"); ok {
		cmd.Env = append(cmd.Env, "GIT_AUTHOR_NAME="+name, "GIT_AUTHOR_EMAIL="+email)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()+stdout.String()))
	}
	return stdout.String(), nil
}

// gitEnv is the process environment without any GIT_* variable (a caller's
// GIT_DIR or GIT_INDEX_FILE must not leak in), plus a fixed identity and
// date and no global or system config.
func gitEnv(date time.Time) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GIT_") {
			env = append(env, kv)
		}
	}
	stamp := date.Format("2006-01-02 15:04:05 -0700")
	return append(env,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME="+authorName,
		"GIT_AUTHOR_EMAIL="+authorEmail,
		"GIT_AUTHOR_DATE="+stamp,
		"GIT_COMMITTER_NAME="+authorName,
		"GIT_COMMITTER_EMAIL="+authorEmail,
		"GIT_COMMITTER_DATE="+stamp,
	)
}
