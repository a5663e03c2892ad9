package main

import (
	"os"
	"testing"

	"dagger/market-data-contracts/enginetest"
	// The generated client connects when the test binary starts; session
	// points it at the fake engine first (see its doc).
	_ "dagger/market-data-contracts/enginetest/session"
)

// TestMain gives the module a scratch workdir of its own (in the engine:
// the runtime's /scratch) and tells the fake engine where it is.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "module-scratch-")
	if err != nil {
		panic(err)
	}
	scratchRoot, enginetest.Scratch = dir, dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
