package junit

import (
	"fmt"
	"io"
)

// guard sits between the input and the XML decoder. It fails the read once
// more than max bytes have passed, and once a single tag holds more than
// maxAttrs attributes (counted as '=' outside quotes). The second bound
// matters because encoding/xml builds the whole attribute list of a start
// tag before returning it: a 60 MiB tag of tiny attributes would cost ten
// times its size in memory.
//
// To find tags it follows XML's lexical states: text, tags with quoted
// attribute values, comments, CDATA sections and processing instructions
// (inside which '<' and '>' are plain characters).
type guard struct {
	r        io.Reader
	n        int64 // bytes read so far
	max      int64
	maxAttrs int
	err      error

	state  lexState
	quote  byte // the open quote inside a tag, or 0
	attrs  int  // '=' seen outside quotes in the current tag
	p1, p2 byte // the two previous bytes, for "-->", "]]>" and "?>"
}

type lexState uint8

const (
	lexText     lexState = iota
	lexOpen              // after '<'
	lexTag               // inside a start tag, end tag or directive
	lexBang              // after "<!"
	lexBangDash          // after "<!-"
	lexComment           // inside "<!-- ... -->"
	lexCDATA             // inside "<![CDATA[ ... ]]>"
	lexPI                // inside "<? ... ?>"
)

func newGuard(r io.Reader, max int64, maxAttrs int) *guard {
	return &guard{r: r, max: max, maxAttrs: maxAttrs}
}

// Read implements io.Reader.
func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if room := g.max + 1 - g.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.max {
		g.err = fmt.Errorf("report larger than %d bytes (%d MiB)", g.max, g.max>>20)
		return 0, g.err
	}
	if lexErr := g.scan(p[:n]); lexErr != nil {
		g.err = lexErr
		return 0, g.err
	}
	return n, err
}

func (g *guard) scan(p []byte) error {
	for _, b := range p {
		before := g.state
		if g.step(b) && g.attrs > g.maxAttrs {
			return fmt.Errorf("an element has more than %d attributes", g.maxAttrs)
		}
		if g.state != before && opensSection(g.state) {
			// The bytes that open a section do not count towards its close.
			g.p1, g.p2 = 0, 0
		} else {
			g.p1, g.p2 = g.p2, b
		}
	}
	return nil
}

// step advances the lexical state by one byte and reports whether the
// byte was an '=' between attributes.
func (g *guard) step(b byte) bool {
	switch g.state {
	case lexText:
		if b == '<' {
			g.state = lexOpen
		}
	case lexOpen:
		switch b {
		case '!':
			g.state = lexBang
		case '?':
			g.state = lexPI
		default:
			g.state, g.quote, g.attrs = lexTag, 0, 0
		}
	case lexBang:
		switch b {
		case '-':
			g.state = lexBangDash
		case '[':
			g.state = lexCDATA
		default:
			g.state, g.quote, g.attrs = lexTag, 0, 0
		}
	case lexBangDash:
		if b == '-' {
			g.state = lexComment
		} else {
			g.state, g.quote, g.attrs = lexTag, 0, 0
		}
	case lexTag:
		return g.stepTag(b)
	case lexComment:
		g.closeOn(b, '-', '-')
	case lexCDATA:
		g.closeOn(b, ']', ']')
	case lexPI:
		if b == '>' && g.p2 == '?' {
			g.state = lexText
		}
	}
	return false
}

func (g *guard) stepTag(b byte) bool {
	switch {
	case g.quote != 0:
		if b == g.quote {
			g.quote = 0
		}
	case b == '"' || b == '\'':
		g.quote = b
	case b == '>':
		g.state = lexText
	case b == '=':
		g.attrs++
		return true
	}
	return false
}

// closeOn leaves a comment or CDATA section at '>' preceded by c1 c2.
func (g *guard) closeOn(b, c1, c2 byte) {
	if b == '>' && g.p1 == c1 && g.p2 == c2 {
		g.state = lexText
	}
}

// opensSection reports whether s is a state whose content ends at a
// closing sequence rather than at the next '>'.
func opensSection(s lexState) bool {
	return s == lexComment || s == lexCDATA || s == lexPI
}
