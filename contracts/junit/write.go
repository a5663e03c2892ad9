package junit

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Write writes r as JUnit XML: a <testsuites> root with tests, failures,
// errors, skipped and time totals, one <testsuite> per suite with its
// counts, timestamp and <properties>, and one <testcase> per case with
// classname, name, time, file and line (when set), per-case <properties>,
// and a <failure>, <error> or <skipped> element carrying Message as its
// message attribute and Text as its body. Counts come from the cases
// (Count), not from any stored figure.
//
// Every string is escaped, and characters that XML 1.0 forbids (control
// characters, invalid UTF-8) are dropped, so the output is always
// well-formed and Parse reads it back. A nil report writes an empty root.
func Write(w io.Writer, r *Report) error {
	if r == nil {
		r = &Report{}
	}
	x := &xmlWriter{w: bufio.NewWriter(w)}
	x.raw(xml.Header)
	all := Count(r.Cases())
	var total time.Duration
	for _, s := range r.Suites {
		total += s.Time
	}
	x.open("testsuites", 0, counts(all, total)...)
	for _, s := range r.Suites {
		x.suite(s)
	}
	x.raw("</testsuites>\n")
	if x.err != nil {
		return fmt.Errorf("junit: write: %w", x.err)
	}
	if err := x.w.Flush(); err != nil {
		return fmt.Errorf("junit: write: %w", err)
	}
	return nil
}

// xmlWriter writes escaped XML and keeps the first error.
type xmlWriter struct {
	w   *bufio.Writer
	err error
}

func (x *xmlWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

// attr writes s escaped for a double-quoted attribute value: newlines,
// tabs and carriage returns become character references, which attribute
// value normalization leaves alone.
func (x *xmlWriter) attr(s string) {
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(clean(s)))
	}
}

// bodyEscaper escapes element text but keeps newlines and tabs readable;
// '\r' stays a reference because parsers turn a literal "\r\n" into "\n".
var bodyEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\r", "&#xD;")

// body writes s escaped as element text.
func (x *xmlWriter) body(s string) {
	if x.err == nil {
		_, x.err = bodyEscaper.WriteString(x.w, clean(s))
	}
}

// open writes an indented start tag with attributes given as name, value
// pairs, followed by a newline.
func (x *xmlWriter) open(name string, indent int, attrs ...string) {
	x.tag(name, indent, attrs)
	x.raw(">\n")
}

// empty writes an indented self-closing tag and a newline.
func (x *xmlWriter) empty(name string, indent int, attrs ...string) {
	x.tag(name, indent, attrs)
	x.raw("/>\n")
}

func (x *xmlWriter) tag(name string, indent int, attrs []string) {
	x.raw(strings.Repeat("  ", indent) + "<" + name)
	for i := 0; i+1 < len(attrs); i += 2 {
		x.raw(" " + attrs[i] + `="`)
		x.attr(attrs[i+1])
		x.raw(`"`)
	}
}

func (x *xmlWriter) close(name string, indent int) {
	x.raw(strings.Repeat("  ", indent) + "</" + name + ">\n")
}

func counts(c Counts, t time.Duration) []string {
	return []string{
		"tests", strconv.Itoa(c.Tests),
		"failures", strconv.Itoa(c.Failed),
		"errors", strconv.Itoa(c.Errors),
		"skipped", strconv.Itoa(c.Skipped),
		"time", formatSeconds(t),
	}
}

func (x *xmlWriter) suite(s Suite) {
	attrs := append([]string{"name", s.Name}, counts(Count(s.Cases), s.Time)...)
	if s.Timestamp != "" {
		attrs = append(attrs, "timestamp", s.Timestamp)
	}
	x.open("testsuite", 1, attrs...)
	x.properties(s.Properties, 2)
	for _, c := range s.Cases {
		x.testcase(c)
	}
	x.close("testsuite", 1)
}

func (x *xmlWriter) properties(props []Property, indent int) {
	if len(props) == 0 {
		return
	}
	x.open("properties", indent)
	for _, p := range props {
		x.empty("property", indent+1, "name", p.Name, "value", p.Value)
	}
	x.close("properties", indent)
}

func (x *xmlWriter) testcase(c Case) {
	attrs := []string{"classname", c.Classname, "name", c.Name, "time", formatSeconds(c.Time)}
	if c.File != "" {
		attrs = append(attrs, "file", c.File)
	}
	if c.Line > 0 {
		attrs = append(attrs, "line", strconv.Itoa(c.Line))
	}
	elem := map[Status]string{StatusFailed: "failure", StatusError: "error", StatusSkipped: "skipped"}[c.Status]
	if elem == "" && len(c.Properties) == 0 {
		x.empty("testcase", 2, attrs...)
		return
	}
	x.open("testcase", 2, attrs...)
	x.properties(c.Properties, 3)
	if elem != "" {
		x.result(elem, c.Message, c.Text)
	}
	x.close("testcase", 2)
}

// result writes <failure>, <error> or <skipped>; the body is written
// exactly, with no indentation inside it.
func (x *xmlWriter) result(elem, message, body string) {
	var attrs []string
	if message != "" {
		attrs = []string{"message", message}
	}
	if body == "" {
		x.empty(elem, 3, attrs...)
		return
	}
	x.tag(elem, 3, attrs)
	x.raw(">")
	x.body(body)
	x.raw("</" + elem + ">\n")
}

// formatSeconds writes d in seconds with at least three decimals and no
// more than needed to keep every nanosecond.
func formatSeconds(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	frac := strings.TrimRight(fmt.Sprintf("%09d", int64(d%time.Second)), "0")
	for len(frac) < 3 {
		frac += "0"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + "." + frac
}

// clean drops what XML 1.0 cannot carry: invalid UTF-8 and characters
// outside its Char production (most control characters, surrogates,
// U+FFFE and U+FFFF).
func clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if isXMLChar(r, n) {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isClean(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isXMLChar(r, n) {
			return false
		}
		i += n
	}
	return true
}

// isXMLChar reports whether the rune r, decoded from n bytes, is a Char of
// XML 1.0 (and not a decoding error).
func isXMLChar(r rune, n int) bool {
	if r == utf8.RuneError && n == 1 {
		return false
	}
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
