package bisect

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

// Commit is one commit of Core's history.
type Commit struct {
	// SHA is the full commit SHA; Short its first 7 characters.
	SHA   string `json:"sha"`
	Short string `json:"short"`
	// Subject is the first line of its message.
	Subject string `json:"subject"`
	// Author is its author's name; Date the author date (RFC 3339).
	Author string `json:"author"`
	Date   string `json:"date"`
	// Parents are its parents' SHAs, the first parent first.
	Parents []string `json:"parents,omitempty"`
}

// IsMerge reports whether the commit has more than one parent.
func (c Commit) IsMerge() bool { return len(c.Parents) > 1 }

// History runs git in a clone of Core that holds the bisected range
// (host: the runner's mirror; Dagger: a container with Core's history),
// with the arguments FirstParentArgs, MergedArgs or CountArgs give, and returns its
// standard output.
type History interface {
	Git(ctx context.Context, args []string) (string, error)
}

// logFormat is one commit per record: fields split by US (0x1f), records
// ended by RS (0x1e), so no subject or name can break the parse.
const logFormat = "--format=%H%x1f%an%x1f%aI%x1f%P%x1f%s%x1e"

// FirstParentArgs are git's arguments listing the commits on the
// first-parent path from good (excluded) to bad (included), oldest first:
// a merge commit stands for its pull request.
func FirstParentArgs(good, bad string) []string {
	return logArgs(good + ".." + bad)
}

// MergedArgs are git's arguments listing the commits a merge brought in:
// the first-parent path of its second parent after the point where it
// forked from the first, oldest first.
func MergedArgs(merge string) []string {
	return logArgs(merge + "^1.." + merge + "^2")
}

// CountArgs are git's arguments listing every commit of good..bad (one
// full SHA per line), merged ones included.
func CountArgs(good, bad string) []string {
	return []string{"rev-list", "--end-of-options", good + ".." + bad}
}

// HasCommitArgs are git's arguments that succeed when the history holds
// commit sha.
func HasCommitArgs(sha string) []string {
	return []string{"rev-list", "--no-walk", "--end-of-options", sha + "^{commit}"}
}

// CommitArgs are git's arguments describing one commit, in ParseLog's format.
func CommitArgs(sha string) []string {
	return []string{"log", "-1", "--no-color", logFormat, "--end-of-options", sha}
}

func logArgs(rng string) []string {
	return []string{"log", "--first-parent", "--reverse", "--no-color", logFormat, "--end-of-options", rng}
}

// ParseLog reads what git printed for FirstParentArgs or MergedArgs.
func ParseLog(out string) ([]Commit, error) {
	var commits []Commit
	for _, rec := range strings.Split(out, "\x1e") {
		rec = strings.TrimLeft(rec, "\r\n")
		if strings.TrimSpace(rec) == "" {
			continue
		}
		f := strings.Split(rec, "\x1f")
		if len(f) != 5 || !refs.IsFullSHA(f[0]) {
			return nil, fmt.Errorf("git log: unexpected record %q", clip(rec))
		}
		c := Commit{SHA: f[0], Short: f[0][:7], Author: f[1], Date: f[2], Subject: f[4]}
		if f[3] != "" {
			c.Parents = strings.Fields(f[3])
		}
		commits = append(commits, c)
	}
	return commits, nil
}

// ErrRange marks the errors of Check that are the range's fault (a usage
// error), not git's.
var ErrRange = errors.New("nothing to bisect")

// Check refuses a range that cannot be bisected: good must be an ancestor
// of bad (no commit of good's is missing from bad's history) and differ
// from it. Runners call it before running anything. A history that holds
// only bad's ancestry (the module's) does not know a good that is not one.
func Check(ctx context.Context, h History, good, bad Endpoint) error {
	if good.Commit.SHA == bad.Commit.SHA {
		return fmt.Errorf("%s and %s are the same commit %s: %w", good.Ref, bad.Ref, good.Commit.Short, ErrRange)
	}
	out, err := h.Git(ctx, CountArgs(bad.Commit.SHA, good.Commit.SHA))
	if err != nil {
		if missing := absent(ctx, h, good, bad); missing != nil {
			return fmt.Errorf("%s (%s) is not in %s's history, so not an ancestor of it: %w (%v)", good.Ref, good.Commit.Short, bad.Ref, ErrRange, missing)
		}
		return fmt.Errorf("history %s..%s: %w", good.Ref, bad.Ref, err)
	}
	if n := count(out); n > 0 {
		return fmt.Errorf("%s is not an ancestor of %s (%d of its commits are not in %s's history): %w", good.Ref, bad.Ref, n, bad.Ref, ErrRange)
	}
	return nil
}

// absent is git's error looking good up in a history that holds bad (nil
// when it holds good too, or does not answer for bad either: then the
// history itself is at fault, not the range).
func absent(ctx context.Context, h History, good, bad Endpoint) error {
	if _, err := h.Git(ctx, HasCommitArgs(bad.Commit.SHA)); err != nil || ctx.Err() != nil {
		return nil
	}
	_, err := h.Git(ctx, HasCommitArgs(good.Commit.SHA))
	return err
}

// describe fills c's subject, author and date from the history.
func describe(ctx context.Context, h History, c Commit) (Commit, error) {
	out, err := h.Git(ctx, CommitArgs(c.SHA))
	if err != nil {
		return c, err
	}
	commits, err := ParseLog(out)
	if err != nil || len(commits) != 1 {
		return c, fmt.Errorf("git log %s: %d commits, %v", c.Short, len(commits), err)
	}
	return commits[0], nil
}

// count reads CountArgs' output.
func count(out string) int {
	return len(strings.Fields(out))
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

// firstParent lists good..bad's first-parent commits with h.
func firstParent(ctx context.Context, h History, good, bad string) ([]Commit, error) {
	out, err := h.Git(ctx, FirstParentArgs(good, bad))
	if err != nil {
		return nil, err
	}
	return ParseLog(out)
}

// merged lists the commits merge brought in with h.
func merged(ctx context.Context, h History, merge string) ([]Commit, error) {
	out, err := h.Git(ctx, MergedArgs(merge))
	if err != nil {
		return nil, err
	}
	return ParseLog(out)
}
