package diagnose

import (
	"regexp"
	"slices"
	"strings"
)

// Limits of a quote: how many decisive and last lines it keeps, and how
// long one quoted line may be.
const (
	maxDecisive = 3
	maxLast     = 3
	maxLine     = 300
)

var (
	// decisive lines say why a command failed: pip's and setuptools'
	// "ERROR:"/"error:" lines, git's "fatal:", a Python exception line.
	decisive = regexp.MustCompile(`^(ERROR:|error:|fatal:|[A-Za-z_][A-Za-z0-9_.]*(Error|Exception):)`)
	// chatter is output that never explains a failure: pip's retries,
	// notices and pointers to the output above it.
	chatter = regexp.MustCompile(`^(WARNING: Retrying \(|\[notice\]|note: This error originates from a subprocess|note: This is an issue with the package|hint: See above|See above for output|\[end of output\]|error: subprocess-exited-with-error$|error: metadata-generation-failed$|[│╰─])`)
)

// Quote picks what a reason quotes from a failed command's output: its
// decisive lines first (pip's "ERROR:" lines, git's "fatal:", a Python
// exception; at most three, each once), then its last lines, leaving out
// chatter (pip's "WARNING: Retrying (...)" lines, notices, "see above"
// pointers). Lines are joined with " | ". Both runners use it, so a failed
// install reads the same on the host and in a container.
func Quote(output string) string {
	var r Recorder
	r.Write([]byte(output))
	return r.Quote()
}

// Recorder is an io.Writer that keeps, of everything written to it, what
// Quote would quote: the first decisive lines and the last lines, in
// bounded memory, however long the output.
type Recorder struct {
	partial  []byte
	decisive []string
	last     []string
}

// maxPartial bounds a line still being written; longer lines are cut.
const maxPartial = 4 * maxLine

// Write records p; it never fails.
func (r *Recorder) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			r.line(string(r.partial))
			r.partial = r.partial[:0]
			continue
		}
		if len(r.partial) < maxPartial {
			r.partial = append(r.partial, b)
		}
	}
	return len(p), nil
}

func (r *Recorder) line(line string) {
	line = strings.TrimSpace(line)
	if line == "" || chatter.MatchString(line) {
		return
	}
	line = clip(line)
	if decisive.MatchString(line) && len(r.decisive) < maxDecisive && !slices.Contains(r.decisive, line) {
		r.decisive = append(r.decisive, line)
	}
	r.last = append(r.last, line)
	if len(r.last) > maxLast {
		r.last = r.last[1:]
	}
}

// Quote returns the decisive lines, then the last lines not among them,
// joined with " | " (output not ended by a newline counts as a line).
func (r *Recorder) Quote() string {
	c := Recorder{decisive: slices.Clone(r.decisive), last: slices.Clone(r.last)}
	c.line(string(r.partial))
	keep := c.decisive
	for _, line := range c.last {
		if !slices.Contains(keep, line) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, " | ")
}

func clip(line string) string {
	if len(line) <= maxLine {
		return line
	}
	return strings.ToValidUTF8(line[:maxLine-3], "") + "..."
}

// Shorten cuts a reason to at most max bytes for display, keeping its
// start (what failed, and the decisive lines Quote put first) and its end
// (the last lines), with " ... " where the middle was.
func Shorten(reason string, max int) string {
	if len(reason) <= max || max < 20 {
		return reason
	}
	const gap = " ... "
	head := (max - len(gap)) * 2 / 3
	tail := max - len(gap) - head
	return strings.ToValidUTF8(reason[:head], "") + gap + strings.ToValidUTF8(reason[len(reason)-tail:], "")
}
