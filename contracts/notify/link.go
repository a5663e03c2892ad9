package notify

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

var (
	// ghRepository is GITHUB_REPOSITORY: OWNER/NAME as GitHub allows them.
	ghRepository = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	runID        = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// RunLink is the web address of the GitHub Actions run a process is part
// of, from GITHUB_SERVER_URL, GITHUB_REPOSITORY and GITHUB_RUN_ID
// (https://github.com/OWNER/REPO/actions/runs/ID), or "" when one of them
// is unset or not what GitHub sets.
func RunLink(getenv func(string) string) string {
	server, repo, id := strings.TrimSuffix(getenv("GITHUB_SERVER_URL"), "/"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if !ghRepository.MatchString(repo) || strings.Contains(repo, "..") || !runID.MatchString(id) {
		return ""
	}
	link := server + "/" + repo + "/actions/runs/" + id
	if CheckLink(link) != nil {
		return ""
	}
	return link
}

// CheckLink accepts a run link for a message: an absolute http(s) URL
// without credentials and without the characters Slack's link syntax
// gives meaning to (<, >, |) or whitespace.
func CheckLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		strings.ContainsAny(link, "<>| \t\r\n") {
		return errLink
	}
	return nil
}

var errLink = errors.New("the run link is not an absolute http(s) URL without credentials, spaces, <, > or |")
