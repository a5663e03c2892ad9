// Package session points the generated Dagger client at a fake engine.
//
// The generated client (internal/dagger) connects in its package init, and
// panics unless DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN are set. A test
// binary that imports this package gets them set first: Go initializes
// packages in import-path order among those whose imports are ready, and
// this package's path sorts before internal/dagger while importing only
// packages internal/dagger imports too. Its init reserves a loopback port
// for the fake engine (package enginetest) to serve on.
//
// Import it only from tests.
package session

import (
	"net"
	"os"
	"strconv"
)

// Token is the session token the client sends (as basic-auth user).
var Token = "enginetest-" + strconv.Itoa(os.Getpid())

var listener net.Listener

func init() {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("enginetest/session: " + err.Error())
	}
	listener = l
	os.Setenv("DAGGER_SESSION_PORT", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	os.Setenv("DAGGER_SESSION_TOKEN", Token)
}

// Listener is the reserved port's listener; the fake engine serves on it.
func Listener() net.Listener { return listener }
