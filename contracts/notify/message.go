// Package notify posts a contract run's result to a chat webhook: one
// Slack incoming-webhook message (a "text" plus Block Kit "blocks"), the
// payload Mattermost, Rocket.Chat and Discord's /slack endpoint accept too.
//
// The message holds the run's headline, the failing and regressed suites
// with their first failure, the release readiness line, the bisection's
// culprits when there are any and the CI run's link. With a previous run's
// reports, a message is sent only when the set of failing suites changed
// (a new failure, a recovery); flaky tests alone never fail a suite, so
// they never send one (Decide).
//
// The webhook URL is a secret: it appears in no output, report, log or
// error; errors name its host at most (Webhook).
package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// Message is the webhook payload: Text is the notification's plain
// summary (and what clients without Block Kit show), Blocks the message.
type Message struct {
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// JSON is the message as sent: JSON without HTML escaping (Slack's own
// escapes, &lt; &gt; &amp;, are already in the text).
func (m Message) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	err := enc.Encode(m)
	return b.Bytes(), err
}

// Block is a Block Kit block: a header, a section or a context.
type Block struct {
	Type     string `json:"type"`
	Text     *Text  `json:"text,omitempty"`
	Elements []Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object: plain_text or mrkdwn.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Bounds Slack sets (a header's text, a section's text) and ours (suites
// listed, a failure's message).
const (
	maxHeader  = 150
	maxSection = 3000
	maxSuites  = 10
	maxLine    = 240
)

// Build is the message for res. change is how its failing suites moved
// since a previous run (nil without one); link is the CI run's web address
// ("" for none, see RunLink).
func Build(res *report.Result, change *Change, link string) Message {
	headline := report.Headline(res)
	subject := report.Subject(res, func(s string) string { return s })
	m := Message{Text: escape(report.OneLine(headline+" · "+subject, maxSection))}
	m.Blocks = append(m.Blocks,
		Block{Type: "header", Text: &Text{Type: "plain_text", Text: report.OneLine(title(res), maxHeader)}},
		section("*"+escape(report.OneLine(headline, 1000))+"*\n"+escape(report.OneLine(subject, 1000))+toolLine(res)))
	if change != nil {
		m.Blocks = append(m.Blocks, section(change.markdown()))
	}
	if lines := suiteLines(res); len(lines) > 0 {
		head := fmt.Sprintf("*Failing or regressed suites (%d)*", len(lines))
		m.Blocks = append(m.Blocks, section(head+"\n"+listed(lines, maxSection-len(head)-1)))
	}
	if res.Bisect != nil {
		m.Blocks = append(m.Blocks, section(bisectMarkdown(res.Bisect)))
	}
	if res.Bisect == nil {
		m.Blocks = append(m.Blocks, contextBlock(readinessLines(res)...))
	}
	if link != "" {
		m.Blocks = append(m.Blocks, contextBlock("<"+link+"|Open the CI run>"))
	}
	return m
}

// title is the header: the verdict word, as summary.md's title (a
// bisection's says what it found: report.BisectTitle tells a failed search
// and flipping tests from nothing to bisect).
func title(res *report.Result) string {
	if res.Bisect != nil {
		return "Contract bisect: " + report.BisectTitle(res.Bisect)
	}
	return "Contract run: " + map[bool]string{true: "OK", false: "FAILED"}[res.OK()]
}

func toolLine(res *report.Result) string {
	if res.Tool == "" {
		return ""
	}
	return " · " + version.Name + " " + escape(report.OneLine(res.Tool, 100))
}

// suiteLines lists every candidate suite that fails the run or regressed
// against the baseline, with its status and its first failure (breaking
// cases first, see report.Failures) or, when no test failed, its reason.
func suiteLines(res *report.Result) []string {
	var out []string
	for i := range res.Runs {
		run := &res.Runs[i]
		for j := range run.Suites {
			s := &run.Suites[j]
			cmp := run.Compared(s.Name)
			if !res.Fails(run, s) && (cmp == nil || !cmp.Class.Breaking()) {
				continue
			}
			first := "reason: " + escape(report.ReasonLine(s.Reason, maxLine))
			if fails, _ := report.Failures(run, s); len(fails) > 0 {
				c := fails[0].Case
				first = code(c.ID()) + ": " + code(or(c.Message, "(no message)"))
			}
			out = append(out, fmt.Sprintf("• *%s* (%s): %s", escape(res.SuiteName(run, s)), escape(report.Status(run, s)), first))
		}
	}
	return out
}

// listed joins lines, at most maxSuites of them and at most budget bytes,
// saying how many it left out.
func listed(lines []string, budget int) string {
	var b strings.Builder
	for i, l := range lines {
		more := fmt.Sprintf("… and %d more (see the reports)", len(lines)-i)
		if i == maxSuites || b.Len()+len(l)+1+len(more) > budget {
			b.WriteString(more)
			break
		}
		b.WriteString(l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// readinessLines are the runs' release lines ("Core 2.0.0 (v2.0.0): 1
// ready, ...").
func readinessLines(res *report.Result) []string {
	var out []string
	for i := range res.Runs {
		out = append(out, "Release readiness: "+escape(report.OneLine(report.Release(&res.Runs[i]), maxLine)))
	}
	return out
}

// bisectMarkdown names each culprit the bisection found, one line per
// commit (or range) with how many tests it broke, and the downstreams
// whose regressed tests flip.
func bisectMarkdown(b *bisect.Result) string {
	head := fmt.Sprintf("*Bisect %s..%s*", escape(report.OneLine(b.Good.Ref, 100)), escape(report.OneLine(b.Bad.Ref, 100)))
	if b.Error != "" {
		return head + "\nThe search failed: " + escape(report.OneLine(b.Error, maxLine))
	}
	var lines []string
	for _, d := range b.Downstreams {
		for _, c := range d.Culprits {
			lines = append(lines, fmt.Sprintf("• *%s* %s: %s, broke %d test(s)", escape(d.Name), c.Status, escape(report.OneLine(report.CulpritLine(d, c), maxLine)), len(c.Broken)))
		}
		if len(d.Flips) > 0 {
			lines = append(lines, fmt.Sprintf("• *%s*: %d test(s) flip between good and bad, attributed to no commit", escape(d.Name), len(d.Flips)))
		}
	}
	if len(lines) == 0 {
		return head + "\nNo downstream regresses between them."
	}
	return head + "\n" + listed(lines, maxSection-len(head)-1)
}

// withNote is m with note (plain text) as a context block after the
// headline; m itself unless there is a note.
func (m Message) withNote(note string) Message {
	if note == "" || len(m.Blocks) < 2 {
		return m
	}
	blocks := append([]Block(nil), m.Blocks[:2]...)
	blocks = append(blocks, contextBlock(escape(report.OneLine(note, 2*maxLine))))
	m.Blocks = append(blocks, m.Blocks[2:]...)
	return m
}

func section(markdown string) Block {
	return Block{Type: "section", Text: &Text{Type: "mrkdwn", Text: cut(markdown, maxSection)}}
}

func contextBlock(markdown ...string) Block {
	b := Block{Type: "context"}
	for _, m := range markdown {
		b.Elements = append(b.Elements, Text{Type: "mrkdwn", Text: cut(m, maxSection)})
	}
	return b
}

// escape makes text literal in Slack's mrkdwn: &, < and > are its control
// characters (links, mentions such as <!channel>).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// code is untrusted text as an inline code span (a backtick inside would
// end it early, so it becomes a quote).
func code(s string) string {
	return "`" + escape(strings.ReplaceAll(report.OneLine(s, maxLine), "`", "'")) + "`"
}

// cut bounds a block's text on a line boundary when it can.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max-len("\n…")]
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	return strings.ToValidUTF8(s, "") + "\n…"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
