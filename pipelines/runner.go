package pipelines

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/faults"
	"github.com/waymark-data/waymark/internal/lake"
)

// Runner executes jobs: pull, land, validate, write, record.
type Runner struct {
	Lake     lake.Lake
	Datasets map[string]*Dataset
	// Refs is the reference data contracts check values against.
	Refs   Refs
	Loc    *time.Location
	Limits connectors.Limits
	// Vars expand {name} placeholders in job settings.
	Vars map[string]string
	// Secret resolves the secrets job settings name (auth_env,
	// password_env); the configuration provides it.
	Secret func(name string) (string, bool)
	Log    *slog.Logger
	// Now is the clock; tests pin it.
	Now func() time.Time
	// FeedbackDir receives per-department workbooks listing rejected rows;
	// empty means none are written.
	FeedbackDir string
	// Progress, when set, is told as items start and finish and as rows
	// are read, for a progress line on a terminal.
	Progress func(Progress)
	// LockWait is how long a run waits for another ingest of the same data
	// set to finish (jobs of one data set queue rather than fail): 0 means
	// DefaultLockWait, a negative value not at all.
	LockWait time.Duration
	// Parallel is how many inputs a run decodes at once (0: DefaultParallel
	// or fewer cores); BatchItems how many share a commit round (0:
	// DefaultBatchItems). See parallel.go.
	Parallel, BatchItems int

	claims *claims // set on the workers' copy of a runner
	// share, on the workers' copy of a runner whose rounds hold several
	// inputs, keeps the rows of small inputs in memory for the round's
	// shared files (see shareMaxBytes).
	share bool
}

// DefaultLockWait bounds how long a run waits for the data set's lock.
const DefaultLockWait = 2 * time.Minute

func (r *Runner) lockWait() time.Duration {
	switch {
	case r.LockWait == 0:
		return DefaultLockWait
	case r.LockWait < 0:
		return 0
	}
	return r.LockWait
}

// Progress is where a run is.
type Progress struct {
	Job   string
	Item  string
	Items int64 // items finished
	Rows  int64 // rows read in this run so far
	Done  bool  // the run is over
}

// RunResult is the ledger row of one job run.
type RunResult struct {
	RunID          string
	Job            string
	Dataset        string
	StartedAt      time.Time
	FinishedAt     time.Time
	ItemsSeen      int64
	ItemsNew       int64
	ItemsDuplicate int64
	ItemsRejected  int64
	RowsRead       int64
	RowsAccepted   int64
	RowsRejected   int64
	Status         string
	Error          string
	// Feedback lists the department feedback workbooks written.
	Feedback []string
	// Rejected lists the items rejected whole, with the first reason.
	Rejected []RejectedItem
}

// RejectedItem is an input that brought no row into the lake.
type RejectedItem struct {
	Name, Reason string
}

// NewRunID returns a sortable, unique run id.
func NewRunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// RunJob pulls every new item of job into the lake. An item that fails is
// quarantined whole and the run goes on; only lake write errors stop it.
// Every run leaves one ledger row with its true status (ok, failed,
// cancelled), also a run that fails before reading anything.
func (r *Runner) RunJob(ctx context.Context, job Job) (RunResult, error) {
	now := r.now()
	res := RunResult{RunID: NewRunID(now), Job: job.Name, Dataset: job.Dataset, StartedAt: now, Status: "ok"}
	log := r.log().With("job", job.Name, "run_id", res.RunID)
	ds, ok := r.Datasets[job.Dataset]
	if !ok {
		return r.finish(log, res, fmt.Errorf("job %s: unknown data set %q", job.Name, job.Dataset))
	}
	if job.Department != "" {
		job.Department = r.Refs.Canonical(job.Department)
	}
	conn, err := connectors.New(job.Connector, job.Expand(r.Vars), r.env(job, log))
	if err != nil {
		return r.finish(log, res, fmt.Errorf("job %s: %w", job.Name, err))
	}
	defer conn.Close()
	unlock, err := r.Lake.LockWait(ctx, ds.Name, r.lockWait())
	if err != nil {
		return r.finish(log, res, fmt.Errorf("job %s: %w", job.Name, err))
	}
	defer unlock()
	if _, err := r.Lake.SweepDataset(ds.Name); err != nil {
		return r.finish(log, res, err)
	}
	var fb *feedbackRun
	if r.FeedbackDir != "" {
		fb = newFeedbackRun(r.FeedbackDir, ds, job, res.RunID, r.now().In(r.Loc))
	}
	// Inputs are decoded side by side and committed in batches
	// (parallel.go); each is accounted for here in source order.
	var rowsMu sync.Mutex
	itemRows := map[string]int64{}
	onRows := func(item string, n int64) {
		rowsMu.Lock()
		defer rowsMu.Unlock()
		itemRows[item] = n
		var sum int64
		for _, v := range itemRows {
			sum += v
		}
		r.report(Progress{Job: job.Name, Item: item, Items: res.ItemsNew + res.ItemsDuplicate, Rows: res.RowsRead + sum})
	}
	account := func(it connectors.Item, out *lake.Manifest, first string) {
		rowsMu.Lock()
		defer rowsMu.Unlock()
		delete(itemRows, it.Name)
		res.count(it.Name, out, first)
		if out.Status == "rejected" || out.Status == "empty" {
			log.Warn("item "+out.Status, "name", it.Name, "rows", out.RowsRead, "reason", first, "feedback_dir", r.FeedbackDir)
		} else {
			log.Info("item", "name", it.Name, "status", out.Status, "rows", out.RowsRead, "accepted", out.Accepted, "rejected", out.Rejected)
		}
		r.report(Progress{Job: job.Name, Item: it.Name, Items: res.ItemsSeen, Rows: res.RowsRead})
	}
	runErr := r.pullBatched(ctx, conn, job, ds, res.RunID, fb, account, onRows)
	if fb != nil {
		files, err := fb.close()
		res.Feedback = files
		if err != nil {
			runErr = errors.Join(runErr, err)
		}
	}
	r.report(Progress{Job: job.Name, Items: res.ItemsSeen, Rows: res.RowsRead, Done: true})
	return r.finish(log, res, runErr)
}

// finish records a run: its status from runErr, its end, a log line and
// its ledger row.
func (r *Runner) finish(log *slog.Logger, res RunResult, runErr error) (RunResult, error) {
	res.FinishedAt = r.now()
	if runErr != nil {
		res.Status, res.Error = "failed", runErr.Error()
		if errors.Is(runErr, context.Canceled) {
			res.Status = "cancelled"
		}
	}
	level := slog.LevelInfo
	if res.Status == "failed" {
		level = slog.LevelWarn
	}
	args := []any{"status", res.Status, "items_new", res.ItemsNew, "items_duplicate", res.ItemsDuplicate,
		"rows_accepted", res.RowsAccepted, "rows_rejected", res.RowsRejected, "ms", res.FinishedAt.Sub(res.StartedAt).Milliseconds()}
	if res.Error != "" {
		args = append(args, "error", res.Error)
	}
	log.Log(context.Background(), level, "run", args...)
	if err := r.writeLedger(res); err != nil {
		return res, errors.Join(runErr, err)
	}
	return res, runErr
}

// Skip records a run that did not start (its source is not configured):
// it gets a ledger row like any other, with status skipped and the reason.
func (r *Runner) Skip(job Job, reason string) (RunResult, error) {
	now := r.now()
	res := RunResult{RunID: NewRunID(now), Job: job.Name, Dataset: job.Dataset, StartedAt: now, FinishedAt: now, Status: "skipped", Error: reason}
	return res, r.writeLedger(res)
}

// env is what the job's connector may use: secrets, its state, and the log
// for warnings about what it skips.
func (r *Runner) env(job Job, log *slog.Logger) connectors.Env {
	return connectors.Env{Secret: r.Secret, State: jobState{r.Lake, job.Name}, Log: log}
}

// rejectedItem names an input rejected whole and the first reason why.
// count adds what became of one input to the run's totals.
func (res *RunResult) count(name string, out *lake.Manifest, first string) {
	res.ItemsSeen++
	switch out.Status {
	case "duplicate":
		res.ItemsDuplicate++
	case "rejected", "empty":
		// An empty submission (a header, no rows) is not a submission: it
		// is flagged to the department like a rejected file.
		res.ItemsNew++
		res.ItemsRejected++
		res.Rejected = append(res.Rejected, rejectedItem(name, first))
	default:
		res.ItemsNew++
	}
	res.RowsRead += out.RowsRead
	res.RowsAccepted += out.Accepted
	res.RowsRejected += out.Rejected
}

func rejectedItem(name, reason string) RejectedItem {
	return RejectedItem{Name: name, Reason: reason}
}

func (r *Runner) report(p Progress) {
	if r.Progress != nil {
		r.Progress(p)
	}
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

// land copies the item's bytes into the raw area, hashing on the way, and
// returns the checksum and the landed path. Nothing a user sent is lost:
// even a file that fails every check is kept here.
func (r *Runner) land(ds *Dataset, it connectors.Item) (string, string, string, int64, error) {
	rc, err := it.Open()
	if err != nil {
		return "", "", "", 0, fmt.Errorf("open: %w", err)
	}
	defer rc.Close()
	tmp, err := r.Lake.Create(r.Lake.IncomingPath(ds.Name))
	if err != nil {
		return "", "", "", 0, err
	}
	// Every byte lands, even past the size limit: the limit bounds what is
	// decoded, not what is kept (the copy streams; memory stays flat).
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), rc)
	if err != nil {
		tmp.Abort()
		return "", "", "", n, fmt.Errorf("read: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	final := r.Lake.RawPath(ds.Name, sum, strings.ToLower(filepath.Ext(it.Name)))
	if _, err := os.Stat(final); err == nil {
		tmp.Abort() // already landed byte for byte
		return sum, final, final, n, nil
	}
	// Re-point the atomic file at its content-addressed name.
	if err := tmp.Retarget(final); err != nil {
		tmp.Abort()
		return "", "", "", n, err
	}
	if err := tmp.Commit(); err != nil {
		return "", "", "", n, err
	}
	// Under a batch the bytes stay under their temp name until the
	// commit round: the decoder reads them there.
	return sum, final, tmp.Path(), n, nil
}

// ingestItem lands, decodes and records one item. It returns the
// manifest and, for an item rejected whole, the first reason, for the log.
// A small item of a runner that shares files comes back with its accepted
// rows held and its manifest not yet written: the committer writes both
// (shareRound).
func (r *Runner) ingestItem(ctx context.Context, job Job, ds *Dataset, it connectors.Item, runID string, onRows func(int64), fb *inputProblems) (*lake.Manifest, string, *heldRows, error) {
	sum, raw, readPath, size, err := r.land(ds, it)
	if err != nil {
		return nil, "", nil, err
	}
	if m, err := r.Lake.ReadManifest(ds.Name, sum); err != nil {
		return nil, "", nil, err
	} else if m != nil || !r.claims.claim(sum) {
		return &lake.Manifest{Status: "duplicate"}, "", nil, nil
	}
	var held *heldRows
	if r.share && size <= shareMaxBytes {
		held = newHeldRows(ds)
	}
	ingested := r.now().UTC()
	m := &lake.Manifest{
		Checksum: sum, Dataset: ds.Name, Source: it.Source, Name: it.Name, Raw: raw, Bytes: size,
		RunID: runID, SubmittedAt: it.SubmittedAt.UTC().Format(time.RFC3339), IngestedAt: ingested.Format(time.RFC3339),
	}
	id := sum[:16]
	sink := &problemSink{q: &quarantine{lake: r.Lake, ds: ds, job: job, it: it, sum: sum, runID: runID, at: ingested, id: id}, fb: fb}
	empty := false
	if r.Limits.MaxBytes > 0 && size > r.Limits.MaxBytes {
		err = sink.add(Problem{Reason: fmt.Sprintf("the file is larger than the %d-byte limit; split it by period", r.Limits.MaxBytes),
			ReasonZh: fmt.Sprintf("文件超过%d字节上限，请按报告期拆分后报送", r.Limits.MaxBytes)})
	} else {
		empty, err = r.decode(ctx, job, ds, it, readPath, sum, runID, ingested, id, m, onRows, sink, held)
	}
	if err != nil {
		sink.q.abort()
		return nil, "", nil, err
	}
	m.Problems = sink.q.n
	if err := sink.q.commit(); err != nil {
		return nil, "", nil, err
	}
	switch {
	case empty && m.Accepted == 0:
		m.Status = "empty"
	case m.Accepted == 0 && sink.q.n > 0:
		m.Status = "rejected"
	case sink.q.n > 0:
		m.Status = "partial"
	default:
		m.Status = "ok"
	}
	if held != nil && m.Accepted > 0 {
		return m, sink.first, held, nil
	}
	if err := r.Lake.WriteManifest(m); err != nil {
		return nil, "", nil, err
	}
	return m, sink.first, nil, nil
}

// problemSink streams an item's problems to its quarantine file and to the
// department feedback as they are found.
type problemSink struct {
	q     *quarantine
	fb    *inputProblems
	first string // the first problem's reason
}

func (s *problemSink) add(p Problem) error {
	if s.first == "" {
		s.first = safeText(p.Reason, 512)
	}
	if err := s.q.add(p); err != nil {
		return err
	}
	if s.fb != nil {
		s.fb.add(p)
	}
	return nil
}

// fileProblem turns a decoder's error into the problem reported for the
// whole file: its own words when it has them (an empty file, mixed
// encodings, an unterminated quote), else the error with a general
// Chinese reason.
func fileProblem(err error, raw, name string, row connectors.Row, zh string) Problem {
	var fe *connectors.FileError
	if errors.As(err, &fe) {
		return Problem{Sheet: row.Sheet, Row: fe.Line, Reason: fe.Reason, ReasonZh: fe.ReasonZh}
	}
	return Problem{Sheet: row.Sheet, Row: row.Number, Reason: strings.ReplaceAll(err.Error(), raw, name), ReasonZh: zh}
}

// decode reads the landed file row by row and writes valid rows to the
// partitions; problems go to sink as they are found: a bad file is data
// too. It reports whether the file held no data (an empty submission).
func (r *Runner) decode(ctx context.Context, job Job, ds *Dataset, it connectors.Item, raw, sum, runID string, at time.Time, id string, m *lake.Manifest, onRows func(int64), sink *problemSink, held *heldRows) (bool, error) {
	if it.Format == "" {
		return false, sink.add(Problem{Reason: fmt.Sprintf("unsupported file type %q: send .xlsx, .csv or .json", filepath.Ext(it.Name)),
			ReasonZh: fmt.Sprintf("不支持的文件类型“%s”：请报送 .xlsx、.csv 或 .json 文件", filepath.Ext(it.Name))})
	}
	rows, err := connectors.OpenRows(it.Format, raw, r.Limits)
	if err != nil {
		var fe *connectors.FileError
		empty := errors.As(err, &fe) && fe.Empty
		return empty, sink.add(fileProblem(err, raw, it.Name, connectors.Row{}, "文件无法打开（可能已损坏、不完整或不是所述格式），请重新导出后报送"))
	}
	rows = newPrefetch(rows)
	defer rows.Close()
	v := NewValidator(ds, r.Refs, r.Loc, r.now())
	if it.Format == "csv" {
		v.Rectangular()
	}
	v.DefaultDepartment(job.Department)
	pcol := -1
	if ds.PartitionBy != "" {
		_, pcol, _ = ds.Column(ds.PartitionBy)
	}
	// The lineage every row of this item carries (sheet and row vary);
	// its texts, a file name included, are made valid to store.
	lineage := []lake.Value{lake.Str(safeText(it.Source, 1024)), lake.Str(safeText(it.Name, 1024)), lake.Str(sum), lake.Str(runID), lake.Micros(it.SubmittedAt), lake.Micros(at)}
	// Reading and validating run here while a second goroutine encodes and
	// compresses Parquet: the two halves of the work on the two cores. A
	// held input's rows wait in memory for the round's shared files.
	var w *lake.PartitionedWriter
	var out rowSink = held
	if held == nil {
		w = r.Lake.NewPartitionedWriter(ds.Name, partitionKey(ds), id, ds.LakeColumns())
		out = newBatchWriter(w, len(ds.Columns)+len(Lineage))
	}
	abort := func() {
		if w != nil {
			w.Abort()
		}
	}
	fail := func() { out.close(); abort() }
	var partLo, partHi int64 // the values the partition pv holds: none yet
	pv, sheet, sheetSafe := "", "", ""
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if ctx.Err() != nil {
				fail()
				return false, ctx.Err()
			}
			faults.Point("ingest.rows")
			if n%65536 == 0 && r.Progress != nil {
				onRows(m.RowsRead)
			}
		}
		row, err := rows.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Inside the branch: the error's target escapes to the heap,
			// and a row without an error should not pay for it.
			var re *connectors.RowError
			if errors.As(err, &re) {
				// The decoder rejected this row and reads on.
				m.RowsRead++
				m.Rejected++
				p := Problem{Sheet: re.Row.Sheet, Row: re.Row.Number, Column: re.Column, Value: re.Value, Reason: re.Reason, ReasonZh: re.ReasonZh}
				if err := sink.add(p); err != nil {
					fail()
					return false, err
				}
				continue
			}
			// A file that breaks part-way is rejected whole: a partial month
			// in the lake would look like a complete one. The rows read so
			// far are counted as read and rejected, never as received.
			var at *brokenAt
			if errors.As(err, &at) {
				row = at.row
			}
			fail()
			m.Accepted, m.Rejected = 0, m.RowsRead
			return false, sink.add(fileProblem(err, raw, it.Name, row, "文件读取中断（可能已损坏或不完整），请重新导出后报送整份文件"))
		}
		vals, bad := v.Row(row)
		if vals == nil && bad == nil {
			continue
		}
		m.RowsRead++
		if len(bad) > 0 {
			m.Rejected++
			for _, p := range bad {
				if err := sink.add(p); err != nil {
					fail()
					return false, err
				}
			}
			continue
		}
		if row.Sheet != sheet {
			sheet, sheetSafe = row.Sheet, safeText(row.Sheet, 256)
		}
		full := append(vals, lineage[0], lineage[1], lineage[2], lake.Str(sheetSafe), lake.Int(int64(row.Number)), lineage[3], lineage[4], lineage[5])
		if pcol >= 0 && (vals[pcol].I < partLo || vals[pcol].I >= partHi) {
			pv, partLo, partHi = partitionSpan(ds, vals[pcol], r.Loc)
		}
		if err := out.add(pv, full); err != nil {
			fail()
			return false, fmt.Errorf("write %s: %w", ds.Name, err)
		}
		m.Accepted++
	}
	if err := out.close(); err != nil {
		abort()
		return false, fmt.Errorf("write %s: %w", ds.Name, err)
	}
	for _, p := range v.Finish() {
		if err := sink.add(p); err != nil {
			abort()
			return false, err
		}
	}
	if w == nil {
		return v.Empty(), nil
	}
	files, err := w.Commit()
	if err != nil {
		return false, err
	}
	for _, f := range files {
		rel, _ := filepath.Rel(r.Lake.Root, f)
		m.Files = append(m.Files, rel)
	}
	return v.Empty(), nil
}

func partitionKey(ds *Dataset) string {
	switch ds.Granularity() {
	case "month":
		return "month"
	case "day":
		return "date"
	}
	return ""
}

// partitionValue cuts partitions in the configured zone: a reading at
// 2023-07-01 01:00 Beijing time belongs to 1 July, not 30 June UTC.
// partitionSpan names the partition of value v and the range [lo, hi) of
// values (days or microseconds, as v holds them) that share it, so that
// the rows after need one comparison instead of a date formatted each.
func partitionSpan(ds *Dataset, v lake.Value, loc *time.Location) (name string, lo, hi int64) {
	c, _, _ := ds.Column(ds.PartitionBy)
	t := v.Time(c.LakeType())
	if c.Type == "timestamp" {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	start, next := time.Date(y, m, d, 0, 0, 0, 0, t.Location()), time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
	name = t.Format("2006-01-02")
	if ds.Granularity() == "month" {
		start, next = time.Date(y, m, 1, 0, 0, 0, 0, t.Location()), time.Date(y, m+1, 1, 0, 0, 0, 0, t.Location())
		name = t.Format("2006-01")
	}
	if c.LakeType() == lake.Timestamp {
		return name, start.UnixMicro(), next.UnixMicro()
	}
	return name, lake.Day(start).I, lake.Day(next).I
}

// batchWriter hands rows to a goroutine that writes them to Parquet, in
// batches whose memory is recycled, so that validation and encoding
// overlap.
type batchWriter struct {
	w     *lake.PartitionedWriter
	width int
	cur   *rowBatch
	todo  chan *rowBatch
	free  chan *rowBatch
	done  chan error
	err   error
	shut  bool
}

// rowSink takes an input's accepted rows with their partitions.
type rowSink interface {
	add(part string, row []lake.Value) error
	close() error
}

// heldRows keeps a small input's accepted rows until the committer
// appends them to its round's shared files, in chunks of heldChunk rows
// (a small input's worth of memory, not a pooled batch's 2,048 rows: a
// dozen inputs are held at once). The values' strings are the decoder's,
// never written again, so they are kept as they are.
//
// A row's lineage is the input's but for its sheet and line: only those
// two are kept per row, beside the contract's columns (the rest once).
type heldRows struct {
	cols    int          // the contract's columns, before the lineage
	lineage []lake.Value // the first row's lineage (see Lineage)
	chunks  []*rowBatch  // per row: the contract's values, sheet, line
}

// The lineage values that vary from row to row (see Lineage).
const (
	lineageSheet = 3
	lineageRow   = 4
)

func newHeldRows(ds *Dataset) *heldRows {
	return &heldRows{cols: len(ds.Columns)}
}

func (h *heldRows) add(part string, row []lake.Value) error {
	if h.lineage == nil {
		h.lineage = slices.Clone(row[h.cols:])
	}
	var c *rowBatch
	if n := len(h.chunks); n > 0 && len(h.chunks[n-1].parts) < heldChunk {
		c = h.chunks[n-1]
	} else {
		c = heldChunks.get(h.cols + 2)
		h.chunks = append(h.chunks, c)
	}
	c.vals = append(c.vals, row[:h.cols]...)
	c.vals = append(c.vals, row[h.cols+lineageSheet], row[h.cols+lineageRow])
	c.parts = append(c.parts, part)
	return nil
}

func (h *heldRows) close() error { return nil }

// writeTo writes the rows to w, each with its whole lineage again.
func (h *heldRows) writeTo(w *lake.PartitionedWriter) error {
	row := make([]lake.Value, h.cols+len(h.lineage))
	copy(row[h.cols:], h.lineage)
	width := h.cols + 2
	for _, c := range h.chunks {
		for i, p := range c.parts {
			v := c.vals[i*width : (i+1)*width]
			copy(row, v[:h.cols])
			row[h.cols+lineageSheet], row[h.cols+lineageRow] = v[h.cols], v[h.cols+1]
			if err := w.Write(p, row); err != nil {
				return err
			}
		}
	}
	return nil
}

// partitions lists the partitions the rows are in, in order of first row.
func (h *heldRows) partitions() []string {
	var out []string
	for _, c := range h.chunks {
		for _, p := range c.parts {
			if len(out) == 0 || out[len(out)-1] != p && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// release hands the chunks back, cleared, once the rows are written.
func (h *heldRows) release() {
	for _, c := range h.chunks {
		c.reset()
		heldChunks.put(c)
	}
	h.chunks = nil
}

// heldChunk is the rows of one chunk of held rows.
const heldChunk = 256

// heldChunks recycles chunks from one held input to the next: a run of
// a thousand logger dumps would otherwise allocate half a megabyte each.
var heldChunks = &rowPool{rows: heldChunk}

type rowBatch struct {
	vals  []lake.Value
	parts []string
}

// reset empties the batch, cleared as far as it was used, so that a
// recycled batch holds no strings of the input it carried.
func (rb *rowBatch) reset() {
	clear(rb.vals)
	clear(rb.parts)
	rb.vals, rb.parts = rb.vals[:0], rb.parts[:0]
}

// rowPool recycles row batches of one size across inputs.
type rowPool struct {
	rows int
	pool sync.Pool
}

// get returns an empty batch with room for the pool's rows of width values.
func (p *rowPool) get(width int) *rowBatch {
	if rb, ok := p.pool.Get().(*rowBatch); ok && cap(rb.vals) >= p.rows*width {
		return rb
	}
	return &rowBatch{vals: make([]lake.Value, 0, p.rows*width), parts: make([]string, 0, p.rows)}
}

// put takes back a batch that was reset.
func (p *rowPool) put(rb *rowBatch) { p.pool.Put(rb) }

const batchRows = 2048

// writeBatches is how many row batches circulate between validation and
// encoding: with room for a few, neither side stops at every batch to
// wait for the other (measured: a sixth faster on one large file than 3).
const writeBatches = 6

// batches recycles row batches across inputs: a run of many small logger
// files otherwise allocates and clears megabytes per file that its few
// hundred rows never touch.
var batches = &rowPool{rows: batchRows}

func newBatchWriter(w *lake.PartitionedWriter, width int) *batchWriter {
	b := &batchWriter{w: w, width: width, todo: make(chan *rowBatch, writeBatches-1), free: make(chan *rowBatch, writeBatches), done: make(chan error, 1)}
	for i := 0; i < writeBatches; i++ {
		b.free <- batches.get(width)
	}
	go func() {
		var err error
		for rb := range b.todo {
			for i := 0; err == nil && i < len(rb.parts); i++ {
				err = w.Write(rb.parts[i], rb.vals[i*width:(i+1)*width])
			}
			rb.reset()
			b.free <- rb
		}
		b.done <- err
	}()
	return b
}

// add copies one row into the current batch.
func (b *batchWriter) add(part string, row []lake.Value) error {
	if b.cur == nil {
		select {
		case b.cur = <-b.free:
		case err := <-b.done:
			// The writer stopped early: it failed.
			b.shut, b.err = true, err
			return err
		}
	}
	b.cur.vals = append(b.cur.vals, row...)
	b.cur.parts = append(b.cur.parts, part)
	if len(b.cur.parts) == batchRows {
		b.todo <- b.cur
		b.cur = nil
	}
	return nil
}

// close flushes the last batch and waits for the writer; it returns the
// first write error.
func (b *batchWriter) close() error {
	if b.shut {
		return b.err
	}
	b.shut = true
	if b.cur != nil && len(b.cur.parts) > 0 {
		b.todo <- b.cur
	}
	close(b.todo)
	b.err = <-b.done
	// The writer has returned every batch to free, cleared: recycle them.
	for len(b.free) > 0 {
		batches.put(<-b.free)
	}
	return b.err
}

// jobState keeps a connector's state in the lake, beside what it fed.
type jobState struct {
	lake lake.Lake
	job  string
}

func (s jobState) Load() ([]byte, error) { return s.lake.ReadState(s.job) }
func (s jobState) Save(b []byte) error   { return s.lake.WriteState(s.job, b) }
