package cli

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"
)

// TestFailedBuildIsRetried: a build that fails leaves the warehouse marked
// for rebuilding, so the next tick tries again; a good build clears it.
func TestFailedBuildIsRetried(t *testing.T) {
	var builds atomic.Int32
	loop := newBuildLoop(func(context.Context) error {
		if builds.Add(1) == 1 {
			return errors.New("data test failed")
		}
		return nil
	}, nil, time.Second, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx := context.Background()
	loop.tick(ctx)
	if builds.Load() != 0 {
		t.Fatal("built without new data")
	}
	loop.markDirty()
	loop.tick(ctx) // fails
	loop.tick(ctx) // retried
	loop.tick(ctx) // nothing new: no build
	if n := builds.Load(); n != 2 {
		t.Errorf("%d builds, want the failed one and its retry", n)
	}
}

// TestHungPublishDoesNotStopRebuilds: a publish that never returns (a
// PostgreSQL that accepts and then hangs) is cut off at its timeout, and
// meanwhile every tick with new data still rebuilds.
func TestHungPublishDoesNotStopRebuilds(t *testing.T) {
	var builds, publishes, cut atomic.Int32
	loop := newBuildLoop(func(context.Context) error { builds.Add(1); return nil },
		func(ctx context.Context) error {
			publishes.Add(1)
			<-ctx.Done() // hangs until cut off
			cut.Add(1)
			return ctx.Err()
		}, 300*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go loop.publisher(ctx)
	loop.markDirty()
	loop.tick(ctx)
	for publishes.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	for i := 0; i < 4; i++ {
		loop.markDirty()
		loop.tick(ctx)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("4 rebuilds took %s beside a hung publish", d)
	}
	if n := builds.Load(); n != 5 {
		t.Errorf("%d builds, want 5", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for cut.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	// The requests made while one publish hung collapse into one more.
	if p, c := publishes.Load(), cut.Load(); p != 2 || c != 2 {
		t.Errorf("%d publishes started, %d cut off at the timeout; want 2 and 2", p, c)
	}
}
