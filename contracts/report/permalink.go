package report

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

var (
	// ghOwner and ghRepo are the names GitHub allows for an account and a
	// repository ("." and ".." are refused separately).
	ghOwner = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	ghRepo  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	// fullSHA is a full SHA-1 or SHA-256 commit id.
	fullSHA = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)
)

// Permalink returns the GitHub web address of file (slash-separated,
// relative to the repository root) at commit sha of repo, pointing at line
// when it is positive: https://github.com/OWNER/REPO/blob/SHA/FILE#LLINE.
// repo must be https://github.com/OWNER/REPO[.git] (no user info, default
// port) or git@github.com:OWNER/REPO[.git]; sha a full commit id; file a
// local path. Anything else (another host, a look-alike, a branch name, an
// absolute path or one with "..") gives "", false. Path segments are
// escaped, so a file name cannot change the address's meaning.
func Permalink(repo, sha, file string, line int) (string, bool) {
	owner, name, ok := githubRepo(repo)
	if !ok || !fullSHA.MatchString(sha) {
		return "", false
	}
	segs := strings.Split(file, "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "\\\x00") {
			return "", false
		}
	}
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	link := "https://github.com/" + owner + "/" + name + "/blob/" + sha + "/" + strings.Join(segs, "/")
	if line > 0 {
		link += "#L" + strconv.Itoa(line)
	}
	return link, true
}

// githubRepo returns the owner and name of a github.com repository URL.
func githubRepo(repo string) (owner, name string, ok bool) {
	var path string
	if rest, found := strings.CutPrefix(repo, "git@github.com:"); found {
		path = rest
	} else {
		u, err := url.Parse(repo)
		if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" || u.RawQuery != "" || u.Fragment != "" ||
			!strings.EqualFold(u.Hostname(), "github.com") || (u.Port() != "" && u.Port() != "443") {
			return "", "", false
		}
		path = strings.TrimPrefix(u.Path, "/")
	}
	path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), ".git")
	owner, name, found := strings.Cut(path, "/")
	if !found || !ghOwner.MatchString(owner) || !ghRepo.MatchString(name) || name == "." || name == ".." {
		return "", "", false
	}
	return owner, name, true
}

// CaseLink is the permalink of a failing case in the downstream checkout it
// ran from, or "" when the downstream is not on github.com, its commit is
// unknown or the case has no file.
func CaseLink(downstream plan.Source, c junit.Case) string {
	if c.File == "" || downstream.Local != "" {
		return ""
	}
	link, _ := Permalink(downstream.Repo, downstream.SHA, c.File, c.Line)
	return link
}
