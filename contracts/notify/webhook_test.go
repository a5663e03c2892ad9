package notify

// The webhook against a real HTTP server on loopback (net/http/httptest):
// delivery, retries, Retry-After, client errors, timeouts, redirects, and
// the URL's secret path in no error.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// secretPath is the credential part of a Slack incoming-webhook URL.
const secretPath = "/services/T0000SECRET/B0000SECRET/XyZsecretTOKEN123"

// server is a loopback webhook answering with the statuses in answers (the
// last one repeats), once hold is closed when it is set; it records what it
// received.
type server struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   []string
	paths    []string
	types    []string
	answers  []func(w http.ResponseWriter)
	hold     chan struct{}
	attempts int
}

func newServer(t *testing.T, answers ...func(w http.ResponseWriter)) *server {
	s := &server{answers: answers}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies, s.paths, s.types = append(s.bodies, string(body)), append(s.paths, r.URL.Path), append(s.types, r.Header.Get("Content-Type"))
		answer := s.answers[min(s.attempts, len(s.answers)-1)]
		s.attempts++
		hold := s.hold
		s.mu.Unlock()
		if hold != nil {
			<-hold
		}
		answer(w)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) url() string { return s.URL + secretPath }

func (s *server) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts
}

func status(code int, body string, headers ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

var ok = status(http.StatusOK, "ok")

// hook is a webhook for s with short waits.
func hook(t *testing.T, s *server) *Webhook {
	t.Helper()
	w, err := New(s.url())
	if err != nil {
		t.Fatal(err)
	}
	w.Backoff = 10 * time.Millisecond
	return w
}

// noSecret fails when text holds the URL or its secret path.
func noSecret(t *testing.T, s *server, what, text string) {
	t.Helper()
	for _, secret := range []string{s.url(), secretPath, "XyZsecretTOKEN123"} {
		if strings.Contains(text, secret) {
			t.Errorf("%s holds the webhook's secret %q: %s", what, secret, text)
		}
	}
}

func TestPostDelivers(t *testing.T) {
	s := newServer(t, ok)
	msg := Build(regressionResult(), nil, "")
	if err := hook(t, s).Post(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
	if s.count() != 1 || s.paths[0] != secretPath || s.types[0] != "application/json" {
		t.Fatalf("%d requests to %v (%v), want one POST of JSON to the webhook's path", s.count(), s.paths, s.types)
	}
	var got Message
	if err := json.Unmarshal([]byte(s.bodies[0]), &got); err != nil {
		t.Fatalf("body is not a message: %v\n%s", err, s.bodies[0])
	}
	if got.Text != msg.Text || len(got.Blocks) != len(msg.Blocks) || got.Blocks[0].Type != "header" {
		t.Errorf("received %+v, want %+v", got, msg)
	}
}

func TestPostRetriesServerErrorsWithBackoff(t *testing.T) {
	s := newServer(t, status(502, "bad gateway"), status(503, "unavailable"), ok)
	start := time.Now()
	if err := hook(t, s).Post(context.Background(), Message{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if s.count() != 3 {
		t.Errorf("%d attempts, want 3", s.count())
	}
	if took := time.Since(start); took < 30*time.Millisecond {
		t.Errorf("took %s, want the backoffs (10 ms, then 20 ms)", took)
	}
}

func TestPostHonoursRetryAfter(t *testing.T) {
	s := newServer(t, status(429, "rate limited", "Retry-After", "1"), ok)
	start := time.Now()
	if err := hook(t, s).Post(context.Background(), Message{Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); s.count() != 2 || took < time.Second {
		t.Errorf("%d attempts in %s, want 2, a second apart (Retry-After: 1)", s.count(), took)
	}
}

func TestPostGivesUp(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answers  []func(http.ResponseWriter)
		attempts int
		want     []string
	}{
		{"server errors every time", []func(http.ResponseWriter){status(500, "boom")}, Attempts, []string{"answered 500 Internal Server Error: boom (attempt 4 of 4)"}},
		{"a Retry-After beyond the limit", []func(http.ResponseWriter){status(429, "", "Retry-After", "3600")}, 1, []string{"answered 429 Too Many Requests", "asked to retry after 1h0m0s, more than the 1m0s this tool waits"}},
		{"a client error", []func(http.ResponseWriter){status(404, "no_service")}, 1, []string{"answered 404 Not Found: no_service; not retried: check the webhook URL"}},
		{"an answer echoing the URL", []func(http.ResponseWriter){status(400, "invalid_payload for POST "+secretPath)}, 1, []string{"answered 400 Bad Request: invalid_payload for POST [webhook URL]"}},
		{"a redirect", []func(http.ResponseWriter){status(302, "", "Location", "https://elsewhere.example/x")}, 1, []string{"answered 302 Found", "redirects are not followed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, tc.answers...)
			err := hook(t, s).Post(context.Background(), Message{Text: "x"})
			if err == nil {
				t.Fatal("Post succeeded")
			}
			host := strings.TrimPrefix(s.URL, "http://")
			if !strings.HasPrefix(err.Error(), "webhook "+host+": ") {
				t.Errorf("error %q does not start with the host %s", err, host)
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			noSecret(t, s, "the error", err.Error())
			if s.count() != tc.attempts {
				t.Errorf("%d attempts, want %d", s.count(), tc.attempts)
			}
		})
	}
}

// A webhook that does not answer within the timeout is given up on once:
// the message may have arrived, so it is not sent again. The server never
// answers while the test runs (its handler waits for the test's end), so
// only the client's timeout can end the attempt.
func TestPostTimesOut(t *testing.T) {
	s := newServer(t, ok)
	s.hold = make(chan struct{})
	t.Cleanup(func() { close(s.hold) }) // before s.Close, which waits for the handler
	w := hook(t, s)
	w.Client.Timeout = 100 * time.Millisecond
	err := w.Post(context.Background(), Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "no answer within 100ms (not retried: the message may have arrived)") {
		t.Fatalf("Post: %v, want a timeout", err)
	}
	if n := s.count(); n != 1 {
		t.Errorf("%d attempts, want 1 (a timeout is not retried)", n)
	}
	noSecret(t, s, "the error", err.Error())
}

// A new webhook's client bounds each attempt by Timeout and follows no
// redirect; it retries as the defaults say.
func TestNewDefaults(t *testing.T) {
	d, err := New("https://hooks.slack.com/services/x")
	if err != nil {
		t.Fatal(err)
	}
	if d.Client == nil || d.Client == http.DefaultClient || d.Client.Timeout != Timeout || d.Client.Timeout <= 0 {
		t.Fatalf("client %+v, want one of its own with a timeout of %s", d.Client, Timeout)
	}
	if d.Client.CheckRedirect == nil {
		t.Error("the client follows redirects")
	}
	if d.Attempts != Attempts || d.Backoff != Backoff || d.MaxWait != MaxWait {
		t.Errorf("attempts %d, backoff %s, max wait %s; want %d, %s, %s", d.Attempts, d.Backoff, d.MaxWait, Attempts, Backoff, MaxWait)
	}
}

// A URL's userinfo is as secret as its path: an answer echoing the
// user:password or the password alone has it replaced.
func TestPostHidesUserinfo(t *testing.T) {
	const user, pass = "hookuser", "pA55w0rd/Zq"
	for _, echo := range []string{user + ":" + url.QueryEscape(pass), user + ":" + pass, pass, url.QueryEscape(pass)} {
		s := newServer(t, status(401, "bad credentials "+echo))
		u, err := url.Parse(s.url())
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, pass)
		w, err := New(u.String())
		if err != nil {
			t.Fatal(err)
		}
		err = w.Post(context.Background(), Message{Text: "x"})
		if err == nil || !strings.Contains(err.Error(), "answered 401 Unauthorized: bad credentials [webhook URL]") {
			t.Errorf("echoing %q: %v, want the userinfo replaced", echo, err)
			continue
		}
		for _, secret := range []string{pass, url.QueryEscape(pass), "pA55w0rd"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("echoing %q: the error holds %q: %v", echo, secret, err)
			}
		}
		noSecret(t, s, "the error", err.Error())
	}
}

func TestPostToAClosedPort(t *testing.T) {
	s := newServer(t, ok)
	w := hook(t, s)
	s.Close()
	err := w.Post(context.Background(), Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("Post: %v, want connection refused", err)
	}
	noSecret(t, s, "the error", err.Error())
}

func TestNewChecksTheURL(t *testing.T) {
	for _, raw := range []string{"https://hooks.slack.com/services/T/B/X", "http://127.0.0.1:8080/hook", "http://10.87.0.1:9/x", "http://localhost/x", "http://[::1]:80/x"} {
		if _, err := New(raw); err != nil {
			t.Errorf("New(%q): %v", raw, err)
		}
	}
	for raw, want := range map[string]string{
		"http://hooks.example.com/services/T/B/SECRETX": "webhook hooks.example.com: plain http only to a loopback or private address",
		"ftp://hooks.example.com/SECRETX":               `webhook hooks.example.com: scheme "ftp", want https`,
		"hooks.example.com/SECRETX":                     "not an absolute URL",
		"https://%zz/SECRETX":                           "not an absolute URL",
		"":                                              "not an absolute URL",
	} {
		_, err := New(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "SECRETX") {
			t.Errorf("New(%q): %v, want %q without the URL", raw, err, want)
		}
	}
	w, _ := New("https://hooks.slack.com:443/services/T/B/X")
	if w.Host() != "hooks.slack.com:443" {
		t.Errorf("Host() = %q", w.Host())
	}
}
