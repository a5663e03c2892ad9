package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// A suite waiting for another suite's Core build gives up when its own
// context ends instead of waiting for the build.
func TestWaitingForACoreBuildRespectsTheContext(t *testing.T) {
	core := plan.Source{SHA: "1111111111111111111111111111111111111111"}
	b := plan.CoreBuild{Key: "k"}
	w := &wheelBuilds{builds: map[string]*wheelBuild{}}
	busy := &wheelBuild{turn: make(chan struct{}, 1)}
	busy.turn <- struct{}{} // another suite is building
	w.builds[core.SHA+"\x00"+b.Key] = busy

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := w.get(ctx, "python:3.11-slim", core, b, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the context's", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("get still waits for the other build after its context ended")
	}
}

// A finished build is shared: the next suite gets its result, not a new build.
func TestAFinishedCoreBuildIsShared(t *testing.T) {
	core := plan.Source{Local: "/src/core"}
	b := plan.CoreBuild{Key: "k"}
	w := &wheelBuilds{builds: map[string]*wheelBuild{}}
	want := errors.New("build failed once")
	w.builds[core.Local+"\x00"+b.Key] = &wheelBuild{turn: make(chan struct{}, 1), done: true, err: want}
	if _, err := w.get(context.Background(), "python:3.11-slim", core, b, nil); err != want {
		t.Errorf("err = %v, want the memoized failure", err)
	}
}
