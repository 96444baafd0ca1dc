package cli

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// settleDelay is how long a dropped file must stay unchanged before its job
// starts: a copy over SMB or a browser download writes in pieces, and the
// drop folder itself also skips names still being written (.part, ~$…).
const settleDelay = 2 * time.Second

// watchInbox runs job whenever a file in dir settles: inotify tells of a
// new or changed file, the run starts settleDelay after the last event in
// the folder, and events during a run start one more run after it (the
// run lists the folder itself, so nothing is missed and nothing runs
// twice at once). The job's cron schedule stays as a safety net (an event
// lost to a full inotify queue, a folder on a network file system that
// sends none). It returns when ctx ends; false when the folder cannot be
// watched, and the schedule alone serves it.
func watchInbox(ctx context.Context, log *slog.Logger, dir string, run func()) bool {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Warn("inbox watch unavailable; the schedule alone serves it", "path", dir, "err", err)
		return false
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		log.Warn("inbox watch unavailable; the schedule alone serves it", "path", dir, "err", err)
		return false
	}
	go func() {
		defer w.Close()
		var (
			mu      sync.Mutex
			running bool
			again   bool
		)
		var start func()
		start = func() {
			mu.Lock()
			if running {
				again = true
				mu.Unlock()
				return
			}
			running = true
			mu.Unlock()
			go func() {
				for {
					if ctx.Err() != nil {
						return
					}
					run()
					mu.Lock()
					if !again {
						running = false
						mu.Unlock()
						return
					}
					again = false
					mu.Unlock()
				}
			}()
		}
		settle := time.NewTimer(time.Hour)
		settle.Stop()
		for {
			select {
			case <-ctx.Done():
				settle.Stop()
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename) != 0 {
					settle.Reset(settleDelay)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				// An overflow loses events, not files: run a pass now.
				log.Warn("inbox watch", "path", dir, "err", err)
				settle.Reset(settleDelay)
			case <-settle.C:
				start()
			}
		}
	}()
	return true
}
