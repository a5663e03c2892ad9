package report

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/mjdevaccount/market-data-contracts/contracts/diagnose"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// Bounds of what reports list, so that a suite that broke wholesale does
// not drown the rest.
const (
	// MaxListed bounds the failing tests listed per suite.
	MaxListed = 50
	// MaxMessage bounds a message shown on one line, in bytes.
	MaxMessage = 300
)

// Dur formats a duration for reports: tenths of a second, or "-" for none.
func Dur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(100 * time.Millisecond).String()
}

// OneLine makes untrusted text safe for one line of a report: whitespace
// runs become one space, control characters (terminal escapes included)
// are dropped, and the result is cut to max bytes with "...".
func OneLine(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "?") {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return cut(b.String(), max)
}

// ReasonLine makes a verdict's reason safe for one line of a report (see
// OneLine), shortened to max bytes by keeping its start and its end
// (diagnose.Shorten): the step that failed, the decisive lines the reason
// quotes first and the output's last lines all survive.
func ReasonLine(reason string, max int) string {
	return OneLine(diagnose.Shorten(OneLine(reason, len(reason)+1), max), max)
}

// cut shortens s to at most max bytes on a rune boundary, marking the cut.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max - len("...")
	for i > 0 && !utf8Start(s[i]) {
		i--
	}
	return s[:i] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// Source formats a source for reports: ref@short-sha, or "local" for a
// local working copy.
func Source(s plan.Source) string {
	if s.Local != "" && s.SHA == "" {
		return "local"
	}
	return or(s.Ref, "?") + "@" + s.Short()
}

// plural formats a count and a noun ("1 regression", "2 regressions").
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
