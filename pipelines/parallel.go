package pipelines

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

// A run works on several inputs at once and commits them in batches:
// workers land, validate and encode inputs side by side, each staging its
// files in one lake.Batch; a committer takes the results in the order the
// source yielded them, and every batchItems inputs (or when the source
// goes quiet, or at the end) hands the batch to a goroutine that makes it
// durable in one round, and only then acknowledges the inputs (a drop
// folder archives them), while the next batch is gathered. Measured on 800
// logger dumps, one commit per input spent most of the run in fsyncs; with
// rounds committed in line, a fifth of the run still waited for them.

// DefaultParallel bounds the inputs decoded at once: each holds a reader,
// a validator and a Parquet writer per partition open (tens of MiB at
// most), so memory stays bounded whatever the number of files.
const DefaultParallel = 4

// DefaultBatchItems is how many inputs share one commit round.
const DefaultBatchItems = 64

// shareMaxBytes is the largest input whose rows share the round's data
// files (one per partition) instead of getting files of their own: a
// logger's monthly dump (90 KB for a site's hourly rain and displacement)
// or a department's report is smaller. Each
// file the lake creates cost 0.1–0.5 ms of kernel time on the machine
// measured, and a reader pays per file too (a build read 1,025 small files
// ten times slower than the same rows in a few); a held input's rows wait
// in memory, so the bound also keeps that memory small.
const shareMaxBytes = 256 << 10

// quietWait is how long nothing must come from the source, with no round
// being made durable, before the round gathered so far closes: measured
// here, a drop folder's next input comes within microseconds, and a
// round closed in that gap held 3 inputs instead of 64.
const quietWait = 2 * time.Millisecond

// shareMaxParts bounds the partitions a round's shared files span (each
// open file holds its page buffers): past it the round commits early.
const shareMaxParts = 32

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
	held     *heldRows   // a small input's rows, for the round's shared files
	staged   *lake.Batch // the input's files, for the round it is counted in
	err      error
	problems *inputProblems // for the feedback workbooks; nil when the input was not read
}

// sharedRound writes the rows of a commit round's small inputs to files
// they share, one per partition and lane, while the committer stages each
// input's manifest (its rows' partitions name its files). Each lane
// encodes on a goroutine of its own, inputs taking the lanes in turn, so
// that encoding keeps up with the workers decoding. The committer alone
// calls its methods, in the source's order.
type sharedRound struct {
	lake    lake.Lake // staging in the run's batch
	ds      *Dataset
	lanes   []*shareLane
	members int
	parts   map[string]bool // the round's partitions
}

// shareLane is one of a round's writers.
type shareLane struct {
	id   string
	w    *lake.PartitionedWriter
	todo chan *heldRows
	done chan error
}

// shareLanes is how many writers a round has: encoding is about half of
// the work of a small input, so one writer for two decoding workers.
func shareLanes(workers int) int { return max(1, (workers+1)/2) }

func (s *sharedRound) open() bool { return s.lanes != nil }

func (s *sharedRound) start(id string, lanes int) {
	s.members, s.parts = 0, map[string]bool{}
	for i := 0; i < lanes; i++ {
		l := &shareLane{id: fmt.Sprintf("%s-%d", id, i), todo: make(chan *heldRows, 2), done: make(chan error, 1)}
		l.w = s.lake.NewPartitionedWriter(s.ds.Name, partitionKey(s.ds), l.id, s.ds.LakeColumns())
		go func() {
			var err error
			for h := range l.todo {
				if err == nil {
					if err = h.writeTo(l.w); err != nil {
						err = fmt.Errorf("write %s: %w", s.ds.Name, err)
					}
				}
				h.release()
			}
			l.done <- err
		}()
		s.lanes = append(s.lanes, l)
	}
}

// add queues an input's held rows on the next lane and stages its
// manifest, which lists the shared files its rows go to.
func (s *sharedRound) add(m *lake.Manifest, h *heldRows) error {
	l := s.lanes[s.members%len(s.lanes)]
	s.members++
	m.Files = m.Files[:0]
	for _, p := range h.partitions() {
		rel, _ := filepath.Rel(s.lake.Root, s.lake.PartPath(s.ds.Name, partitionKey(s.ds), p, l.id))
		m.Files = append(m.Files, rel)
		s.parts[p] = true
	}
	slices.Sort(m.Files)
	m.Shared = true
	l.todo <- h
	return s.lake.WriteManifest(m)
}

// wait closes the lanes' queues and returns the first error.
func (s *sharedRound) wait() error {
	var errs []error
	for _, l := range s.lanes {
		close(l.todo)
		errs = append(errs, <-l.done)
	}
	return errors.Join(errs...)
}

// commit finishes the shared files into the batch and makes the batch's
// round all or nothing (lake.Batch.Journal): the manifests of inputs
// sharing a file are committed together.
func (s *sharedRound) commit(b *lake.Batch) error {
	if !s.open() {
		return nil
	}
	err := s.wait()
	for _, l := range s.lanes {
		if err == nil {
			_, err = l.w.Commit()
		}
		if err != nil {
			l.w.Abort()
		}
	}
	s.lanes, s.parts = nil, nil
	if err != nil {
		return err
	}
	// Even a round of one input journals: its shared files are renamed
	// before its manifest, and without the journal a crash in between
	// would leave files that a reader globbing the data set counts again
	// beside the rerun's.
	b.Journal(filepath.Dir(s.lake.ManifestPath(s.ds.Name, "x")))
	return nil
}

// abort drops the round's files.
func (s *sharedRound) abort() {
	if !s.open() {
		return
	}
	s.wait()
	for _, l := range s.lanes {
		l.w.Abort()
	}
	s.lanes, s.parts = nil, nil
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
	wr := *r // the workers' runner: same settings, files staged per input
	wr.claims = &claims{sums: map[string]bool{}}
	// Sharing files needs rounds of several inputs.
	wr.share = r.batchItems() > 1
	rounds := 0
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
				out, first, held, err := own.ingestItem(wctx, job, ds, s.it, runID, func(n int64) { onRows(s.it.Name, n) }, problems)
				if err != nil {
					own.Lake.Batch.Abort() // not acknowledged: the next run reads it again
				}
				s.done <- itemDone{out, first, held, own.Lake.Batch, err, problems}
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
	// A commit round is made durable on a goroutine of its own while the
	// committer gathers the next: the fsyncs of a round (a few tens of
	// milliseconds) no longer stop the workers. Rounds commit one at a
	// time, in order, and inputs are acknowledged only once theirs is.
	// A round closes when it is full, or when the source has sent nothing
	// for quietWait and no round is being made durable: a quiet source is
	// not kept waiting, and a busy one gathers as many inputs as arrive
	// during a commit, not a round per input.
	type staged struct {
		it connectors.Item
		ok bool
	}
	type pending struct {
		round *sharedRound
		batch *lake.Batch
		acks  []staged
	}
	commitRound := func(p pending) {
		if err := p.round.commit(p.batch); err != nil {
			// The round's files are broken, and its manifests name
			// them: nothing of the batch is committed or acknowledged.
			p.batch.Abort()
			fail(err)
			return
		}
		if err := p.batch.Commit(); err != nil {
			fail(err)
			return
		}
		for _, a := range p.acks {
			if a.it.Ack != nil && failed() == nil {
				if err := a.it.Ack(a.ok); err != nil {
					fail(fmt.Errorf("%s: %w", a.it.Name, err))
				}
			}
		}
	}
	durableQ := make(chan pending, 1)
	durable := make(chan struct{})
	var madeDurable atomic.Int64   // rounds made durable (or given up)
	wake := make(chan struct{}, 1) // one more is: signals may merge
	go func() {
		defer close(durable)
		for p := range durableQ {
			commitRound(p)
			madeDurable.Add(1)
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	committed := make(chan struct{})
	go func() {
		defer close(committed)
		batch := lake.NewBatch()
		round := &sharedRound{ds: ds}
		var acks []staged
		var handed int64 // rounds handed to durableQ
		flush := func() {
			durableQ <- pending{round, batch, acks}
			batch, round, acks = lake.NewBatch(), &sharedRound{ds: ds}, nil
			handed++
		}
		take := func(s *slot) {
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
				return
			}
			if d.held != nil {
				if failed() != nil {
					d.held.release()
					d.staged.Abort()
					return // not acknowledged: the next run reads it again
				}
				if !round.open() {
					rounds++
					round.lake = wr.Lake
					round.lake.Batch = batch
					round.start(fmt.Sprintf("%s-%03d", runID, rounds), shareLanes(workers))
				}
				if err := round.add(d.out, d.held); err != nil {
					fail(fmt.Errorf("%s: %w", s.it.Name, err))
					d.staged.Abort()
					round.abort()
					batch.Abort()
					acks = nil
					return
				}
			}
			batch.Adopt(d.staged)
			account(s.it, d.out, d.first)
			acks = append(acks, staged{s.it, d.out.Status != "rejected" && d.out.Status != "empty"})
		}
		// Nothing waiting may only mean that the source is between two
		// inputs: a round closes for a quiet source once nothing has come
		// for quietWait.
		quiet := time.NewTimer(quietWait)
		defer quiet.Stop()
		for more := true; more; {
			waiting := len(acks) > 0 && len(order) == 0 && madeDurable.Load() == handed
			if waiting {
				quiet.Reset(quietWait)
			}
			select {
			case s, ok := <-order:
				if more = ok; ok {
					take(s)
				}
			case <-wake:
			case <-quiet.C:
				if waiting {
					flush()
				}
			}
			if len(acks) >= r.batchItems() || len(round.parts) > shareMaxParts {
				flush()
			}
		}
		// What was staged before a failure is still committed: those
		// inputs are whole, as they were when each committed alone.
		flush()
		close(durableQ)
		<-durable
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
