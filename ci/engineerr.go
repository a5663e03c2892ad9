package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// traceparent is the trace id a real engine appends to error messages
// ("... [traceparent:41eb...-...]"): useful in the engine's own UI, noise
// in a verdict's reason.
var traceparent = regexp.MustCompile(`\s*\[traceparent:[^\]]*\]`)

// engineError is an engine error's message as reasons quote it: without
// engine trace ids, on the lines the engine gave.
func engineError(err error) string {
	return strings.TrimSpace(traceparent.ReplaceAllString(err.Error(), ""))
}

// gitUnreadable is what dag.Git reports, in a real v0.21.8 engine, for a
// repository that does not exist (seen 2026-11-29), and also for one that
// is private without a token or unreachable.
const gitUnreadable = "git error: exit status 128"

// gitError explains an error of dag.Git for repo: the engine's bare
// "exit status 128" becomes what it means, as the host runner says
// "repository ... not found"; other errors keep their message (trace ids
// removed).
func gitError(repo string, err error) error {
	msg := engineError(err)
	if strings.Contains(msg, gitUnreadable) {
		return fmt.Errorf("repository %s not found or not readable: it does not exist, is private (give the module --token) or cannot be reached (git exited 128)", repo)
	}
	return errors.New(msg)
}
