package pipelines

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

// A run works on several inputs at once and commits them in batches:
// workers land, validate and encode inputs side by side, each staging its
// files in one lake.Batch; a committer takes the results in the order the
// source yielded them, and every batchItems inputs (or when the source
// goes quiet, or at the end) makes the batch durable in one round and only
// then acknowledges the inputs (a drop folder archives them). Measured on
// 800 logger dumps, one commit per input spent most of the run in fsyncs.

// DefaultParallel bounds the inputs decoded at once: each holds a reader,
// a validator and a Parquet writer per partition open (tens of MiB at
// most), so memory stays bounded whatever the number of files.
const DefaultParallel = 4

// DefaultBatchItems is how many inputs share one commit round.
const DefaultBatchItems = 64

func (r *Runner) parallel() int {
	if r.Parallel > 0 {
		return r.Parallel
	}
	return max(1, min(runtime.GOMAXPROCS(0), DefaultParallel))
}

func (r *Runner) batchItems() int {
	if r.BatchItems > 0 {
		return r.BatchItems
	}
	return DefaultBatchItems
}

// claims are the checksums taken by the inputs of this run that are not
// committed yet: the second of two identical files in one batch is a
// duplicate, as it is when the first is already in the lake.
type claims struct {
	mu   sync.Mutex
	sums map[string]bool
}

func (c *claims) claim(sum string) bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sums[sum] {
		return false
	}
	c.sums[sum] = true
	return true
}

// itemDone is what became of one input.
type itemDone struct {
	out      *lake.Manifest
	first    string
	err      error
	problems *inputProblems // for the feedback workbooks; nil when the input was not read
}

type slot struct {
	it   connectors.Item
	done chan itemDone
}

// errStopped stops a source's Pull once an input has failed; the input's
// own error is what the run reports.
var errStopped = errors.New("run stopped")

// pullBatched pulls every item of conn through the workers and the
// committer. account is called for each input in source order as soon as
// it is done (counts, log); ack after its batch is durable.
func (r *Runner) pullBatched(ctx context.Context, conn connectors.Connector, job Job, ds *Dataset, runID string, fb *feedbackRun,
	account func(connectors.Item, *lake.Manifest, string), onRows func(item string, n int64)) error {
	batch := lake.NewBatch()
	wr := *r // the workers' runner: same settings, files staged in batch
	wr.Lake.Batch = batch
	wr.claims = &claims{sums: map[string]bool{}}
	wctx, stop := context.WithCancel(ctx)
	defer stop()

	workers := r.parallel()
	log := r.log().With("job", job.Name, "run_id", runID)
	work := make(chan *slot)
	order := make(chan *slot, 2*workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range work {
				// Each input stages its files on its own and hands them
				// to the run's batch whole once done.
				own := wr
				own.Lake.Batch = lake.NewBatch()
				log.Debug("ingesting", "name", s.it.Name)
				// Problems wait here for the department workbooks, which
				// are written in the source's order below.
				var problems *inputProblems
				if fb != nil {
					problems = newInputProblems(job)
				}
				out, first, err := own.ingestItem(wctx, job, ds, s.it, runID, func(n int64) { onRows(s.it.Name, n) }, problems)
				if err != nil {
					own.Lake.Batch.Abort() // not acknowledged: the next run reads it again
				} else {
					batch.Adopt(own.Lake.Batch)
				}
				s.done <- itemDone{out, first, err, problems}
			}
		}()
	}

	// The first error: an input's, a commit's or an ack's.
	var mu sync.Mutex
	var first error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
			stop()
		}
	}
	failed := func() error {
		mu.Lock()
		defer mu.Unlock()
		return first
	}
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		type staged struct {
			it connectors.Item
			ok bool
		}
		var acks []staged
		flush := func() {
			if err := batch.Commit(); err != nil {
				fail(err)
				acks = nil
				return
			}
			for _, a := range acks {
				if a.it.Ack != nil && failed() == nil {
					if err := a.it.Ack(a.ok); err != nil {
						fail(fmt.Errorf("%s: %w", a.it.Name, err))
					}
				}
			}
			acks = acks[:0]
		}
		for s := range order {
			d := <-s.done
			if fb != nil && d.problems != nil {
				sum := fileSummary{Name: s.it.Name, Status: "failed"}
				if d.err == nil {
					sum = fileSummary{Name: s.it.Name, Status: d.out.Status, Read: d.out.RowsRead, Accepted: d.out.Accepted, Rejected: d.out.Rejected}
				}
				if sum.Status != "duplicate" {
					fb.write(d.problems, sum)
				}
			}
			if d.err != nil {
				fail(fmt.Errorf("%s: %w", s.it.Name, d.err))
				continue
			}
			account(s.it, d.out, d.first)
			acks = append(acks, staged{s.it, d.out.Status != "rejected" && d.out.Status != "empty"})
			if len(acks) >= r.batchItems() || len(order) == 0 {
				flush()
			}
		}
		// What was staged before a failure is still committed: those
		// inputs are whole, as they were when each committed alone.
		flush()
	}()

	pullErr := conn.Pull(ctx, func(it connectors.Item) error {
		if wctx.Err() != nil {
			return errStopped
		}
		s := &slot{it: it, done: make(chan itemDone, 1)}
		order <- s
		select {
		case work <- s:
			return nil
		case <-wctx.Done():
			s.done <- itemDone{err: wctx.Err()}
			return errStopped
		}
	})
	close(work)
	wg.Wait()
	close(order)
	<-committed
	if err := failed(); err != nil {
		if pullErr == nil || errors.Is(pullErr, errStopped) || errors.Is(pullErr, context.Canceled) {
			return err
		}
		return errors.Join(pullErr, err)
	}
	if errors.Is(pullErr, errStopped) {
		return nil
	}
	return pullErr
}
