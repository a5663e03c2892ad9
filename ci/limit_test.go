package main

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestForEachLimit(t *testing.T) {
	for _, limit := range []int{0, 1, 3, 10} {
		var running, peak atomic.Int32
		var mu sync.Mutex
		seen := map[int]int{}
		forEach(context.Background(), 12, limit, func(_ context.Context, i int) {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			mu.Lock()
			seen[i]++
			mu.Unlock()
		})
		want := int32(max(limit, 1))
		if peak.Load() > want {
			t.Errorf("limit %d: %d calls ran at once", limit, peak.Load())
		}
		if limit == 3 && peak.Load() < 2 {
			t.Errorf("limit 3: never more than %d call at once", peak.Load())
		}
		for i := range 12 {
			if seen[i] != 1 {
				t.Errorf("limit %d: index %d called %d times", limit, i, seen[i])
			}
		}
	}
}

func TestForEachCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls, cancelled atomic.Int32
	forEach(ctx, 5, 2, func(ctx context.Context, _ int) {
		calls.Add(1)
		if ctx.Err() != nil {
			cancelled.Add(1)
		}
	})
	if calls.Load() != 5 || cancelled.Load() != 5 {
		t.Errorf("cancelled run: %d calls, %d saw the cancellation; want 5 and 5", calls.Load(), cancelled.Load())
	}
}
