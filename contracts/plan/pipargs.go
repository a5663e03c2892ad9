package plan

import (
	"fmt"
	"net/url"
	"strings"
)

// ValidatePipArgs refuses pip arguments (Options.PipArgs) that carry
// credentials: any URL with user info, whether the argument is the URL
// (`--extra-index-url URL` as two arguments), holds it after an option
// (`--extra-index-url=URL`, `-iURL`) or lists several. Pip arguments end up
// in every install argv, in logs, in the plan's JSON and in cache keys, so
// a secret there would leak everywhere; pip reads credentials from its
// configuration, netrc or keyring instead.
//
// The error names the argument by position with its user info replaced by
// REDACTED; it never repeats the secret.
func ValidatePipArgs(args []string) error {
	for i, a := range args {
		if redacted, ok := redactURLs(a); !ok {
			return fmt.Errorf("pip argument %d %q holds credentials in a URL; configure them for pip outside its arguments (pip.conf, netrc or keyring): pip arguments appear in every install command, log, plan and cache key", i+1, redacted)
		}
	}
	return nil
}

// redactURLs returns arg with the user info of every URL in it replaced by
// REDACTED, and whether it had none. A URL is found by its "://"; its
// authority runs to the first '/', '?', '#' or whitespace, and an '@' in it
// marks user info. An authority whose port is not a number ("u:pa/ss@host"
// cut at the password's '/') is refused too, its whole URL redacted:
// refusing is safer than guessing where pip would split it.
func redactURLs(arg string) (string, bool) {
	var b strings.Builder
	clean := true
	rest := arg
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			b.WriteString(rest)
			return b.String(), clean
		}
		b.WriteString(rest[:i+3])
		rest = rest[i+3:]
		end := strings.IndexAny(rest, "/?# \t\r\n")
		if end < 0 {
			end = len(rest)
		}
		authority := rest[:end]
		switch at := strings.LastIndexByte(authority, '@'); {
		case at >= 0:
			clean = false
			b.WriteString("REDACTED" + authority[at:])
		case !validPort(authority):
			clean = false
			end = len(rest)
			if ws := strings.IndexAny(rest, " \t\r\n"); ws >= 0 {
				end = ws
			}
			b.WriteString("REDACTED")
		default:
			b.WriteString(authority)
		}
		rest = rest[end:]
	}
}

// validPort reports whether host[:port] (or [v6]:port) has no port or a
// numeric one.
func validPort(hostport string) bool {
	if i := strings.LastIndexByte(hostport, ']'); i >= 0 {
		hostport = hostport[i+1:]
	} else if i := strings.IndexByte(hostport, ':'); i >= 0 {
		hostport = hostport[i:]
	} else {
		return true
	}
	port, ok := strings.CutPrefix(hostport, ":")
	if !ok {
		return hostport == ""
	}
	return strings.Trim(port, "0123456789") == ""
}

// IndexArgs are the pip arguments that make indexURL the package index of
// every install: --index-url, and for a plain-HTTP URL also --trusted-host
// naming its host and port. Pip ignores an HTTP index that is not on
// loopback unless its host is trusted ("not a trusted or secure host and
// is being ignored"), and it keeps nothing it downloads over plain HTTP in
// its HTTP cache unless the host is trusted, so without it every run would
// download every wheel again. Naming an HTTP index is trusting it; the
// flag adds nothing for HTTPS. A URL that is not http(s), has no host or
// carries credentials is refused, naming flag.
func IndexArgs(flag, indexURL string) ([]string, error) {
	u, err := url.Parse(indexURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		redacted, _ := redactURLs(indexURL)
		return nil, fmt.Errorf("%s: %q is not an http(s) URL with a host", flag, redacted)
	case u.User != nil:
		return nil, fmt.Errorf("%s: credentials in the URL are refused (they would appear in every install command, log and cache key; use pip.conf, netrc or keyring)", flag)
	}
	args := []string{"--index-url", indexURL}
	if u.Scheme == "http" {
		args = append(args, "--trusted-host", u.Host)
	}
	return args, nil
}
