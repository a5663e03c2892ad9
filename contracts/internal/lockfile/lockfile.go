// Package lockfile serializes work on a path, between goroutines of one
// process and between processes (flock on path+".lock"), without waiting
// past a context.
package lockfile

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// pollInterval is how often a lock held by another process is retried.
const pollInterval = 50 * time.Millisecond

// Locks hands out one lock per path. The zero value is ready to use.
type Locks struct {
	mu sync.Mutex
	in map[string]chan struct{}
}

// Lock waits until this goroutine holds path's lock, or ctx ends, and
// returns the function that releases it.
func (l *Locks) Lock(ctx context.Context, path string) (unlock func(), err error) {
	slot := l.slot(path)
	select {
	case slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release := func() { <-slot }
	f, err := openLock(path)
	if err != nil {
		release()
		return nil, err
	}
	if err := flock(ctx, f); err != nil {
		f.Close()
		release()
		return nil, err
	}
	return func() { f.Close(); release() }, nil
}

func (l *Locks) slot(path string) chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.in == nil {
		l.in = map[string]chan struct{}{}
	}
	s, ok := l.in[path]
	if !ok {
		s = make(chan struct{}, 1)
		l.in[path] = s
	}
	return s
}

func openLock(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
}
