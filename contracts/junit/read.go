package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of what Parse accepts. A report over a limit is an error, except
// for a long failure, error or skipped body: that is cut to MaxTextLen
// bytes ending in a "[... N bytes truncated]" marker, because the start of
// a traceback is still worth reporting.
const (
	// MaxReportSize bounds the whole input.
	MaxReportSize = 64 << 20
	// MaxAttrs bounds the attributes of one element.
	MaxAttrs = 256
	// MaxAttrLen bounds one attribute value.
	MaxAttrLen = 1 << 20
	// MaxTextLen bounds the body kept for one failure, error or skip.
	MaxTextLen = 1 << 20
	// MaxDepth bounds element nesting.
	MaxDepth = 32
	// MaxCases bounds the test cases of one report.
	MaxCases = 200_000
	// MaxProperties bounds the properties of one report, suites and cases together.
	MaxProperties = 200_000
)

// maxSeconds bounds a parsed duration (about 11.5 days), so that every
// parsed duration is written back and read again exactly.
const maxSeconds = 1e6

var errDTD = errors.New("DTD/entities are not allowed")

// ParseFile reads the JUnit report at path; see Parse.
func ParseFile(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("junit: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > MaxReportSize {
		return nil, fmt.Errorf("junit: %s: report larger than %d bytes (%d MiB)", path, int64(MaxReportSize), MaxReportSize>>20)
	}
	rep, err := parse(f)
	if err != nil {
		return nil, fmt.Errorf("junit: %s: %w", path, err)
	}
	return rep, nil
}

// Parse reads a JUnit report whose root is <testsuites> or a bare
// <testsuite>. Cases take their status from a failure, error or skipped
// child (the first failure or error wins; xfail, which pytest writes as
// skipped, is skipped). File and Line come from the testcase's file and
// line attributes when present, else from the classname and the
// traceback; a traceback line in the case's own file beats the line
// attribute (see locate).
//
// Parse streams tokens and never panics: oversized input (see the Max
// constants), DTDs and entities, invalid UTF-8, characters that XML 1.0
// forbids (even as character references), truncated or malformed XML and
// an empty input are errors.
func Parse(r io.Reader) (*Report, error) {
	rep, err := parse(r)
	if err != nil {
		return nil, fmt.Errorf("junit: %w", err)
	}
	return rep, nil
}

func parse(r io.Reader) (*Report, error) {
	g := newGuard(r, MaxReportSize, MaxAttrs)
	dec := xml.NewDecoder(g)
	dec.Strict = true
	p := &parser{dec: dec, guard: g}
	return p.document()
}

type parser struct {
	dec   *xml.Decoder
	guard *guard
	depth int
	cases int
	props int
}

// next returns the next token, enforcing depth, size and encoding limits.
// io.EOF is returned only at a clean end of input.
func (p *parser) next() (xml.Token, error) {
	tok, err := p.dec.Token()
	if p.guard.err != nil {
		return nil, p.guard.err
	}
	if err == io.EOF {
		if p.depth > 0 {
			return nil, errors.New("truncated or malformed XML: unexpected end of input")
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("truncated or malformed XML: %s", clip(err.Error()))
	}
	switch t := tok.(type) {
	case xml.StartElement:
		return tok, p.start(t)
	case xml.EndElement:
		p.depth--
	case xml.Directive:
		return nil, errDTD
	case xml.Comment:
		if !utf8.Valid(t) {
			return nil, errors.New("invalid UTF-8 in a comment")
		}
	case xml.ProcInst:
		if !utf8.Valid(t.Inst) {
			return nil, errors.New("invalid UTF-8 in a processing instruction")
		}
	case xml.CharData:
		if !utf8.Valid(t) {
			return nil, errors.New("invalid UTF-8 in text")
		}
	}
	return tok, nil
}

func (p *parser) start(t xml.StartElement) error {
	p.depth++
	if p.depth > MaxDepth {
		return fmt.Errorf("elements nested deeper than %d levels", MaxDepth)
	}
	if !utf8.ValidString(t.Name.Local) {
		return errors.New("invalid UTF-8 in an element name")
	}
	for _, a := range t.Attr {
		if len(a.Value) > MaxAttrLen {
			return fmt.Errorf("attribute %s of element %s is longer than %d bytes", clip(a.Name.Local), clip(t.Name.Local), MaxAttrLen)
		}
		if !utf8.ValidString(a.Value) || !utf8.ValidString(a.Name.Local) {
			return fmt.Errorf("invalid UTF-8 in attribute %s of element %s", clip(a.Name.Local), clip(t.Name.Local))
		}
	}
	return nil
}

// document reads the prolog, the root element and the epilog.
func (p *parser) document() (*Report, error) {
	var rep *Report
	for {
		tok, err := p.next()
		if err == io.EOF {
			if rep == nil {
				return nil, errors.New("empty report: no root element")
			}
			return rep, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rep != nil {
				return nil, errors.New("malformed XML: a second root element")
			}
			rep = &Report{}
			if err := p.root(rep, t); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, errors.New("malformed XML: text outside the root element")
			}
		}
	}
}

func (p *parser) root(rep *Report, t xml.StartElement) error {
	switch t.Name.Local {
	case "testsuites":
		return p.children(func(c xml.StartElement) error {
			if c.Name.Local == "testsuite" {
				return p.suite(rep, c)
			}
			return p.skip()
		}, nil)
	case "testsuite":
		return p.suite(rep, t)
	}
	return fmt.Errorf("root element %s is not <testsuites> or <testsuite>", clip(t.Name.Local))
}

// children reads the content of the element just started, up to its end
// tag. onStart must consume each child element whole; onText, if not nil,
// receives the element's own text.
func (p *parser) children(onStart func(xml.StartElement) error, onText func([]byte)) error {
	for {
		tok, err := p.next()
		if err == io.EOF {
			return errors.New("truncated or malformed XML: unexpected end of input")
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := onStart(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		case xml.CharData:
			if onText != nil {
				onText(t)
			}
		}
	}
}

// skip consumes the element just started, checking everything inside it.
func (p *parser) skip() error {
	return p.children(func(xml.StartElement) error { return p.skip() }, nil)
}

// suite reads a <testsuite>. A nested testsuite becomes a suite of its own,
// placed after its parent.
func (p *parser) suite(rep *Report, t xml.StartElement) error {
	s := Suite{
		Name:      clean(attr(t, "name")),
		Time:      parseSeconds(attr(t, "time")),
		Timestamp: clean(attr(t, "timestamp")),
	}
	at := len(rep.Suites)
	rep.Suites = append(rep.Suites, Suite{})
	err := p.children(func(c xml.StartElement) error {
		switch c.Name.Local {
		case "testcase":
			tc, err := p.testcase(c)
			if err == nil {
				s.Cases = append(s.Cases, tc)
			}
			return err
		case "properties":
			return p.properties(&s.Properties)
		case "testsuite":
			return p.suite(rep, c)
		}
		return p.skip()
	}, nil)
	rep.Suites[at] = s
	return err
}

func (p *parser) testcase(t xml.StartElement) (Case, error) {
	p.cases++
	if p.cases > MaxCases {
		return Case{}, fmt.Errorf("more than %d test cases", MaxCases)
	}
	c := Case{
		Classname: clean(attr(t, "classname")),
		Name:      clean(attr(t, "name")),
		Time:      parseSeconds(attr(t, "time")),
		Status:    StatusPassed,
	}
	err := p.children(func(e xml.StartElement) error {
		switch e.Name.Local {
		case "failure", "error", "skipped":
			return p.result(&c, e)
		case "properties":
			return p.properties(&c.Properties)
		}
		return p.skip()
	}, nil)
	if err != nil {
		return c, err
	}
	locate(&c, clean(attr(t, "file")), attr(t, "line"))
	return c, nil
}

// result reads a failure, error or skipped element into c. The first
// failure or error decides; skipped counts only when there is neither.
func (p *parser) result(c *Case, e xml.StartElement) error {
	var body text
	if err := p.children(func(xml.StartElement) error { return p.skip() }, body.add); err != nil {
		return err
	}
	st := map[string]Status{"failure": StatusFailed, "error": StatusError, "skipped": StatusSkipped}[e.Name.Local]
	decided := c.Status == StatusFailed || c.Status == StatusError
	if decided || (st == StatusSkipped && c.Status == StatusSkipped) {
		return nil
	}
	c.Status, c.Message, c.Text = st, clean(attr(e, "message")), body.String()
	return nil
}

func (p *parser) properties(dst *[]Property) error {
	return p.children(func(e xml.StartElement) error {
		if e.Name.Local != "property" {
			return p.skip()
		}
		p.props++
		if p.props > MaxProperties {
			return fmt.Errorf("more than %d properties", MaxProperties)
		}
		var body text
		if err := p.children(func(xml.StartElement) error { return p.skip() }, body.add); err != nil {
			return err
		}
		prop := Property{Name: clean(attr(e, "name"))}
		if v, ok := lookup(e, "value"); ok {
			prop.Value = clean(v)
		} else {
			prop.Value = body.String()
		}
		*dst = append(*dst, prop)
		return nil
	}, nil)
}

// text collects an element's character data, keeping at most MaxTextLen
// bytes: a longer body is cut at a character boundary and ends with a
// marker saying how much was dropped.
type text struct {
	b     []byte
	total int
}

// markerRoom is the space kept for the truncation marker.
const markerRoom = 64

func (t *text) add(data []byte) {
	t.total += len(data)
	if room := MaxTextLen - len(t.b); room > 0 {
		t.b = append(t.b, data[:min(room, len(data))]...)
	}
}

func (t *text) String() string {
	if t.total <= MaxTextLen {
		return clean(string(t.b))
	}
	keep := MaxTextLen - markerRoom
	for keep > 0 && !utf8.RuneStart(t.b[keep]) {
		keep--
	}
	return clean(string(t.b[:keep])) + fmt.Sprintf("\n[... %d bytes truncated]", t.total-keep)
}

func attr(e xml.StartElement, name string) string {
	v, _ := lookup(e, name)
	return v
}

func lookup(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// parseSeconds reads a time attribute in seconds. Unreadable, negative,
// infinite or not-a-number values count as zero; huge ones are capped at
// maxSeconds.
func parseSeconds(s string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(f > 0) || math.IsInf(f, 1) {
		return 0
	}
	return time.Duration(math.Round(min(f, maxSeconds) * 1e9))
}

// clip shortens s for an error message.
func clip(s string) string {
	const n = 80
	if len(s) <= n {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.ToValidUTF8(s[:n], "")) + "..."
}
