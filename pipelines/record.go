package pipelines

import (
	"fmt"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

// QuarantineColumns is the schema of rejected rows: enough to find the
// cell in the file the department sent and to tell them how to fix it.
var QuarantineColumns = []lake.Column{
	{Name: "dataset", Type: lake.String},
	{Name: "department", Type: lake.String},
	{Name: "source", Type: lake.String},
	{Name: "file", Type: lake.String},
	{Name: "checksum", Type: lake.String},
	{Name: "sheet", Type: lake.String},
	{Name: "row", Type: lake.Int64},
	{Name: "column", Type: lake.String},
	{Name: "value", Type: lake.String},
	{Name: "reason", Type: lake.String},
	{Name: "reason_zh", Type: lake.String},
	{Name: "run_id", Type: lake.String},
	{Name: "submitted_at", Type: lake.Timestamp},
	{Name: "ingested_at", Type: lake.Timestamp},
}

// quarantine streams the rejected rows of one input to its quarantine
// file, opened at the first problem: a file of a million bad rows costs no
// more memory than one of ten.
type quarantine struct {
	lake  lake.Lake
	ds    *Dataset
	job   Job
	it    connectors.Item
	sum   string
	runID string
	at    time.Time
	id    string

	f *lake.AtomicFile
	w *lake.RowWriter
	n int64 // problems of the input, listed or not
	// unlisted counts the problems past quarantinePerFile.
	unlisted int64
}

// quarantinePerFile is how many problems of one input the quarantine
// lists row by row; past it they are counted, and a last row says how many
// more there are (the file itself is kept whole in the raw area). A file
// of a million bad rows is one mistake a million times: its first ten
// thousand say what it is, and the rest would cost memory, not insight.
const quarantinePerFile = feedbackPerFile

// add writes one problem, its texts made safe to store.
func (q *quarantine) add(p Problem) error {
	q.n++
	if q.n > quarantinePerFile {
		q.unlisted++
		return nil
	}
	if q.f == nil {
		f, err := q.lake.Create(q.lake.QuarantinePath(q.ds.Name, q.id))
		if err != nil {
			return err
		}
		q.f, q.w = f, lake.NewRowWriter(f, "quarantine", QuarantineColumns)
	}
	p = safeProblem(p)
	row := []any{q.ds.Name, departmentOf(q.job, p), safeText(q.it.Source, 1024), safeText(q.it.Name, 1024), q.sum, p.Sheet, int64(p.Row), p.Column, p.Value,
		p.Reason, nullIfEmpty(p.ReasonZh), q.runID, q.it.SubmittedAt.UTC(), q.at}
	if err := q.w.Write(row); err != nil {
		q.abort()
		return fmt.Errorf("quarantine %s: %w", q.it.Name, err)
	}
	return nil
}

// commit makes the quarantine file visible (when there was a problem),
// with a last row counting the problems not listed.
func (q *quarantine) commit() error {
	if q.f == nil {
		return nil
	}
	if q.unlisted > 0 {
		n := q.n
		q.n = 0 // list this one
		err := q.add(Problem{
			Reason:   fmt.Sprintf("%d more problems in this file are not listed (at most %d are); the file is kept whole in the raw area", q.unlisted, quarantinePerFile),
			ReasonZh: fmt.Sprintf("本文件另有%d处问题未列出（最多列出%d处），原文件已完整保存", q.unlisted, quarantinePerFile)})
		q.n = n
		if err != nil {
			return err
		}
	}
	if err := q.w.Close(); err != nil {
		q.abort()
		return fmt.Errorf("quarantine %s: %w", q.it.Name, err)
	}
	return q.f.Commit()
}

func (q *quarantine) abort() {
	if q.f != nil {
		q.f.Abort()
	}
}

// RunColumns is the schema of the run ledger.
var RunColumns = []lake.Column{
	{Name: "run_id", Type: lake.String},
	{Name: "job", Type: lake.String},
	{Name: "dataset", Type: lake.String},
	{Name: "started_at", Type: lake.Timestamp},
	{Name: "finished_at", Type: lake.Timestamp},
	{Name: "duration_ms", Type: lake.Int64},
	{Name: "items_seen", Type: lake.Int64},
	{Name: "items_new", Type: lake.Int64},
	{Name: "items_duplicate", Type: lake.Int64},
	{Name: "items_rejected", Type: lake.Int64},
	{Name: "rows_read", Type: lake.Int64},
	{Name: "rows_accepted", Type: lake.Int64},
	{Name: "rows_rejected", Type: lake.Int64},
	{Name: "status", Type: lake.String},
	{Name: "error", Type: lake.String},
}

func (r *Runner) writeLedger(res RunResult) error {
	path := r.Lake.RunPath(res.StartedAt.In(r.Loc).Format("2006-01-02"), res.RunID)
	f, err := lake.Create(path)
	if err != nil {
		return err
	}
	w := lake.NewRowWriter(f, "runs", RunColumns)
	var errText any
	if res.Error != "" {
		errText = res.Error
	}
	row := []any{res.RunID, res.Job, res.Dataset, res.StartedAt.UTC(), res.FinishedAt.UTC(),
		res.FinishedAt.Sub(res.StartedAt).Milliseconds(), res.ItemsSeen, res.ItemsNew, res.ItemsDuplicate, res.ItemsRejected,
		res.RowsRead, res.RowsAccepted, res.RowsRejected, res.Status, errText}
	if err := w.Write(row); err != nil {
		f.Abort()
		return fmt.Errorf("ledger %s: %w", res.RunID, err)
	}
	if err := w.Close(); err != nil {
		f.Abort()
		return fmt.Errorf("ledger %s: %w", res.RunID, err)
	}
	return f.Commit()
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// departmentOf attributes a problem: the job's department when the job is
// one department's inbox, else what the row itself says.
func departmentOf(j Job, p Problem) string {
	if j.Department != "" {
		return j.Department
	}
	if p.Department != "" {
		return p.Department
	}
	return "未注明单位"
}
