package main

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// forEach calls fn once for every index in [0, n), with at most limit calls
// running at once (limit < 1 means 1), and returns when all have returned.
// fn gets ctx as is: once ctx is done, calls not yet started still happen
// and are expected to report the cancellation quickly.
func forEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int)) {
	var g errgroup.Group
	g.SetLimit(max(limit, 1))
	for i := range n {
		g.Go(func() error {
			fn(ctx, i)
			return nil
		})
	}
	_ = g.Wait() // fn returns no error
}
