package junit

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"runtime"
	"strings"
	"testing"
)

// counting counts the bytes a parser pulls, to show where an error arrived.
type counting struct {
	r io.Reader
	n int64
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// stream yields head, then unit repeated until total bytes, then tail.
func stream(head, unit, tail string, total int64) io.Reader {
	n := (total - int64(len(head)) - int64(len(tail))) / int64(len(unit))
	return io.MultiReader(strings.NewReader(head), &repeat{unit: []byte(unit), left: n}, strings.NewReader(tail))
}

type repeat struct {
	unit []byte
	left int64
	off  int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.left > 0 {
		c := copy(p[n:], r.unit[r.off:])
		n += c
		r.off += c
		if r.off == len(r.unit) {
			r.off = 0
			r.left--
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

const (
	open  = `<testsuites><testsuite name="s">`
	close = `</testsuite></testsuites>`
)

func TestHostileInputsAreErrors(t *testing.T) {
	billionLaughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">` +
		`<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">` +
		`<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">` +
		`<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>` +
		`<testsuites><testsuite><testcase name="&lol9;"/></testsuite></testsuites>`
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"empty", "", "empty report"},
		{"whitespace", " \n\t ", "empty report"},
		{"declaration only", `<?xml version="1.0"?>`, "empty report"},
		{"truncated", open + `<testcase name="a">`, "truncated or malformed"},
		{"truncated in a tag", open + `<testcase name="a`, "truncated or malformed"},
		{"unclosed root", `<testsuites>`, "truncated or malformed"},
		{"mismatched end tag", open + `</testcase>` + close, "truncated or malformed"},
		{"invalid UTF-8 in text", open + "<testcase name=\"a\"><failure>\xff\xfe</failure></testcase>" + close, "invalid UTF-8"},
		{"invalid UTF-8 in an attribute", open + "<testcase name=\"\xc3\x28\"/>" + close, "invalid UTF-8"},
		{"invalid UTF-8 in a comment", open + "<!-- \xff -->" + close, "invalid UTF-8"},
		{"invalid UTF-8 in a name", open + "<test\xffcase/>" + close, "malformed"},
		{"control character", open + "<testcase name=\"a\x01\"/>" + close, "illegal character"},
		{"control character reference", open + `<testcase name="a&#1;"/>` + close, "illegal character"},
		{"billion laughs", billionLaughs, "DTD/entities are not allowed"},
		{"external entity", `<!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuites>&xxe;</testsuites>`, "DTD/entities are not allowed"},
		{"doctype without subset", `<!DOCTYPE testsuites SYSTEM "http://example.invalid/junit.dtd"><testsuites/>`, "DTD/entities are not allowed"},
		{"undefined entity", `<testsuites><testsuite name="&xxe;"/></testsuites>`, "malformed"},
		{"foreign encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><testsuites/>`, "malformed"},
		{"wrong root", `<html><body/></html>`, "root element"},
		{"second root", `<testsuites/><testsuites/>`, "second root"},
		{"text after root", `<testsuites/>junk`, "outside the root"},
		{"too many attributes", `<testsuites ` + strings.Repeat(`a="" `, MaxAttrs+1) + `/>`, "more than 256 attributes"},
		{"too deep", open + strings.Repeat("<a>", MaxDepth-1) + strings.Repeat("</a>", MaxDepth-1) + close, "nested deeper than 32"},
		{"deep but within the limit", strings.Repeat("<testsuites>", MaxDepth) + strings.Repeat("</testsuites>", MaxDepth), "ok"},
		{"deep inside a case", open + `<testcase name="x">` + strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth) + `</testcase>` + close, "nested deeper"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := Parse(strings.NewReader(tc.doc))
			if tc.want == "ok" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("parsed: %+v", rep)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to mention %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "junit: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// Every proper prefix of a real report is an error, never a result.
func TestEveryTruncationIsAnError(t *testing.T) {
	data, err := os.ReadFile("testdata/pytest-xunit2.xml")
	if err != nil {
		t.Fatal(err)
	}
	end := len(bytes.TrimRight(data, " \n"))
	for n := 0; n < end; n++ {
		if _, err := Parse(bytes.NewReader(data[:n])); err == nil {
			t.Fatalf("prefix of %d/%d bytes parsed: ...%q", n, end, data[max(0, n-30):n])
		}
	}
	if _, err := Parse(bytes.NewReader(data[:end])); err != nil {
		t.Fatalf("whole file: %v", err)
	}
}

// allocated runs f and returns the bytes it allocated, an upper bound of
// the heap it can have held at once.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// The large hostile inputs fail early and with bounded memory. Bounds are
// generous (the machine has 24 GiB); they catch allocation that grows with
// a payload's expansion rather than its size.
func TestHostileLargeInputsFailEarly(t *testing.T) {
	if testing.Short() {
		t.Skip("large inputs")
	}
	const mib = 1 << 20
	for _, tc := range []struct {
		name      string
		input     func() io.Reader
		want      string
		maxRead   int64  // the error must arrive before this many bytes are read
		maxAllocs uint64 // bytes allocated while parsing
		slow      bool   // skipped under -race; TestGuardSizeLimit covers it small
	}{
		{"huge attribute (10 MiB) before 50 MiB more",
			func() io.Reader {
				return io.MultiReader(strings.NewReader(`<testsuites name="`), stream("", "A", "", 10*mib), stream(`">`, "<testsuite/>", "", 50*mib))
			},
			"longer than", 12 * mib, 200 * mib, false},
		{"tiny attributes (60 MiB)",
			func() io.Reader { return stream(`<testsuites `, ` a=""`, `/>`, 60*mib) },
			"more than 256 attributes", 1 * mib, 20 * mib, false},
		{"deep nesting (100k levels)",
			func() io.Reader { return stream(open, "<a>", "", 300_000) },
			"nested deeper", 1 * mib, 20 * mib, false},
		{"endless input",
			func() io.Reader { return stream(open+`<testcase name="t"><failure>`, "x", "", 1<<40) },
			"report larger than", MaxReportSize + 64*1024, 400 * mib, true},
		{"too many cases",
			func() io.Reader { return stream(open, `<testcase/>`, close, 60*mib) },
			"more than 200000 test cases", 4 * mib, 300 * mib, false},
		{"too many properties",
			func() io.Reader { return stream(open+`<properties>`, `<property/>`, "", 60*mib) },
			"more than 200000 properties", 4 * mib, 100 * mib, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.slow && raceEnabled {
				t.Skip("64 MiB through the race detector takes a minute")
			}
			in := &counting{r: tc.input()}
			var err error
			allocs := allocated(func() { _, err = Parse(in) })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to mention %q", err, tc.want)
			}
			t.Logf("read %.1f MiB, allocated %.1f MiB: %v", float64(in.n)/mib, float64(allocs)/mib, clip(err.Error()))
			if in.n > tc.maxRead {
				t.Errorf("read %d bytes before failing, want at most %d", in.n, tc.maxRead)
			}
			if allocs > tc.maxAllocs {
				t.Errorf("allocated %d bytes, want at most %d", allocs, tc.maxAllocs)
			}
		})
	}
}

// The guard stops reading one byte past its limit, whatever the reader
// would still give.
func TestGuardSizeLimit(t *testing.T) {
	const limit = 1 << 20
	in := &counting{r: stream(open+`<testcase name="t"><failure>`, "x", "", 1<<40)}
	p := &parser{guard: newGuard(in, limit, MaxAttrs)}
	p.dec = xml.NewDecoder(p.guard)
	_, err := p.document()
	if err == nil || !strings.Contains(err.Error(), "report larger than 1048576 bytes") {
		t.Fatalf("error %v", err)
	}
	if in.n != limit+1 {
		t.Errorf("read %d bytes, want %d", in.n, limit+1)
	}
	small := &counting{r: strings.NewReader(open + close)}
	g := newGuard(small, int64(len(open+close)), MaxAttrs)
	if data, err := io.ReadAll(g); err != nil || string(data) != open+close {
		t.Errorf("input of exactly the limit: %q, %v", data, err)
	}
}

// The guard's lexer follows comments, CDATA, processing instructions and
// quoted values, so '=' and '>' inside them neither count as attributes
// nor end a tag early.
func TestGuardCountsOnlyRealAttributes(t *testing.T) {
	many := strings.Repeat("a=b ", 2*MaxAttrs)
	attrs := func(n int) string { return strings.Repeat(`a="" `, n) }
	for _, tc := range []struct {
		name, doc string
		refused   bool
	}{
		{"in a comment", "<testsuites><!-- " + many + " <x " + many + "> --></testsuites>", false},
		{"in CDATA", "<testsuites><![CDATA[" + many + "<x " + many + ">]]></testsuites>", false},
		{"in a processing instruction", "<?pi " + many + " > ?><testsuites/>", false},
		{"in quoted values", `<testsuites a="` + many + `>" b='` + many + `'/>`, false},
		{"in text", "<testsuites>" + strings.ReplaceAll(many, " ", "\n") + "</testsuites>", false},
		{"in a comment opened as <!-->", "<testsuites><!--> <x " + many + "> --></testsuites>", false},
		{"at the limit", "<testsuites " + attrs(MaxAttrs) + "></testsuites>", false},
		{"past the limit", "<testsuites " + attrs(MaxAttrs+1) + "/>", true},
		{"past the limit after a comment", "<!-- x --><testsuites " + attrs(MaxAttrs+1) + "/>", true},
		{"past the limit after a quoted '>'", `<testsuites q=">" ` + attrs(MaxAttrs) + "/>", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := io.ReadAll(newGuard(strings.NewReader(tc.doc), MaxReportSize, MaxAttrs))
			if refused := err != nil; refused != tc.refused {
				t.Errorf("refused = %v (%v), want %v", refused, err, tc.refused)
			}
		})
	}
}
