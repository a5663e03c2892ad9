package lockfile

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestLockExcludesGoroutines(t *testing.T) {
	var l Locks
	path := filepath.Join(t.TempDir(), "env")
	var inside, max atomic.Int32
	done := make(chan struct{})
	for i := 0; i < 8; i++ {
		go func() {
			defer func() { done <- struct{}{} }()
			unlock, err := l.Lock(context.Background(), path)
			if err != nil {
				t.Error(err)
				return
			}
			n := inside.Add(1)
			if n > max.Load() {
				max.Store(n)
			}
			time.Sleep(5 * time.Millisecond)
			inside.Add(-1)
			unlock()
		}()
	}
	for i := 0; i < 8; i++ {
		<-done
	}
	if max.Load() != 1 {
		t.Fatalf("%d goroutines held the lock at once", max.Load())
	}
}

func TestLockWaitEndsWithContext(t *testing.T) {
	var l Locks
	path := filepath.Join(t.TempDir(), "env")
	unlock, err := l.Lock(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, path); err == nil {
		t.Fatal("a second holder got the lock")
	}
}

// TestLockExcludesProcesses holds the flock from another process (flock(1)
// is not everywhere, so the test re-executes itself as the holder).
func TestLockExcludesProcesses(t *testing.T) {
	if path := os.Getenv("LOCKFILE_HOLD"); path != "" {
		var l Locks
		if _, err := l.Lock(context.Background(), path); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "env")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockExcludesProcesses$")
	cmd.Env = append(os.Environ(), "LOCKFILE_HOLD="+path)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("holder did not take the lock: %q %v", buf, err)
	}
	var l Locks
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, path); err == nil {
		t.Fatal("took a lock another process holds")
	}
	cmd.Process.Kill()
	cmd.Wait()
	unlock, err := l.Lock(context.Background(), path)
	if err != nil {
		t.Fatalf("lock not released when its holder died: %v", err)
	}
	unlock()
}
