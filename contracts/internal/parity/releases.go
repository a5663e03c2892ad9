package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// The host CLI is built stamped with the source's release (as the release
// function stamps it), so that both runners' reports name one version:
// the module reports its source's release (version.Module).

// versionCase: `contracts version` and the module's `version` name the
// source's release.
func (w *world) versionCase(ctx context.Context) row {
	h := w.hostPlain(ctx, nil, "version")
	m := w.module(ctx, "version")
	r := row{hostTime: h.elapsed, moduleTime: m.elapsed, host: firstLine(h.stdout), module: lastLine(m.stdout)}
	if want := version.Name + " " + version.Release + " "; h.code != 0 || !strings.HasPrefix(h.stdout, want) {
		r.diffs = append(r.diffs, fmt.Sprintf("host %s: %q, want %q...", h.describe(), firstLine(h.stdout), want))
	}
	if m.code != 0 || lastLine(m.stdout) != version.Release {
		r.diffs = append(r.diffs, fmt.Sprintf("module %s: %q, want %s\n%s", m.describe(), lastLine(m.stdout), version.Release, m.tail()))
	}
	return r
}

// releaseCase: the module's release function builds every platform's
// binary; on the host, each matches SHA256SUMS, the one for this machine
// runs, says the release, and reads a run's reports as the host CLI does.
func (w *world) releaseCase(ctx context.Context) row {
	dist := filepath.Join(w.dir, "release")
	os.RemoveAll(dist)
	m := w.module(ctx, "release", "--tag="+version.Release, "export", "--path="+dist)
	r := row{moduleTime: m.elapsed}
	if m.code != 0 {
		return r.broken("module", m.err, m)
	}
	sums, err := checkSums(dist)
	r.module = fmt.Sprintf("%d files in SHA256SUMS", len(sums))
	if err != nil {
		r.diffs = append(r.diffs, err.Error())
	}
	if len(sums) != len(version.Platforms) {
		r.diffs = append(r.diffs, fmt.Sprintf("SHA256SUMS lists %v, want one binary per platform %v", sums, version.Platforms))
	}
	bin := filepath.Join(dist, "contracts-"+version.Release+"-"+runtime.GOOS+"-"+runtime.GOARCH)
	v := run(ctx, w.root, nil, bin, "version")
	r.hostTime = v.elapsed
	r.host = fmt.Sprintf("checksums ok: %v; %s", err == nil, firstLine(v.stdout))
	if v.code != 0 || !strings.HasPrefix(v.stdout, version.Name+" "+version.Release+" ") {
		r.diffs = append(r.diffs, fmt.Sprintf("%s version: %s %q", filepath.Base(bin), v.describe(), v.stdout))
	}
	dir := w.reportDir("host")
	p := w.host(ctx, "demo", "--core-ref", "v2.0.0", "--out", dir)
	if p.err != nil || p.code > 1 {
		return r.broken("host", p.err, p)
	}
	want, got := w.hostPlain(ctx, nil, "report", "--from", dir), run(ctx, w.root, nil, bin, "report", "--from", dir)
	r.hostTime += p.elapsed + want.elapsed + got.elapsed
	if got.code != want.code || got.stdout != want.stdout {
		r.diffs = append(r.diffs, fmt.Sprintf("the release binary's report --from differs from the host CLI's (exit %d vs %d)", got.code, want.code))
	}
	return r
}

// checkSums checks every file SHA256SUMS (sha256sum's format) lists and
// returns their names.
func checkSums(dist string) ([]string, error) {
	f, err := os.Open(filepath.Join(dist, "SHA256SUMS"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names, bad []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			return names, fmt.Errorf("SHA256SUMS: line %q is not sha256sum's format", sc.Text())
		}
		names = append(names, name)
		got, err := fileSHA256(filepath.Join(dist, name))
		if err != nil || got != sum {
			bad = append(bad, fmt.Sprintf("%s: sha256 %s, SHA256SUMS says %s (%v)", name, got, sum, err))
		}
	}
	if len(bad) > 0 {
		return names, fmt.Errorf("checksums differ: %s", strings.Join(bad, "; "))
	}
	return names, sc.Err()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	_, err = io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), err
}

// hook is a webhook listener both runners reach: on the engine's bridge
// address, which containers (the module's runtime among them) and the
// host share.
type hook struct {
	srv      *http.Server
	url      string
	mu       sync.Mutex
	messages []string
}

func listenHook(addr string) (*hook, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	h := &hook{url: "http://" + l.Addr().String() + "/services/PARITY/HOOK/s3cr3t"}
	h.srv = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h.mu.Lock()
		h.messages = append(h.messages, string(body))
		h.mu.Unlock()
		io.WriteString(rw, "ok")
	})}
	go h.srv.Serve(l)
	return h, nil
}

// take returns the messages received since the last take.
func (h *hook) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.messages
	h.messages = nil
	return out
}

// notifyCase: a failing demo run notifies once, a second identical run
// (compared with the first) not at all, a recovery once; host CLI and
// module read the same reports and post the same messages.
func (w *world) notifyCase(ctx context.Context) row {
	h, err := listenHook(env("PARITY_WEBHOOK_ADDR", "10.87.0.1:0"))
	if err != nil {
		return row{skipped: "no webhook listener on the engine's bridge (PARITY_WEBHOOK_ADDR): " + err.Error()}
	}
	defer h.srv.Close()
	dirs, demos := map[string]string{}, time.Duration(0)
	for _, step := range []struct{ name, ref string }{{"first", "v2.0.0"}, {"second", "v2.0.0"}, {"green", "v1.2.0"}} {
		dirs[step.name] = w.reportDir("host")
		p := w.host(ctx, "demo", "--core-ref", step.ref, "--out", dirs[step.name])
		if p.err != nil || p.code > 1 {
			return row{}.broken("host", p.err, p)
		}
		demos += p.elapsed
	}
	hookEnv := []string{"PARITY_WEBHOOK=" + h.url, "GITHUB_RUN_ID="}
	r := row{hostTime: demos}
	var hostPosts, modulePosts []string
	for _, step := range []struct{ dir, previous string }{{"first", ""}, {"second", "first"}, {"green", "second"}} {
		hargs := []string{"notify", "--webhook-env", "PARITY_WEBHOOK", dirs[step.dir]}
		margs := []string{"from-reports", "--dir=" + dirs[step.dir], "notify", "--webhook=env:PARITY_WEBHOOK"}
		if step.previous != "" {
			hargs = append(hargs, "--previous", dirs[step.previous])
			margs = append(margs, "--previous="+dirs[step.previous])
		}
		hp := w.hostPlain(ctx, hookEnv, hargs...)
		hm := h.take()
		mp := run(ctx, w.root, append(hookEnv, "NO_COLOR=1"), append([]string{"dagger", "--progress=plain", "call"}, append(w.moduleArgs, margs...)...)...)
		mm := h.take()
		r.hostTime, r.moduleTime = r.hostTime+hp.elapsed, r.moduleTime+mp.elapsed
		hostPosts, modulePosts = append(hostPosts, fmt.Sprint(len(hm))), append(modulePosts, fmt.Sprint(len(mm)))
		if hp.code != 0 || mp.code != 0 {
			r.diffs = append(r.diffs, fmt.Sprintf("%s: host %s, module %s\n%s\n%s", step.dir, hp.describe(), mp.describe(), hp.tail(), mp.tail()))
		}
		if strings.Join(hm, "\n") != strings.Join(mm, "\n") {
			r.diffs = append(r.diffs, fmt.Sprintf("%s: the messages differ:\nhost:   %s\nmodule: %s", step.dir, clip(strings.Join(hm, "\n")), clip(strings.Join(mm, "\n"))))
		}
		for side, p := range map[string]proc{"host": hp, "module": mp} {
			if strings.Contains(p.stdout+p.stderr, "s3cr3t") {
				r.diffs = append(r.diffs, fmt.Sprintf("%s printed the webhook URL", side))
			}
		}
	}
	r.host, r.module = "posts "+strings.Join(hostPosts, ","), "posts "+strings.Join(modulePosts, ",")
	if want := "posts 1,0,1"; r.host != want || r.module != want {
		r.diffs = append(r.diffs, fmt.Sprintf("posts per run (failing, identical, recovered): host %s, module %s, want %s", r.host, r.module, want))
	}
	return r
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}
