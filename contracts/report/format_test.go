package report

import (
	"strings"
	"testing"
	"time"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"  a\n\tb  ":            "a b",
		"\x1b[31mred\x1b[0m":    "[31mred[0m",
		"ok\u202eevil\u200b":    "okevil",
		"bad \xff utf8":         "bad ? utf8",
		strings.Repeat("x", 20): "xxxxxxx...",
		"éééééé":                "ééé...",
		"l1\r\nl2\u2028l3":      "l1 l2 l3",
	} {
		if got := OneLine(in, 10); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{MDText("a_b *c* [x](y) <b> | @me & ~", 100), `a\_b \*c\* \[x\](y) \<b\> \| \@me \& \~`},
		{MDCode("x", 100, false), "`x`"},
		{MDCode("a `b` c", 100, false), "``a `b` c``"},
		{MDCode("`start", 100, false), "`` `start ``"},
		{MDCode("a|b", 100, true), "`a\\|b`"},
		{MDCode("a|b\nc", 100, false), "`a|b c`"},
		{MDCode("", 100, false), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDur(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "-", 1234 * time.Millisecond: "1.2s", 61*time.Second + 260*time.Millisecond: "1m1.3s"} {
		if got := Dur(d); got != want {
			t.Errorf("Dur(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestTerminalPutsRegressionsFirst(t *testing.T) {
	var b strings.Builder
	Terminal(&b, withFixtureWritten(t, regressionFixture()))
	s := b.String()
	reg, table, fails := strings.Index(s, "REGRESSIONS (3)"), strings.Index(s, "REPO "), strings.Index(s, "FAILURES")
	if reg < 0 || !(reg < table && table < fails) {
		t.Errorf("sections out of order (%d, %d, %d):\n%s", reg, table, fails, s)
	}
}

func withFixtureWritten(t *testing.T, res *Result) *Result {
	t.Helper()
	if err := Write(t.TempDir(), res); err != nil {
		t.Fatal(err)
	}
	return res
}
