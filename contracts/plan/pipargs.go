package plan

import (
	"fmt"
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
