// Command pyindex serves the Python distributions installed on this
// machine as a PEP 503 simple package index, over plain HTTP: the package
// index of the project's tests on machines without PyPI.
//
//	go run ./contracts/internal/pyindex -listen 127.0.0.1:0
//
// It prints its index URL (http://ADDR/simple/) as its first line, then
// one line per request it answered (package indexproc reads them), and
// serves until interrupted or until -lifetime ends. Every distribution the
// interpreter (-python) can import is listed, the first of each project on
// its sys.path, and rebuilt into a wheel when pip first asks for the
// project's page: its installed files (from RECORD, installed-files.txt,
// or the owning Debian package's file list), its metadata as a .dist-info
// (an .egg-info's PKG-INFO and requires.txt converted), the tags it was
// installed with (a compiled extension keeps its cp311 manylinux tag), and
// a RECORD. A project that is not installed is answered 404, so pip reports
// it missing as PyPI would. The wheels live in a temporary directory
// removed on exit.
//
// For containers of the Dagger engine on this machine, listen on the
// engine's bridge: -listen 10.87.0.1:0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "`ADDR` to listen on (HOST:PORT; port 0 picks a free one)")
	python := flag.String("python", "python3", "`interpreter` whose installed distributions are served")
	lifetime := flag.Duration("lifetime", 0, "stop after serving for this `duration` (0: serve until interrupted)")
	flag.Parse()
	if err := serve(*listen, *python, *lifetime); err != nil {
		fmt.Fprintln(os.Stderr, "pyindex:", err)
		os.Exit(1)
	}
}

// serve finds the installed distributions, listens, prints the index URL
// and serves until a signal or the end of lifetime, counted from the
// moment the index serves (asking the interpreter is not part of it: on a
// busy machine that alone can outlast a short lifetime).
func serve(listen, python string, lifetime time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	in, err := inspect(ctx, python)
	if err != nil {
		return err
	}
	dists, notes := distributions(in.Path)
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "pyindex: skipped", n)
	}
	dir, err := os.MkdirTemp("", "pyindex-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/simple/\n", ln.Addr())
	fmt.Fprintf(os.Stderr, "pyindex: %d projects installed for %s (%s, %s)\n", len(dists), python, in.Tag, in.Platform)
	srv := &http.Server{Handler: logged(newIndex(in, dists, dir, os.Stderr), os.Stdout), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if lifetime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, lifetime)
		defer cancel()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
