package cli

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// buildLoop is serve's rebuild schedule: new data marks the warehouse
// dirty; at each tick a dirty warehouse is rebuilt, and a build that fails
// leaves it dirty so that the next tick tries again. Publishing runs on a
// goroutine of its own with a time limit: a PostgreSQL that hangs delays
// the dashboards' marts, never the rebuilds. Publish requests coalesce: a
// publish still running when newer builds finish is followed by one more
// publish, of the newest.
type buildLoop struct {
	build   func(context.Context) error
	publish func(context.Context) error // nil: nothing to publish to
	// publishTimeout bounds one publish.
	publishTimeout time.Duration
	log            *slog.Logger

	dirty   atomic.Bool
	pending chan struct{} // a publish is due
}

func newBuildLoop(build, publish func(context.Context) error, publishTimeout time.Duration, log *slog.Logger) *buildLoop {
	return &buildLoop{build: build, publish: publish, publishTimeout: publishTimeout, log: log, pending: make(chan struct{}, 1)}
}

// markDirty asks for a rebuild at the next tick.
func (b *buildLoop) markDirty() { b.dirty.Store(true) }

// tick rebuilds if new data arrived since the last good build.
func (b *buildLoop) tick(ctx context.Context) {
	if !b.dirty.Swap(false) {
		return
	}
	if err := b.build(ctx); err != nil {
		if ctx.Err() == nil {
			// Retried at the next tick: the data that asked for it is still new.
			b.dirty.Store(true)
		}
		b.log.Error("build failed; the previous warehouse stays current and the build is retried at the next tick", "err", err)
		return
	}
	if b.publish != nil {
		select {
		case b.pending <- struct{}{}:
		default: // a publish is already pending: it will take the newest warehouse
		}
	}
}

// publisher publishes on request until ctx ends; run it on its own goroutine.
func (b *buildLoop) publisher(ctx context.Context) {
	if b.publish == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.pending:
		}
		pctx, cancel := context.WithTimeout(ctx, b.publishTimeout)
		err := b.publish(pctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			b.log.Error("publish to PostgreSQL failed; dashboards keep the previous marts", "err", err)
		}
	}
}
