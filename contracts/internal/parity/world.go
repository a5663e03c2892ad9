package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/localgit"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// world is what every case shares: the host CLI, the module, the example
// ecosystem and, when one answers, the local git server serving it.
type world struct {
	// root is the repository: the module's source and the host CLI's.
	root string
	// dir is the work directory (reports of every case, the host cache).
	dir string
	// bin is the host CLI built from root, stamped with the source's release.
	bin string
	// hostArgs and moduleArgs are the runners' package options (offline
	// by default: this machine has no package index).
	hostArgs, moduleArgs []string
	// eco is the example ecosystem, materialized for the git server.
	eco *examples.Ecosystem
	// git is the local git server serving eco; nil when none answers
	// (noGit says why): the cases that need it are not run.
	git   *localgit.Server
	noGit string
	// gitEnv is what the host's git needs to trust the git server
	// (gitTrust).
	gitEnv []string
	// index serves the index cases (nil when it could not start: noIndex
	// says why, and those cases are not run).
	index   *indexes
	noIndex string
	// indexWarm holds the refs whose demo ran through the indexes in
	// this process (pip caches by URL, and the indexes' ports are new in
	// every process): coldViaIndex warms the caches itself otherwise.
	indexWarm map[string]bool
	// seq numbers report directories.
	seq int
}

func newWorld(ctx context.Context) (*world, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	w := &world{
		root:       root,
		dir:        env("PARITY_DIR", filepath.Join(os.TempDir(), "engine-parity")),
		hostArgs:   fields(env("PARITY_HOST_ARGS", "--offline")),
		moduleArgs: fields(env("PARITY_MODULE_ARGS", "--pip-args=--no-index,--no-build-isolation")),
		indexWarm:  map[string]bool{},
	}
	reports := filepath.Join(w.dir, "reports")
	if err := os.RemoveAll(reports); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(reports, 0o755); err != nil {
		return nil, err
	}
	w.bin = filepath.Join(w.dir, "bin", "contracts")
	// Stamped with the source's release, as a release binary: the module
	// reports its source's release, and both runners' reports must agree.
	if p := run(ctx, root, nil, "go", "build", "-ldflags", version.LDFlags(version.Release, ""), "-o", w.bin, "./contracts/cmd/contracts"); p.code != 0 {
		return nil, fmt.Errorf("building the host CLI: %s", p.tail())
	}
	if w.eco, err = examples.Materialize(ctx, filepath.Join(w.dir, "ecosystem")); err != nil {
		return nil, err
	}
	w.git, err = localgit.Serve(ctx, w.eco)
	if err != nil {
		w.noGit = err.Error()
	} else if w.gitEnv, err = gitTrust(w.git.CA, filepath.Join(w.dir, "git-ca-bundle.pem")); err != nil {
		return nil, err
	}
	w.index, err = startIndexes(ctx, filepath.Join(w.dir, "bin"))
	if err != nil {
		w.noIndex = err.Error()
	}
	return w, nil
}

// reportDir is a fresh directory for one side's reports.
func (w *world) reportDir(side string) string {
	w.seq++
	return filepath.Join(w.dir, "reports", fmt.Sprintf("%02d-%s", w.seq, side))
}

// host runs the host CLI with the host's package options.
func (w *world) host(ctx context.Context, cmd string, args ...string) proc {
	argv := append([]string{w.bin, cmd}, w.hostArgs...)
	argv = append(argv, "--cache-dir", filepath.Join(w.dir, "host-cache"))
	return run(ctx, w.root, w.gitEnv, append(argv, args...)...)
}

// systemCABundles are where systems keep their CA bundle (the list Go's
// crypto/x509 reads on Linux, which covers the BSDs' and macOS's too).
var systemCABundles = []string{
	"/etc/ssl/certs/ca-certificates.crt",
	"/etc/pki/tls/certs/ca-bundle.crt",
	"/etc/ssl/ca-bundle.pem",
	"/etc/pki/tls/cacert.pem",
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/cert.pem",
}

// gitTrust returns the environment that makes the host's git trust the
// local git server's CA without distrusting anyone else: GIT_SSL_CAINFO
// naming bundle, written as the CA bundle git would use otherwise
// (GIT_SSL_CAINFO or SSL_CERT_FILE when set, else the first of
// systemCABundles) followed by ca. GIT_SSL_CAINFO replaces
// the system bundle, so ca alone would break every other https fetch
// (the default-ref case fetches from github.com). Per-URL config
// (http.<url>.sslCAInfo through GIT_CONFIG_COUNT/KEY/VALUE) would keep
// the CA to the git server, but the host CLI drops those variables
// before running git (package gitrepo), so it cannot be used here.
func gitTrust(ca, bundle string) ([]string, error) {
	local, err := os.ReadFile(ca)
	if err != nil {
		return nil, err
	}
	var system []byte
	var from string
	for _, p := range append([]string{os.Getenv("GIT_SSL_CAINFO"), os.Getenv("SSL_CERT_FILE")}, systemCABundles...) {
		if p == "" {
			continue
		}
		if system, err = os.ReadFile(p); err == nil {
			from = p
			break
		}
	}
	if from == "" {
		fmt.Fprintf(os.Stderr, "parity: no system CA bundle found (GIT_SSL_CAINFO, SSL_CERT_FILE, %s): the host's git trusts only the local git server's CA\n", strings.Join(systemCABundles, ", "))
	}
	var b bytes.Buffer
	b.Write(system)
	if len(system) > 0 && !bytes.HasSuffix(system, []byte("\n")) {
		b.WriteByte('\n')
	}
	b.Write(local)
	if err := os.WriteFile(bundle, b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return []string{"GIT_SSL_CAINFO=" + bundle}, nil
}

// hostPlain runs the host CLI with args alone (report has no package
// options).
func (w *world) hostPlain(ctx context.Context, env []string, args ...string) proc {
	return run(ctx, w.root, env, append([]string{w.bin}, args...)...)
}

// module runs `dagger call` on the module in root with the module's
// constructor options.
func (w *world) module(ctx context.Context, args ...string) proc {
	return w.dagger(ctx, append(append([]string{"call"}, w.moduleArgs...), args...)...)
}

// dagger runs the dagger CLI in root, plain progress, no colours.
func (w *world) dagger(ctx context.Context, args ...string) proc {
	argv := append([]string{"dagger", "--progress=plain"}, args...)
	return run(ctx, w.root, []string{"NO_COLOR=1", "DAGGER_NO_NAG=1"}, argv...)
}

// matrixFile writes a matrix naming the example repos on the git server
// (plus extra downstreams: name -> URL) and returns its path.
func (w *world) matrixFile(name string, extra map[string]string) (string, error) {
	path := filepath.Join(w.dir, name)
	return path, os.WriteFile(path, []byte(w.git.Matrix(extra)), 0o644)
}
