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

type quarantine struct {
	lake  lake.Lake
	ds    *Dataset
	job   Job
	it    connectors.Item
	sum   string
	runID string
	at    time.Time
}

func (q *quarantine) write(id string, probs []Problem) error {
	f, err := q.lake.Create(q.lake.QuarantinePath(q.ds.Name, id))
	if err != nil {
		return err
	}
	w := lake.NewRowWriter(f, "quarantine", QuarantineColumns)
	for _, p := range probs {
		row := []any{q.ds.Name, departmentOf(q.job, p), q.it.Source, q.it.Name, q.sum, p.Sheet, int64(p.Row), p.Column, p.Value, p.Reason, nullIfEmpty(p.ReasonZh), q.runID, q.it.SubmittedAt.UTC(), q.at}
		if err := w.Write(row); err != nil {
			f.Abort()
			return fmt.Errorf("quarantine %s: %w", q.it.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		f.Abort()
		return fmt.Errorf("quarantine %s: %w", q.it.Name, err)
	}
	return f.Commit()
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
