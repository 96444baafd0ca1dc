package pipelines

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

// ErrNotStream is returned by RunStream for a job whose connector has no
// continuous mode: run it on its schedule with RunJob.
var ErrNotStream = errors.New("not a streaming connector")

// Streams reports whether the job's connector can run as a continuous
// subscription (see connectors.Streamer).
func (r *Runner) Streams(job Job) bool {
	conn, err := connectors.New(job.Connector, job.Expand(r.Vars), r.env(job, r.log()))
	if err != nil {
		return false
	}
	defer conn.Close()
	_, ok := conn.(connectors.Streamer)
	return ok
}

// RunStream runs a streaming job until ctx ends or its source fails. The
// subscription stays open and yields micro-batches; each is committed
// under the data set's lock, taken per batch so that the other jobs of the
// data set (loggers, HTTP) take their turn between batches, and is
// acknowledged only after its commit. The stream is recorded as a run per
// window: every window that brought items, and the last one, is closed
// as a run (a ledger row) and handed to report, so monitoring sees the
// stream and new data marks the warehouse for a rebuild without waiting
// for the stream to end. Rejected readings go to the quarantine; a stream
// has no department to send a feedback workbook to.
func (r *Runner) RunStream(ctx context.Context, job Job, window time.Duration, report func(RunResult)) error {
	log := r.log().With("job", job.Name)
	newRun := func() RunResult {
		now := r.now()
		return RunResult{RunID: NewRunID(now), Job: job.Name, Dataset: job.Dataset, StartedAt: now, Status: "ok"}
	}
	var mu sync.Mutex // guards cur between the stream and the window ticker
	cur := newRun()
	// closeRun records the current window: always when it ends the stream
	// (with its error), otherwise only when it brought items.
	closeRun := func(end bool, err error) {
		if !end && cur.ItemsSeen == 0 {
			cur = newRun()
			return
		}
		res, _ := r.finish(log.With("run_id", cur.RunID), cur, err)
		if report != nil {
			report(res)
		}
		cur = newRun()
	}
	ds, ok := r.Datasets[job.Dataset]
	if !ok {
		err := fmt.Errorf("job %s: unknown data set %q", job.Name, job.Dataset)
		closeRun(true, err)
		return err
	}
	conn, err := connectors.New(job.Connector, job.Expand(r.Vars), r.env(job, log))
	if err != nil {
		err = fmt.Errorf("job %s: %w", job.Name, err)
		closeRun(true, err)
		return err
	}
	defer conn.Close()
	st, ok := conn.(connectors.Streamer)
	if !ok {
		return fmt.Errorf("job %s: connector %s: %w", job.Name, job.Connector, ErrNotStream)
	}
	stop := make(chan struct{})
	ticked := make(chan struct{})
	go func() {
		defer close(ticked)
		t := time.NewTicker(window)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				mu.Lock()
				closeRun(false, nil)
				mu.Unlock()
			}
		}
	}()
	swept := false
	runErr := st.Stream(ctx, func(it connectors.Item) error {
		mu.Lock()
		defer mu.Unlock()
		// Locked per batch, not for the life of the stream.
		unlock, err := r.Lake.LockWait(ctx, ds.Name, r.lockWait())
		if err != nil {
			return fmt.Errorf("job %s: %w", job.Name, err) // the batch stays unacknowledged: it comes again
		}
		defer unlock()
		if !swept {
			if _, err := r.Lake.SweepDataset(ds.Name); err != nil {
				return err
			}
			swept = true
		}
		res := &cur
		out, first, _, err := r.ingestItem(ctx, job, ds, it, res.RunID, func(int64) {}, nil)
		if err != nil {
			res.ItemsSeen++
			return fmt.Errorf("%s: %w", it.Name, err)
		}
		res.count(it.Name, out, first)
		log.Debug("batch", "name", it.Name, "status", out.Status, "rows", out.RowsRead, "accepted", out.Accepted, "rejected", out.Rejected)
		if it.Ack != nil {
			return it.Ack(out.Status != "rejected" && out.Status != "empty")
		}
		return nil
	})
	close(stop)
	<-ticked
	mu.Lock()
	closeRun(true, runErr)
	mu.Unlock()
	return runErr
}
