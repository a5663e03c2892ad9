// Package lockfile serializes work on a path, between goroutines of one
// process (a mutex per path) and between processes (flock on path+".lock").
package lockfile

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Locks hands out one lock per path. The zero value is ready to use.
type Locks struct {
	mu sync.Mutex
	in map[string]*sync.Mutex
}

// Lock blocks until this goroutine holds path's lock and returns the
// function that releases it.
func (l *Locks) Lock(path string) (unlock func(), err error) {
	m := l.mutex(path)
	m.Lock()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		m.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		m.Unlock()
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		m.Unlock()
		return nil, err
	}
	return func() { f.Close(); m.Unlock() }, nil
}

func (l *Locks) mutex(path string) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.in == nil {
		l.in = map[string]*sync.Mutex{}
	}
	m, ok := l.in[path]
	if !ok {
		m = &sync.Mutex{}
		l.in[path] = m
	}
	return m
}
