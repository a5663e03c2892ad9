package main

// contracts notify end to end: real demo runs of the example ecosystem,
// their reports posted to a webhook served on loopback.

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// hookPath is the secret part of the webhook's URL.
const hookPath = "/services/T000/B000/sEcReTpAtH42"

// webhook is a loopback webhook that records the messages it receives
// and answers with code.
type webhook struct {
	*httptest.Server
	mu       sync.Mutex
	messages []string
	code     int
}

func newWebhook(t *testing.T, code int) *webhook {
	h := &webhook{code: code}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		if r.URL.Path == hookPath {
			h.messages = append(h.messages, string(body))
		}
		h.mu.Unlock()
		w.WriteHeader(h.code)
		io.WriteString(w, "no_service")
	}))
	t.Cleanup(h.Close)
	t.Setenv("CONTRACTS_TEST_WEBHOOK", h.URL+hookPath)
	return h
}

func (h *webhook) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.messages...)
}

// digest hashes every file of dir, to show notify changes no report.
func digest(t *testing.T, dir string) string {
	t.Helper()
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		io.WriteString(h, p+"\n")
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(h.Sum(nil))
}

// notifyCLI runs contracts notify and checks that the webhook's URL is in
// none of its output.
func notifyCLI(t *testing.T, h *webhook, args ...string) (int, string, string) {
	t.Helper()
	code, stdout, stderr := cli(t, append([]string{"notify", "--webhook-env", "CONTRACTS_TEST_WEBHOOK"}, args...)...)
	for _, secret := range []string{hookPath, "sEcReTpAtH42", h.URL + hookPath} {
		if strings.Contains(stdout+stderr, secret) {
			t.Errorf("notify printed the webhook's secret %q:\n%s%s", secret, stdout, stderr)
		}
	}
	return code, stdout, stderr
}

// A failing run posts one message; a second identical run, compared with
// the first, posts none; a run where everything recovers posts again.
func TestNotifyOnChange(t *testing.T) {
	h := newWebhook(t, http.StatusOK)
	t.Setenv("GITHUB_SERVER_URL", "https://github.com")
	t.Setenv("GITHUB_REPOSITORY", "mjdevaccount/market-data-core")
	t.Setenv("GITHUB_RUN_ID", "4242")
	first, second, green := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct{ out, ref string }{{first, "v2.0.0"}, {second, "v2.0.0"}, {green, "v1.2.0"}} {
		if code, stdout, stderr := demo(t, run.out, "--core-ref", run.ref); code == exitUsage {
			t.Fatalf("demo %s: exit 2\n%s\n%s", run.ref, stdout, stderr)
		}
	}
	before := digest(t, first)

	code, stdout, stderr := notifyCLI(t, h, first)
	if code != exitOK || !strings.Contains(stdout, "notify: posted to "+strings.TrimPrefix(h.URL, "http://")+" (no previous run to compare with): FAILED: 2 of 3 suites failing") {
		t.Fatalf("first run: exit %d\n%s%s", code, stdout, stderr)
	}
	msgs := h.received()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	var m struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(msgs[0]), &m); err != nil {
		t.Fatalf("not a Slack message: %v\n%s", err, msgs[0])
	}
	text := msgs[0]
	for _, want := range []string{
		"FAILED: 2 of 3 suites failing (fail-on failures) · core v2.0.0@",
		"*Failing or regressed suites (2)*",
		"• *pipeline* (failed): `tests.contracts.",
		"• *store* (failed): `tests.contracts.test_feedback_event_contracts::test_feedback_event_extends_core`",
		"Release readiness: Core 2.0.0 (v2.0.0): 1 breaks-now, 1 blocked, 1 unknown",
		"<https://github.com/mjdevaccount/market-data-core/actions/runs/4242|Open the CI run>",
		"market-data-contracts dev",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the message lacks %q:\n%s", want, text)
		}
	}
	// (store's failure message names the service "orchestrator": look for
	// the suite's line.)
	if strings.Contains(text, "• *orchestrator*") {
		t.Errorf("the message lists orchestrator, which passed:\n%s", text)
	}
	if m.Blocks[0].Type != "header" || m.Blocks[0].Text.Text != "Contract run: FAILED" {
		t.Errorf("header %+v", m.Blocks[0])
	}

	code, stdout, stderr = notifyCLI(t, h, "--previous", first, second)
	if code != exitOK || !strings.Contains(stdout, "notify: not posted: the failing suites are the same as in the previous run (pipeline, store)") {
		t.Errorf("identical run: exit %d\n%s%s", code, stdout, stderr)
	}
	if n := len(h.received()); n != 1 {
		t.Errorf("the identical run posted: %d messages in all, want 1", n)
	}

	code, stdout, stderr = notifyCLI(t, h, green, "--previous", second) // flags after the directory too
	if code != exitOK || !strings.Contains(stdout, "(the failing suites changed: recovered: pipeline, store): OK") {
		t.Errorf("recovery: exit %d\n%s%s", code, stdout, stderr)
	}
	if msgs := h.received(); len(msgs) != 2 || !strings.Contains(msgs[1], "Recovered: pipeline, store") || !strings.Contains(msgs[1], "Contract run: OK") {
		t.Errorf("recovery message: %v", msgs[1:])
	}
	if digest(t, first) != before {
		t.Error("notify changed the reports it read")
	}
}

// A delivery that fails exits 1, names the webhook's host and not its
// URL, and leaves the reports and their verdict alone.
func TestNotifyDeliveryFailure(t *testing.T) {
	h := newWebhook(t, http.StatusNotFound)
	out := t.TempDir()
	if code, stdout, stderr := demo(t, out, "--core-ref", "v1.2.0", "--only", "orchestrator"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s\n%s", code, stdout, stderr)
	}
	before := digest(t, out)
	code, stdout, stderr := notifyCLI(t, h, out)
	host := strings.TrimPrefix(h.URL, "http://")
	if code != exitBroken || !strings.Contains(stderr, "contracts notify: webhook "+host+": answered 404 Not Found: no_service; not retried") {
		t.Errorf("exit %d, want 1 naming the host\n%s%s", code, stdout, stderr)
	}
	if digest(t, out) != before {
		t.Error("a failed notify changed the reports")
	}
	if code, _, _ := cli(t, "report", "--from", out); code != exitOK {
		t.Errorf("the run's verdict after a failed notify: exit %d, want 0", code)
	}
}

func TestNotifyUsageErrors(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := demo(t, out, "--core-ref", "v1.2.0", "--only", "orchestrator"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	t.Setenv("PUBLIC_HOOK", "http://hooks.example.com/services/T/B/pUbLiCsEcReT")
	t.Setenv("EMPTY_HOOK", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{out}, "--webhook-env: name the environment variable"},
		{[]string{"--webhook-env", "EMPTY_HOOK", out}, "--webhook-env EMPTY_HOOK: the variable is unset or empty"},
		{[]string{"--webhook-env", "PUBLIC_HOOK", out}, "webhook hooks.example.com: plain http only to a loopback or private address"},
		{[]string{"--webhook-env", "PUBLIC_HOOK"}, "want one report directory"},
		{[]string{"--webhook-env", "PUBLIC_HOOK", out, out}, "want one report directory"},
	} {
		code, stdout, stderr := cli(t, append([]string{"notify"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stdout+stderr, "pUbLiCsEcReT") {
			t.Errorf("%v: exit %d, %q; want 2 with %q", tc.args, code, stderr, tc.want)
		}
	}
	h := newWebhook(t, http.StatusOK)
	if code, _, stderr := notifyCLI(t, h, t.TempDir()); code != exitUsage || !strings.Contains(stderr, "summary.json") {
		t.Errorf("an empty report directory: exit %d, %q; want 2 naming summary.json", code, stderr)
	}
	if n := len(h.received()); n != 0 {
		t.Errorf("%d messages after usage errors", n)
	}
}

// Previous reports that cannot be read (a damaged cache entry, an older
// summary.json schema, nothing there) count as no previous run: the run
// is posted, its message says why nothing was compared, and a warning on
// stderr names the file and why.
func TestNotifyUnreadablePrevious(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := demo(t, out, "--core-ref", "v1.2.0", "--only", "orchestrator"); code != exitOK {
		t.Fatalf("demo: exit %d\n%s", code, stderr)
	}
	summary, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	previous := func(t *testing.T, data []byte) string {
		dir := t.TempDir()
		if data != nil {
			if err := os.WriteFile(filepath.Join(dir, "summary.json"), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	oldSchema := strings.Replace(string(summary), `"market-data-contracts/summary/v2"`, `"market-data-contracts/summary/v1"`, 1)
	if oldSchema == string(summary) {
		t.Fatal("summary.json does not hold schema v2")
	}
	for _, tc := range []struct {
		name string
		data []byte
		file string // named by the warning
		why  string
	}{
		{"an older schema", []byte(oldSchema), "summary.json", `schema "market-data-contracts/summary/v1", this tool reads "market-data-contracts/summary/v2"`},
		{"a truncated summary.json", summary[:len(summary)/2], "summary.json", "unexpected EOF"},
		{"no JUnit reports", summary, ".xml", "no such file or directory"},
		{"no summary.json", nil, "summary.json", "was the directory written by contracts run?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newWebhook(t, http.StatusOK)
			prev := previous(t, tc.data)
			code, stdout, stderr := notifyCLI(t, h, "--previous", prev, out)
			if code != exitOK || !strings.Contains(stdout, "notify: posted to ") || !strings.Contains(stdout, "(the previous run's reports are unreadable, nothing to compare with): OK") {
				t.Errorf("exit %d, want 0 and posted\n%s%s", code, stdout, stderr)
			}
			warning := regexp.MustCompile(`(?m)^contracts notify: warning: --previous ` + regexp.QuoteMeta(prev) + `: ` + regexp.QuoteMeta(prev) + `\S*` + regexp.QuoteMeta(tc.file) + `.*` + regexp.QuoteMeta(tc.why) + `.*; posting as if there were no previous run$`)
			if !warning.MatchString(stderr) {
				t.Errorf("stderr %q, want a warning naming %s and %q", stderr, tc.file, tc.why)
			}
			msgs := h.received()
			if len(msgs) != 1 || !strings.Contains(msgs[0], "The previous run's reports could not be read, so this run is not compared with it (") ||
				!strings.Contains(msgs[0], "Contract run: OK") || strings.Contains(msgs[0], "Since the previous run") {
				t.Errorf("messages %v, want one with the note", msgs)
			}
		})
	}
}
