package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const (
	hookURI  = "env://CONTRACTS_WEBHOOK_URL"
	hookPath = "/services/T000/B000/mOdUlEsEcReT"
)

// loopbackHook is a webhook on loopback that records what it receives.
type loopbackHook struct {
	*httptest.Server
	mu       sync.Mutex
	messages []string
	code     int
}

func newLoopbackHook(t *testing.T, w *world, code int) *loopbackHook {
	h := &loopbackHook{code: code}
	h.Server = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.messages = append(h.messages, r.URL.Path+" "+string(body))
		h.mu.Unlock()
		rw.WriteHeader(h.code)
	}))
	t.Cleanup(h.Close)
	w.secrets = map[string]string{hookURI: h.URL + hookPath}
	return h
}

func (h *loopbackHook) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.messages...)
}

// noHookSecret fails when text holds the webhook's URL or secret path.
func noHookSecret(t *testing.T, h *loopbackHook, text string) {
	t.Helper()
	if strings.Contains(text, hookPath) || strings.Contains(text, "mOdUlEsEcReT") {
		t.Errorf("the webhook's secret leaked: %s", text)
	}
}

// TestNotify: the module's notify reads the run's reports (exported into
// its runtime), posts one message to the webhook whose URL is a secret,
// posts nothing for a run whose failing suites are those of --previous,
// and posts again when they change.
func TestNotify(t *testing.T) {
	w := newWorld(t)
	h := newLoopbackHook(t, w, http.StatusOK)
	ctx := context.Background()
	m := newModule(t)
	failing, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	hook := dag.Secret(hookURI)
	out, err := failing.Notify(ctx, hook, nil, "https://github.com/mjdevaccount/market-data-core/actions/runs/7")
	host := strings.TrimPrefix(h.URL, "http://")
	if err != nil || !strings.HasPrefix(out, "posted to "+host+" (no previous run to compare with): FAILED: 2 of 3 suites failing") {
		t.Fatalf("Notify = %q, %v", out, err)
	}
	noHookSecret(t, h, out)
	msgs := h.received()
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], hookPath+" ") {
		t.Fatalf("received %q, want one message at the secret path", msgs)
	}
	for _, want := range []string{"• *pipeline* (failed): `tests.contracts.test_rates::test_scale`", "• *store* (error): reason: install downstream [0] failed", "<https://github.com/mjdevaccount/market-data-core/actions/runs/7|Open the CI run>", "market-data-contracts v"} {
		if !strings.Contains(msgs[0], want) {
			t.Errorf("message lacks %q:\n%s", want, msgs[0])
		}
	}

	out, err = failing.Notify(ctx, hook, failing.Reports, "")
	if err != nil || out != "not posted: the failing suites are the same as in the previous run (pipeline, store)" || len(h.received()) != 1 {
		t.Errorf("identical run: %q, %v, %d messages in all", out, err, len(h.received()))
	}

	w.exitCode["https://git.example/pipeline.git"] = 0
	delete(w.failInstall, "https://git.example/store.git")
	green, err := m.Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil || green.ExitCode != 0 {
		t.Fatalf("green run: exit %d, %v", green.ExitCode, err)
	}
	out, err = failing.Notify(ctx, hook, green.Reports, "")
	if err != nil || !strings.Contains(out, "(the failing suites changed: newly failing: pipeline, store)") || len(h.received()) != 2 {
		t.Errorf("after a green run: %q, %v, %d messages", out, err, len(h.received()))
	}

	// Previous reports that cannot be read (a damaged cache entry, an
	// older schema) do not silence the run: posted, saying so.
	out, err = failing.Notify(ctx, hook, dag.Directory(), "")
	msgs = h.received()
	if err != nil || !strings.Contains(out, "(the previous run's reports are unreadable, nothing to compare with)") || len(msgs) != 3 {
		t.Fatalf("unreadable previous: %q, %v, %d messages", out, err, len(msgs))
	}
	if !strings.Contains(msgs[2], "could not be read") || !strings.Contains(msgs[2], "summary.json") {
		t.Errorf("the message does not say the previous reports were unreadable:\n%s", msgs[2])
	}
}

func TestNotifyFailures(t *testing.T) {
	w := newWorld(t)
	h := newLoopbackHook(t, w, http.StatusForbidden)
	ctx := context.Background()
	run, err := newModule(t).Run(ctx, "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(h.URL, "http://")
	_, err = run.Notify(ctx, dag.Secret(hookURI), nil, "")
	if err == nil || !strings.Contains(err.Error(), "webhook "+host+": answered 403 Forbidden") {
		t.Errorf("Notify to a 403: %v", err)
	} else {
		noHookSecret(t, h, err.Error())
	}
	if _, err := run.Notify(ctx, dag.Secret(hookURI), nil, "https://x/a|b"); err == nil || !strings.Contains(err.Error(), "--run-url") {
		t.Errorf("a bad run link: %v", err)
	}
	w.secrets[hookURI] = "http://hooks.example.com" + hookPath
	if _, err := run.Notify(ctx, dag.Secret(hookURI), nil, ""); err == nil || !strings.Contains(err.Error(), "--webhook: webhook hooks.example.com: plain http") {
		t.Errorf("a public http webhook: %v", err)
	} else {
		noHookSecret(t, h, err.Error())
	}
	if n := len(h.received()); n != 1 {
		t.Errorf("%d messages, want only the one answered 403", n)
	}
}
