package report

import "strings"

// MDText escapes untrusted text for Markdown (GitHub-flavoured): on one
// line (see OneLine), with every character that could start emphasis,
// code, a link or image, an HTML tag, an entity or a mention, or end a
// table cell, backslash-escaped. (Line-start markup cannot occur: callers
// never start a line with it.)
func MDText(s string, max int) string {
	s = OneLine(s, max)
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>!|~&@", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// MDCode formats untrusted text as an inline code span on one line, with a
// backtick fence longer than any backtick run inside. In a table cell set
// cell, so that '|' is escaped as GFM tables require.
func MDCode(s string, max int, cell bool) string {
	s = OneLine(s, max)
	if s == "" {
		return ""
	}
	if cell {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}
