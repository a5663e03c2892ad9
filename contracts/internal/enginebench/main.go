// Command enginebench prints timing figures of the Dagger module in a
// reachable engine, next to the host CLI doing the same work on the same
// repos. It asserts nothing.
//
//   - `dagger functions` (module load; on an empty engine, the cold start);
//   - the demo at a Core ref the engine has not run (the first figure on
//     an empty engine), and the same ref again;
//   - a Core-only change: the example repos served by the local git
//     server, Core given as a working copy whose content changes on every
//     round (--core-source), so Core is built, installed and tested anew
//     while the downstream environments are reused; module vs host;
//   - a bisection of the example history (v1.2.0..v2.0.0) over the git
//     server, twice (the second reuses the probes' cached work).
//
// The engine is used as found: for cold figures, start from an empty
// engine (on this project's machines: stop it, move $ENGINE_HOME/state
// aside, start it). Needs the dagger CLI pointed at the engine and the
// local git server that .ci/engine-parity uses (same PARITY_* variables).
//
// Run: go run ./contracts/internal/enginebench [-rounds 3]
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/examples"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/localgit"
)

func main() {
	rounds := flag.Int("rounds", 3, "rounds of the warm figures; medians are printed")
	flag.Parse()
	ctx := context.Background()
	b, err := setup(ctx)
	check(err)
	defer os.RemoveAll(b.tmp)

	fmt.Printf("engine figures (%s, %s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), b.version())
	fmt.Printf("%-58s %9s\n", "figure", "seconds")
	line := func(what string, secs float64) { fmt.Printf("%-58s %9.2f\n", what, secs) }
	line("dagger functions", b.dagger("functions"))
	ref := examples.CoreRefs()[0]
	line("demo --core-ref="+ref+" (first call)", b.module("demo-run", "--core-ref="+ref, "exit-code"))
	line("demo --core-ref="+ref+" again (same ref)", b.module("demo-run", "--core-ref="+ref, "exit-code"))

	// The host's downstream environments and bisect probes are cached
	// first, as the engine's are by the calls above and earlier runs.
	b.host("run", "--matrix", b.matrix, "--core-source", b.coreCopy(), "--out", filepath.Join(b.tmp, "host-out"))
	hostBisect := []string{"bisect", "--matrix", b.matrix, "--good", "v1.2.0", "--bad", "v2.0.0", "--out", filepath.Join(b.tmp, "host-bisect")}
	b.host(hostBisect...)
	var mod, host []float64
	for range *rounds {
		wc := b.coreCopy()
		mod = append(mod, b.module("run", "--matrix="+b.matrix, "--core-source="+wc, "exit-code"))
		wc = b.coreCopy()
		host = append(host, b.host("run", "--matrix", b.matrix, "--core-source", wc, "--out", filepath.Join(b.tmp, "host-out")))
	}
	line(fmt.Sprintf("Core-only change, module (median of %d)", *rounds), median(mod))
	line(fmt.Sprintf("Core-only change, host CLI (median of %d)", *rounds), median(host))
	fmt.Printf("%-58s %9.2f\n", "  module minus host (target <= 2 s)", median(mod)-median(host))
	bisect := []string{"bisect-run", "--matrix=" + b.matrix, "--good=v1.2.0", "--bad=v2.0.0", "exit-code"}
	line("bisect v1.2.0..v2.0.0, module, first", b.module(bisect...))
	line("bisect v1.2.0..v2.0.0, module, again", b.module(bisect...))
	line("bisect v1.2.0..v2.0.0, host CLI (warm cache)", b.host(hostBisect...))
}

// bench holds what the figures share.
type bench struct {
	root, tmp, bin, matrix, ca string
	eco                        *examples.Ecosystem
	moduleArgs                 []string
}

func setup(ctx context.Context) (*bench, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "enginebench-")
	if err != nil {
		return nil, err
	}
	b := &bench{root: root, tmp: tmp, bin: filepath.Join(tmp, "contracts"),
		moduleArgs: strings.Fields(env("PARITY_MODULE_ARGS", "--pip-args=--no-index,--no-build-isolation"))}
	if out, err := exec.Command("go", "build", "-o", b.bin, "./contracts/cmd/contracts").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %v\n%s", err, out)
	}
	if b.eco, err = examples.Materialize(ctx, filepath.Join(tmp, "eco")); err != nil {
		return nil, err
	}
	b.matrix, err = b.serve(ctx)
	return b, err
}

// serve registers the ecosystem with the local git server (package
// localgit, as .ci/engine-parity does) and writes a matrix naming it.
func (b *bench) serve(ctx context.Context) (string, error) {
	srv, err := localgit.Serve(ctx, b.eco)
	if err != nil {
		return "", err
	}
	b.ca = srv.CA
	path := filepath.Join(b.tmp, "matrix.yaml")
	return path, os.WriteFile(path, []byte(srv.Matrix(nil)), 0o644)
}

// coreCopy is Core at v2.0.0 with a comment that makes its content new.
func (b *bench) coreCopy() string {
	nonce := make([]byte, 8)
	rand.Read(nonce)
	dir := filepath.Join(b.tmp, "core-"+hex.EncodeToString(nonce))
	out, err := exec.Command("git", "clone", "--quiet", "--branch", "v2.0.0", b.eco.Repos[examples.Core], dir).CombinedOutput()
	if err != nil {
		check(fmt.Errorf("git clone: %v\n%s", err, out))
	}
	os.RemoveAll(filepath.Join(dir, ".git"))
	f := filepath.Join(dir, "src", examples.CorePackage, "__init__.py")
	data, err := os.ReadFile(f)
	check(err)
	check(os.WriteFile(f, append(data, []byte("# bench "+hex.EncodeToString(nonce)+"\n")...), 0o644))
	return dir
}

// dagger times one dagger command in the repository; it must succeed.
func (b *bench) dagger(args ...string) float64 {
	cmd := exec.Command("dagger", append([]string{"--progress=plain"}, args...)...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "DAGGER_NO_NAG=1")
	return timed(cmd)
}

// module times `dagger call` with the module's constructor arguments.
func (b *bench) module(args ...string) float64 {
	return b.dagger(append(append([]string{"call"}, b.moduleArgs...), args...)...)
}

// host times the host CLI (offline, with its own warm cache): exit codes
// 0 and 1 are results.
func (b *bench) host(args ...string) float64 {
	argv := append([]string{args[0], "--offline", "--cache-dir", filepath.Join(b.tmp, "host-cache")}, args[1:]...)
	cmd := exec.Command(b.bin, argv...)
	cmd.Env = append(os.Environ(), "GIT_SSL_CAINFO="+b.ca)
	return timed(cmd)
}

// timed runs cmd and returns its wall time; it stops the bench when cmd
// fails for another reason than a contract result (exit 1).
func timed(cmd *exec.Cmd) float64 {
	start := time.Now()
	out, err := cmd.CombinedOutput()
	secs := time.Since(start).Seconds()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		check(fmt.Errorf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(out)))
	}
	return secs
}

func (b *bench) version() string {
	out, err := exec.Command("dagger", "version").Output()
	if err != nil {
		return "dagger version unknown"
	}
	return strings.TrimSpace(string(out))
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func tail(b []byte) string {
	if len(b) > 2000 {
		return "..." + string(b[len(b)-2000:])
	}
	return string(b)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "enginebench:", err)
		os.Exit(1)
	}
}
