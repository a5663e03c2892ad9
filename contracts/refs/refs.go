// Package refs validates git refs and repository addresses that arrive from
// users, matrix files and webhook payloads, before any of them reaches git.
//
// The rules follow git check-ref-format, tightened for a tool that passes
// refs to other programs: no leading '-', no whitespace or control
// characters, no "..", and SHAs of 7 to 40 hex digits.
package refs

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// MaxLen bounds the length of a ref; git has no limit, webhooks should.
const MaxLen = 255

var (
	fullSHA  = regexp.MustCompile(`^[0-9a-f]{40}$`)
	shortSHA = regexp.MustCompile(`^[0-9a-f]{7,40}$`)
	pullRef  = regexp.MustCompile(`^refs/pull/[0-9]+/(head|merge)$`)
	scpLike  = regexp.MustCompile(`^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[A-Za-z0-9._/~-]+$`)
)

// IsFullSHA reports whether ref is a full 40-hex commit id (lower case).
func IsFullSHA(ref string) bool { return fullSHA.MatchString(ref) }

// IsShortSHA reports whether ref looks like an abbreviated or full commit id.
func IsShortSHA(ref string) bool { return shortSHA.MatchString(ref) }

// IsPullRef reports whether ref names a pull request head or merge ref.
func IsPullRef(ref string) bool { return pullRef.MatchString(ref) }

// Validate checks ref against git's ref-name rules plus this tool's own.
// The error quotes the ref and names the rule it breaks.
func Validate(ref string) error {
	if why := invalid(ref); why != "" {
		return fmt.Errorf("invalid ref %q: %s", Redact(ref), why)
	}
	return nil
}

func invalid(ref string) string {
	switch {
	case ref == "":
		return "empty"
	case len(ref) > MaxLen:
		return fmt.Sprintf("longer than %d characters", MaxLen)
	case strings.HasPrefix(ref, "-"):
		return "starts with '-' (would be read as an option)"
	case ref == "@":
		return "is '@'"
	case strings.Contains(ref, ".."):
		return "contains '..'"
	case strings.Contains(ref, "@{"):
		return "contains '@{'"
	case strings.Contains(ref, "//"):
		return "contains '//'"
	case strings.HasPrefix(ref, "/") || strings.HasSuffix(ref, "/"):
		return "starts or ends with '/'"
	case strings.HasSuffix(ref, "."):
		return "ends with '.'"
	}
	for _, r := range ref {
		if r < 0x20 || r == 0x7f || r == ' ' || r > 0x7e {
			return fmt.Sprintf("contains the character %q (whitespace, control and non-ASCII characters are refused)", r)
		}
		if strings.ContainsRune(`~^:?*[\`, r) {
			return fmt.Sprintf("contains %q", r)
		}
	}
	for _, part := range strings.Split(ref, "/") {
		if strings.HasPrefix(part, ".") {
			return fmt.Sprintf("component %q starts with '.'", part)
		}
		if strings.HasSuffix(part, ".lock") {
			return fmt.Sprintf("component %q ends with '.lock'", part)
		}
	}
	return ""
}

// ValidateRepo checks a repository address: https://, ssh://, scp-like
// git@host:path, file:// or a local path. Anything else (http://, ext::,
// fd::, options) is refused, and so are credentials inside a URL: tokens
// travel as secrets, never in addresses.
func ValidateRepo(repo string) error {
	if why := invalidRepo(repo); why != "" {
		return fmt.Errorf("invalid repo %q: %s", Redact(repo), why)
	}
	return nil
}

func invalidRepo(repo string) string {
	switch {
	case repo == "":
		return "empty"
	case strings.HasPrefix(repo, "-"):
		return "starts with '-' (would be read as an option)"
	case strings.ContainsAny(repo, "\x00\r\n\t "):
		return "contains whitespace or control characters"
	case strings.Contains(repo, "::"):
		return "git remote-helper syntax (transport::address) is refused"
	}
	if !strings.Contains(repo, "://") {
		switch {
		case scpLike.MatchString(repo):
			return ""
		case gitSeesHost(repo):
			return "host:path is git's scp-like ssh syntax; write user@host:path or ssh://host/path"
		}
		return "" // a local path
	}
	u, err := url.Parse(repo)
	if err != nil {
		return "not a URL: " + err.Error()
	}
	switch u.Scheme {
	case "https", "ssh":
		if u.Host == "" {
			return "no host"
		}
		if strings.HasPrefix(u.Host, "-") || strings.HasPrefix(u.User.Username(), "-") {
			return "host or user starts with '-' (would be read as an ssh option)"
		}
	case "file":
	default:
		return fmt.Sprintf("scheme %q is refused (use https, ssh, file or a local path)", u.Scheme)
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return "credentials in the URL are refused; pass a token as a secret"
	}
	if u.Scheme == "https" && u.User != nil {
		return "user info in an https URL is refused; pass a token as a secret"
	}
	return ""
}

// gitSeesHost reports whether git would read an address without "://" as
// scp-like host:path rather than a local path: it has a ':' before any '/'
// (git's url_is_local_not_ssh).
func gitSeesHost(repo string) bool {
	colon := strings.IndexByte(repo, ':')
	slash := strings.IndexByte(repo, '/')
	return colon >= 0 && (slash < 0 || colon < slash)
}

// IsLocal reports whether repo is a local path or file:// URL.
func IsLocal(repo string) bool {
	return strings.HasPrefix(repo, "file://") || (!strings.Contains(repo, "://") && !scpLike.MatchString(repo))
}

// TokenHost reports whether a token may be sent to repo: only https URLs of
// github.com (host compared case-insensitively, default port only, no user
// info), the same URLs the host runner's git configuration
// http.https://github.com/.extraheader sends it to. A token is a GitHub
// credential; a matrix naming another host, or a look-alike such as
// https://github.com.example/ or https://github.com@example/, never gets it.
func TokenHost(repo string) bool {
	u, err := url.Parse(repo)
	if err != nil || u.Scheme != "https" || u.User != nil || u.Opaque != "" {
		return false
	}
	return strings.EqualFold(u.Hostname(), "github.com") && (u.Port() == "" || u.Port() == "443")
}

// Redact returns repo with any user info replaced, for error messages.
func Redact(repo string) string {
	u, err := url.Parse(repo)
	if err != nil || u.User == nil || !strings.Contains(repo, "://") {
		return repo
	}
	u.User = url.User("REDACTED")
	return u.String()
}
