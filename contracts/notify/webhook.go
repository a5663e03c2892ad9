package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// Defaults of a Webhook.
const (
	// Timeout bounds one attempt: connecting, sending, and the answer.
	Timeout = 10 * time.Second
	// Attempts is how often a message is tried in all.
	Attempts = 4
	// Backoff is the wait before the first retry; it doubles after each.
	Backoff = time.Second
	// MaxWait is the longest Retry-After honoured; a longer one gives up.
	MaxWait = time.Minute
)

// Webhook posts messages to one URL. The URL is a secret (a Slack
// incoming webhook's path is its credential): it is never printed, and
// every error names the host only.
type Webhook struct {
	url *url.URL
	// Client sends the requests; its Timeout bounds each attempt.
	Client *http.Client
	// Attempts, Backoff and MaxWait shape the retries on 429 and 5xx
	// answers (see Post).
	Attempts int
	Backoff  time.Duration
	MaxWait  time.Duration
}

// New checks raw and returns a webhook with the defaults. The URL must be
// https; plain http only to a loopback or private address (a relay on the
// same machine or network), since http would carry the secret in clear
// over the internet. Errors never quote the URL.
func New(raw string) (*Webhook, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, errors.New("the webhook URL is not an absolute URL")
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && local(u.Hostname()):
	case u.Scheme == "http":
		return nil, fmt.Errorf("webhook %s: plain http only to a loopback or private address; use https", u.Hostname())
	default:
		return nil, fmt.Errorf("webhook %s: scheme %q, want https", u.Hostname(), u.Scheme)
	}
	return &Webhook{
		url:      u,
		Client:   &http.Client{Timeout: Timeout, CheckRedirect: noRedirects},
		Attempts: Attempts, Backoff: Backoff, MaxWait: MaxWait,
	}, nil
}

// local reports whether host is localhost or a loopback or private IP.
func local(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate())
}

// noRedirects keeps the answer of the first request: following a redirect
// would resend the message, and the URL's secret, somewhere else.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Host is the webhook's host, the most an output may say about it.
func (w *Webhook) Host() string { return w.url.Host }

// Post sends msg: one POST, retried on 429 and 5xx answers after waiting
// the answer's Retry-After (seconds or an HTTP date; more than MaxWait
// gives up) or else the backoff, which doubles after each retry. A 2xx
// answer is delivered; any other answer, a timeout or a connection error
// ends with an error naming the host (a timeout is not retried: the
// message may have arrived).
func (w *Webhook) Post(ctx context.Context, msg Message) error {
	body, err := msg.JSON()
	if err != nil {
		return err
	}
	backoff := w.Backoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(ctx, body)
		if err == nil {
			return nil
		}
		if retry < 0 && attempt == 1 {
			return w.fail(err)
		}
		if retry < 0 || attempt >= w.Attempts {
			return w.fail(fmt.Errorf("%w (attempt %d of %d)", err, attempt, w.Attempts))
		}
		wait := backoff
		if retry > 0 {
			wait = retry
		}
		if wait > w.MaxWait {
			return w.fail(fmt.Errorf("%w; asked to retry after %s, more than the %s this tool waits", err, wait, w.MaxWait))
		}
		select {
		case <-ctx.Done():
			return w.fail(fmt.Errorf("%w; stopped before retrying: %w", err, ctx.Err()))
		case <-time.After(wait):
		}
		backoff *= 2
	}
}

// post makes one attempt. On failure, retry says what to do: -1 give up,
// 0 retry after the backoff, >0 retry after that long (Retry-After).
func (w *Webhook) post(ctx context.Context, body []byte) (retry time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url.String(), bytes.NewReader(body))
	if err != nil {
		return -1, errors.New("cannot make the request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.Client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		if isTimeout(err) {
			return -1, fmt.Errorf("no answer within %s (not retried: the message may have arrived)", w.Client.Timeout)
		}
		return -1, err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return 0, nil
	}
	err = fmt.Errorf("answered %s%s", resp.Status, quoted(answer))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return retryAfter(resp.Header.Get("Retry-After")), err
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return -1, fmt.Errorf("%w; redirects are not followed (they would resend the message elsewhere)", err)
	}
	return -1, fmt.Errorf("%w; not retried: check the webhook URL and the message", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// retryAfter reads a Retry-After header: seconds or an HTTP date; 0 when
// absent or unreadable (then the backoff applies).
func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return max(time.Duration(s)*time.Second, time.Millisecond)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), time.Millisecond)
	}
	return 0
}

// quoted is the start of an error answer's body, on one line.
func quoted(body []byte) string {
	s := report.OneLine(string(body), 200)
	if s == "" {
		return ""
	}
	return ": " + s
}

// fail names the host and removes the URL, its path, its query and its
// userinfo (user:password, and the password alone) from err's text
// wherever they appear (an answer might echo them).
func (w *Webhook) fail(err error) error {
	msg := err.Error()
	for _, secret := range w.secrets() {
		if len(secret) > 1 {
			msg = strings.ReplaceAll(msg, secret, "[webhook URL]")
		}
	}
	return fmt.Errorf("webhook %s: %s", w.url.Host, msg)
}

// secrets are the parts of the URL no error may show, longest first (so
// that a part inside another is not replaced first, leaving the rest).
func (w *Webhook) secrets() []string {
	s := []string{w.url.String(), w.url.RequestURI(), w.url.EscapedPath(), w.url.Path, w.url.RawQuery}
	if u := w.url.User; u != nil {
		s = append(s, u.String())
		if p, ok := u.Password(); ok {
			s = append(s, u.Username()+":"+p, p, url.QueryEscape(p), url.PathEscape(p))
		}
	}
	slices.SortStableFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}
